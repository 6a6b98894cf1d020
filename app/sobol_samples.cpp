#include "sobol_samples.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <utility>

#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/hdf5_file.hpp"
#include "samdsim/output_files.hpp"
#include "samdsim/result_annex.hpp"
#include "samdsim/sensitivity_settings.hpp"
#include "samdsim/version.hpp"

namespace samdsim::app {

namespace {

using hdf5::check;
using hdf5::Id;

constexpr const char* format_name = "samdsim Saltelli design rows";
constexpr std::uint64_t format_version = 1;

}  // namespace

void write_sobol_part(const std::filesystem::path& path, const SobolPart& part) {
  files::replace_file(path, "sobol", [&](const std::filesystem::path& tmp) {
    const std::string context = "cannot write '" + tmp.string() + "'";
    Id fcpl = hdf5::ordered_file_creation_plist();
    Id file = check(H5Fcreate(tmp.c_str(), H5F_ACC_EXCL, fcpl.get(), H5P_DEFAULT), context);
    {
      Id root = hdf5::open_group(file.get(), "/");
      hdf5::write_string_attribute(root.get(), "filetype", format_name);
      hdf5::write_uint64_attribute(root.get(), "format_version", format_version);
      hdf5::write_string_attribute(root.get(), "samdsim_version", samdsim::version);
      hdf5::write_string_attribute(root.get(), "git_revision", samdsim::git_revision);
      hdf5::write_string_attribute(root.get(), "config_yaml", part.key.config_yaml);
      hdf5::write_uint64_attribute(root.get(), "seed", part.key.seed);
      hdf5::write_string_attribute(root.get(), "scenario", part.key.scenario);
      hdf5::write_uint64_attribute(root.get(), "rows", part.rows);
      hdf5::write_uint64_attribute(root.get(), "first_row", part.first_row);
      hdf5::write_uint64_attribute(root.get(), "end_row", part.end_row);
      write_string_dataset(root.get(), "group", part.key.groups);
      write_string_dataset(root.get(), "members", part.key.members);
      write_string_dataset(root.get(), "output", part.key.outputs);
      Id values = hdf5::create_group(root.get(), "values");
      for (std::size_t k = 0; k < part.samples.size(); ++k) {
        const SobolSamples& s = part.samples[k];
        Id g = hdf5::create_group(values.get(), std::to_string(k));
        write_double_dataset(g.get(), "a", {s.a.data(), s.a.data() + s.a.size()});
        write_double_dataset(g.get(), "b", {s.b.data(), s.b.data() + s.b.size()});
        write_double_dataset(g.get(), "ab", {s.ab.data(), s.ab.data() + s.ab.size()});  // group after group
      }
    }
    check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), context);
    file.close(context);
  });
}

