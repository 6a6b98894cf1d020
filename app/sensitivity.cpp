#include "sensitivity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>

#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/hdf5_file.hpp"
#include "samdsim/numbers.hpp"
#include "samdsim/result_annex.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/runner.hpp"
#include "samdsim/sensitivity.hpp"
#include "samdsim/sensitivity_report.hpp"
#include "samdsim/sobol.hpp"
#include "sobol_groups.hpp"
#include "samdsim/sweep.hpp"

namespace samdsim::app {

namespace {

using hdf5::check;
using hdf5::Id;

struct OutputResult {
  std::string name;
  std::string unit;
  SensitivityResult stats;
  std::optional<SobolIndices> sobol;
  std::vector<double> p10_mean, p90_mean;  // tornado, one per parameter (NaN: not run)
  double base_mean = 0;                    // tornado: every drawn parameter at its median (NaN: not run)
};

class DiscardSink : public BlockSink {
 public:
  void consume(const Block&) override {}
};

std::string unit_of(hid_t group, const std::string& name) {
  Id ds = hdf5::open_dataset(group, name);
  return hdf5::read_string_attribute(ds.get(), "unit").value_or("");
}

// A copy of `table` with every sampled slot fixed at its median, or at
// quantile(p) for the slot `varied`.
ParameterTable fixed_table(const ParameterTable& table, const std::vector<std::uint32_t>& sampled_slots,
                           std::uint32_t varied, double p) {
  ParameterTable copy;
  for (std::uint32_t i = 0; i < table.size(); ++i) {
    ParameterTable::Slot slot = table.slot(Param{i});
    if (std::find(sampled_slots.begin(), sampled_slots.end(), i) != sampled_slots.end())
      slot.distribution = Distribution::fixed(slot.distribution.quantile(i == varied ? p : 0.5));
    const Param q = copy.add(std::move(slot));
    if (table.used(Param{i})) copy.mark_used(q);
  }
  copy.finalize();
  return copy;
}

std::vector<double> to_vector(const Eigen::VectorXd& v) { return {v.data(), v.data() + v.size()}; }

}  // namespace

int command_sensitivity(const SensitivityArgs& a) {
  if (a.method != "sobol" && (a.sobol_rows || !a.groups.empty()))
    throw InputError("--rows and --group set up the Saltelli design: they need --method sobol");
  const std::filesystem::path path = a.file;
  std::vector<std::string> names;  // parameters, as stored under /parameters
  std::vector<OutputResult> results;
  std::string scenario;  // "" or "points/<i>"
  std::uint64_t tornado_n = 0;
  std::string tornado_note;
  std::optional<DesignGroups> sobol_groups;
  {
    Id file = open_result_file(path);
    require_complete_result(file.get(), path);
    scenario = scenario_group(file.get(), a.file, a.point);
    const std::size_t point_index = scenario.empty() ? 0 : static_cast<std::size_t>(*a.point);
    ReplicateGroups groups = open_replicate_groups(file.get(), a.file, scenario, "analyse sensitivity");
    const hid_t reps = groups.replicates.get(), pars = groups.parameters.get();
    names = groups.parameter_names;
    if (names.empty())
      throw InputError(fmt::format("'{}': no parameter is drawn from a distribution (nothing under /parameters)", a.file));
    const std::vector<std::string>& available = groups.outputs;
    for (std::size_t i = 0; i < a.outputs.size(); ++i)
      if (std::find(a.outputs.begin(), a.outputs.begin() + static_cast<std::ptrdiff_t>(i), a.outputs[i]) !=
          a.outputs.begin() + static_cast<std::ptrdiff_t>(i))
        throw InputError("--output: '" + a.outputs[i] + "' is given twice");
    std::vector<std::string> wanted = a.outputs.empty() ? available : a.outputs;
    for (const auto& o : wanted)
      if (std::find(available.begin(), available.end(), o) == available.end())
        throw InputError(fmt::format("--output: '{}' has no scalar output '{}'{}", a.file, o, did_you_mean(o, available)));

    const hsize_t rows = groups.rows;
    Eigen::MatrixXd x(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(names.size()));
    for (std::size_t j = 0; j < names.size(); ++j) {
      const auto v = read_all_values(pars, names[j], rows);
      x.col(static_cast<Eigen::Index>(j)) = Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(rows));
    }
    const std::uint64_t seed = hdf5::read_uint64_attribute(file.get(), "seed").value_or(1);
    for (const auto& o : wanted) {
      OutputResult r;
      r.name = o;
      r.unit = unit_of(reps, o);
      const auto v = read_all_values(reps, o, rows);
      r.stats = sensitivity(x, Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(rows)),
                            static_cast<std::size_t>(a.bootstrap), seed);
      r.p10_mean.assign(names.size(), nan);
      r.p90_mean.assign(names.size(), nan);
      r.base_mean = nan;
      results.push_back(std::move(r));
    }

