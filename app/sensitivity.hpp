#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace samdsim::app {

struct SensitivityArgs {
  std::string file;
  std::vector<std::string> outputs;  // empty: every scalar output
  std::optional<std::uint64_t> point;
  std::uint64_t bootstrap = 200;
  std::uint64_t tornado_replicates = 2000;
  bool no_tornado = false;
};

// `samdsim sensitivity OUT.h5`: Spearman and PRCC (with bootstrap intervals)
// of every sampled parameter with each output, and a tornado of the outputs'
// means from p10 to p90 of each parameter (re-running the model), written
// into the file under /sensitivity/<output>/ (a sweep point's under
// /points/<i>/sensitivity/) and printed as ranked tables.
int command_sensitivity(const SensitivityArgs& args);

}  // namespace samdsim::app
