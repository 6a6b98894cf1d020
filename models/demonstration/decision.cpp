#include "demonstration/decision.hpp"

#include <cmath>

namespace samdsim::demonstration {

void declare_decision(Field& d) {
  d.number("value_per_effect_unit", "currency per outcome unit per hospital-year", Range::any(),
           "what one unit of the true effect is worth to one adopting hospital in a year (negative where a lower "
           "outcome is better, e.g. minutes); giving it makes the trial inform a roll-out decision")
      .optional();
  d.number("cost_per_hospital_year", "currency per hospital-year", Range::nonnegative(),
           "what the SaMD costs an adopting hospital a year (licence, support, staff time)")
      .default_value(0.0);
  d.integer("hospitals", "hospital", Range::between(1, 1e7), "hospitals the roll-out decision applies to")
      .default_value(1.0);
  d.number("horizon_years", "year", Range{0.0, 100.0, true}, "years of benefit after the decision")
      .default_value(5.0);
  d.number("discount_rate_per_year", "rate", Range::between(0.0, 1.0), "annual discount rate of future benefit")
      .default_value(0.0);
  d.number("analysis_months", "month", Range::between(0.0, 120.0),
           "months from the trial's last period to the decision (analysis, reporting)")
      .default_value(3.0);
  d.choice("rule", {"posterior", "significance"},
           "adopt when the posterior expected net benefit is positive (normal prior update), or when the trial "
           "is significant in the favourable direction")
      .default_value("posterior");
}

double normal_decision_value(double mean, double sd) {
  if (!(sd > 0.0)) return 0.0;
  const double z = mean / sd;
  const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI);
  const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
  return mean * cdf + sd * pdf - std::max(0.0, mean);
}

Decision make_decision(const Group& d, const Group& outcome, double duration_months, double analytic_se) {
  Decision r;
  if (!d.given("value_per_effect_unit")) return r;
  r.enabled = true;
  r.significance_rule = d.choice("rule") == "significance";
  r.value_per_effect_unit = d.number("value_per_effect_unit");
  r.cost_per_hospital_year = d.number("cost_per_hospital_year");
  // The closed-form EVSI and the posterior decision rule take E[v theta] as
  // E[v] E[theta] and the cost as independent of the data.
  for (const char* name : {"value_per_effect_unit", "cost_per_hospital_year"})
    d.table().require_independent(d.peek(name),
                                  "the decision's closed-form values (baseline, posterior rule, EVSI) assume it "
                                  "independent of the effect and of the data");
  r.value_mean = d.distribution("value_per_effect_unit").mean();
  r.cost_mean = d.distribution("cost_per_hospital_year").mean();
  if (r.value_mean == 0.0) d.fail("value_per_effect_unit", "a mean value of 0 makes every decision worthless");

  // Benefit flows from the decision, (duration + analysis) months from now,
  // for horizon_years, discounted continuously at the annual rate.
  const double start = (duration_months + d.fixed("analysis_months")) / 12.0;
  const double horizon = d.fixed("horizon_years");
  const double rate = std::log1p(d.fixed("discount_rate_per_year"));
  const double years = rate > 0.0 ? (std::exp(-rate * start) - std::exp(-rate * (start + horizon))) / rate : horizon;
  r.population_factor = d.fixed("hospitals") * years;

  const Distribution& prior = outcome.distribution("effect");
  r.prior_mean = prior.mean();
  r.prior_variance = prior.variance();
  const double mean_inb = r.value_mean * r.prior_mean - r.cost_mean;
  r.value_without_trial = r.population_factor * std::max(0.0, mean_inb);
  // Preposterior: the posterior mean has variance tau^4 / (tau^2 + s^2).
  const double tau2 = r.prior_variance, s2 = analytic_se * analytic_se;
  const double preposterior_sd = tau2 > 0.0 && std::isfinite(s2) ? tau2 / std::sqrt(tau2 + s2) : 0.0;
  r.evsi_closed_form =
      r.population_factor * normal_decision_value(mean_inb, std::fabs(r.value_mean) * preposterior_sd);
  return r;
}

bool Decision::adopt_by_posterior(double estimate, double se) const {
  double mean = prior_mean;
  if (prior_variance > 0.0 && se > 0.0 && std::isfinite(estimate)) {
    const double w_prior = 1.0 / prior_variance, w_data = 1.0 / (se * se);
    mean = (w_prior * prior_mean + w_data * estimate) / (w_prior + w_data);
  }
  return value_mean * mean - cost_mean > 0.0;
}

}  // namespace samdsim::demonstration
