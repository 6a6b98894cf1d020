#pragma once

// The demonstration model: one design of a hospital demonstration trial of a
// SaMD's workflow effect (parallel cluster-randomized, stepped-wedge or
// pre–post), simulated from a linear mixed model on cluster-period means and
// analysed by generalized least squares (Hussey & Hughes 2007), with its
// power, assurance and cost. docs/models/demonstration.md has the equations.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "demonstration/coprimary.hpp"
#include "demonstration/decision.hpp"
#include "demonstration/design.hpp"
#include "demonstration/gls.hpp"
#include "samdsim/plan_report.hpp"
#include "samdsim/model.hpp"

namespace samdsim::demonstration {

void declare(Schema& schema);

enum Output : std::size_t {
  reject,
  reject_prior,
  estimate,
  estimate_prior,
  standard_error,
  ci_width,
  analytic_power,
  analytic_standard_error,
  trend_bias,
  period_confounded,
  icc_estimate,
  cac_estimate,
  total_cost,
  within_budget,
  cost_per_power,
  hospitals,
  cluster_periods,
  cases,
  duration_months,
  // With a decision (the last outputs, left out without one):
  population_net_benefit,
  net_benefit_posterior_rule,
  net_benefit_significance_rule,
  adopt_posterior_rule,
  adopt_significance_rule,
  enbs,
  evsi_closed_form,
  output_count
};
// `outcome_unit` and `currency` label the effect and cost outputs; the
// decision outputs come only `with_decision`. A second endpoint's outputs
// (second_output_specs) follow them.
std::vector<OutputSpec> output_specs(const std::string& outcome_unit, const std::string& currency,
                                     bool with_decision = true);

enum class Variance { known, estimated };
enum class DfRule { normal, clusters_minus_2, within_clusters };

// Everything a replicate needs, fixed when the scenario is loaded.
struct Plan {
  Design design;
  Trial trial;  // the design's cells with the planned cases per cluster-period

  // Outcome and variance components (per replicate: they may be distributions).
  bool binary = false;
  Param effect, sd, control_proportion, trend_per_period;
  double planning_effect = 0.0;
  std::string outcome_unit;
  Endpoint outcome;  // the same, as read: endpoint_components() gives its variance components

  // Cases per cluster-period: one fixed count, or a distribution drawn per cell.
  const Distribution* cases_distribution = nullptr;
  bool cases_fixed = true;
  double cases_per_period = 0.0;

  // Analysis.
  Variance variance = Variance::known;
  DfRule df_rule = DfRule::normal;
  double alpha = 0.05;
  double planned_df = 0.0;        // degrees of freedom with every scheduled cell measured
  double planned_critical = 0.0;  // two-sided critical value at planned_df (or of the normal)
  // Each cluster measured in a single period: its cluster and cluster-period
  // effects add up and only their sum can be estimated.
  bool cluster_period_identifiable = true;
  // With a fixed case count and every hospital measured in equally many
  // periods, REML steps cost O(p) (BalancedReml); otherwise reml_fit.
  std::optional<BalancedReml> balanced;

  // With every variance input and the case count fixed, the GLS estimator is
  // a fixed weighted sum of the cell means: its weights per cell of each
  // group and its variance are computed once here.
  bool precomputed = false;
  std::vector<double> weights;
  double precomputed_variance = 0.0;
  double precomputed_trend_weight = 0.0;

  // Hussey–Hughes power of the design at the planning values.
  double analytic_se = 0.0;
  double analytic_power_value = 0.0;

  // Costs.
  std::string currency;
  Param cost_fixed, cost_per_hospital, cost_per_hospital_period, cost_per_case;
  bool has_budget = false;
  double budget = 0.0;
  // What a valid but implausible design deserves a warning for (planning.cpp).
  std::vector<PlanWarning> warnings;
  double expected_cost = 0.0;  // at the costs' means and the mean case count

  Decision decision;
  SecondEndpoint second;

  // The two-sided critical value for a trial with `df` degrees of freedom
  // (NaN below 1: no test).
  double critical_value(double df) const;
};

Plan make_plan(const Group& parameters);

// A valid design's warnings at validate and run: under 50 % power at the
// planning effect, over ten years long, an expected cost above the budget.
std::vector<PlanWarning> plan_warnings(const Plan& plan, const Group& parameters);

// Two-sided power of a Wald test with critical value `critical` when the
// estimate is normal with mean `effect` and standard error `se`.
double wald_power(double effect, double se, double critical);

class Simulation final : public samdsim::Simulation {
 public:
  explicit Simulation(Plan plan);
  const std::vector<OutputSpec>& outputs() const override { return outputs_; }
  std::unique_ptr<Workspace> make_workspace() const override;
  void simulate(ReplicateContext& ctx, Workspace* workspace, OutputRow out) const override;
  std::optional<double> planning_value(std::string_view output) const override;
  PlanReport plan_report() const override;

  const Plan& plan() const { return plan_; }

 private:
  Plan plan_;
  std::vector<OutputSpec> outputs_;
  std::size_t second_first_output_ = 0;  // where the second endpoint's outputs start
};

}  // namespace samdsim::demonstration
