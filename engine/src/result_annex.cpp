#include "samdsim/result_annex.hpp"

#include <fmt/format.h>

#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/output_files.hpp"
#include "samdsim/result_compact.hpp"
#include "samdsim/result_reader.hpp"

namespace samdsim {

using hdf5::check;
using hdf5::Id;

std::string scenario_group(hid_t file, const std::string& file_name, std::optional<std::uint64_t> point) {
  if (hdf5::link_exists(file, "points")) {
    Id pts = hdf5::open_group(file, "points");
    const std::size_t points = hdf5::member_names(pts.get()).size();
    if (!point)
      throw InputError(fmt::format("'{}' is a sweep of {} points: choose one with --point I (0..{})", file_name, points,
                                   points - 1));
    if (*point >= points)
      throw InputError(fmt::format("--point {}: '{}' has points 0..{}", *point, file_name, points - 1));
    return "points/" + std::to_string(*point);
  }
  if (point && *point != 0)
    throw InputError(fmt::format("--point {}: '{}' is not a sweep (it has no points)", *point, file_name));
  return "";
}

ReplicateGroups open_replicate_groups(hid_t file, const std::string& file_name, const std::string& group,
                                      const std::string& what) {
  Id base = group.empty() ? hdf5::open_group(file, "/") : open_stored_group(file, group, file_name);
  if (!hdf5::link_exists(base.get(), "replicates") || !hdf5::link_exists(base.get(), "parameters"))
    throw InputError(fmt::format("'{}' has no per-replicate values (/replicates and /parameters){}: re-run with "
                                 "--outputs all or bands to {}",
                                 file_name,
                                 hdf5::attribute_text(file, "outputs") == "summary" ? "; it was written with --outputs summary"
                                                                                      : "",
                                 what));
  ReplicateGroups g;
  g.replicates = open_stored_group(base.get(), "replicates", file_name);
  g.parameters = open_stored_group(base.get(), "parameters", file_name);
  g.outputs = hdf5::member_names(g.replicates.get());
  g.parameter_names = hdf5::member_names(g.parameters.get());
  // The rows the run recorded; every column must hold exactly that many
  // numbers, stored in this file (no links to elsewhere), before any is read.
  const std::uint64_t rows = hdf5::read_uint64_attribute(base.get(), "replicates").value_or(0);
  if (rows > max_replicates)
    throw InputError(fmt::format("'{}' records {} replicates, more than samdsim runs: it is damaged", file_name, rows));
  g.rows = rows;
  const auto check_column = [&](hid_t parent, const std::string& where, const std::string& name) {
    const std::string column = fmt::format("'{}': {}/{}", file_name, where, name);
    Id ds = open_stored_column(parent, name, column);
    const auto dims = hdf5::dataset_shape(ds.get());
    if (dims.size() != 1 || dims[0] != rows)
      throw InputError(fmt::format("{} has shape {} where {} values (one per replicate) are expected: the file is damaged",
                                   column, fmt::join(dims, " x "), rows));
  };
  for (const auto& o : g.outputs) check_column(g.replicates.get(), group.empty() ? "replicates" : group + "/replicates", o);
  for (const auto& p : g.parameter_names)
    check_column(g.parameters.get(), group.empty() ? "parameters" : group + "/parameters", p);
  return g;
}

Id open_stored_group(hid_t parent, const std::string& path, const std::string& file_name) {
  Id at = hdf5::open_group(parent, ".");
  std::size_t begin = 0;
  while (begin < path.size()) {
    const std::size_t end = std::min(path.find('/', begin), path.size());
    const std::string name = path.substr(begin, end - begin);
    H5L_info_t link;
    H5O_info_t info;
    if (H5Lget_info(at.get(), name.c_str(), &link, H5P_DEFAULT) < 0 || link.type != H5L_TYPE_HARD ||
        H5Oget_info_by_name(at.get(), name.c_str(), &info, H5P_DEFAULT) < 0 || info.type != H5O_TYPE_GROUP) {
      H5Eclear2(H5E_DEFAULT);
      throw InputError(fmt::format("'{}': {} is not a group stored in the file: the file is damaged", file_name,
                                   path.substr(0, end)));
    }
    at = hdf5::open_group(at.get(), name);
    begin = end + 1;
  }
  return at;
}

Id open_stored_dataset(hid_t parent, const std::string& name, const std::string& column) {
  H5L_info_t link;
  if (H5Lget_info(parent, name.c_str(), &link, H5P_DEFAULT) < 0 || link.type != H5L_TYPE_HARD) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(column + " is a link, not a dataset stored in the file");
  }
  H5O_info_t info;
  if (H5Oget_info_by_name(parent, name.c_str(), &info, H5P_DEFAULT) < 0 || info.type != H5O_TYPE_DATASET) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(column + " is not a dataset");
  }
  return hdf5::open_dataset(parent, name);
}

