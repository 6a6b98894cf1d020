#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "samdsim/hdf5_file.hpp"
#include "samdsim/solve.hpp"
#include "samdsim/stats.hpp"
#include "samdsim/sweep.hpp"

namespace samdsim {

// Quantile bands of a series output over replicates, at each index of its axis.
struct Band {
  std::string name;
  std::string unit;
  std::string axis;
  std::size_t length = 0;
  std::array<std::vector<double>, 5> quantiles;  // p05, p25, p50, p75, p95; `length` values each
  std::vector<double> mean;                      // per index; empty when the file has none
};

// One output's analysis as `samdsim sensitivity` stores it under
// <scenario>/sensitivity: per parameter, Spearman and PRCC with bootstrap 95 %
// intervals and the tornado's change (mean at p90 - mean at p10).
struct StoredSensitivity {
  std::string output, unit;
  std::vector<std::string> parameters;
  std::vector<double> spearman, spearman_low, spearman_high, prcc, prcc_low, prcc_high, tornado_change;
  // Given-data first-order indices with their intervals (NaN in files written before they were stored).
  std::vector<double> first_order, first_order_low, first_order_high;
  std::uint64_t rows_used = 0, bootstrap = 0, bootstrap_rows = 0, tornado_replicates = 0;
  double tornado_base_mean = std::numeric_limits<double>::quiet_NaN();
  // Rank statistics were computed (false: the file keeps no per-replicate
  // values of the output, and only the Saltelli design and the tornado ran;
  // their columns are NaN).
  bool ranked = true;
  // A series at one month (output "<series>@<month>"): the series; "" for a scalar.
  std::string series;
  std::uint64_t month = 0;
  // Sobol indices of the Saltelli design (sensitivity --method sobol), one per
  // group of parameters; no groups when it was not run.
  struct Sobol {
    std::vector<std::string> groups, members;  // members: the group's parameters, comma-separated
    std::vector<double> first, first_low, first_high, total, total_low, total_high;
    std::uint64_t rows = 0, rows_used = 0;
    double variance = std::numeric_limits<double>::quiet_NaN();
    // The width every 95 % interval was to reach (--target-width); NaN: none, the rows were fixed.
    double target_width = std::numeric_limits<double>::quiet_NaN();
  } sobol;
};

// One point of a sweep: its swept values and its summaries.
struct ScenarioSummary {
  std::size_t index = 0;
  std::uint64_t key = 0;
  std::vector<std::string> values;  // one per sweep column, as text
  std::vector<Summary> summaries;
  std::vector<Band> bands;
  std::vector<StoredSensitivity> sensitivity;  // stored analyses, by output name
  // How the point fared against the sweep's choose: rule (files that record it).
  std::optional<PointJudgement> judgement;
};

// What `samdsim summarize` shows: the run's record and its summaries.
struct ResultFileSummary {
  std::map<std::string, std::string> attributes;  // root attributes as text, except config_yaml
  std::string config_yaml;
  std::vector<Summary> summaries;  // in the order the outputs were declared
  std::vector<Band> bands;
  std::vector<StoredSensitivity> sensitivity;  // stored analyses of the run, by output name
  // Sweeps: the swept parameters and each point (then `summaries` is empty).
  std::vector<std::string> sweep_columns;
  std::vector<ScenarioSummary> scenarios;
  std::string choose_rule;           // the sweep's choose: rule, if it had one
  std::optional<std::size_t> chosen;  // the point it names (none: no point qualifies)
  std::optional<SolveRecord> solve;   // a solve:'s search and candidates
};

// Opens a samdsim result file read-only after checking that it is one: a
// missing file, a file that is not HDF5, an HDF5 file without
// filetype="samdsim-result", or a newer major format version is an
// InputError naming the file.
hdf5::Id open_result_file(const std::filesystem::path& path);

// InputError unless the open result file is a finished run's (not a shard,
// not a partial file) with every summary in place.
void require_complete_result(hid_t file, const std::filesystem::path& path);

ResultFileSummary read_result_summary(const std::filesystem::path& path);

// The summaries stored under an open group (the root, or a sweep point).
std::vector<Summary> read_summaries(hid_t base);

// All values of a dataset, e.g. "/replicates/cost_usd", converted to double
// with missing values as NaN; a 2-D dataset comes back row-major.
std::vector<double> read_column(const std::filesystem::path& path, const std::string& dataset_path);

}  // namespace samdsim
