#include "samdsim/result_compact.hpp"

#include <algorithm>
#include <vector>

#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/hdf5_file.hpp"

namespace samdsim {

using hdf5::check;
using hdf5::Id;

OutputsKept parse_outputs_kept(const std::string& text) {
  if (text == "all") return OutputsKept::all;
  if (text == "bands") return OutputsKept::bands;
  if (text == "summary") return OutputsKept::summary;
  throw InputError("--outputs: expected all, bands or summary, got '" + text + "'" +
                   did_you_mean(text, {"all", "bands", "summary"}));
}

const char* outputs_kept_name(OutputsKept kept) {
  switch (kept) {
    case OutputsKept::all: return "all";
    case OutputsKept::bands: return "bands";
    case OutputsKept::summary: return "summary";
  }
  return "all";
}

namespace {

bool dropped(const std::string& name, OutputsKept kept) {
  if (name == "timeseries") return kept != OutputsKept::all;
  if (name == "replicates" || name == "parameters") return kept == OutputsKept::summary;
  return false;
}

// Every attribute of `src` onto `dst`, whatever its type (variable-length
// strings included): read and written in the attribute's own file type.
void copy_attributes(hid_t src, hid_t dst) {
  for (const auto& name : hdf5::attribute_names(src)) {
    const std::string context = "cannot copy attribute '" + name + "' of " + hdf5::describe(src);
    Id a = check(H5Aopen(src, name.c_str(), H5P_DEFAULT), context);
    Id type = check(H5Aget_type(a.get()), context);
    Id space = check(H5Aget_space(a.get()), context);
    const hssize_t points = H5Sget_simple_extent_npoints(space.get());
    std::vector<unsigned char> buffer(H5Tget_size(type.get()) * static_cast<std::size_t>(std::max<hssize_t>(points, 1)));
    check(H5Aread(a.get(), type.get(), buffer.data()), context);
    Id b = check(H5Acreate2(dst, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), context);
    const herr_t written = H5Awrite(b.get(), type.get(), buffer.data());
    if (H5Tdetect_class(type.get(), H5T_VLEN) > 0 || H5Tis_variable_str(type.get()) > 0)
      H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, buffer.data());
    check(written, context);
  }
}

// A dataset with its type, shape, creation properties (chunks, filters,
// fill value) and attributes, its values copied in slabs of rows so memory
// stays bounded. (H5Ocopy would be shorter, but HDF5 1.10 crashes in it on
// variable-length attributes held in dense storage.)
void copy_dataset(hid_t src_group, hid_t dst_group, const std::string& name) {
  const std::string context = "cannot copy dataset '" + name + "' of " + hdf5::describe(src_group);
  Id src = hdf5::open_dataset(src_group, name);
  Id type = check(H5Dget_type(src.get()), context);
  Id space = check(H5Dget_space(src.get()), context);
  Id dcpl = check(H5Dget_create_plist(src.get()), context);
  Id dst = check(H5Dcreate2(dst_group, name.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                 context);
  copy_attributes(src.get(), dst.get());
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  const bool variable = H5Tdetect_class(type.get(), H5T_VLEN) > 0 || H5Tis_variable_str(type.get()) > 0;
  const std::size_t element = H5Tget_size(type.get());
  hsize_t row_size = 1;
  for (int d = 1; d < rank; ++d) row_size *= dims[static_cast<std::size_t>(d)];
  const hsize_t rows = rank == 0 ? 1 : dims[0];
  // About 8 MiB a slab; variable-length data (small tables) in one piece.
  const hsize_t slab = variable || rank == 0 ? rows : std::max<hsize_t>(1, (hsize_t{8} << 20) / (element * row_size));
  std::vector<unsigned char> buffer;
  for (hsize_t r0 = 0; r0 < rows; r0 += slab) {
    const hsize_t n = std::min(slab, rows - r0);
    Id file_space = check(H5Dget_space(src.get()), context);
    Id out_space = check(H5Dget_space(dst.get()), context);
    Id mem_space;
    if (rank == 0) {
      mem_space = check(H5Screate(H5S_SCALAR), context);
    } else {
      std::vector<hsize_t> start(dims.size(), 0), count = dims;
      start[0] = r0;
      count[0] = n;
      check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr), context);
      check(H5Sselect_hyperslab(out_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr), context);
      mem_space = check(H5Screate_simple(rank, count.data(), nullptr), context);
    }
    buffer.assign(element * n * row_size, 0);
    if (H5Dread(src.get(), type.get(), mem_space.get(), file_space.get(), H5P_DEFAULT, buffer.data()) < 0)
      throw InputError(context + ": " + hdf5::error_detail() + "; the file is damaged");
    const herr_t written =
        H5Dwrite(dst.get(), type.get(), mem_space.get(), out_space.get(), H5P_DEFAULT, buffer.data());
    if (variable) H5Dvlen_reclaim(type.get(), mem_space.get(), H5P_DEFAULT, buffer.data());
    check(written, context);
  }
}

// The members of group `src` into group `dst`, without the dropped
// datasets (in the root and in every sweep point).
void copy_members(hid_t src, hid_t dst, OutputsKept kept, const std::string& at, const std::string& replaced) {
  for (const auto& name : hdf5::member_names(src)) {
    const std::string path = at.empty() ? name : at + "/" + name;
    if (dropped(name, kept) || path == replaced) continue;
    // A file being copied may be an input: only what it stores is copied.
    H5L_info_t link;
    if (H5Lget_info(src, name.c_str(), &link, H5P_DEFAULT) < 0 || link.type != H5L_TYPE_HARD) {
      H5Eclear2(H5E_DEFAULT);
      throw InputError("'" + name + "' under " + hdf5::describe(src) +
                       " is a link, not an object stored in the file: the file is damaged");
    }
    H5O_info_t info;
    check(H5Oget_info_by_name(src, name.c_str(), &info, H5P_DEFAULT), "cannot inspect '" + name + "'");
    if (info.type == H5O_TYPE_GROUP) {
      Id from = hdf5::open_group(src, name);
      Id to = hdf5::create_group(dst, name);
      copy_attributes(from.get(), to.get());
      copy_members(from.get(), to.get(), kept, path, replaced);
    } else if (info.type == H5O_TYPE_DATASET) {
      copy_dataset(src, dst, name);
    }
  }
}

}  // namespace

void copy_result_file(const std::filesystem::path& from, const std::filesystem::path& to, OutputsKept kept,
                      const std::string& replaced) {
  hdf5::initialize();
  const std::string context = "cannot copy '" + from.string() + "' to '" + to.string() + "'";
  Id source = check(H5Fopen(from.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), context);
  Id fcpl = hdf5::ordered_file_creation_plist();
  // Exclusive: never through a name or link that already exists.
  Id target = check(H5Fcreate(to.c_str(), H5F_ACC_EXCL, fcpl.get(), H5P_DEFAULT), context);
  Id src_root = hdf5::open_group(source.get(), "/");
  Id dst_root = hdf5::open_group(target.get(), "/");
  copy_attributes(src_root.get(), dst_root.get());
  hdf5::write_string_attribute(dst_root.get(), "outputs", outputs_kept_name(kept));
  copy_members(src_root.get(), dst_root.get(), kept, "", replaced);
  src_root.reset();
  dst_root.reset();
  check(H5Fflush(target.get(), H5F_SCOPE_GLOBAL), context);
  target.close(context);
}

}  // namespace samdsim
