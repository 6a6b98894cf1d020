#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "samdsim/result_writer.hpp"
#include "samdsim/results.hpp"
#include "samdsim/stats.hpp"

namespace samdsim::app {

// --target-rse: stop once the relative standard error of every targeted
// output's mean is at most `rse`, looked at after each block in block order
// from the second block on.
struct PrecisionTarget {
  double rse = 0.0;
  std::vector<std::string> names;  // empty: every scalar output
  std::vector<std::size_t> outputs;

  // Validates the names against the outputs (InputError with a suggestion).
  PrecisionTarget(double target, std::vector<std::string> output_names, const std::vector<OutputSpec>& specs);

  double worst(const std::vector<Moments>& moments) const;  // NaN while undefined
  bool reached(const std::vector<Moments>& moments, std::uint64_t replicates) const;
  // Records the target on the root (so merge can apply it to shards).
  void record(ResultWriter& writer) const;
  // Records the precision a scenario reached and why it stopped.
  void record_result(ResultWriter& writer, const std::vector<Moments>& moments, bool reached) const;
};

}  // namespace samdsim::app