SobolPart read_sobol_part(const std::filesystem::path& path) {
  const std::string name = path.string();
  hdf5::initialize();
  files::require_regular_input(path, "design rows file");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(files::quoted(path) + " is not an HDF5 file (expected rows of a Saltelli design)");
  }
  const hid_t opened = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (opened < 0) throw InputError("cannot open " + files::quoted(path) + ": " + hdf5::error_detail());
  Id file(opened);
  Id root = hdf5::open_group(file.get(), "/");
  if (hdf5::read_string_attribute(root.get(), "filetype").value_or("") != format_name)
    throw InputError(fmt::format("'{}' is not a file of Saltelli design rows (from sensitivity --method sobol --shard)",
                                 name));
  if (hdf5::read_uint64_attribute(root.get(), "format_version").value_or(0) != format_version)
    throw InputError(fmt::format("'{}' holds design rows of a format version this samdsim does not read", name));
  SobolPart p;
  p.key.config_yaml = hdf5::attribute_text(root.get(), "config_yaml");
  p.key.seed = hdf5::read_uint64_attribute(root.get(), "seed").value_or(0);
  p.key.scenario = hdf5::read_string_attribute(root.get(), "scenario").value_or("");
  // The rows of a design depend on the program that ran them: join only what this build wrote.
  const std::string build = hdf5::read_string_attribute(root.get(), "samdsim_version").value_or("?") + " (" +
                            hdf5::read_string_attribute(root.get(), "git_revision").value_or("?") + ")";
  if (build != std::string(samdsim::version) + " (" + samdsim::git_revision + ")")
    throw InputError(fmt::format("'{}' holds design rows run by samdsim {}; this is samdsim {} ({}): run the shards "
                                 "with one build",
                                 name, build, samdsim::version, samdsim::git_revision));
  const auto attribute_count = [&](const char* attribute) {
    const auto v = hdf5::read_uint64_attribute(root.get(), attribute);
    if (!v) throw InputError(fmt::format("'{}' lacks its {} attribute: the file is damaged", name, attribute));
    return *v;
  };
  p.rows = attribute_count("rows");
  p.first_row = attribute_count("first_row");
  p.end_row = attribute_count("end_row");
  if (!(p.first_row <= p.end_row && p.end_row <= p.rows && p.rows >= 3 && p.rows <= max_sobol_rows))
    throw InputError(fmt::format("'{}': rows [{}, {}) of {} do not make sense: the file is damaged", name, p.first_row,
                                 p.end_row, p.rows));
  const std::string at = "'" + name + "': ";
  p.key.groups = read_string_dataset(root.get(), "group", at + "group");
  p.key.members = read_string_dataset(root.get(), "members", at + "members");
  p.key.outputs = read_string_dataset(root.get(), "output", at + "output");
  if (p.key.members.size() != p.key.groups.size())
    throw InputError(at + "members and group differ in length: the file is damaged");
  const auto n = static_cast<Eigen::Index>(p.end_row - p.first_row);
  const auto g = static_cast<Eigen::Index>(p.key.groups.size());
  Id values = open_stored_group(root.get(), "values", name);
  for (std::size_t k = 0; k < p.key.outputs.size(); ++k) {
    const std::string where = fmt::format("{}values/{}", at, k);
    Id group = open_stored_group(values.get(), std::to_string(k), name);
    const auto read = [&](const char* column, Eigen::Index count) {
      Id ds = open_stored_column(group.get(), column, where + "/" + column);
      const auto dims = hdf5::dataset_shape(ds.get());
      if (dims.size() != 1 || dims[0] != static_cast<hsize_t>(count))
        throw InputError(fmt::format("{}/{} does not hold {} values: the file is damaged", where, column, count));
      return read_all_values(group.get(), column, static_cast<hsize_t>(count));
    };
    SobolSamples s;
    const auto a = read("a", n), b = read("b", n), ab = read("ab", n * g);
    s.a = Eigen::Map<const Eigen::VectorXd>(a.data(), n);
    s.b = Eigen::Map<const Eigen::VectorXd>(b.data(), n);
    s.ab = Eigen::Map<const Eigen::MatrixXd>(ab.data(), n, g);
    p.samples.push_back(std::move(s));
  }
  return p;
}

std::vector<SobolSamples> join_sobol_parts(const std::vector<SobolPart>& parts, const std::vector<std::string>& names,
                                           const SobolDesignKey& key, std::uint64_t first_row,
                                           std::uint64_t end_row) {
  const std::uint64_t rows = end_row;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const SobolPart& p = parts[i];
    const auto differs = [&](const char* what) {
      return InputError(fmt::format("'{}' holds rows of another design than this one: its {} differ{}", names[i], what,
                                    what == std::string("rows") ? fmt::format(" ({} against {})", p.rows, rows) : ""));
    };
    if (p.key.config_yaml != key.config_yaml) throw differs("config");
    if (p.key.seed != key.seed) throw differs("seed");
    if (p.key.scenario != key.scenario) throw differs("sweep point");
    if (p.key.groups != key.groups || p.key.members != key.members) throw differs("groups");
    if (p.key.outputs != key.outputs) throw differs("outputs");
    if (p.rows != rows) throw differs("rows");
  }
  std::vector<std::size_t> order(parts.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return std::pair(parts[x].first_row, parts[x].end_row) < std::pair(parts[y].first_row, parts[y].end_row);
  });
  std::vector<SobolSamples> out(key.outputs.size());
  for (auto& o : out) o.ab.resize(0, static_cast<Eigen::Index>(key.groups.size()));
  std::uint64_t next = first_row;
  for (const std::size_t i : order) {
    const SobolPart& p = parts[i];
    if (p.first_row == p.end_row) continue;  // a shard of no rows (more shards than rows)
    if (p.first_row < next)
      throw InputError(fmt::format("'{}' repeats rows {} to {} of the design", names[i], p.first_row,
                                   std::min(next, p.end_row) - 1));
    if (p.first_row > next)
      throw InputError(fmt::format("rows {} to {} of the design are in none of the files", next, p.first_row - 1));
    for (std::size_t k = 0; k < out.size(); ++k) append_rows(out[k], p.samples[k]);
    next = p.end_row;
  }
  if (next < rows) throw InputError(fmt::format("rows {} to {} of the design are in none of the files", next, rows - 1));
  return out;
}

}  // namespace samdsim::app
