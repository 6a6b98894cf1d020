#pragma once

// One outcome of a demonstration trial: its type, the SaMD's effect and the
// variance components of one case's outcome. The `outcome` group declares
// the first endpoint, `second_outcome` an optional second one with the same
// keys (docs/models/demonstration.md, "Two endpoints: co-primary power").

#include <string>

#include "samdsim/model.hpp"

namespace samdsim::demonstration {

struct Endpoint {
  bool binary = false;
  Param effect, sd, control_proportion, icc, cac, trend_per_period;
  double planning_effect = 0.0;
  std::string unit;
};

// The keys of an outcome. `effect`, `icc` and `cac` are required unless
// `keys_optional` (a second endpoint, switched on by giving its effect).
void declare_endpoint(Field& outcome, bool keys_optional);

// Reads and checks an outcome group (sd for continuous, a control proportion
// for binary that stays in [0, 1] with the planning effect).
Endpoint read_endpoint(const Group& outcome);

// Total variance of one case's outcome: sd^2, or for a binary outcome
// p(1 - p) at the mean of the control and the planned treated proportion;
// `value` gives a parameter's value (a replicate's draw, or its mean).
template <class Value>
double endpoint_variance(const Endpoint& e, Value value) {
  if (!e.binary) return value(e.sd) * value(e.sd);
  const double p_bar = value(e.control_proportion) + e.planning_effect / 2.0;
  return p_bar * (1.0 - p_bar);
}

}  // namespace samdsim::demonstration
