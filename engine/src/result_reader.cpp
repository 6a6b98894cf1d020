#include "samdsim/result_reader.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <tuple>

#include <fmt/format.h>

#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/numbers.hpp"
#include "samdsim/output_files.hpp"
#include "samdsim/result_writer.hpp"
#include "samdsim/sensitivity_report.hpp"
#include "samdsim/version.hpp"

namespace samdsim {

namespace fs = std::filesystem;
using hdf5::Id;

namespace {

using files::quoted;

// The major number of a "major.minor" version, or -1 when it is not one.
int major_version(const std::string& version) {
  int major = -1;
  const char* end = version.data() + version.size();
  const auto [ptr, ec] = std::from_chars(version.data(), end, major);
  if (ec != std::errc() || ptr == version.data() || (ptr != end && *ptr != '.')) return -1;
  return major;
}

// Damaged contents of a file the user named are bad input, not a fault of ours.
template <typename F>
auto as_input_error(const fs::path& path, F&& body) {
  try {
    return body();
  } catch (const InternalError& e) {
    throw InputError("cannot read result file " + quoted(path) + ": " + e.what());
  }
}

double attribute_or_nan(hid_t object, const std::string& name) {
  return hdf5::read_double_attribute(object, name).value_or(std::numeric_limits<double>::quiet_NaN());
}

Summary read_summary(hid_t summary_group, const std::string& name) {
  Id g = hdf5::open_group(summary_group, name);
  const hid_t id = g.get();
  Summary s;
  s.name = name;
  s.unit = hdf5::read_string_attribute(id, "unit").value_or("");
  s.type = parse_type_name(hdf5::read_string_attribute(id, "type").value_or("real")).value_or(ValueType::Real);
  s.n = hdf5::read_uint64_attribute(id, "n").value_or(0);
  s.missing = hdf5::read_uint64_attribute(id, "missing").value_or(0);
  s.mean = attribute_or_nan(id, "mean");
  s.sd = attribute_or_nan(id, "sd");
  s.se = attribute_or_nan(id, "se");
  s.min = attribute_or_nan(id, "min");
  s.p05 = attribute_or_nan(id, "p05");
  s.p25 = attribute_or_nan(id, "p25");
  s.p50 = attribute_or_nan(id, "p50");
  s.p75 = attribute_or_nan(id, "p75");
  s.p95 = attribute_or_nan(id, "p95");
  s.max = attribute_or_nan(id, "max");
  s.probability = attribute_or_nan(id, "probability");
  const std::string labels = hdf5::read_string_attribute(id, "labels").value_or("");
  for (std::size_t start = 0; !labels.empty() && start <= labels.size();) {
    const std::size_t end = std::min(labels.find(',', start), labels.size());
    s.labels.push_back(labels.substr(start, end - start));
    s.shares.push_back(attribute_or_nan(id, "share." + s.labels.back()));
    start = end + 1;
  }
  s.event_probability = hdf5::read_doubles_attribute(id, "probability_by_month").value_or(std::vector<double>{});
  s.per_event = hdf5::read_string_attribute(id, "per_event").value_or("");
  s.mean_per_event = attribute_or_nan(id, "mean_per_event");
  return s;
}

Band read_band(hid_t base, hid_t bands_group, const std::string& name) {
  Id ds = hdf5::open_dataset(bands_group, name);
  const auto shape = hdf5::dataset_shape(ds.get());
  if (shape.size() != 2 || shape[0] != 5)
    throw InternalError("band " + hdf5::describe(ds.get()) + " is not a [5, length] dataset");
  Band b;
  b.name = name;
  b.unit = hdf5::read_string_attribute(ds.get(), "unit").value_or("");
  b.axis = hdf5::read_string_attribute(ds.get(), "axis").value_or("");
  b.length = shape[1];
  std::vector<double> values(5 * b.length);
  hdf5::read_doubles(ds.get(), 0, 5, 0, b.length, values);
  for (std::size_t q = 0; q < 5; ++q)
    b.quantiles[q].assign(values.begin() + static_cast<std::ptrdiff_t>(q * b.length),
                          values.begin() + static_cast<std::ptrdiff_t>((q + 1) * b.length));
  const std::string mean_path = "series_mean/" + name;
  if (hdf5::link_exists(base, "series_mean") && hdf5::link_exists(base, mean_path)) {
    Id mean = hdf5::open_dataset(base, mean_path);
    if (hdf5::dataset_shape(mean.get()) == std::vector<hsize_t>{b.length}) {
      b.mean.resize(b.length);
      hdf5::read_doubles(mean.get(), 0, b.length, 0, 1, b.mean);
    }
  }
  return b;
}

// The summaries and bands stored under `base` (the root, or a sweep point).
void read_results(hid_t base, std::vector<Summary>& summaries, std::vector<Band>& bands) {
  if (hdf5::link_exists(base, "summary")) {
    Id group = hdf5::open_group(base, "summary");
    for (const auto& name : hdf5::member_names(group.get())) summaries.push_back(read_summary(group.get(), name));
  }
  if (hdf5::link_exists(base, "bands")) {
    Id group = hdf5::open_group(base, "bands");
    for (const auto& name : hdf5::member_names(group.get())) bands.push_back(read_band(base, group.get(), name));
  }
}

std::string cell_text(double v) {
  if (std::isnan(v)) return "";
  return fmt::format("{}", v);
}

SolveRecord read_solve_record(hid_t root) {
  Id group = hdf5::open_group(root, "solve");
  const hid_t g = group.get();
  SolveRecord r;
  r.rule = hdf5::read_string_attribute(g, "rule").value_or("");
  r.vary = hdf5::read_string_attribute(g, "vary").value_or("");
  r.output = hdf5::read_string_attribute(g, "output").value_or("");
  const auto range = hdf5::read_doubles_attribute(g, "range").value_or(std::vector<double>{nan, nan, nan});
  if (range.size() == 3) std::tie(r.low, r.high, r.step) = std::tuple(range[0], range[1], range[2]);
  r.analytic_size = hdf5::read_double_attribute(g, "analytic_size").value_or(nan);
  r.analytic_value = hdf5::read_double_attribute(g, "analytic_value").value_or(nan);
  r.evaluations = static_cast<std::int64_t>(hdf5::read_double_attribute(g, "evaluations").value_or(0));
  r.confidence = hdf5::read_double_attribute(g, "confidence").value_or(nan);
  r.sizes = hdf5::read_doubles_attribute(g, "sizes").value_or(std::vector<double>{});
  const auto column = [&](const char* name) {
    auto v = hdf5::read_doubles_attribute(g, name).value_or(std::vector<double>{});
    v.resize(r.sizes.size(), nan);
    return v;
  };
  r.planning_values = column("planning_values");
  r.estimates = column("estimates");
  r.interval_low = column("interval_low");
  r.interval_high = column("interval_high");
  r.reason = hdf5::read_string_attribute(g, "reason").value_or("");
  return r;
}

void read_scenarios(hid_t root, ResultFileSummary& r) {
  if (hdf5::link_exists(root, "solve")) r.solve = read_solve_record(root);
  Id table = hdf5::open_group(root, "scenarios");
  const std::string listed = hdf5::read_string_attribute(table.get(), "columns").value_or("");
  std::vector<std::string> columns;
  for (std::size_t start = 0; start <= listed.size();) {
    const std::size_t end = std::min(listed.find('\n', start), listed.size());
    if (end > start) columns.push_back(listed.substr(start, end - start));
    start = end + 1;
  }
  r.choose_rule = hdf5::read_string_attribute(table.get(), "choose_rule").value_or("");
  if (const auto chosen = hdf5::read_uint64_attribute(table.get(), "chosen"))  // -1 (none) reads as absent
    r.chosen = static_cast<std::size_t>(*chosen);
  Id keys = hdf5::open_dataset(table.get(), "key");
  const std::size_t n = hdf5::dataset_shape(keys.get()).at(0);
  std::vector<std::uint64_t> key_values(n);
  if (n > 0) hdf5::check(H5Dread(keys.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, key_values.data()),
                         "cannot read the scenario keys");
  r.scenarios.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    r.scenarios[i].index = i;
    r.scenarios[i].key = key_values[i];
  }
  for (const auto& c : columns) {
    if (c == "index" || c == "key") continue;
    r.sweep_columns.push_back(c);
    Id ds = hdf5::open_dataset(table.get(), c);
    Id type = hdf5::check(H5Dget_type(ds.get()), "cannot read the type of scenario column " + c);
    if (H5Tget_class(type.get()) == H5T_STRING) {
      std::vector<char*> texts(n);
      Id mem = hdf5::check(H5Tcopy(H5T_C_S1), "string type");
      H5Tset_size(mem.get(), H5T_VARIABLE);
      if (n > 0) hdf5::check(H5Dread(ds.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, texts.data()),
                             "cannot read scenario column " + c);
      for (std::size_t i = 0; i < n; ++i) {
        r.scenarios[i].values.push_back(texts[i] ? texts[i] : "");
        std::free(texts[i]);
      }
    } else {
      std::vector<double> values(n);
      hdf5::read_doubles(ds.get(), 0, n, 0, 1, values);
      for (std::size_t i = 0; i < n; ++i) r.scenarios[i].values.push_back(cell_text(values[i]));
    }
  }
  if (hdf5::link_exists(table.get(), "qualifies")) {
    const auto flags = [&](const std::string& name) {
      std::vector<double> v(n, 0.0);
      if (hdf5::link_exists(table.get(), name)) {
        Id ds = hdf5::open_dataset(table.get(), name);
        hdf5::read_doubles(ds.get(), 0, n, 0, 1, v);
      }
      return v;
    };
    const auto qualifies = flags("qualifies"), near = flags("near_threshold"), biased = flags("biased"),
               near_best = flags("near_best"), margin = flags("requirement_margin_se");
    for (std::size_t i = 0; i < n; ++i)
      r.scenarios[i].judgement = PointJudgement{qualifies[i] != 0, near[i] != 0, biased[i] != 0, near_best[i] != 0,
                                                margin[i]};
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::string path = "points/" + std::to_string(i);
    if (!hdf5::link_exists(root, "points") || !hdf5::link_exists(root, path)) continue;
    Id point = hdf5::open_group(root, path);
    read_results(point.get(), r.scenarios[i].summaries, r.scenarios[i].bands);
  }
}

}  // namespace

