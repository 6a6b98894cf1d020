// Turns validated parameters into a Plan: the sequence matrix, the analysis
// settings, the Hussey–Hughes variance of the design at the planning values,
// and (where nothing varies between replicates) the GLS weights.
#include <fmt/format.h>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

#include "demonstration/demonstration.hpp"
#include "samdsim/numbers.hpp"

namespace samdsim::demonstration {

namespace {

double normal_quantile(double p) { return boost::math::quantile(boost::math::normal_distribution<>(), p); }

double t_quantile(double df, double p) { return boost::math::quantile(boost::math::students_t_distribution<>(df), p); }

void read_outcome(Plan& plan, const Group& o) {
  const Endpoint e = read_endpoint(o);
  plan.binary = e.binary;
  plan.effect = e.effect;
  plan.sd = e.sd;
  plan.control_proportion = e.control_proportion;
  plan.trend_per_period = e.trend_per_period;
  plan.planning_effect = e.planning_effect;
  plan.outcome_unit = e.unit;
  plan.outcome = e;
}

// Degrees of freedom of the t test for `cells` measured cluster-periods.
double degrees_of_freedom(DfRule rule, const Design& d, double cells) {
  if (rule == DfRule::clusters_minus_2) return static_cast<double>(d.clusters) - 2.0;
  // Residual df of the fixed-effects analysis with a parameter per hospital,
  // per period (or one intercept) and the treatment.
  return cells - static_cast<double>(d.clusters) - static_cast<double>(d.fixed_effects() - 1);
}

void read_analysis(Plan& plan, const Group& a) {
  plan.variance = a.choice("variance") == "estimated" ? Variance::estimated : Variance::known;
  plan.alpha = a.fixed("alpha");
  const bool t = a.choice("test") == "t";
  if (!t && a.choice("df") != "auto") a.fail("df", "'df' applies to test: t");
  const Design& d = plan.design;
  // A parallel design compares hospitals with hospitals; the other designs
  // estimate the effect mostly within hospitals, where hospitals - 2 is far
  // too conservative (docs/models/demonstration.md, "Wald test").
  const std::string& rule = a.choice("df");
  const bool within = rule == "within_clusters" || (rule == "auto" && d.type != DesignType::parallel);
  plan.df_rule = !t ? DfRule::normal : within ? DfRule::within_clusters : DfRule::clusters_minus_2;
  if (plan.df_rule == DfRule::normal) {
    plan.planned_df = std::numeric_limits<double>::infinity();
    plan.planned_critical = normal_quantile(1.0 - plan.alpha / 2.0);
  } else {
    plan.planned_df = degrees_of_freedom(plan.df_rule, d, static_cast<double>(d.scheduled_cells));
    if (plan.planned_df < 1.0)
      a.fail(a.given("df") ? "df" : "test",
             fmt::format("the t test has {:g} degrees of freedom with rule {} in this design ({} hospitals, {} "
                         "measured cluster-periods, {} fixed effects); it needs at least 1",
                         plan.planned_df, within ? "within_clusters" : "clusters_minus_2", d.clusters,
                         d.scheduled_cells, d.fixed_effects()));
    plan.planned_critical = t_quantile(plan.planned_df, 1.0 - plan.alpha / 2.0);
  }
  std::size_t measured_periods_max = 0;
  for (const auto& s : d.sequences) {
    std::size_t measured = 0;
    for (char c : s) measured += c != unmeasured_cell ? 1 : 0;
    measured_periods_max = std::max(measured_periods_max, measured);
  }
  plan.cluster_period_identifiable = measured_periods_max > 1;
  if (plan.variance == Variance::estimated) {
    const std::size_t fixed = d.fixed_effects();
    if (d.scheduled_cells < fixed + 2)
      a.fail("variance", fmt::format("estimating the variance components needs at least 2 more measured "
                                     "cluster-periods than fixed effects; this design has {} and {}",
                                     d.scheduled_cells, fixed));
  }
}

void read_costs(Plan& plan, const Group& c) {
  plan.currency = c.text("currency");
  plan.cost_fixed = c.number("fixed");
  plan.cost_per_hospital = c.number("per_hospital");
  plan.cost_per_hospital_period = c.number("per_hospital_period");
  plan.cost_per_case = c.number("per_case");
  plan.has_budget = c.given("budget");
  if (plan.has_budget) plan.budget = c.fixed("budget");
}

double mean_of(const Group& g, const char* name) { return g.distribution(name).mean(); }

bool is_fixed(const Group& g, const char* name) { return g.distribution(name).is_fixed(); }

}  // namespace

Components variance_components(double total_variance, double icc, double cac) {
  return {icc * cac * total_variance, icc * (1.0 - cac) * total_variance, (1.0 - icc) * total_variance};
}

double wald_power(double effect, double se, double critical) {
  const boost::math::normal_distribution<> n;
  const double shift = std::fabs(effect) / se;
  return boost::math::cdf(n, shift - critical) + boost::math::cdf(n, -shift - critical);
}

double Plan::critical_value(double df) const {
  if (df_rule == DfRule::normal || df == planned_df) return planned_critical;
  return df >= 1.0 ? t_quantile(df, 1.0 - alpha / 2.0) : nan;
}

Plan make_plan(const Group& p) {
  Plan plan;
  const Group& d = p.group("design");
  const Group& o = p.group("outcome");
  plan.design = make_design(d);

  const Distribution& m = d.distribution("cases_per_period");
  plan.cases_distribution = &m;
  plan.cases_fixed = m.is_fixed();
  plan.cases_per_period = m.mean();
  if (plan.cases_fixed ? plan.cases_per_period < 1.0 : !(plan.cases_per_period > 0.0))
    d.fail("cases_per_period", plan.cases_fixed ? "needs at least one case per cluster-period"
                                                : "needs a positive mean number of cases per cluster-period");

  read_outcome(plan, o);
  read_analysis(plan, p.group("analysis"));
  if (plan.variance == Variance::estimated && plan.cases_fixed && plan.cases_per_period < 2.0)
    d.fail("cases_per_period",
           "estimating the variance components needs at least 2 cases per cluster-period "
           "(the individual variance comes from the variation within a cluster-period)");
  read_costs(plan, p.group("costs"));

  // The design's variance at the planning values (means of distributions).
  const Components c =
      endpoint_components(plan.outcome, [&o](Param q) { return o.table().slot(q).distribution.mean(); });
  plan.trial = make_trial(plan.design, plan.cases_per_period);
  const Trial& t = plan.trial;
  if (plan.variance == Variance::estimated && plan.cases_fixed) plan.balanced = BalancedReml::of(t);
  GlsScratch scratch(t.columns, t.cell_column.size(), t.groups.size(), plan.design.periods);
  double variance = 0.0;
  if (!gls_weights(t, c, scratch, plan.weights, variance))
    d.fail("type", "the treatment effect is not estimable in this design at the planning values");
  plan.analytic_se = std::sqrt(variance);
  plan.analytic_power_value = wald_power(plan.planning_effect, plan.analytic_se, plan.planned_critical);
  const Group& costs = p.group("costs");
  const double cells = static_cast<double>(plan.design.scheduled_cells);
  plan.expected_cost = mean_of(costs, "fixed") + static_cast<double>(plan.design.clusters) * mean_of(costs, "per_hospital") +
                       cells * mean_of(costs, "per_hospital_period") +
                       cells * plan.cases_per_period * mean_of(costs, "per_case");
  plan.decision = make_decision(p.group("decision"), o, static_cast<double>(plan.design.periods) * plan.design.period_months,
                                plan.analytic_se);
  plan.second = make_second_endpoint(p, plan, c, scratch);
  plan.warnings = plan_warnings(plan, p);

  plan.precomputed = plan.variance == Variance::known && plan.cases_fixed &&
                     is_fixed(o, plan.outcome.hussey_hughes ? "between_hospital_sd" : "icc") &&
                     (!plan.outcome.cac_given || is_fixed(o, "cac")) &&
                     (plan.binary ? is_fixed(o, "control_proportion") : is_fixed(o, "sd"));
  if (plan.precomputed) {
    plan.precomputed_variance = variance;
    for (const CellGroup& g : t.groups)
      for (std::size_t cell = g.first; cell < g.first + g.size; ++cell)
        plan.precomputed_trend_weight += g.count * plan.weights[cell] * t.cell_period[cell];
  } else {
    plan.weights.clear();
  }
  return plan;
}

}  // namespace samdsim::demonstration
