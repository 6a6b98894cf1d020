#include "samdsim/sensitivity_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/result_annex.hpp"
#include "samdsim/summary_format.hpp"

namespace samdsim {

namespace {

using hdf5::Id;

// More parameters than any model declares: a larger count marks a damaged file.
constexpr hsize_t max_parameters = 1'000'000;

std::vector<hsize_t> checked_shape(hid_t ds, const std::string& where) {
  const auto dims = hdf5::dataset_shape(ds);
  if (dims.size() != 1 || dims[0] > max_parameters)
    throw InputError(fmt::format("{} has shape {} where one value per parameter is expected: the file is damaged",
                                 where, fmt::join(dims, " x ")));
  return dims;
}

std::vector<double> read_numbers(hid_t group, const std::string& name, hsize_t n, const std::string& where) {
  Id ds = open_stored_column(group, name, where);
  if (checked_shape(ds.get(), where)[0] != n)
    throw InputError(fmt::format("{} holds {} values for {} parameters: the file is damaged", where,
                                 hdf5::dataset_shape(ds.get())[0], n));
  return read_all_values(group, name, n);
}

std::string signed3(double v) { return std::isfinite(v) ? fmt::format("{:+.3f}", v) : "   nan"; }

// A change or a level in the output's unit, as every table prints numbers,
// with its sign.
std::string amount(double v) { return v > 0 ? "+" + format_number(v) : format_number(v); }

// Damaged contents of a file the user named are bad input, not a fault of ours.
template <typename F>
auto as_input_error(const std::string& file_name, F&& body) {
  try {
    return body();
  } catch (const InternalError& e) {
    throw InputError(fmt::format("cannot read the sensitivity analysis in '{}': {}", file_name, e.what()));
  }
}

std::vector<StoredSensitivity> read_stored(hid_t file, const std::string& scenario, const std::string& file_name) {
  const std::string path = scenario.empty() ? "sensitivity" : scenario + "/sensitivity";
  std::vector<StoredSensitivity> out;
  {
    Id base = scenario.empty() ? hdf5::open_group(file, "/") : open_stored_group(file, scenario, file_name);
    if (!hdf5::link_exists(base.get(), "sensitivity")) return out;
  }
  Id sens = open_stored_group(file, path, file_name);
  for (const auto& output : hdf5::member_names(sens.get())) {
    const std::string at = fmt::format("'{}': {}/{}", file_name, path, output);
    Id g = open_stored_group(sens.get(), output, file_name);
    StoredSensitivity s;
    s.output = output;
    s.unit = hdf5::read_string_attribute(g.get(), "unit").value_or("");
    s.parameters = read_string_dataset(g.get(), "parameter", at + "/parameter");
    const hsize_t n = s.parameters.size();
    const auto numbers = [&](const char* name) { return read_numbers(g.get(), name, n, at + "/" + name); };
    const auto optional_numbers = [&](const char* name) {
      return hdf5::link_exists(g.get(), name) ? numbers(name)
                                               : std::vector<double>(n, std::numeric_limits<double>::quiet_NaN());
    };
    // Without per-replicate values only the design and the tornado ran: no rank columns.
    s.ranked = hdf5::link_exists(g.get(), "spearman");
    const auto rank_numbers = [&](const char* name) { return s.ranked ? numbers(name) : optional_numbers(name); };
    s.spearman = rank_numbers("spearman");
    s.spearman_low = rank_numbers("spearman_low");
    s.spearman_high = rank_numbers("spearman_high");
    s.prcc = rank_numbers("prcc");
    s.prcc_low = rank_numbers("prcc_low");
    s.prcc_high = rank_numbers("prcc_high");
    s.tornado_change = numbers("tornado_change");
    s.series = hdf5::read_string_attribute(g.get(), "series").value_or("");
    s.month = hdf5::read_uint64_attribute(g.get(), "month").value_or(0);
    s.first_order = optional_numbers("first_order");
    s.first_order_low = optional_numbers("first_order_low");
    s.first_order_high = optional_numbers("first_order_high");
    s.rows_used = hdf5::read_uint64_attribute(g.get(), "rows_used").value_or(0);
    s.bootstrap = hdf5::read_uint64_attribute(g.get(), "bootstrap").value_or(0);
    s.bootstrap_rows = hdf5::read_uint64_attribute(g.get(), "bootstrap_rows").value_or(0);
    s.tornado_replicates = hdf5::read_uint64_attribute(g.get(), "tornado_replicates").value_or(0);
    s.tornado_base_mean =
        hdf5::read_double_attribute(g.get(), "tornado_base_mean").value_or(std::numeric_limits<double>::quiet_NaN());
    if (hdf5::link_exists(g.get(), "sobol")) {
      const std::string sat = at + "/sobol";
      Id sg = open_stored_group(g.get(), "sobol", file_name);
      StoredSensitivity::Sobol& so = s.sobol;
      so.groups = read_string_dataset(sg.get(), "group", sat + "/group");
      so.members = read_string_dataset(sg.get(), "members", sat + "/members");
      const hsize_t k = so.groups.size();
      if (so.members.size() != k)
        throw InputError(fmt::format("{}/members holds {} values for {} groups: the file is damaged", sat,
                                     so.members.size(), k));
      const auto indices = [&](const char* name) { return read_numbers(sg.get(), name, k, sat + "/" + name); };
      so.first = indices("first_order");
      so.first_low = indices("first_order_low");
      so.first_high = indices("first_order_high");
      so.total = indices("total");
      so.total_low = indices("total_low");
      so.total_high = indices("total_high");
      so.rows = hdf5::read_uint64_attribute(sg.get(), "rows").value_or(0);
      so.rows_used = hdf5::read_uint64_attribute(sg.get(), "rows_used").value_or(0);
      so.variance = hdf5::read_double_attribute(sg.get(), "variance").value_or(std::numeric_limits<double>::quiet_NaN());
      so.target_width =
          hdf5::read_double_attribute(sg.get(), "target_width").value_or(std::numeric_limits<double>::quiet_NaN());
    }
    out.push_back(std::move(s));
  }
  return out;
}

// Indexes of `values` from the largest down, NaN last, ties in their order.
std::vector<std::size_t> ranked(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto key = [&](std::size_t j) { return std::isfinite(values[j]) ? values[j] : -1.0; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return key(i) > key(j); });
  return order;
}

// The Sobol table of one output, ranked by the total index.
std::string format_sobol(const StoredSensitivity::Sobol& so) {
  if (so.groups.empty()) return "";
  std::string out = fmt::format("   Sobol indices (Saltelli design of {} rows{}, {} with a value; first order: the "
                                "share of the variance the group explains alone; total: with its interactions; ranked "
                                "by total)\n",
                                so.rows,
                                std::isfinite(so.target_width)
                                    ? fmt::format(", grown until every 95% interval is at most {} wide", so.target_width)
                                    : "",
                                so.rows_used);
  if (so.rows_used < so.rows)
    out += fmt::format("   ({} rows left out where the output is NaN in some matrix: the indices describe the "
                       "output where it exists, conditional on that)\n",
                       so.rows - so.rows_used);
  const std::vector<std::size_t> order = ranked(so.total);
  std::size_t width = 5;
  for (const auto& n : so.groups) width = std::max(width, n.size());
  out += fmt::format("   {:<{}}  {:>20}  {:>20}  {}\n", "group", width, "first order [95% CI]", "total [95% CI]",
                     "parameters");
  const auto share = [](double v) { return std::isfinite(v) ? fmt::format("{:.2f}", v) : std::string("n/a"); };
  for (const std::size_t j : order)
    out += fmt::format("   {:<{}}  {:>5} [{:>5}, {:>5}]  {:>5} [{:>5}, {:>5}]  {}\n", so.groups[j], width,
                       share(so.first[j]), share(so.first_low[j]), share(so.first_high[j]), share(so.total[j]),
                       share(so.total_low[j]), share(so.total_high[j]),
                       so.members[j] == so.groups[j] ? "" : so.members[j]);
  return out;
}

}  // namespace

