#include "samdsim/hdf5_file.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"

namespace samdsim::hdf5 {

Id& Id::operator=(Id&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = other.release();
  }
  return *this;
}

hid_t Id::release() noexcept { return std::exchange(id_, H5I_INVALID_HID); }

namespace {
herr_t close_any(hid_t id) {
  switch (H5Iget_type(id)) {
    case H5I_FILE:
      return H5Fclose(id);
    case H5I_GROUP:
      return H5Gclose(id);
    case H5I_DATASET:
      return H5Dclose(id);
    case H5I_DATASPACE:
      return H5Sclose(id);
    case H5I_DATATYPE:
      return H5Tclose(id);
    case H5I_ATTR:
      return H5Aclose(id);
    case H5I_GENPROP_LST:
      return H5Pclose(id);
    default:
      return H5Idec_ref(id) < 0 ? -1 : 0;
  }
}
}  // namespace

void Id::reset() noexcept {
  const hid_t id = release();
  // A file closed with the strong close degree has already closed its
  // objects; their identifiers are then simply invalid.
  if (id >= 0 && H5Iis_valid(id) > 0) close_any(id);
  H5Eclear2(H5E_DEFAULT);
}

void Id::close(const std::string& context) {
  const hid_t id = release();
  if (id < 0 || H5Iis_valid(id) <= 0) return;
  check(close_any(id), context);
}

void initialize() {
  static const bool initialized = [] {
    H5dont_atexit();  // fails harmlessly when another component initialized HDF5 first
    return true;
  }();
  // A thread-safe HDF5 (Debian's) keeps the error stack, and whether it is
  // printed, per thread: silenced on every thread that calls the library
  // (the writer runs on a worker thread while the run goes on).
  thread_local const bool quiet = H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0;
  (void)initialized;
  (void)quiet;
}

namespace {
struct ErrorEnds {
  std::string outermost;  // what the API call was doing
  std::string innermost;  // where the error was first detected
};

herr_t collect_error(unsigned n, const H5E_error2_t* err, void* data) {
  auto* ends = static_cast<ErrorEnds*>(data);
  const std::string desc = err->desc ? err->desc : "";
  if (n == 0) ends->innermost = desc;
  if (!desc.empty()) ends->outermost = desc;
  return 0;
}

// The operating system's reason ("No space left on device") when HDF5
// reports one; otherwise HDF5's innermost description on one line.
std::string reason(const std::string& innermost) {
  const std::string key = "error message = '";
  if (const auto at = innermost.find(key); at != std::string::npos) {
    const auto begin = at + key.size();
    return innermost.substr(begin, innermost.find('\'', begin) - begin);
  }
  std::string line = innermost;
  std::replace(line.begin(), line.end(), '\n', ' ');
  return line;
}
}  // namespace

std::string error_detail() {
  ErrorEnds ends;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_error, &ends);
  H5Eclear2(H5E_DEFAULT);
  if (ends.outermost.empty()) return "unknown HDF5 error";
  const std::string why = reason(ends.innermost);
  if (why.empty() || why == ends.outermost) return ends.outermost;
  return ends.outermost + " (" + why + ")";
}

void fail(const std::string& context) { fail(context, error_detail()); }

void fail(const std::string& context, const std::string& detail) {
  throw InternalError("HDF5: " + context + ": " + detail);
}

Id check(hid_t id, const std::string& context) {
  if (id < 0) fail(context);
  return Id(id);
}

void check(herr_t status, const std::string& context) {
  if (status < 0) fail(context);
}

namespace {
template <typename Getter>
std::string get_name(Getter getter, hid_t id) {
  const ssize_t size = getter(id, nullptr, 0);
  if (size <= 0) return "";
  std::string s(static_cast<std::size_t>(size) + 1, '\0');
  getter(id, s.data(), s.size());
  s.resize(static_cast<std::size_t>(size));
  return s;
}
}  // namespace

std::string describe(hid_t object) {
  const std::string name = get_name(H5Iget_name, object);
  const std::string file = get_name(H5Fget_name, object);
  H5Eclear2(H5E_DEFAULT);
  if (file.empty()) return "'" + name + "'";
  return "'" + (name.empty() ? "/" : name) + "' in '" + file + "'";
}

