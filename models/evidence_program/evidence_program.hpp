#pragma once

// The evidence_program model: per replicate and strategy, an evidence plan
// (us_pathway's code) to authorization, then adoption by a hospital
// population (hospital_adoption's code) from that month, then the company's
// monthly cash flows: NPV, peak funding need, break-even. Strategies share
// one product truth and the same random streams (common random numbers).
// Equations: docs/models/evidence_program.md.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "hospital_adoption/hospital_adoption.hpp"
#include "samdsim/model.hpp"
#include "us_pathway/us_pathway.hpp"

namespace samdsim::evidence_program {

void declare(Schema& schema);

// Outputs of one strategy, named "<strategy>.<output>", in this order.
enum StrategyOutput : std::size_t {
  authorized,
  months_to_authorization,
  authorized_within_12_months,
  authorized_within_24_months,
  authorized_within_36_months,
  authorized_within_60_months,
  route,
  evidence_cost_usd,
  burn_cost_usd,
  peak_funding_need_usd,
  months_to_break_even,
  npv_usd,
  revenue_usd,
  adopters_at_horizon,
  best,
  npv_difference_usd,
  peak_funding_difference_usd,
  cumulative_cash_usd,  // series, one value per month
  revenue_by_year_usd,  // series, one value per year
  strategy_output_count
};

// How a strategy's replicate ended (output `route`).
enum class Route {
  authorized = 0,
  authorized_by_de_novo_fallback = 1,
  study_failed = 2,
  negative_decision = 3,
  stopped_cost_gate = 4,
  stopped_months_gate = 5,
  stopped_cash_gate = 6,
  withdrawn = 7,
};

struct Links {
  // Hospitals appraise scale x (the observed effect of this study) instead
  // of the true effect; -1: no such link.
  int observed_effect_study = -1;
  double observed_effect_scale = 1.0;
  // Adoption and reimbursement with this strategy's evidence.
  Param bass_p_factor, bass_q_factor;
  bool addon_eligible = true;
};

struct Gates {
  bool cost = false, months = false, cash = false;
  Param max_cost_usd, max_months;
};

struct StrategyPlan {
  std::string name;
  bool fixed_authorization = false;
  Param authorization_month;
  us_pathway::Plan evidence;
  Gates gates;
  Links links;
  std::size_t first_output = 0;  // of its StrategyOutput block
  std::size_t first_evidence_output = 0, first_market_output = 0;  // stage outputs, when recorded
};

struct Plan {
  std::uint64_t evidence_stage = 1, market_stage = 2;
  bool market_enabled = true;
  bool stage_outputs = false;
  hospital_adoption::Plan market;
  Param discount_rate, cash_usd, commercial_cost_usd_per_month;
  bool cash_given = false;
  std::size_t horizon = 0;  // months, the market's horizon
  std::vector<StrategyPlan> strategies;
};

Plan make_plan(const Group& parameters);

// The outputs of a plan (stage outputs included when it records them), and
// the catalogue for `samdsim models` (one strategy named "<strategy>").
std::vector<OutputSpec> output_specs(const Plan& plan);

class Simulation final : public samdsim::Simulation {
 public:
  explicit Simulation(Plan plan);
  const std::vector<OutputSpec>& outputs() const override { return outputs_; }
  std::unique_ptr<Workspace> make_workspace() const override;
  void simulate(ReplicateContext& ctx, Workspace* workspace, OutputRow out) const override;
  PlanReport plan_report() const override;

 private:
  Plan plan_;
  std::vector<OutputSpec> outputs_;
};

}  // namespace samdsim::evidence_program