std::vector<StoredSensitivity> read_sensitivity(hid_t file, const std::string& scenario, const std::string& file_name) {
  return as_input_error(file_name, [&] { return read_stored(file, scenario, file_name); });
}

std::string format_sensitivity(const std::vector<StoredSensitivity>& analyses) {
  std::string out;
  for (const auto& r : analyses) {
    const std::string centre =
        std::isfinite(r.tornado_base_mean) ? fmt::format(", centre {}", amount(r.tornado_base_mean)) : "";
    const std::string title = r.output + (r.series.empty() ? "" : fmt::format(" ({} at month {})", r.series, r.month)) +
                              (r.unit.empty() ? "" : " [" + r.unit + "]");
    if (!r.ranked) {
      out += fmt::format("\n== {}  (no rank statistics: the file keeps no per-replicate values of it; tornado: mean at "
                         "p90 - mean at p10, {} replicates each{})\n",
                         title, r.tornado_replicates, centre);
      if (r.tornado_replicates > 0) {
        std::size_t width = 9;
        for (const auto& n : r.parameters) width = std::max(width, n.size());
        out += fmt::format("{:<{}}  {}\n", "parameter", width, "tornado change");
        for (std::size_t j = 0; j < r.parameters.size(); ++j)
          out += fmt::format("{:<{}}  {}{}\n", r.parameters[j], width, amount(r.tornado_change[j]),
                             std::isfinite(r.tornado_change[j]) && !r.unit.empty() ? " " + r.unit : "");
      }
      out += format_sobol(r.sobol);
      continue;
    }
    out += fmt::format("\n== {}  (n = {} replicates with a value; {} bootstrap resamples of the first {}; "
                       "tornado: mean at p90 - mean at p10, {} replicates each{}; first order: the share of the output's "
                       "variance the parameter explains alone; ranked by |PRCC|)\n",
                       title, r.rows_used, r.bootstrap, r.bootstrap_rows, r.tornado_replicates, centre);
    if (std::none_of(r.spearman.begin(), r.spearman.end(), [](double v) { return std::isfinite(v); })) {
      out += "   (the output or the parameters do not vary)\n";
      continue;
    }
    std::vector<double> magnitude(r.prcc.size());
    std::transform(r.prcc.begin(), r.prcc.end(), magnitude.begin(), [](double v) { return std::abs(v); });
    const std::vector<std::size_t> order = ranked(magnitude);
    std::size_t width = 9;
    for (const auto& n : r.parameters) width = std::max(width, n.size());
    out += fmt::format("{:<{}}  {:>25}  {:>25}  {:>20}  {}\n", "parameter", width, "spearman [95% CI]",
                       "prcc [95% CI]", "first order [95% CI]", "tornado change");
    for (const std::size_t j : order) {
      const double change = r.tornado_change[j];
      const auto share = [](double v) { return std::isfinite(v) ? fmt::format("{:.2f}", v) : std::string("n/a"); };
      out += fmt::format("{:<{}}  {:>6} [{:>6}, {:>6}]  {:>6} [{:>6}, {:>6}]  {:>5} [{:>5}, {:>5}]  {}{}\n",
                         r.parameters[j], width, signed3(r.spearman[j]), signed3(r.spearman_low[j]),
                         signed3(r.spearman_high[j]), signed3(r.prcc[j]), signed3(r.prcc_low[j]),
                         signed3(r.prcc_high[j]), share(r.first_order[j]), share(r.first_order_low[j]),
                         share(r.first_order_high[j]), amount(change),
                         std::isfinite(change) && !r.unit.empty() ? " " + r.unit : "");
    }
    out += format_sobol(r.sobol);
  }
  return out;
}

std::string format_stored_sensitivity(const ResultFileSummary& summary) {
  std::string out;
  if (!summary.sensitivity.empty())
    out = "\n# sensitivity (stored by samdsim sensitivity)\n" + format_sensitivity(summary.sensitivity);
  for (const ScenarioSummary& p : summary.scenarios)
    if (!p.sensitivity.empty())
      out += fmt::format("\n# sensitivity of point {} (stored by samdsim sensitivity --point {})\n{}", p.index, p.index,
                         format_sensitivity(p.sensitivity));
  return out;
}

}  // namespace samdsim
