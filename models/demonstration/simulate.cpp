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
#include <utility>
#include <vector>

#include "demonstration/demonstration.hpp"
#include "samdsim/numbers.hpp"

namespace samdsim::demonstration {

namespace {

struct DemoWorkspace final : Workspace {
  DemoWorkspace(Trial t, std::size_t max_cluster_cells)
      : trial(std::move(t)),
        scratch(trial.columns, trial.cell_column.size(), trial.groups.size(), max_cluster_cells),
        cluster_effect(trial.clusters()),
        second_y(trial.y.size()) {}
  Trial trial;
  GlsScratch scratch;
  std::vector<double> cluster_effect;  // the first endpoint's alpha_i, from which the second is drawn
  std::vector<double> second_y;        // the second endpoint's means, laid out as trial.y
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

Draws simulate_cases_drawn(const Plan& plan, const Components& c, double trend, Trial& t, double* cluster_effect,
                           Stream& rng) {
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
      cluster_effect[cluster] = alpha;
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

Draws simulate_cases_fixed(const Plan& plan, const Components& c, double trend, Trial& t, double* cluster_effect,
                           Stream& rng) {
  const double m = plan.cases_per_period;
  const double tau = std::sqrt(c.tau2);
  const double cell_sd = std::sqrt(c.gamma2 + c.sigma2 / m);
  for (std::size_t i = 0; i < t.clusters(); ++i) {
    const CellGroup& g = t.groups[t.cluster_group[i]];
    double* y = t.y.data() + t.cluster_first[i];
    const double alpha = tau * rng.normal();
    cluster_effect[i] = alpha;
    for (std::size_t j = 0; j < g.size; ++j) y[j] = trend * t.cell_period[g.first + j] + alpha + cell_sd * rng.normal();
  }
  const auto cells = static_cast<double>(plan.design.scheduled_cells);
  return {cells * m, cells, cells * (m - 1.0)};
}

double precomputed_estimate(const std::vector<double>& weights, const Trial& t) {
  double estimate = 0.0;
  for (std::size_t i = 0; i < t.clusters(); ++i) {
    const CellGroup& g = t.groups[t.cluster_group[i]];
    const double* y = t.y.data() + t.cluster_first[i];
    for (std::size_t j = 0; j < g.size; ++j) estimate += weights[g.first + j] * y[j];
  }
  return estimate;
}

// One endpoint's analysis of the trial's means.
struct Fit {
  bool ok = true;
  double theta = 0.0, variance = 0.0, trend_weight = 0.0, icc = nan, cac = nan;
};

// GLS at the true components (variance: known) or at the REML estimates
// given the within-cell estimate of the individual variance,
// truth.sigma2 * chi2 / within_df.
Fit analyse(const Plan& p, const Trial& t, const Components& truth, double within_df, double chi2, bool with_trend,
            GlsScratch& scratch) {
  Fit f;
  Evaluation e;
  if (p.variance == Variance::known) {
    f.ok = evaluate(t, truth, Need::estimate, with_trend, scratch, e);
  } else if (within_df > 0.0) {
    // The replicate's true components are the starting values; REML's
    // maximum does not depend on them.
    Components c = truth;
    c.sigma2 = truth.sigma2 * chi2 / within_df;
    if (!p.cluster_period_identifiable) c.tau2 += truth.gamma2;
    f.ok = p.balanced ? p.balanced->fit(t, c, p.cluster_period_identifiable, scratch, e)
                      : reml_fit(t, c, p.cluster_period_identifiable, with_trend, scratch, e);
    const double between = c.tau2 + c.gamma2;
    if (f.ok) f.icc = between / (between + c.sigma2);
    if (f.ok && p.cluster_period_identifiable && between > 0.0) f.cac = c.tau2 / between;
  } else {
    f.ok = false;  // every measured cell has one case: no within-cell variance
  }
  f.theta = e.theta;
  f.variance = e.variance;
  f.trend_weight = e.trend_weight;
  return f;
}

// The second endpoint's cell means given the first's, from their joint
// normal distribution: with u = alpha1 / tau1, alpha2 = tau2 (rho_c u +
// sqrt(1 - rho_c^2) z), and per cell, with z1 the first endpoint's
// standardized residual, e2 (r z1 + sqrt(1 - r^2) z) for the correlation r
// of the two residuals gamma + mean error. Drawn after the first endpoint's
// analysis, so the first endpoint's results are those of a trial without a
// second endpoint.
void simulate_second(const SecondEndpoint& s, const Components& first, const Components& second, double trend1,
                     double trend2, DemoWorkspace& w, Stream& rng) {
  const Trial& t = w.trial;
  const double tau1 = std::sqrt(first.tau2), tau2 = std::sqrt(second.tau2);
  const double rho_c = s.cluster_correlation;
  const double cluster_rest = std::sqrt(1.0 - rho_c * rho_c);
  const Components cross = cross_components(first, second, s.correlation, s.cluster_correlation);
  for (std::size_t i = 0; i < t.clusters(); ++i) {
    const CellGroup& g = t.groups[t.cluster_group[i]];
    const double* y1 = t.y.data() + t.cluster_first[i];
    double* y2 = w.second_y.data() + t.cluster_first[i];
    const double alpha1 = w.cluster_effect[i];
    // Without a first cluster effect the two are uncorrelated at that level.
    const double alpha2 =
        tau1 > 0.0 ? tau2 * (rho_c * alpha1 / tau1 + cluster_rest * rng.normal()) : tau2 * rng.normal();
    for (std::size_t j = 0; j < g.size; ++j) {
      const std::size_t cell = g.first + j;
      const double inverse_cases = t.cell_inverse_cases[cell];
      const double sd1 = std::sqrt(first.gamma2 + first.sigma2 * inverse_cases);
      const double sd2 = std::sqrt(second.gamma2 + second.sigma2 * inverse_cases);
      const double r = (cross.gamma2 + cross.sigma2 * inverse_cases) / (sd1 * sd2);
      const double period = t.cell_period[cell];
      const double z1 = (y1[j] - trend1 * period - alpha1) / sd1;
      y2[j] = trend2 * period + alpha2 + sd2 * (r * z1 + std::sqrt(1.0 - r * r) * rng.normal());
    }
  }
}

// The second endpoint's chi-square of the pooled within-cell variance given
// the first's: the within-cell sums of squares and products are Wishart with
// N degrees of freedom, and by Bartlett's decomposition (W = L A A' L', A
// lower triangular with A11^2 = chi2_1, A21 ~ N(0, 1), A22^2 ~ chi2(N - 1))
// the second's is (rho A11 + sqrt(1 - rho^2) A21)^2 + (1 - rho^2) A22^2.
double second_chi2(double first_chi2, double within_df, double rho, Stream& rng) {
  const double rest2 = 1.0 - rho * rho;
  const double a = rho * std::sqrt(first_chi2) + std::sqrt(rest2) * rng.normal();
  const double tail = within_df > 1.0 ? rng.gamma((within_df - 1.0) / 2.0, 2.0) : 0.0;
  return a * a + rest2 * tail;
}

}  // namespace

Simulation::Simulation(Plan plan)
    : plan_(std::move(plan)), outputs_(output_specs(plan_.outcome_unit, plan_.currency, plan_.decision.enabled)) {
  second_first_output_ = outputs_.size();
  if (plan_.second.enabled) {
    const std::vector<OutputSpec> second = second_output_specs(plan_.second.outcome.unit);
    outputs_.insert(outputs_.end(), second.begin(), second.end());
  }
}

std::unique_ptr<Workspace> Simulation::make_workspace() const {
  return std::make_unique<DemoWorkspace>(plan_.cases_fixed ? plan_.trial : per_cluster_layout(plan_.design),
                                         plan_.design.periods);
}

void Simulation::simulate(ReplicateContext& ctx, Workspace* workspace, OutputRow out) const {
  auto& w = static_cast<DemoWorkspace&>(*workspace);
  const Plan& p = plan_;
  Stream& rng = ctx.rng();

  const Components truth = endpoint_components(p.outcome, [&ctx](Param q) { return ctx[q]; });
  const double trend = ctx[p.trend_per_period];
  const Draws n = p.cases_fixed ? simulate_cases_fixed(p, truth, trend, w.trial, w.cluster_effect.data(), rng)
                                : simulate_cases_drawn(p, truth, trend, w.trial, w.cluster_effect.data(), rng);

  // The data hold no treatment effect: the GLS estimate is linear in the
  // data and exact for the treatment column, and REML depends on the data
  // only through residuals, so the estimate under effect theta is the
  // estimate here plus theta. Power (at the planning effect) and assurance
  // (at the replicate's effect drawn from its prior) share one trial.
  const bool with_trend = !p.design.period_effects;
  const bool estimated = p.variance == Variance::estimated && n.within_df > 0.0;
  const double chi2 = estimated ? rng.gamma(n.within_df / 2.0, 2.0) : nan;
  const Fit fit = p.precomputed ? Fit{true, precomputed_estimate(p.weights, w.trial), p.precomputed_variance,
                                      p.precomputed_trend_weight, nan, nan}
                                : analyse(p, w.trial, truth, n.within_df, chi2, with_trend, w.scratch);
  const bool ok = fit.ok;

  const double df = p.df_rule == DfRule::within_clusters
                        ? n.cells - static_cast<double>(p.design.clusters) - static_cast<double>(p.trial.columns - 1)
                        : p.planned_df;
  const double critical = ok ? p.critical_value(df) : nan;
  const double se = ok ? std::sqrt(fit.variance) : nan;
  const double at_plan = ok ? fit.theta + p.planning_effect : nan;
  const double at_prior = ok ? fit.theta + ctx[p.effect] : nan;
  // NaN comparisons are false: a trial that cannot be analysed does not reject.
  out.set(reject, std::fabs(at_plan) > critical * se);
  out.set(reject_prior, std::fabs(at_prior) > critical * se);
  out.set(estimate, at_plan);
  out.set(estimate_prior, at_prior);
  out.set(standard_error, se);
  out.set(ci_width, 2.0 * critical * se);
  out.set(analytic_power, p.analytic_power_value);
  out.set(analytic_standard_error, p.analytic_se);
  out.set(trend_bias, with_trend && ok ? trend * fit.trend_weight : 0.0);
  out.set(period_confounded, !p.design.period_effects);
  out.set(icc_estimate, fit.icc);
  out.set(cac_estimate, fit.cac);

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

  if (p.decision.enabled) {
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

  if (!p.second.enabled) return;
  const SecondEndpoint& s = p.second;
  const Endpoint& e = s.outcome;
  const auto value = [&ctx](Param q) { return ctx[q]; };
  const Components truth2 = endpoint_components(e, value);
  simulate_second(s, truth, truth2, trend, ctx[e.trend_per_period], w, rng);
  std::swap(w.trial.y, w.second_y);  // analyse the second endpoint's means in the first's layout
  const double chi2_second = estimated ? second_chi2(chi2, n.within_df, s.correlation, rng) : nan;
  const Fit fit2 = s.precomputed ? Fit{true, precomputed_estimate(s.weights, w.trial), s.precomputed_variance, 0.0,
                                       nan, nan}
                                 : analyse(p, w.trial, truth2, n.within_df, chi2_second, with_trend, w.scratch);
  std::swap(w.trial.y, w.second_y);
  const bool ok2 = ok && fit2.ok;
  const double se2 = ok2 ? std::sqrt(fit2.variance) : nan;
  const double at_plan2 = ok2 ? fit2.theta + e.planning_effect : nan;
  const double at_prior2 = ok2 ? fit2.theta + ctx[e.effect] : nan;
  // Co-primary success: both significant in the planned direction.
  const double sign1 = p.planning_effect > 0.0 ? 1.0 : -1.0, sign2 = e.planning_effect > 0.0 ? 1.0 : -1.0;
  const auto both = [&](double first_estimate, double second_estimate) {
    return sign1 * first_estimate > critical * se && sign2 * second_estimate > critical * se2;
  };
  OutputRow o = out.from(second_first_output_);
  o.set(reject_second, std::fabs(at_plan2) > critical * se2);
  o.set(reject_second_prior, std::fabs(at_prior2) > critical * se2);
  o.set(estimate_second, at_plan2);
  o.set(estimate_second_prior, at_prior2);
  o.set(standard_error_second, se2);
  o.set(analytic_power_second, s.analytic_power_value);
  o.set(analytic_standard_error_second, s.analytic_se);
  o.set(reject_both, both(at_plan, at_plan2));
  o.set(reject_both_prior, both(at_prior, at_prior2));
  o.set(analytic_power_both, s.analytic_power_both);
  o.set(estimate_correlation, s.estimate_correlation);
}

}  // namespace samdsim::demonstration
