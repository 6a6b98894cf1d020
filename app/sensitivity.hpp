#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "samdsim/result_compact.hpp"

namespace samdsim {
struct Scenario;
}

namespace samdsim::app {

// What the command line asks; unset options take the config's sensitivity:
// section, then the defaults.
struct SensitivityArgs {
  std::string file;
  std::vector<std::string> outputs;  // OUTPUT or SERIES@MONTH; empty: every scalar output
  std::vector<std::uint64_t> months;  // months of every series output (or of those --output names)
  std::optional<std::uint64_t> point;
  std::optional<std::uint64_t> bootstrap;           // default 200
  std::optional<std::uint64_t> tornado_replicates;  // default 2000
  bool no_tornado = false;
  unsigned threads = 0;                     // 0: all cores; results do not depend on it
  std::string progress = "auto";            // the design's progress bar: auto, always or never
  std::optional<std::string> method;        // ranks (default), or sobol: ranks and the Saltelli design
  std::optional<std::uint64_t> sobol_rows;  // rows N of the design: N (groups + 2) runs
  std::optional<std::uint64_t> max_rows;    // with target_width: the most rows the design grows to
  std::optional<double> target_width;       // grow the design until every 95 % interval is this narrow
  std::vector<std::string> groups;          // LABEL=P1,P2: parameters varied together
  std::optional<std::string> shard;         // I/N: only those rows of the design, written to samples_out
  std::string samples_out;
  std::vector<std::string> samples_in;  // design rows from shards, instead of running them
};

// `samdsim sensitivity OUT.h5`: Spearman and PRCC (with bootstrap intervals)
// of every sampled parameter with each output, and a tornado of the outputs'
// means from p10 to p90 of each parameter (re-running the model), written
// into the file under /sensitivity/<output>/ (a sweep point's under
// /points/<i>/sensitivity/) and printed as ranked tables. With --method sobol,
// also first-order and total Sobol indices of each group of parameters from
// a Saltelli design on common random numbers, under <output>/sobol/; the
// design's rows may be run in shards (--shard, then --samples) or over MPI
// ranks, and grown until the intervals are narrow enough (--target-width).
int command_sensitivity(const SensitivityArgs& args);

// Checks a config's sensitivity: section against every point's parameters
// (its groups name parameters drawn per replicate and split none drawn
// together) and, given what the run keeps, that its method can analyse the
// file, before a run that will analyse it. Throws a located InputError.
void check_sensitivity_section(const Scenario& scenario, std::optional<OutputsKept> kept = std::nullopt);

}  // namespace samdsim::app
