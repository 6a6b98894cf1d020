#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace samdsim::app {

inline constexpr std::uint64_t default_sobol_rows = 4096;

struct SensitivityArgs {
  std::string file;
  std::vector<std::string> outputs;  // empty: every scalar output
  std::optional<std::uint64_t> point;
  std::uint64_t bootstrap = 200;
  std::uint64_t tornado_replicates = 2000;
  bool no_tornado = false;
  std::string method = "ranks";         // ranks, or sobol: ranks and the Saltelli design
  std::optional<std::uint64_t> sobol_rows;  // rows N of the design: N (groups + 2) runs
  std::vector<std::string> groups;      // LABEL=P1,P2: parameters varied together
};

// `samdsim sensitivity OUT.h5`: Spearman and PRCC (with bootstrap intervals)
// of every sampled parameter with each output, and a tornado of the outputs'
// means from p10 to p90 of each parameter (re-running the model), written
// into the file under /sensitivity/<output>/ (a sweep point's under
// /points/<i>/sensitivity/) and printed as ranked tables. With --method sobol,
// also first-order and total Sobol indices of each group of parameters from
// a Saltelli design on common random numbers, under <output>/sobol/.
int command_sensitivity(const SensitivityArgs& args);

}  // namespace samdsim::app
