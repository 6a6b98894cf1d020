#pragma once

// Thin RAII and error handling over the HDF5 C API: every identifier is owned
// by an hdf5::Id, and every failing call becomes an InternalError that names
// the object and file, with the library's own innermost message.

#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace samdsim::hdf5 {

// Owns one identifier (file, group, dataset, dataspace, datatype, attribute or
// property list) and closes it with the matching call.
class Id {
 public:
  Id() = default;
  explicit Id(hid_t id) : id_(id) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  Id(Id&& other) noexcept : id_(other.release()) {}
  Id& operator=(Id&& other) noexcept;
  ~Id() { reset(); }

  hid_t get() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }
  hid_t release() noexcept;
  void reset() noexcept;  // closes, ignoring failure (destructors, error paths)
  // Closes and throws InternalError on failure: closing a file is where its
  // buffered data reaches the disk, so a full disk shows up here.
  void close(const std::string& context);

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Prepares the library for our use; every entry point (writer, reader) calls
// it, and it must come before any other HDF5 call of the process to take full
// effect. It turns off the automatic printing of the error stack (we report
// errors ourselves; per thread, so a thread that calls HDF5 calls this
// first) and the library's exit-time cleanup: after a failed write
// (full disk) HDF5 1.10 cannot close the file, and its cleanup at exit then
// crashes instead of letting the program exit with status 1. Our files are
// always closed explicitly, so the cleanup has nothing else to do.
void initialize();

// The innermost message on the HDF5 error stack (e.g. "... errno = 28, error
// message = 'No space left on device'"), then clears the stack.
std::string error_detail();

[[noreturn]] void fail(const std::string& context);
[[noreturn]] void fail(const std::string& context, const std::string& detail);  // detail: error_detail()
Id check(hid_t id, const std::string& context);
void check(herr_t status, const std::string& context);

// The same with the context built only on failure, by a callable returning
// it: calls on the normal path then never describe an object (two name
// look-ups in the file) for a message nobody reads. The error stack is read
// before the context is built, since describe() clears it.
template <typename Context>
  requires std::is_invocable_r_v<std::string, const Context&>
[[noreturn]] void fail_with(const Context& context) {
  const std::string detail = error_detail();
  fail(context(), detail);
}
template <typename Context>
  requires std::is_invocable_r_v<std::string, const Context&>
Id check(hid_t id, const Context& context) {
  if (id < 0) fail_with(context);
  return Id(id);
}
template <typename Context>
  requires std::is_invocable_r_v<std::string, const Context&>
void check(herr_t status, const Context& context) {
  if (status < 0) fail_with(context);
}

// "'/replicates/x' in 'out.h5'" — for error messages.
std::string describe(hid_t object);

// Property lists for files and groups whose members (links and attributes)
// keep their creation order, so readers list outputs as the model declared them.
Id ordered_file_creation_plist();
Id create_group(hid_t parent, const std::string& name);

bool link_exists(hid_t parent, const std::string& name);
Id open_group(hid_t parent, const std::string& name);
Id open_dataset(hid_t parent, const std::string& name);

// Names of a group's members in creation order where the file tracks it,
// otherwise in name order.
std::vector<std::string> member_names(hid_t group);

// Current extent of a dataset (1 or 2 dimensions).
std::vector<hsize_t> dataset_shape(hid_t dataset);

// Reads rows [row0, row0 + rows) and columns [col0, col0 + cols) of a 1-D
// (cols must be 1) or 2-D numeric dataset into `out` (rows * cols values,
// row-major), converted to double. Elements equal to the dataset's
// `missing_value` attribute become NaN.
void read_doubles(hid_t dataset, hsize_t row0, hsize_t rows, hsize_t col0, hsize_t cols, std::span<double> out);

}  // namespace samdsim::hdf5