std::vector<Summary> read_summaries(hid_t base) {
  std::vector<Summary> summaries;
  std::vector<Band> bands;
  read_results(base, summaries, bands);
  return summaries;
}

Id open_result_file(const fs::path& path) {
  hdf5::initialize();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError("result file " + quoted(path) + " does not exist");
  if (fs::is_directory(path, ec)) throw InputError("result file " + quoted(path) + " is a directory");
  files::require_regular_input(path, "result file");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(quoted(path) + " is not an HDF5 file (expected a samdsim result file)");
  }
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) throw InputError("cannot open result file " + quoted(path) + ": " + hdf5::error_detail());
  Id id(file);

  const auto filetype = hdf5::read_string_attribute(file, "filetype");
  if (filetype != result_filetype)
    throw InputError(quoted(path) + " is an HDF5 file but not a samdsim result file (its filetype attribute is " +
                     (filetype ? "'" + *filetype + "'" : std::string("missing")) + ")");
  const std::string format = hdf5::read_string_attribute(file, "version").value_or("");
  const int major = major_version(format);
  if (major < 1)
    throw InputError("result file " + quoted(path) + " has an unreadable format version '" + format + "'");
  if (major > result_format_major)
    throw InputError(fmt::format("result file {} has format version {}, newer than this samdsim {} reads ({}.x); "
                                 "use a newer samdsim",
                                 quoted(path), format, samdsim::version, result_format_major));
  return id;
}

