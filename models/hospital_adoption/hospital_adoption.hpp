#pragma once

// The hospital_adoption model: a population of hospitals adopts a SaMD over
// monthly steps (Bass diffusion gated by each hospital's expected return and
// by budget months), and every live adopter's workflow and money change:
// staff hours, overtime, extra cases, report turnaround, add-on revenue,
// licence and one-time costs. Equations: docs/models/hospital_adoption.md.

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "samdsim/model.hpp"

namespace samdsim::hospital_adoption {

// Declares the parameters on `schema` (a model's root, or a group of a model built on this one).
void declare(Field& schema);

// Hospitals a scenario may hold in total: the per-hospital state is
// allocated once per thread, and a bigger population is a config mistake.
inline constexpr double max_hospitals = 100'000;

enum Output : std::size_t {
  // series, one value per month
  adopted_hospitals,
  live_hospitals,
  staff_hours_saved,
  overtime_hours_saved,
  extra_cases,
  extra_procedures,
  hospital_net_benefit,
  vendor_revenue,
  hospital_revenue,
  overtime_cost_saved,
  licence_cost,
  one_time_cost,
  // scalars
  adopters_at_horizon,
  churned_by_horizon,
  months_to_10pct_adoption,
  months_to_50pct_adoption,
  cumulative_staff_hours_saved,
  cumulative_overtime_hours_saved,
  cumulative_extra_cases,
  cumulative_extra_procedures,
  hospital_npv,
  vendor_npv,
  median_payback_months,
  paid_back_share,
  turnaround_minutes_without_samd,
  turnaround_minutes_with_samd,
  output_count,
  // only when triage is enabled
  positive_wait_minutes_fifo = output_count,
  positive_wait_minutes_priority,
  output_count_with_triage
};
inline constexpr std::size_t first_scalar = adopters_at_horizon;

// Series have `horizon_months` values; money is in `currency`. A length of 0
// gives the catalogue for `samdsim models`.
std::vector<OutputSpec> output_specs(std::size_t horizon_months, const std::string& currency, bool triage);

enum class Attractiveness { none, payback, roi };
enum class Imitation { overall, stratum };
// How amounts quoted by the vendor convert into the scenario currency.
enum class Conversion { none, usd_to_jpy, jpy_to_usd };

struct StratumPlan {
  std::string name;
  std::size_t first = 0;  // hospitals [first, first + count) of the population
  std::size_t count = 0;
  const Distribution* annual_cases = nullptr;  // drawn per hospital
  const Distribution* staff_fte = nullptr;     // drawn per hospital
  Param hours_per_fte_month, wage_per_hour, overtime_premium, reimbursement_per_case, eligible_share,
      addon_billing_share, licence_per_month, backlog_share;
  Param procedure_uplift;  // read only when Plan::procedures
  // correlations: blocks over what each hospital of the stratum draws.
  struct UnitCorrelation {
    enum class Field : std::uint8_t { annual_cases, staff_fte, integration_cost, minutes_per_case };
    const ParameterTable::UnitCopula* copula = nullptr;
    std::size_t stream = 0;     // index into Plan::unit_copulas
    std::vector<Field> fields;  // what each of the block's parameters sets
  };
  std::vector<UnitCorrelation> unit_correlations;
};

struct Plan {
  std::string currency;
  std::size_t horizon = 60;
  int start_calendar_month = 1;  // calendar month (1-12) of model month 0
  Param launch_month, discount_rate, jpy_per_usd;
  Conversion conversion = Conversion::none;

  std::vector<StratumPlan> strata;
  std::size_t hospitals = 0;
  // The per-hospital correlation blocks, each drawn from its own stream.
  std::vector<const ParameterTable::UnitCopula*> unit_copulas;

  // Adoption
  Param bass_p, bass_q;
  Imitation imitation = Imitation::overall;
  bool budget_gated = false;
  // Months of hazard a decision in each calendar month (0-11) covers: 1
  // without budget months, else the months since the previous budget month
  // (0 where decisions are not allowed).
  std::array<int, 12> decision_window{};
  // The window every decision month has (1 without budget months, 12 with
  // one budget month); 0 when they differ. Hospitals keep their decay for it.
  int usual_window = 1;
  Attractiveness attractiveness = Attractiveness::none;
  Param attractiveness_floor, payback_threshold, payback_scale, roi_threshold, roi_scale, roi_horizon;
  const Distribution* implementation_lag = nullptr;  // drawn per adopter

  // Churn
  Param churn_base, churn_negative;
  int minimum_term = 0;

  // Workflow
  bool negative_binomial = false;
  Param overdispersion_size, seasonality_amplitude;
  int seasonality_peak = 1;
  const Distribution* minutes_per_case = nullptr;  // a hospital's mean, drawn per hospital
  Param minutes_per_case_cv;                        // case to case, within a hospital
  Param effect, effect_concentration, max_utilisation;
  // Whether live months compute the queueing waits behind the turnaround
  // outputs: off where a caller discards those outputs. The waits draw no
  // random numbers, so nothing else moves.
  bool turnaround = true;

  // Money
  Param addon_per_case, margin_share, training_hours_per_fte;
  int addon_until = 0;  // the add-on is paid in months [0, addon_until)
  const Distribution* integration_cost = nullptr;  // drawn per hospital
  Param licence_per_case, cost_to_serve_per_site_month, cost_to_serve_per_case;
  // Downstream procedures (e.g. thrombectomies) that flagged positive cases
  // bring: on when some stratum's procedure_uplift is not fixed at 0.
  bool procedures = false;
  Param procedure_payment, procedure_margin_share;

  // Settings that do nothing, found when the plan is made (for /plan).
  std::vector<PlanWarning> warnings;

  // Triage (preemptive priority for flagged cases)
  bool triage = false;
  Param sensitivity, specificity, prevalence;
};

Plan make_plan(const Group& parameters);
// The market and strata table behind a run (for /plan).
PlanReport describe_plan(const Plan& plan);

// Outputs a hospital_adoption run adds after the model's own: staff time
// saved in full-time equivalents, then per stratum (named after it) its
// adopters at the horizon, hours saved and FTE saved.
enum StratumOutput : std::size_t { stratum_adopters, stratum_staff_hours, stratum_staff_fte, stratum_output_count };
std::vector<OutputSpec> stratum_output_specs(const Plan& plan);
inline std::size_t stratum_output_specs_count(const Plan& plan) { return 1 + plan.strata.size() * stratum_output_count; }

class Simulation final : public samdsim::Simulation {
 public:
  explicit Simulation(Plan plan);
  const std::vector<OutputSpec>& outputs() const override { return outputs_; }
  std::unique_ptr<Workspace> make_workspace() const override;
  void simulate(ReplicateContext& ctx, Workspace* workspace, OutputRow out) const override;
  PlanReport plan_report() const override { return describe_plan(plan_); }
  const Plan& plan() const { return plan_; }

 private:
  Plan plan_;
  std::vector<OutputSpec> outputs_;
};

}  // namespace samdsim::hospital_adoption
