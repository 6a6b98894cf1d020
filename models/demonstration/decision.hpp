#pragma once

// The decision a demonstration trial informs: after the trial and its
// analysis, the SaMD is rolled out to a population of hospitals, or not.
// docs/models/demonstration.md ("Decision value") has the equations.

#include "samdsim/model.hpp"

namespace samdsim::demonstration {

struct Decision {
  bool enabled = false;        // a decision: group with value_per_effect_unit
  bool significance_rule = false;  // adopt when significant and favourable; else by the posterior mean
  // Incremental net benefit per hospital and year: value x effect - cost.
  Param value_per_effect_unit, cost_per_hospital_year;
  double value_mean = 0.0, cost_mean = 0.0;
  // Hospitals x discounted years of benefit from the decision on.
  double population_factor = 0.0;
  // The effect's prior (its distribution), as a normal for the posterior update.
  double prior_mean = 0.0, prior_variance = 0.0;
  // Population net benefit of deciding now on the prior alone:
  // A max(0, value_mean x prior_mean - cost_mean).
  double value_without_trial = 0.0;
  // EVSI for a normal prior, a linear net benefit and the design's analytic
  // standard error (the same in every replicate).
  double evsi_closed_form = 0.0;

  // Whether the posterior expected net benefit after seeing `estimate` with
  // standard error `se` is positive.
  bool adopt_by_posterior(double estimate, double se) const;
};

void declare_decision(Field& d);
// `duration_months`: from the first to the last period of the trial.
Decision make_decision(const Group& decision, const Group& outcome, double duration_months, double analytic_se);

// E[max(0, X)] - max(0, mean) for X ~ N(mean, sd^2): the value of learning X
// before choosing between X and 0.
double normal_decision_value(double mean, double sd);

}  // namespace samdsim::demonstration
