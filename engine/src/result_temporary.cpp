// The temporary file a ResultWriter writes beside the final path, and how a
// writer knows the file at that path is still its own.
#include <sys/stat.h>

#include "samdsim/result_writer.hpp"

#include "samdsim/error.hpp"

namespace samdsim {

namespace fs = std::filesystem;

fs::path ResultWriter::partial_path(const fs::path& final_path) {
  return final_path.parent_path() / (final_path.filename().string() + ".partial");
}

namespace {
bool file_identity(const fs::path& path, std::uint64_t& device, std::uint64_t& inode) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  device = static_cast<std::uint64_t>(st.st_dev);
  inode = static_cast<std::uint64_t>(st.st_ino);
  return true;
}
}  // namespace

void ResultWriter::claim_temporary() {
  if (!file_identity(temp_path_, temp_device_, temp_inode_))
    throw InternalError("cannot find the result file '" + temp_path_.string() + "' just created");
}

bool ResultWriter::owns_temporary() const {
  std::uint64_t device = 0, inode = 0;
  return file_identity(temp_path_, device, inode) && device == temp_device_ && inode == temp_inode_;
}

void ResultWriter::remove_temporary() noexcept {
  std::error_code ec;
  if (owns_temporary()) fs::remove(temp_path_, ec);
  files::unregister_temporary(temp_path_);
}

}  // namespace samdsim
