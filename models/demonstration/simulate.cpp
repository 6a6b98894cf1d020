// One replicate: simulate the cluster-period means of one trial from the
// linear mixed model, analyse them by GLS, test, and cost the design.
//
// The means are drawn from their exact distribution: with m cases the mean of
// the individual errors is N(0, sigma2 / m), so a cell mean is
// trend * j + alpha_i + N(0, gamma2 + sigma2 / m). The individual variance
// that an analysis of the individual data would estimate from the variation
// within cells is, for normal data, independent of the means and distributed
// sigma2 * chi2(N) / N with N = sum of (m - 1): one gamma draw per trial.
#include <cmath>
#include <limits>

#include "demonstration/demonstration.hpp"

namespace samdsim::demonstration {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

struct DemoWorkspace final : Workspace {
  DemoWorkspace(Trial t, std::size_t max_cluster_cells)
      : trial(std::move(t)), scratch(trial.columns, trial.cell_column.size(), trial.groups.size(), max_cluster_cells) {}
  Trial trial;
  GlsScratch scratch;
};

// With m drawn per cell, every cluster is its own group: its cells start at
// cluster * periods and are rewritten every replicate.
Trial per_cluster_layout(const Design& d) {
  Trial t;
  t.columns = d.fixed_effects();
  const std::size_t capacity = d.clusters * d.periods;
  t.cell_column.assign(capacity, 0);
  t.cell_treated.assign(capacity, 0.0);
  t.cell_period.assign(capacity, 0.0);
  t.cell_inverse_cases.assign(capacity, 1.0);
  t.y.assign(capacity, 0.0);
  t.groups.assign(d.clusters, CellGroup{});
  for (std::size_t i = 0; i < d.clusters; ++i) {
    t.groups[i].first = i * d.periods;
    t.cluster_group.push_back(i);
    t.cluster_first.push_back(i * d.periods);
  }
  return t;
}

struct Draws {
  double cases = 0.0;      // measured cases in the trial
  double cells = 0.0;      // cluster-periods with at least one case
  double within_df = 0.0;  // sum over measured cells of (m - 1)
};

Draws simulate_cases_drawn(const Plan& plan, const Components& c, double trend, Trial& t, Stream& rng) {
  Draws n;
  const Design& d = plan.design;
  const double tau = std::sqrt(c.tau2);
  std::size_t cluster = 0;
  for (std::size_t s = 0; s < d.sequences.size(); ++s) {
    const std::string& pattern = d.sequences[s];
    for (std::size_t k = 0; k < d.sequence_clusters[s]; ++k, ++cluster) {
      CellGroup& g = t.groups[cluster];
      g.size = 0;
      const double alpha = tau * rng.normal();
      for (std::size_t j = 0; j < d.periods; ++j) {
        if (pattern[j] == unmeasured_cell) continue;
        const double m = std::round(plan.cases_distribution->sample(rng));
        n.cases += m;
        if (m < 1.0) continue;
        const std::size_t cell = g.first + g.size++;
        t.cell_column[cell] = d.period_effects ? j : 0;
        t.cell_treated[cell] = pattern[j] == treated_cell ? 1.0 : 0.0;
        t.cell_period[cell] = static_cast<double>(j);
        t.cell_inverse_cases[cell] = 1.0 / m;
        t.y[cell] = trend * static_cast<double>(j) + alpha + std::sqrt(c.gamma2 + c.sigma2 / m) * rng.normal();
        n.cells += 1.0;
        n.within_df += m - 1.0;
      }
    }
  }
  return n;
}

Draws simulate_cases_fixed(const Plan& plan, const Components& c, double trend, Trial& t, Stream& rng) {
  const double m = plan.cases_per_period;
  const double tau = std::sqrt(c.tau2);
  const double cell_sd = std::sqrt(c.gamma2 + c.sigma2 / m);
  for (std::size_t i = 0; i < t.clusters(); ++i) {
    const CellGroup& g = t.groups[t.cluster_group[i]];
    double* y = t.y.data() + t.cluster_first[i];
    const double alpha = tau * rng.normal();
    for (std::size_t j = 0; j < g.size; ++j) y[j] = trend * t.cell_period[g.first + j] + alpha + cell_sd * rng.normal();
  }
  const auto cells = static_cast<double>(plan.design.scheduled_cells);
  return {cells * m, cells, cells * (m - 1.0)};
}

double precomputed_estimate(const Plan& plan, const Trial& t) {
  double estimate = 0.0;
  for (std::size_t i = 0; i < t.clusters(); ++i) {
    const CellGroup& g = t.groups[t.cluster_group[i]];
    const double* y = t.y.data() + t.cluster_first[i];
    for (std::size_t j = 0; j < g.size; ++j) estimate += plan.weights[g.first + j] * y[j];
  }
  return estimate;
}

}  // namespace

Simulation::Simulation(Plan plan)
    : plan_(std::move(plan)), outputs_(output_specs(plan_.outcome_unit, plan_.currency, plan_.decision.enabled)) {}

std::unique_ptr<Workspace> Simulation::make_workspace() const {
  return std::make_unique<DemoWorkspace>(plan_.cases_fixed ? plan_.trial : per_cluster_layout(plan_.design),
                                         plan_.design.periods);
}