    // The tornado and the Saltelli design re-run the model from the file's config.
    const bool sobol = a.method == "sobol";
    const bool tornado = !a.no_tornado && a.tornado_replicates > 0;
    std::optional<Scenario> s;
    if (tornado || sobol) {
      try {
        s.emplace(parse_scenario(hdf5::attribute_text(file.get(), "config_yaml"), a.file + " (config_yaml)"));
      } catch (const std::exception& e) {
        if (sobol)
          throw InputError(fmt::format("'{}': --method sobol re-runs the model from the file's config_yaml, which "
                                       "does not load: {}",
                                       a.file, e.what()));
        tornado_note = std::string("no tornado: the file's config_yaml does not load: ") + e.what();
      }
    }
    if (sobol) {
      if (!(point_index < s->points.size()))
        throw InputError(fmt::format("'{}': the config has no point {}", a.file, point_index));
      const ScenarioPoint& p = s->points[point_index];
      const DesignGroups design = design_groups(*p.parameters.table, a.groups);
      const auto& specs = p.simulation->outputs();
      std::vector<std::size_t> index;
      for (const auto& r : results) {
        const auto it = std::find_if(specs.begin(), specs.end(), [&](const OutputSpec& o) { return o.name == r.name; });
        if (it == specs.end())
          throw InputError(fmt::format("'{}': the file's output '{}' is not one the config's model produces", a.file,
                                       r.name));
        index.push_back(static_cast<std::size_t>(it - specs.begin()));
      }
      for (const auto& note : design.notes) std::cerr << "samdsim: sobol: " << note << "\n";
      const std::uint64_t design_rows = a.sobol_rows.value_or(default_sobol_rows);
      std::cerr << fmt::format("samdsim: sobol: {} rows x {} matrices (A, B and one per group) = {} model runs\n",
                               design_rows, design.groups.size() + 2, design_rows * (design.groups.size() + 2));
      SobolRunOptions o;
      o.rows = static_cast<std::size_t>(design_rows);
      o.progress = ProgressMode::Auto;
      o.seed = seed;
      o.scenario = p.key;
      const std::vector<SobolSamples> samples = run_sobol_design(*p.simulation, *p.parameters.table, design.groups, index, o);
      for (std::size_t k = 0; k < results.size(); ++k)
        results[k].sobol = sobol_indices(samples[k], static_cast<std::size_t>(a.bootstrap), seed);
      sobol_groups = design;
    }
    if (tornado) {
      if (s && point_index < s->points.size()) {
        const ScenarioPoint& p = s->points[point_index];
        const ParameterTable& table = *p.parameters.table;
        std::vector<std::uint32_t> slots;  // sampled slot of each stored parameter (UINT32_MAX: none)
        std::vector<std::uint32_t> sampled;
        for (const auto& name : names) {
          std::uint32_t found = UINT32_MAX;
          for (std::uint32_t i = 0; i < table.size(); ++i) {
            const auto& slot = table.slot(Param{i});
            if (slot.path == name && table.used(Param{i}) && !slot.distribution.is_fixed() && !slot.per_unit) found = i;
          }
          slots.push_back(found);
          if (found != UINT32_MAX) sampled.push_back(found);
        }
        const auto& specs = p.simulation->outputs();
        std::vector<std::size_t> index;  // output index in the simulation
        for (const auto& r : results) {
          std::size_t k = specs.size();
          for (std::size_t i = 0; i < specs.size(); ++i)
            if (specs[i].name == r.name) k = i;
          index.push_back(k);
        }
        RunOptions options;
        options.replicates = a.tornado_replicates;
        options.seed = seed;
        options.scenario = p.key;
        options.progress = ProgressMode::Never;
        DiscardSink sink;
        // The tornado's centre: every drawn parameter at its median, on the same random numbers.
        const ParameterTable medians = fixed_table(table, sampled, UINT32_MAX, 0.5);
        const RunResult base = run_replicates(*p.simulation, medians, options, sink);
        for (std::size_t o = 0; o < results.size(); ++o)
          if (index[o] < base.moments.size() && base.moments[index[o]].n > 0)
            results[o].base_mean = base.moments[index[o]].mean;
        for (std::size_t j = 0; j < names.size(); ++j) {
          if (slots[j] == UINT32_MAX) continue;
          for (const double q : {0.1, 0.9}) {
            const ParameterTable t = fixed_table(table, sampled, slots[j], q);
            const RunResult run = run_replicates(*p.simulation, t, options, sink);
            for (std::size_t o = 0; o < results.size(); ++o) {
              if (index[o] >= run.moments.size()) continue;
              const Moments& m = run.moments[index[o]];
              (q < 0.5 ? results[o].p10_mean : results[o].p90_mean)[j] = m.n > 0 ? m.mean : nan;
            }
          }
        }
        tornado_n = a.tornado_replicates;
      }
    }
  }

  annex_result_group(path, scenario, "sensitivity", [&](hid_t sens) {
    for (const auto& r : results) {
      Id g = hdf5::create_group(sens, r.name);
      write_string_dataset(g.get(), "parameter", names);
      write_double_dataset(g.get(), "spearman", to_vector(r.stats.spearman));
      write_double_dataset(g.get(), "spearman_low", to_vector(r.stats.spearman_low));
      write_double_dataset(g.get(), "spearman_high", to_vector(r.stats.spearman_high));
      write_double_dataset(g.get(), "prcc", to_vector(r.stats.prcc));
      write_double_dataset(g.get(), "prcc_low", to_vector(r.stats.prcc_low));
      write_double_dataset(g.get(), "prcc_high", to_vector(r.stats.prcc_high));
      write_double_dataset(g.get(), "first_order", to_vector(r.stats.first_order));
      write_double_dataset(g.get(), "first_order_low", to_vector(r.stats.first_order_low));
      write_double_dataset(g.get(), "first_order_high", to_vector(r.stats.first_order_high));
      std::vector<double> change(names.size());
      for (std::size_t j = 0; j < names.size(); ++j) change[j] = r.p90_mean[j] - r.p10_mean[j];
      write_double_dataset(g.get(), "tornado_p10_mean", r.p10_mean);
      write_double_dataset(g.get(), "tornado_p90_mean", r.p90_mean);
      write_double_dataset(g.get(), "tornado_change", change);
      hdf5::write_uint64_attribute(g.get(), "rows_used", r.stats.rows_used);
      hdf5::write_uint64_attribute(g.get(), "bootstrap", a.bootstrap);
      hdf5::write_uint64_attribute(g.get(), "bootstrap_rows", r.stats.bootstrap_rows);
      hdf5::write_uint64_attribute(g.get(), "tornado_replicates", tornado_n);
      hdf5::write_double_attribute(g.get(), "tornado_base_mean", r.base_mean);
      hdf5::write_string_attribute(g.get(), "unit", r.unit);
      if (r.sobol) {
        Id so = hdf5::create_group(g.get(), "sobol");
        std::vector<std::string> group_names;
        for (const auto& x : sobol_groups->groups) group_names.push_back(x.name);
        write_string_dataset(so.get(), "group", group_names);
        write_string_dataset(so.get(), "members", sobol_groups->members);
        write_double_dataset(so.get(), "first_order", to_vector(r.sobol->first));
        write_double_dataset(so.get(), "first_order_low", to_vector(r.sobol->first_low));
        write_double_dataset(so.get(), "first_order_high", to_vector(r.sobol->first_high));
        write_double_dataset(so.get(), "total", to_vector(r.sobol->total));
        write_double_dataset(so.get(), "total_low", to_vector(r.sobol->total_low));
        write_double_dataset(so.get(), "total_high", to_vector(r.sobol->total_high));
        hdf5::write_uint64_attribute(so.get(), "rows", a.sobol_rows.value_or(default_sobol_rows));
        hdf5::write_uint64_attribute(so.get(), "rows_used", r.sobol->rows_used);
        hdf5::write_double_attribute(so.get(), "variance", r.sobol->variance);
      }
    }
  });

  // What was stored, read back: `summarize` prints a file's analyses the same way.
  {
    Id file = open_result_file(path);
    std::cout << format_sensitivity(read_sensitivity(file.get(), scenario, a.file));
  }
  if (!tornado_note.empty()) std::cout << "\n" << tornado_note << "\n";
  std::cout << fmt::format("\nwrote /{}sensitivity/ in {}\n", scenario.empty() ? "" : scenario + "/", a.file);
  return 0;
}

}  // namespace samdsim::app
