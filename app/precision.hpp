#pragma once

#include <cstdint>
#include <cstddef>
#include <string>
#include <vector>

#include "samdsim/result_writer.hpp"
#include "samdsim/results.hpp"
#include "samdsim/stats.hpp"

namespace samdsim::app {

// --target-rse: stop once the relative standard error of every targeted
// output's mean is at most `rse`, looked at after each block in block order
// from the second block on. An output's RSE counts only once it has
// min_values values. Without --target-output every scalar output is
// targeted except those with no value at all so far (an outcome that never
// happened in these replicates has no mean to make precise); they are named
// in the file and the printout.
struct PrecisionTarget {
  static constexpr std::uint64_t min_values = 100;

  double rse = 0.0;
  std::vector<std::string> names;  // empty: every scalar output
  std::vector<std::size_t> outputs;
  std::vector<std::string> all_outputs;  // the name of every output, by index

  // Validates the names against the outputs (InputError with a suggestion).
  PrecisionTarget(double target, std::vector<std::string> output_names, const std::vector<OutputSpec>& specs);

  struct Assessment {
    double worst = 0.0;            // largest RSE of the targeted outputs; NaN while undefined
    double largest_counted = 0.0;  // largest RSE of the outputs with enough values (NaN: none)
    std::size_t binding = SIZE_MAX;  // the output with that RSE
    std::vector<std::size_t> excluded;  // targeted by default but without any value
    std::vector<std::size_t> too_few;   // with fewer than min_values values
  };
  Assessment assess(const std::vector<Moments>& moments) const;
  double worst(const std::vector<Moments>& moments) const { return assess(moments).worst; }
  bool reached(const std::vector<Moments>& moments, std::uint64_t replicates) const;
  // Records the target on the root (so merge can apply it to shards).
  void record(ResultWriter& writer) const;
  // Records the precision a scenario reached, why it stopped and which
  // outputs decided it; returns the same as one line for the user.
  std::string record_result(ResultWriter& writer, const std::vector<Moments>& moments, bool reached) const;
};

}  // namespace samdsim::app