void Simulation::simulate(ReplicateContext& ctx, Workspace* workspace, OutputRow out) const {
  auto& w = static_cast<DemoWorkspace&>(*workspace);
  const Plan& p = plan_;
  Stream& rng = ctx.rng();

  const double p_bar = p.binary ? ctx[p.control_proportion] + p.planning_effect / 2.0 : 0.0;
  const double total_variance = p.binary ? p_bar * (1.0 - p_bar) : ctx[p.sd] * ctx[p.sd];
  const Components truth = variance_components(total_variance, ctx[p.icc], ctx[p.cac]);
  const double trend = ctx[p.trend_per_period];
  const Draws n = p.cases_fixed ? simulate_cases_fixed(p, truth, trend, w.trial, rng)
                                : simulate_cases_drawn(p, truth, trend, w.trial, rng);

  // The data hold no treatment effect: the GLS estimate is linear in the
  // data and exact for the treatment column, and REML depends on the data
  // only through residuals, so the estimate under effect theta is the
  // estimate here plus theta. Power (at the planning effect) and assurance
  // (at the replicate's effect drawn from its prior) share one trial.
  const bool with_trend = !p.design.period_effects;
  bool ok = true;
  double theta = 0.0, variance = 0.0, trend_weight = 0.0, icc_hat = nan, cac_hat = nan;
  if (p.precomputed) {
    theta = precomputed_estimate(p, w.trial);
    variance = p.precomputed_variance;
    trend_weight = p.precomputed_trend_weight;
  } else {
    Evaluation e;
    if (p.variance == Variance::known) {
      ok = evaluate(w.trial, truth, Need::estimate, with_trend, w.scratch, e);
    } else if (n.within_df > 0.0) {
      // The replicate's true components are the starting values; REML's
      // maximum does not depend on them.
      Components c = truth;
      c.sigma2 = truth.sigma2 * rng.gamma(n.within_df / 2.0, 2.0) / n.within_df;
      if (!p.cluster_period_identifiable) c.tau2 += truth.gamma2;
      ok = reml_fit(w.trial, c, p.cluster_period_identifiable, with_trend, w.scratch, e);
      const double between = c.tau2 + c.gamma2;
      if (ok) icc_hat = between / (between + c.sigma2);
      if (ok && p.cluster_period_identifiable && between > 0.0) cac_hat = c.tau2 / between;
    } else {
      ok = false;  // every measured cell has one case: no within-cell variance
    }
    theta = e.theta;
    variance = e.variance;
    trend_weight = e.trend_weight;
  }

  const double df = p.df_rule == DfRule::within_clusters
                        ? n.cells - static_cast<double>(p.design.clusters) - static_cast<double>(p.trial.columns - 1)
                        : p.planned_df;
  const double critical = ok ? p.critical_value(df) : nan;
  const double se = ok ? std::sqrt(variance) : nan;
  const double at_plan = ok ? theta + p.planning_effect : nan;
  const double at_prior = ok ? theta + ctx[p.effect] : nan;
  // NaN comparisons are false: a trial that cannot be analysed does not reject.
  out.set(reject, std::fabs(at_plan) > critical * se);
  out.set(reject_prior, std::fabs(at_prior) > critical * se);
  out.set(estimate, at_plan);
  out.set(estimate_prior, at_prior);
  out.set(standard_error, se);
  out.set(ci_width, 2.0 * critical * se);
  out.set(analytic_power, p.analytic_power_value);
  out.set(analytic_standard_error, p.analytic_se);
  out.set(trend_bias, with_trend && ok ? trend * trend_weight : 0.0);
  out.set(period_confounded, !p.design.period_effects);
  out.set(icc_estimate, icc_hat);
  out.set(cac_estimate, cac_hat);

  const double cost = ctx[p.cost_fixed] + static_cast<double>(p.design.clusters) * ctx[p.cost_per_hospital] +
                      static_cast<double>(p.design.scheduled_cells) * ctx[p.cost_per_hospital_period] +
                      n.cases * ctx[p.cost_per_case];
  out.set(total_cost, cost);
  out.set(within_budget, !p.has_budget || cost <= p.budget);
  out.set(cost_per_power, p.analytic_power_value > 0.0 ? cost / p.analytic_power_value : nan);
  out.set(hospitals, static_cast<double>(p.design.clusters));
  out.set(cluster_periods, n.cells);
  out.set(cases, n.cases);
  out.set(duration_months, static_cast<double>(p.design.periods) * p.design.period_months);

  if (!p.decision.enabled) return;
  const Decision& d = p.decision;
  const double population_nb =
      d.population_factor * (ctx[d.value_per_effect_unit] * ctx[p.effect] - ctx[d.cost_per_hospital_year]);
  const bool by_posterior = ok && d.adopt_by_posterior(at_prior, se);
  const bool by_significance = ok && std::fabs(at_prior) > critical * se && d.value_mean * at_prior > 0.0;
  const double nb_posterior = by_posterior ? population_nb : 0.0;
  const double nb_significance = by_significance ? population_nb : 0.0;
  out.set(population_net_benefit, population_nb);
  out.set(net_benefit_posterior_rule, nb_posterior);
  out.set(net_benefit_significance_rule, nb_significance);
  out.set(adopt_posterior_rule, by_posterior);
  out.set(adopt_significance_rule, by_significance);
  out.set(enbs, (d.significance_rule ? nb_significance : nb_posterior) - d.value_without_trial - cost);
  out.set(evsi_closed_form, d.evsi_closed_form);
}

}  // namespace samdsim::demonstration
