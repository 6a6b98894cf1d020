#pragma once

// One outcome of a demonstration trial: its type, the SaMD's effect and the
// variance components of one case's outcome. The `outcome` group declares
// the first endpoint, `second_outcome` an optional second one with the same
// keys (docs/models/demonstration.md, "Two endpoints: co-primary power").

#include <string>

#include "demonstration/gls.hpp"
#include "samdsim/model.hpp"

namespace samdsim::demonstration {

struct Endpoint {
  bool binary = false;
  Param effect, sd, control_proportion, icc, cac, trend_per_period;
  // Binary outcomes in Hussey & Hughes' (2007) terms: the between-hospital
  // sd of the proportion (tau) given instead of the ICC; cac, when not given, 1.
  bool hussey_hughes = false;
  bool cac_given = true;
  Param between_hospital_sd;
  double planning_effect = 0.0;
  std::string unit;
};

// The keys of an outcome. `effect`, `icc` and `cac` are required unless
// `keys_optional` (a second endpoint, switched on by giving its effect).
void declare_endpoint(Field& outcome, bool keys_optional);

// Reads and checks an outcome group (sd for continuous, a control proportion
// for binary that stays in [0, 1] with the planning effect).
Endpoint read_endpoint(const Group& outcome);

// Splits the total variance of one case's outcome into the cluster,
// cluster-by-period and individual components from the ICC and the cluster
// autocorrelation (Hooper et al. 2016; Girling & Hemming 2016).
Components variance_components(double total_variance, double icc, double cac);

// Total variance of one case's outcome: sd^2, or for a binary outcome
// p(1 - p) at the mean of the control and the planned treated proportion;
// `value` gives a parameter's value (a replicate's draw, or its mean).
template <class Value>
double endpoint_variance(const Endpoint& e, Value value) {
  if (!e.binary) return value(e.sd) * value(e.sd);
  const double p_bar = value(e.control_proportion) + e.planning_effect / 2.0;
  return p_bar * (1.0 - p_bar);
}

// The variance components of the endpoint: from its ICC and CAC, or (Hussey
// & Hughes) tau^2 between hospitals, split by the CAC, beside the binomial
// p(1 - p) of one case.
template <class Value>
Components endpoint_components(const Endpoint& e, Value value) {
  const double total = endpoint_variance(e, value);
  const double cac = e.cac_given ? value(e.cac) : 1.0;
  if (!e.hussey_hughes) return variance_components(total, value(e.icc), cac);
  const double tau2 = value(e.between_hospital_sd) * value(e.between_hospital_sd);
  return {cac * tau2, (1.0 - cac) * tau2, total};
}

}  // namespace samdsim::demonstration
