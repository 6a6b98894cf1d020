#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "samdsim/correlation.hpp"
#include "samdsim/model.hpp"
#include "samdsim/parameters.hpp"
#include "samdsim/sensitivity_settings.hpp"
#include "samdsim/solve.hpp"
#include "samdsim/sweep.hpp"

namespace samdsim {

// Replicate counts beyond this are refused before anything is allocated:
// 10^11 replicates would take a file of terabytes.
inline constexpr std::uint64_t max_replicates = 100'000'000'000ULL;

// One scenario of a run: the parameters of a sweep point (or of the config
// when it sweeps nothing), validated and prepared.
struct ScenarioPoint {
  std::uint64_t key = 0;            // random-stream scenario key (0 without a sweep)
  std::vector<std::string> values;  // the swept values as YAML text, one per sweep column
  ResolvedParameters parameters;
  std::shared_ptr<const Simulation> simulation;
};

// A scenario file, validated against its model and prepared for running.
struct Scenario {
  std::string file;
  const Model* model = nullptr;
  std::string name;
  std::string description;
  std::uint64_t replicates = 10000;
  std::uint64_t seed = 1;
  // The config's own parameters (a sweep's base values).
  ResolvedParameters parameters;
  // Correlated parameters (a Gaussian copula per block), linked to every point.
  std::vector<CorrelationBlock> correlations;
  // Config-level warnings (a repaired correlation matrix), printed before the plans'.
  std::vector<std::string> warnings;
  // How `samdsim sensitivity` analyses the run (the sensitivity: section).
  std::optional<SensitivitySettings> sensitivity;
  std::shared_ptr<const Simulation> simulation;
  // Sweep columns (parameter key paths) and every point; without a sweep,
  // no columns and one point: the config itself.
  std::vector<std::string> sweep_columns;
  std::vector<ScenarioPoint> points;
  std::string sweep_yaml;  // the sweep section as given
  SweepChoice sweep_choice;  // how to name the best point, if asked
  // A solve: is run as the sweep of its candidates around the analytic answer.
  std::optional<Solve> solve;
  std::string solve_yaml;    // the solve section as given
  SolveRecord solve_record;  // the search; the simulated columns are filled after the run

  bool is_sweep() const { return !sweep_columns.empty(); }

  // The whole config with every default filled in (written into result files).
  std::string resolved_yaml() const;
};

// The warnings of every point's plan as printed lines ("samdsim: warning:
// ..."), a sweep point named after its values; at most `limit` lines and a
// count of the rest.
std::string plan_warnings(const Scenario& scenario, std::size_t limit = 10);

// Reads, validates and prepares a scenario. Every problem is an InputError
// naming file:line:col and the key path.
Scenario load_scenario(const std::filesystem::path& file);
// The same from text (tests, and configs that come from elsewhere).
Scenario parse_scenario(const std::string& text, const std::string& file_name);

// A whole number from a command-line option or config value, with limits.
std::uint64_t parse_count(const std::string& text, const std::string& what, std::uint64_t min, std::uint64_t max);

}  // namespace samdsim
