#include "samdsim/output_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <random>

#include <fmt/format.h>

#include "samdsim/error.hpp"

namespace samdsim::files {

namespace fs = std::filesystem;

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

fs::path directory_of(const fs::path& p) { return p.has_parent_path() ? p.parent_path() : fs::path("."); }

}  // namespace

void require_regular_input(const fs::path& path, std::string_view what, std::uintmax_t max_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw InputError(fmt::format("{} {} cannot be read: {}", what, quoted(path), std::strerror(errno)));
  if (!S_ISREG(st.st_mode))
    throw InputError(fmt::format("{} {} is {}, not a regular file", what, quoted(path), kind_of(st.st_mode)));
  if (max_bytes > 0 && static_cast<std::uintmax_t>(st.st_size) > max_bytes)
    throw InputError(fmt::format("{} {} has {} bytes; at most {} are read", what, quoted(path),
                                 static_cast<std::uintmax_t>(st.st_size), max_bytes));
}

void require_regular_output(const fs::path& path, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;  // a new name (or a dangling link, replaced by the rename)
  if (!S_ISREG(st.st_mode))
    throw InputError(fmt::format("{} {} is {}; give the name of a new or earlier result file such as result.h5", what,
                                 quoted(path), kind_of(st.st_mode)));
}

fs::path temporary_name(const fs::path& final_path, std::string_view tag) {
  static thread_local std::mt19937_64 bits{std::random_device{}()};
  return directory_of(final_path) /
         fmt::format("{}.{}-{:012x}.tmp", final_path.filename().string(), tag, bits() & 0xffffffffffffULL);
}

bool is_temporary_of(const std::string& name, const std::string& final_name) {
  // "<final>.<tag>-<12 hex digits>.tmp", the tag made of letters
  constexpr std::size_t suffix = 17;  // "-" + 12 hex digits + ".tmp"
  if (name.size() < final_name.size() + 2 + suffix || name.compare(0, final_name.size(), final_name) != 0 ||
      name[final_name.size()] != '.' || !name.ends_with(".tmp") || name[name.size() - suffix] != '-')
    return false;
  const std::string_view tag(name.data() + final_name.size() + 1, name.size() - final_name.size() - 1 - suffix);
  const std::string_view hex(name.data() + name.size() - 16, 12);
  return tag.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string_view::npos &&
         hex.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

void copy_file_exclusive(const fs::path& from, const fs::path& to) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw InternalError(fmt::format("cannot read {}: {}", quoted(from), std::strerror(errno)));
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (out < 0) {
    const int e = errno;
    ::close(in);
    throw InternalError(fmt::format("cannot create {}: {}", quoted(to), std::strerror(e)));
  }
  std::array<char, 1 << 16> buffer;
  int error = 0;
  for (;;) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    for (ssize_t done = 0; done < n && error == 0;) {
      const ssize_t w = ::write(out, buffer.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno != EINTR) error = errno;
      if (w > 0) done += w;
    }
    if (error != 0) break;
  }
  if (error == 0 && ::fsync(out) != 0) error = errno;
  ::close(in);
  if (::close(out) != 0 && error == 0) error = errno;
  if (error != 0) {
    ::unlink(to.c_str());
    throw InternalError(fmt::format("cannot copy {} to {}: {}", quoted(from), quoted(to), std::strerror(error)));
  }
}

void sync_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int e = errno;
    if (fd >= 0) ::close(fd);
    throw InternalError(fmt::format("cannot flush {} to disk: {}", quoted(path), std::strerror(e)));
  }
  ::close(fd);
}

void start_writeback(int fd) noexcept {
#if defined(__linux__)
  if (fd >= 0) (void)::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
  (void)fd;
#endif
}

void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);  // EINVAL on file systems without directory fsync: the rename stands regardless
  ::close(fd);
}

void durable_rename(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    throw InternalError(fmt::format("cannot rename {} to {}: {}", quoted(from), quoted(to), std::strerror(errno)));
  sync_directory(directory_of(to));
}

// ---------------------------------------------------------------------------

fs::path OutputLock::lock_path(const fs::path& final_path) {
  return directory_of(final_path) / (final_path.filename().string() + ".lock");
}

namespace {

bool same_file(int fd, const fs::path& path) {
  struct stat held {}, named {};
  return ::fstat(fd, &held) == 0 && ::lstat(path.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
         held.st_ino == named.st_ino;
}

void remove_stray_temporaries(const fs::path& final_path) {
  const std::string final_name = final_path.filename().string();
  std::error_code ec;
  for (fs::directory_iterator it(directory_of(final_path), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (is_temporary_of(name, final_name) && it->is_regular_file(ec) && !it->is_symlink(ec)) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
}

}  // namespace

OutputLock::OutputLock(const fs::path& final_path) : path_(lock_path(final_path)) {
  // A holder removes the lock file before releasing it; a process that opened
  // the old file then holds a lock on a name that no longer exists, so it
  // checks that the name still leads to the file it locked, and else retries.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
      throw InputError(fmt::format("cannot create result file {} in directory {}: cannot create its lock file {}: {}",
                                   quoted(final_path), quoted(directory_of(final_path)), quoted(path_),
                                   std::strerror(errno)));
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    if (::fcntl(fd, F_OFD_SETLK, &lock) != 0) {
      const int e = errno;
      ::close(fd);
      if (e == EAGAIN || e == EACCES)
        throw InputError(fmt::format("another samdsim process is writing {} (it holds {}); wait for it to end, or "
                                     "give another output name",
                                     quoted(final_path), quoted(path_)));
      std::cerr << fmt::format("samdsim: warning: the file system of {} does not support locks ({}); nothing "
                               "stops another process writing the same output at the same time\n",
                               quoted(path_), std::strerror(e));
      path_.clear();
      return;
    }
    if (same_file(fd, path_)) {
      fd_ = fd;
      remove_stray_temporaries(final_path);
      return;
    }
    ::close(fd);
  }
  throw InputError("cannot take the lock " + quoted(path_) + ": it keeps being replaced");
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());
  ::close(fd_);
}

void replace_file(const fs::path& path, std::string_view tag, const std::function<void(const fs::path&)>& fill) {
  const OutputLock lock(path);
  const fs::path tmp = temporary_name(path, tag);
  register_temporary(tmp);
  try {
    fill(tmp);
    sync_file(tmp);
    durable_rename(tmp, path);
    unregister_temporary(tmp);
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    unregister_temporary(tmp);
    throw;
  }
}

// ---------------------------------------------------------------------------

namespace {

constexpr std::size_t registry_slots = 8;
struct Slot {
  std::atomic<bool> used{false};
  char path[4096] = {};
};
std::array<Slot, registry_slots> registry;

}  // namespace

void register_temporary(const fs::path& path) noexcept {
  const std::string& text = path.native();
  if (text.size() >= sizeof(Slot::path)) return;
  for (auto& slot : registry) {
    if (slot.used.load(std::memory_order_acquire)) continue;
    std::memcpy(slot.path, text.c_str(), text.size() + 1);
    slot.used.store(true, std::memory_order_release);
    return;
  }
}

void unregister_temporary(const fs::path& path) noexcept {
  for (auto& slot : registry)
    if (slot.used.load(std::memory_order_acquire) && path.native() == slot.path)
      slot.used.store(false, std::memory_order_release);
}

void remove_registered_temporaries() noexcept {
  for (auto& slot : registry)
    if (slot.used.load(std::memory_order_acquire)) ::unlink(slot.path);
}

}  // namespace samdsim::files
