#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace samdsim::app {

struct VoiArgs {
  std::string file;
  std::vector<std::string> options;     // outputs: net benefit of each option (larger is better)
  std::string incremental;              // or one output: net benefit of acting over not acting
  std::vector<std::string> parameters;  // default: every drawn parameter
  std::vector<std::string> groups;      // "label=p1,p2,..."
  std::vector<std::string> statistics;  // outputs: a simulated study's result, for EVSI
  std::optional<std::uint64_t> point;
  std::uint64_t draws = 100;
  double population = 1.0;
};

// `samdsim voi OUT.h5`: EVPI and EVPPI (each parameter, and named groups)
// of a decision between options whose per-replicate net benefits are
// outputs of the file, and EVSI of the information in simulated study
// results (outputs given with --statistic); printed ranked and written
// under /voi (a sweep point's under /points/<i>/voi).
int command_voi(const VoiArgs& args);

}  // namespace samdsim::app
