#pragma once

// How samdsim touches the file system around its results: inputs that must
// be regular files, temporary files created only under fresh names (never
// through a name or link that already exists), an output lock of samdsim's
// own, and durable renames.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace samdsim::files {

// A path as messages show it: in single quotes.
std::string quoted(const std::filesystem::path& path);

// InputError unless `path` names an existing regular file (after following
// links) of at most `max_bytes` bytes (0: no limit). A FIFO, device,
// socket or directory is refused at once, before anything opens it.
// `what` names its role in the message ("config file", "result file").
void require_regular_input(const std::filesystem::path& path, std::string_view what, std::uintmax_t max_bytes = 0);

// InputError when `path` exists and is not a regular file: an output is only
// ever written to a new name or over an earlier result.
void require_regular_output(const std::filesystem::path& path, std::string_view what);

// "<dir>/<final name>.<tag>-<random>.tmp": a name beside `final_path` that
// nothing else uses; the caller must still create it exclusively.
std::filesystem::path temporary_name(const std::filesystem::path& final_path, std::string_view tag);

// Whether `name` (a file name, no directory) is a temporary of `final_name`.
bool is_temporary_of(const std::string& name, const std::string& final_name);

// Copies the bytes of `from` into a new file at `to`, created with
// O_CREAT|O_EXCL|O_NOFOLLOW and flushed to disk. InternalError on failure
// (nothing is left at `to`).
void copy_file_exclusive(const std::filesystem::path& from, const std::filesystem::path& to);

// fsync of a file, and of a directory so that renames and unlinks in it
// survive a crash. InternalError when the file cannot be flushed; a
// directory that refuses fsync (some network file systems) is tolerated.
void sync_file(const std::filesystem::path& path);
void sync_directory(const std::filesystem::path& dir);

// Starts writing the dirty pages of the open file `fd` to disk without
// waiting for them (Linux sync_file_range), so that a later fsync has little
// left to wait for. Advisory: where it is not available or fails, nothing
// happens, and the fsync still flushes everything.
void start_writeback(int fd) noexcept;

// Renames `from` onto `to` (atomically replacing it) and flushes the
// directory. InternalError naming both on failure.
void durable_rename(const std::filesystem::path& from, const std::filesystem::path& to);

// Writes the file at `path` as samdsim writes every output: holding the
// output lock, `fill` writes a fresh temporary beside it (it must create that
// file exclusively, e.g. with HDF5's H5F_ACC_EXCL, and close it), which is
// then flushed and renamed onto `path`. On any error or stop signal the
// temporary is removed and `path` is left as it was.
void replace_file(const std::filesystem::path& path, std::string_view tag,
                  const std::function<void(const std::filesystem::path& temporary)>& fill);

// samdsim's own lock on an output path, held as long as the object lives:
// an open file description lock on "<final>.lock". A second process that
// asks for the same output is refused at once (InputError naming the path),
// so two runs, resumes, merges or sensitivity analyses never write one
// result or partial file at the same time, whether or not HDF5's own file
// locking is on. While the lock is held, temporaries that killed processes
// left beside the output are removed. Where the file system does not
// support locks, a warning is printed and the work goes on unlocked.
class OutputLock {
 public:
  explicit OutputLock(const std::filesystem::path& final_path);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  static std::filesystem::path lock_path(const std::filesystem::path& final_path);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

// Temporaries that a signal must not leave behind: registered while they
// exist; remove_registered_temporaries() unlinks them and is
// async-signal-safe (at most 8 are registered at once; more are not tracked).
// Registration is done from one thread.
void register_temporary(const std::filesystem::path& path) noexcept;
void unregister_temporary(const std::filesystem::path& path) noexcept;
void remove_registered_temporaries() noexcept;

}  // namespace samdsim::files
