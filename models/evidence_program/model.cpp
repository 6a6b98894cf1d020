#include "evidence_program/evidence_program.hpp"

namespace samdsim::evidence_program {

namespace {

void add_strategy_outputs(std::vector<OutputSpec>& o, const std::string& name, std::size_t horizon) {
  using T = ValueType;
  std::vector<OutputSpec> s(strategy_output_count);
  auto scalar = [&](StrategyOutput k, const char* n, const char* unit, const char* doc, T type = T::Real) {
    s[k] = OutputSpec::scalar(name + "." + n, unit, doc, type);
  };
  scalar(authorized, "authorized", "", "authorized within the program (planned pathway or De Novo fallback)",
         T::Boolean);
  s[months_to_authorization] =
      OutputSpec::event_month(name + ".months_to_authorization", "months from program start (NaN: never)");
  scalar(authorized_within_12_months, "authorized_within_12_months", "", "authorized by month 12", T::Boolean);
  scalar(authorized_within_24_months, "authorized_within_24_months", "", "authorized by month 24", T::Boolean);
  scalar(authorized_within_36_months, "authorized_within_36_months", "", "authorized by month 36", T::Boolean);
  scalar(authorized_within_60_months, "authorized_within_60_months", "", "authorized by month 60", T::Boolean);
  s[route] = OutputSpec::categorical(name + ".route",
                                     "0 authorized, 1 authorized by the De Novo fallback, 2 a study failed, 3 "
                                     "negative FDA decision, stopped by a gate: 4 cost, 5 months, 6 cash; 7 "
                                     "withdrawn",
                                     {"authorized", "authorized_by_de_novo_fallback", "study_failed",
                                      "negative_decision", "stopped_by_cost_gate", "stopped_by_months_gate",
                                      "stopped_by_cash_gate", "withdrawn"});
  scalar(evidence_cost_usd, "evidence_cost_usd", "USD",
         "studies, meetings, submissions and FDA fees spent until authorization or stop (beyond the horizon too)");
  s[evidence_cost_usd].per_event = name + ".authorized";
  scalar(burn_cost_usd, "burn_cost_usd", "USD", "company burn until the decision or stop");
  scalar(peak_funding_need_usd, "peak_funding_need_usd", "USD", "largest cumulative cash deficit within the horizon");
  scalar(months_to_break_even, "months_to_break_even", "month",
         "first month end after the deepest deficit with cumulative cash >= 0 (0: never negative; NaN: not "
         "within the horizon)");
  scalar(npv_usd, "npv_usd", "USD", "net present value of the monthly cash flows over the horizon");
  scalar(revenue_usd, "revenue_usd", "USD", "licence revenue within the horizon, undiscounted");
  scalar(adopters_at_horizon, "adopters_at_horizon", "hospital", "hospitals adopted and not stopped at the horizon",
         T::Integer);
  scalar(best, "best", "", "this strategy has the highest NPV of the replicate (ties: the first listed)", T::Boolean);
  scalar(npv_difference_usd, "npv_difference_usd", "USD",
         "NPV of this strategy minus that of the first, same replicate (paired)");
  scalar(peak_funding_difference_usd, "peak_funding_difference_usd", "USD",
         "peak funding need of this strategy minus that of the first, same replicate (paired)");
  s[cumulative_cash_usd] = OutputSpec::series(name + ".cumulative_cash_usd", "USD",
                                              "cumulative cash at the end of each month (the J-curve)", horizon,
                                              "month");
  s[revenue_by_year_usd] = OutputSpec::series(name + ".revenue_by_year_usd", "USD/year",
                                              "licence revenue in each program year", (horizon + 11) / 12, "year");
  o.insert(o.end(), s.begin(), s.end());
}

void add_stage_outputs(std::vector<OutputSpec>& o, const std::string& prefix, std::vector<OutputSpec> stage) {
  for (OutputSpec& spec : stage) {
    spec.name = prefix + spec.name;
    if (!spec.per_event.empty()) spec.per_event = prefix + spec.per_event;
    o.push_back(std::move(spec));
  }
}

}  // namespace

std::vector<OutputSpec> output_specs(const Plan& plan) {
  std::vector<OutputSpec> o;
  for (const StrategyPlan& s : plan.strategies) add_strategy_outputs(o, s.name, plan.horizon);
  if (plan.stage_outputs)
    for (const StrategyPlan& s : plan.strategies) {
      if (!s.fixed_authorization) {
        add_stage_outputs(o, s.name + ".evidence.", us_pathway::output_specs());
        add_stage_outputs(o, s.name + ".evidence.", us_pathway::record_output_specs(s.evidence));
      }
      if (plan.market_enabled)
        add_stage_outputs(o, s.name + ".market.",
                          hospital_adoption::output_specs(plan.horizon, "USD", plan.market.triage));
    }
  return o;
}

namespace {

class EvidenceProgram final : public Model {
 public:
  std::string name() const override { return "evidence_program"; }
  std::string description() const override {
    return "A company's evidence strategies compared: per replicate, an evidence plan (as us_pathway) to "
           "authorization, adoption by hospitals (as hospital_adoption) from that month, and monthly cash flows "
           "to NPV, peak funding need and break-even; strategies share one product truth (common random numbers).";
  }
  void declare(Schema& schema) const override { evidence_program::declare(schema); }
  std::unique_ptr<samdsim::Simulation> prepare(const Group& parameters) const override {
    return std::make_unique<Simulation>(make_plan(parameters));
  }
  std::vector<OutputSpec> output_catalogue() const override {
    std::vector<OutputSpec> o;
    add_strategy_outputs(o, "<strategy>", 0);
    return o;
  }
};

const ModelRegistrar<EvidenceProgram> registrar;

}  // namespace

}  // namespace samdsim::evidence_program
