#include "voi.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <numeric>

#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/result_annex.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/summary_format.hpp"
#include "samdsim/voi.hpp"

namespace samdsim::app {

namespace {

using hdf5::Id;

struct Analysed {
  std::string name;                     // parameter, group label, or "study: OUTPUT"
  std::vector<std::string> parameters;  // its members (an output for a study's result)
  Evppi evppi;
  bool sample = false;  // a simulated study's result: the value is an EVSI
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> parts;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    if (end > start) parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string require_output(const ReplicateGroups& g, const std::string& name, const std::string& file) {
  if (std::find(g.outputs.begin(), g.outputs.end(), name) == g.outputs.end())
    throw InputError(fmt::format("'{}' has no scalar output '{}'{}", file, name, did_you_mean(name, g.outputs)));
  Id ds = hdf5::open_dataset(g.replicates.get(), name);
  return hdf5::read_string_attribute(ds.get(), "unit").value_or("");
}

}  // namespace

int command_voi(const VoiArgs& a) {
  if (a.options.empty() == a.incremental.empty())
    throw InputError("voi: give the options' net benefits with --option NAME (two or more), or one incremental net "
                     "benefit with --incremental NAME");
  if (!a.options.empty() && a.options.size() < 2) throw InputError("--option: a decision needs two or more options");
  if (a.draws > 100000) throw InputError("--draws: at most 100000");
  if (!(a.population > 0.0) || !std::isfinite(a.population))
    throw InputError("--population: expected a positive number of decisions the value applies to");

  Id file = open_result_file(a.file);
  require_complete_result(file.get(), a.file);
  const std::string scenario = scenario_group(file.get(), a.file, a.point);
  ReplicateGroups g = open_replicate_groups(file.get(), a.file, scenario, "value information");

  // Net benefit per option: option 0 is "do nothing" (0) with --incremental.
  std::vector<std::string> option_names = a.options;
  std::vector<std::vector<double>> columns;
  std::string unit;
  if (!a.incremental.empty()) {
    unit = require_output(g, a.incremental, a.file);
    option_names = {"current", a.incremental};
    columns.push_back(std::vector<double>(g.rows, 0.0));
    columns.push_back(read_all_values(g.replicates.get(), a.incremental, g.rows));
  } else {
    for (const auto& o : a.options) {
      const std::string u = require_output(g, o, a.file);
      if (!unit.empty() && u != unit)
        throw InputError(fmt::format("--option: '{}' is in {} but '{}' in {}: net benefits must share a unit", o, u,
                                     a.options.front(), unit));
      unit = u;
      columns.push_back(read_all_values(g.replicates.get(), o, g.rows));
    }
  }
  // Study results (EVSI by regression on them, Strong et al. 2015).
  std::vector<std::vector<double>> statistic_columns;
  for (const auto& name : a.statistics) {
    require_output(g, name, a.file);
    statistic_columns.push_back(read_all_values(g.replicates.get(), name, g.rows));
  }
  // Replicates where every option has a net benefit (and every study result a value).
  std::vector<Eigen::Index> rows;
  for (hsize_t i = 0; i < g.rows; ++i) {
    bool ok = true;
    for (const auto& c : columns) ok = ok && std::isfinite(c[i]);
    for (const auto& c : statistic_columns) ok = ok && std::isfinite(c[i]);
    if (ok) rows.push_back(static_cast<Eigen::Index>(i));
  }
  const auto n = static_cast<Eigen::Index>(rows.size());
  if (n < 100)
    throw InputError(fmt::format("'{}': only {} replicates have a net benefit for every option; value of information "
                                 "needs at least 100",
                                 a.file, n));
  Eigen::MatrixXd nb(n, static_cast<Eigen::Index>(columns.size()));
  for (Eigen::Index d = 0; d < nb.cols(); ++d)
    for (Eigen::Index i = 0; i < n; ++i) nb(i, d) = columns[static_cast<std::size_t>(d)][static_cast<std::size_t>(rows[static_cast<std::size_t>(i)])];

  // What to value: each parameter, then each named group.
  std::vector<Analysed> analysed;
  const bool only_named = !a.groups.empty() || !a.statistics.empty();
  const std::vector<std::string> singles = a.parameters.empty() && !only_named ? g.parameter_names : a.parameters;
  // Parameters are stored under their full key path ("parameters.x.y"); the
  // path inside parameters: is accepted too.
  const auto stored_name = [&](const std::string& p) {
    const bool stored = std::find(g.parameter_names.begin(), g.parameter_names.end(), p) != g.parameter_names.end();
    return stored || p.starts_with("parameters.") ? p : "parameters." + p;
  };
  for (const auto& p : singles) analysed.push_back({stored_name(p), {stored_name(p)}, {}});
  for (const auto& spec : a.groups) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError("--group: expected LABEL=PARAMETER,PARAMETER,..., got '" + spec + "'");
    std::vector<std::string> members;
    for (const auto& p : split_list(spec.substr(eq + 1))) members.push_back(stored_name(p));
    analysed.push_back({spec.substr(0, eq), members, {}});
    if (analysed.back().parameters.empty()) throw InputError("--group " + spec + ": no parameter named");
  }
  std::map<std::string, Eigen::VectorXd> values;
  for (std::size_t k = 0; k < a.statistics.size(); ++k) {
    const std::string key = "study: " + a.statistics[k];
    Eigen::VectorXd v(n);
    for (Eigen::Index i = 0; i < n; ++i)
      v(i) = statistic_columns[k][static_cast<std::size_t>(rows[static_cast<std::size_t>(i)])];
    values.emplace(key, std::move(v));
    analysed.push_back({key, {key}, {}, true});
  }
  if (analysed.empty())
    throw InputError(fmt::format("'{}': no parameter is drawn from a distribution (nothing under /parameters)", a.file));
  for (const auto& item : analysed)
    for (const auto& p : item.parameters) {
      if (item.sample || values.count(p)) continue;
      if (std::find(g.parameter_names.begin(), g.parameter_names.end(), p) == g.parameter_names.end())
        throw InputError(fmt::format("'{}' has no drawn parameter '{}'{}", a.file, p, did_you_mean(p, g.parameter_names)));
      const auto all = read_all_values(g.parameters.get(), p, g.rows);
      Eigen::VectorXd v(n);
      for (Eigen::Index i = 0; i < n; ++i) v(i) = all[static_cast<std::size_t>(rows[static_cast<std::size_t>(i)])];
      values.emplace(p, std::move(v));
    }