Id open_stored_column(hid_t parent, const std::string& name, const std::string& column) {
  Id ds = open_stored_dataset(parent, name, column);
  Id type = hdf5::check(H5Dget_type(ds.get()), "cannot read the type of " + column);
  const H5T_class_t c = H5Tget_class(type.get());
  if (c != H5T_FLOAT && c != H5T_INTEGER) throw InputError(column + " does not hold numbers");
  return ds;
}

std::vector<double> read_all_values(hid_t group, const std::string& name, hsize_t rows) {
  Id ds = hdf5::open_dataset(group, name);
  std::vector<double> v(rows);
  if (rows > 0) hdf5::read_doubles(ds.get(), 0, rows, 0, 1, v);
  return v;
}

void annex_result_group(const std::filesystem::path& path, const std::string& scenario, const std::string& name,
                        const std::function<void(hid_t group)>& write) {
  const std::string replaced = scenario.empty() ? name : scenario + "/" + name;
  files::replace_file(path, name, [&](const std::filesystem::path& tmp) {
    OutputsKept kept = OutputsKept::all;
    {
      Id file = open_result_file(path);
      const std::string outputs = hdf5::attribute_text(file.get(), "outputs");
      if (!outputs.empty()) kept = parse_outputs_kept(outputs);
    }
    copy_result_file(path, tmp, kept, replaced);
    const std::string context = "cannot write /" + replaced + " into '" + tmp.string() + "'";
    Id file = check(H5Fopen(tmp.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), context);
    {
      Id base = hdf5::open_group(file.get(), scenario.empty() ? "/" : scenario);
      Id group = hdf5::create_group(base.get(), name);
      write(group.get());
    }
    check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), context);
    file.close(context);
  });
}

void write_double_dataset(hid_t group, const std::string& name, const std::vector<double>& values) {
  const std::string context = "cannot write '" + name + "' in " + hdf5::describe(group);
  const hsize_t n = values.size();
  Id space = check(H5Screate_simple(1, &n, nullptr), context);
  Id ds = check(H5Dcreate2(group, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                context);
  if (n > 0) check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), context);
}

// A 1-D dataset of variable-length strings stored in the file.
std::vector<std::string> read_string_dataset(hid_t group, const std::string& name, const std::string& where) {
  hdf5::Id ds = open_stored_dataset(group, name, where);
  hdf5::Id type = hdf5::check(H5Dget_type(ds.get()), "cannot read the type of " + where);
  if (H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) <= 0)
    throw InputError(where + " does not hold variable-length strings: the file is damaged");
  const auto dims = hdf5::dataset_shape(ds.get());
  if (dims.size() != 1 || dims[0] > 100'000'000)
    throw InputError(fmt::format("{} has shape {} where a list of names is expected: the file is damaged", where,
                                 fmt::join(dims, " x ")));
  const hsize_t n = dims[0];
  hdf5::Id mem = hdf5::check(H5Tcopy(H5T_C_S1), where);
  hdf5::check(H5Tset_size(mem.get(), H5T_VARIABLE), where);
  std::vector<char*> raw(n, nullptr);
  std::vector<std::string> out;
  if (n == 0) return out;
  hdf5::check(H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), "cannot read " + where);
  for (char* s : raw) out.emplace_back(s ? s : "");
  hdf5::Id space = hdf5::check(H5Dget_space(ds.get()), where);
  H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, raw.data());
  return out;
}

void write_string_dataset(hid_t group, const std::string& name, const std::vector<std::string>& values) {
  const std::string context = "cannot write '" + name + "' in " + hdf5::describe(group);
  const hsize_t n = values.size();
  Id type = check(H5Tcopy(H5T_C_S1), context);
  check(H5Tset_size(type.get(), H5T_VARIABLE), context);
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), context);
  Id space = check(H5Screate_simple(1, &n, nullptr), context);
  Id ds = check(H5Dcreate2(group, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                context);
  std::vector<const char*> texts;
  for (const auto& v : values) texts.push_back(v.c_str());
  if (n > 0) check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, texts.data()), context);
}

}  // namespace samdsim