namespace {
void track_creation_order(hid_t plist) {
  const unsigned flags = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
  check(H5Pset_link_creation_order(plist, flags), "cannot set link creation order");
  check(H5Pset_attr_creation_order(plist, flags), "cannot set attribute creation order");
}
}  // namespace

Id ordered_file_creation_plist() {
  Id plist = check(H5Pcreate(H5P_FILE_CREATE), "cannot create a file creation property list");
  track_creation_order(plist.get());
  return plist;
}

Id create_group(hid_t parent, const std::string& name) {
  Id plist = check(H5Pcreate(H5P_GROUP_CREATE), "cannot create a group creation property list");
  track_creation_order(plist.get());
  return check(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, plist.get(), H5P_DEFAULT),
               [&] { return "cannot create group '" + name + "' under " + describe(parent); });
}

bool link_exists(hid_t parent, const std::string& name) {
  // H5Lexists needs every intermediate group of a path to exist.
  std::string prefix = name.starts_with('/') ? "/" : "";
  std::size_t pos = prefix.size();
  while (pos <= name.size()) {
    const std::size_t slash = std::min(name.find('/', pos), name.size());
    prefix += name.substr(pos, slash - pos);
    if (H5Lexists(parent, prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    prefix += '/';
    pos = slash + 1;
  }
  return true;
}

Id open_group(hid_t parent, const std::string& name) {
  return check(H5Gopen2(parent, name.c_str(), H5P_DEFAULT),
               [&] { return "cannot open group '" + name + "' in " + describe(parent); });
}

Id open_dataset(hid_t parent, const std::string& name) {
  return check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT),
               [&] { return "cannot open dataset '" + name + "' in " + describe(parent); });
}

namespace {
// HDF5 1.12 renamed the link-iteration API; 1.10 (Debian 12) has the old one.
#if H5_VERSION_GE(1, 12, 0)
using LinkInfo = H5L_info2_t;
constexpr auto iterate_links = H5Literate2;
#else
using LinkInfo = H5L_info_t;
constexpr auto iterate_links = H5Literate;
#endif

herr_t collect_name(hid_t, const char* name, const LinkInfo*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}
}  // namespace

std::vector<std::string> member_names(hid_t group) {
  std::vector<std::string> names;
  if (iterate_links(group, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect_name, &names) >= 0) return names;
  names.clear();
  H5Eclear2(H5E_DEFAULT);
  check(iterate_links(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names),
        "cannot list the members of " + describe(group));
  return names;
}

std::vector<hsize_t> dataset_shape(hid_t dataset) {
  Id space = check(H5Dget_space(dataset), [&] { return "cannot get the dataspace of " + describe(dataset); });
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail_with([&] { return "cannot get the rank of " + describe(dataset); });
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0)
    check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr),
          [&] { return "cannot get the shape of " + describe(dataset); });
  return dims;
}

void read_doubles(hid_t dataset, hsize_t row0, hsize_t rows, hsize_t col0, hsize_t cols, std::span<double> out) {
  if (out.size() != rows * cols) throw InternalError("read_doubles: output size does not match the selection");
  if (rows == 0 || cols == 0) return;
  const std::string what = describe(dataset);
  Id file_space = check(H5Dget_space(dataset), "cannot get the dataspace of " + what);
  const int rank = H5Sget_simple_extent_ndims(file_space.get());
  if (rank != 1 && rank != 2) throw InternalError("HDF5: " + what + " is not a 1-D or 2-D dataset");
  if (rank == 1 && (col0 != 0 || cols != 1)) throw InternalError("HDF5: " + what + " has no columns to select");
  const hsize_t start[2] = {row0, col0};
  const hsize_t count[2] = {rows, cols};
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
        "cannot select rows of " + what);
  const hsize_t n = rows * cols;
  Id mem_space = check(H5Screate_simple(1, &n, nullptr), "cannot create a memory dataspace");
  // A read fails on data, not on the program: a chunk whose checksum no
  // longer matches, or one the storage cannot return.
  if (H5Dread(dataset, H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(), H5P_DEFAULT, out.data()) < 0)
    throw InputError("cannot read " + what + ": " + error_detail() + "; the file is damaged");
  if (const auto missing = read_double_attribute(dataset, "missing_value"); missing && !std::isnan(*missing))
    for (double& v : out)
      if (v == *missing) v = std::numeric_limits<double>::quiet_NaN();
}

}  // namespace samdsim::hdf5