  const std::uint64_t seed = hdf5::read_uint64_attribute(file.get(), "seed").value_or(1);
  file.reset();
  const Evpi evpi = expected_value_of_perfect_information(nb);
  for (auto& item : analysed) {
    Eigen::MatrixXd x(n, static_cast<Eigen::Index>(item.parameters.size()));
    for (std::size_t j = 0; j < item.parameters.size(); ++j) x.col(static_cast<Eigen::Index>(j)) = values.at(item.parameters[j]);
    item.evppi = expected_value_of_partial_perfect_information(nb, x, static_cast<std::size_t>(a.draws), seed);
  }
  std::vector<std::size_t> order(analysed.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t i, std::size_t j) { return analysed[i].evppi.value > analysed[j].evppi.value; });

  const double k = a.population;
  annex_result_group(a.file, scenario, "voi", [&](hid_t voi) {
    write_string_dataset(voi, "option", option_names);
    write_double_dataset(voi, "expected_net_benefit", {evpi.expected.data(), evpi.expected.data() + evpi.expected.size()});
    hdf5::write_string_attribute(voi, "best_option", option_names[static_cast<std::size_t>(evpi.best_option)]);
    hdf5::write_double_attribute(voi, "evpi", k * evpi.value);
    hdf5::write_double_attribute(voi, "evpi_se", k * evpi.se);
    hdf5::write_double_attribute(voi, "population", k);
    hdf5::write_uint64_attribute(voi, "rows_used", static_cast<std::uint64_t>(n));
    hdf5::write_uint64_attribute(voi, "draws", a.draws);
    hdf5::write_string_attribute(voi, "unit", unit);
    hdf5::write_string_attribute(voi, "method", "EVPPI by P-spline regression on ranks (Strong, Oakley & Brennan 2014)");
    std::vector<std::string> names, members, kinds;
    std::vector<double> value, se, share, edf;
    for (const std::size_t i : order) {
      const Analysed& item = analysed[i];
      names.push_back(item.name);
      members.push_back(item.sample ? item.name.substr(7) : fmt::format("{}", fmt::join(item.parameters, ",")));
      kinds.push_back(item.sample ? "evsi" : "evppi");
      value.push_back(k * item.evppi.value);
      se.push_back(k * item.evppi.se);
      share.push_back(evpi.value > 0 ? item.evppi.value / evpi.value : 0.0);
      edf.push_back(item.evppi.effective_df);
    }
    write_string_dataset(voi, "name", names);
    write_string_dataset(voi, "parameters", members);
    write_string_dataset(voi, "kind", kinds);
    write_double_dataset(voi, "evppi", value);
    write_double_dataset(voi, "evppi_se", se);
    write_double_dataset(voi, "evppi_share_of_evpi", share);
    write_double_dataset(voi, "effective_df", edf);
  });

  const std::string u = unit.empty() ? "" : " " + unit;
  std::cout << fmt::format("value of information in '{}'{}: {} replicates with every net benefit{}\n", a.file,
                           scenario.empty() ? "" : " (" + scenario + ")", n,
                           k != 1.0 ? fmt::format(", values x {:g} decisions", k) : "");
  std::cout << "expected net benefit:";
  for (std::size_t d = 0; d < option_names.size(); ++d)
    std::cout << fmt::format("  {} {}{}", option_names[d], format_number(evpi.expected(static_cast<Eigen::Index>(d))), u);
  std::cout << fmt::format("  (best on expectation: {})\n", option_names[static_cast<std::size_t>(evpi.best_option)]);
  std::cout << fmt::format("EVPI {}{} (se {})\n\n", format_number(k * evpi.value), u, format_number(k * evpi.se));
  std::size_t width = 20;
  for (const auto& item : analysed) width = std::max(width, item.name.size());
  std::cout << fmt::format("{:<{}}  {:>14}  {:>12}  {:>8}  {:>5}\n", "parameter / group / study", width,
                           "EVPPI / EVSI", "se", "of EVPI", "edf");
  for (const std::size_t i : order) {
    const Analysed& item = analysed[i];
    std::cout << fmt::format("{:<{}}  {:>14}  {:>12}  {:>7.1f}%  {:>5.1f}\n", item.name, width,
                             format_number(k * item.evppi.value), format_number(k * item.evppi.se),
                             evpi.value > 0 ? 100.0 * item.evppi.value / evpi.value : 0.0, item.evppi.effective_df);
  }
  std::cout << fmt::format("\nwrote /{}voi/ in {}\n", scenario.empty() ? "" : scenario + "/", a.file);
  return 0;
}

}  // namespace samdsim::app