void require_complete_result(hid_t file, const fs::path& path) {
  if (const auto index = hdf5::read_uint64_attribute(file, "shard_index"))
    throw InputError(fmt::format("{} is shard {} of {} of a run: join the shards with samdsim merge first", quoted(path),
                                 *index, hdf5::attribute_text(file, "shards")));
  if (!hdf5::has_attribute(file, "wall_seconds"))
    throw InputError(quoted(path) + " is the file of a run that has not finished (it records no wall time): complete "
                     "it with samdsim run CONFIG -o OUT.h5 --resume, where it is OUT.h5.partial");
  const bool sweep = hdf5::has_attribute(file, "scenarios") || hdf5::link_exists(file, "points");
  if (!sweep) {
    if (!hdf5::link_exists(file, "summary")) throw InputError(quoted(path) + " has no /summary: it is damaged");
    return;
  }
  if (!hdf5::link_exists(file, "scenarios")) throw InputError(quoted(path) + " is a sweep without its /scenarios table: it is damaged");
  const std::uint64_t points = hdf5::read_uint64_attribute(file, "scenarios").value_or(0);
  for (std::uint64_t i = 0; i < points; ++i) {
    const std::string group = "points/" + std::to_string(i);
    if (!hdf5::link_exists(file, "points") || !hdf5::link_exists(file, group) ||
        !hdf5::link_exists(file, group + "/summary"))
      throw InputError(fmt::format("{} is a sweep of {} points without the summaries of point {}: it is damaged",
                                   quoted(path), points, i));
  }
}

ResultFileSummary read_result_summary(const fs::path& path) {
  Id file = open_result_file(path);
  return as_input_error(path, [&] {
    ResultFileSummary r;
    const hid_t root = file.get();
    for (const auto& name : hdf5::attribute_names(root)) {
      if (name == "config_yaml")
        r.config_yaml = hdf5::read_string_attribute(root, name).value_or("");
      else
        r.attributes[name] = hdf5::attribute_text(root, name);
    }
    read_results(root, r.summaries, r.bands);
    r.sensitivity = read_sensitivity(root, "", path.string());
    if (hdf5::link_exists(root, "scenarios")) read_scenarios(root, r);
    for (ScenarioSummary& p : r.scenarios)
      p.sensitivity = read_sensitivity(root, "points/" + std::to_string(p.index), path.string());
    return r;
  });
}

std::vector<double> read_column(const fs::path& path, const std::string& dataset_path) {
  Id file = open_result_file(path);
  if (!hdf5::link_exists(file.get(), dataset_path))
    throw InputError("result file " + quoted(path) + " has no dataset '" + dataset_path + "'");
  return as_input_error(path, [&] {
    Id ds = hdf5::open_dataset(file.get(), dataset_path);
    const auto shape = hdf5::dataset_shape(ds.get());
    if (shape.empty() || shape.size() > 2)
      throw InternalError("'" + dataset_path + "' is not a 1-D or 2-D dataset");
    const hsize_t cols = shape.size() == 2 ? shape[1] : 1;
    std::vector<double> values(shape[0] * cols);
    hdf5::read_doubles(ds.get(), 0, shape[0], 0, cols, values);
    return values;
  });
}

}  // namespace samdsim
