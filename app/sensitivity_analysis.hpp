#pragma once

// The sensitivity command's analysis of one result file, shared by its
// parts: what is analysed (sensitivity_prepare.cpp), the Saltelli design
// (sensitivity_design.cpp), and the statistics, tornado and storage
// (sensitivity.cpp).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "samdsim/progress.hpp"
#include "samdsim/result_annex.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/sensitivity.hpp"
#include "samdsim/sensitivity_settings.hpp"
#include "samdsim/sobol.hpp"
#include "sensitivity.hpp"
#include "sobol_groups.hpp"

namespace samdsim::app::sensitivity_detail {

struct OutputResult {
  AnalysedOutput what;
  std::string unit;
  std::optional<SensitivityResult> stats;  // none: the file keeps no per-replicate values of it
  std::optional<SobolIndices> sobol;
  std::vector<double> p10_mean, p90_mean;  // tornado, one per parameter (NaN: not run)
  double base_mean = 0;                    // tornado: every drawn parameter at its median (NaN: not run)
};

// The command line over the config's sensitivity: section over the defaults.
struct Settings {
  std::string method = "ranks";
  std::vector<std::string> outputs;
  std::vector<std::uint64_t> months;
  std::uint64_t rows = default_sobol_rows, max_rows = max_sobol_rows;
  std::optional<double> target_width;
  std::vector<std::string> groups;  // LABEL=P1,P2
  const SensitivitySettings* section = nullptr;  // where the groups came from, when from the config
  std::uint64_t bootstrap = 200, tornado_replicates = 2000;
  ProgressMode progress = ProgressMode::Auto;
};

// One analysis of one result file (a sweep point's), from its reading to
// what it stores.
struct Analysis {
  std::filesystem::path path;
  std::string file_name;
  Settings set;
  std::string scenario;  // "" or "points/<i>"
  std::string config_yaml, config_error;
  std::uint64_t seed = 1;
  std::optional<Scenario> config;
  const ScenarioPoint* point = nullptr;  // null: the config does not load
  std::optional<ReplicateGroups> stored;  // the per-replicate values, where the file keeps them
  bool series_stored = false;
  std::vector<std::string> names;  // parameters, as stored under /parameters
  std::vector<OutputResult> results;
  std::uint64_t tornado_n = 0;
  std::string tornado_note;
  std::optional<DesignGroups> design;
  std::uint64_t design_rows = 0;

  // The index of a model output by name (the outputs were checked).
  std::size_t output_index(const std::string& name) const {
    const auto& specs = point->simulation->outputs();
    for (std::size_t i = 0; i < specs.size(); ++i)
      if (specs[i].name == name) return i;
    throw InputError(fmt::format("'{}': the file's output '{}' is not one the config's model produces", file_name, name));
  }
  std::vector<OutputColumn> columns() const {
    std::vector<OutputColumn> out;
    for (const auto& r : results)
      out.push_back({output_index(r.what.output), static_cast<std::size_t>(r.what.month.value_or(0))});
    return out;
  }
};

// Reads what the file holds and settles what is analysed; every problem is
// an InputError, the same on every MPI rank.
Analysis prepare(const SensitivityArgs& given);

// The Saltelli design: its rows here, in a shard, joined from shards, or
// split over the MPI ranks, grown towards the target width. Returns the exit
// status when the command ends here (a shard written, a rank's failure);
// nullopt when the analysis goes on (on the first rank only under mpirun).
std::optional<int> run_design(Analysis& an, const SensitivityArgs& given);

}  // namespace samdsim::app::sensitivity_detail
