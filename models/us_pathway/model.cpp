#include "us_pathway/us_pathway.hpp"

namespace samdsim::us_pathway {

std::vector<OutputSpec> output_specs() {
  using T = ValueType;
  std::vector<OutputSpec> o(output_count);
  o[authorized] = OutputSpec::scalar("authorized", "", "the plan ends in a favourable FDA decision", T::Boolean);
  o[months_to_decision] = OutputSpec::scalar("months_to_decision", "month",
                           "months from plan start to its end: FDA decision, or abandonment after a failed study");
  o[months_to_authorization] = OutputSpec::event_month(
      "months_to_authorization", "months from plan start to authorization (NaN when not authorized)");
  o[evidence_months] = OutputSpec::scalar("evidence_months", "month", "months from plan start until the last study ends");
  o[total_cost_usd] = OutputSpec::scalar("total_cost_usd", "USD", "all costs of the plan");
  o[total_cost_usd].per_event = "authorized";
  o[cost_studies_usd] = OutputSpec::scalar("cost_studies_usd", "USD", "cost of every study attempt");
  o[cost_fees_usd] = OutputSpec::scalar("cost_fees_usd", "USD", "FDA user fees of every submission and establishment registration");
  o[cost_regulatory_usd] = OutputSpec::scalar("cost_regulatory_usd", "USD", "pre-submission meetings and the preparation of every submission");
  o[cost_burn_usd] = OutputSpec::scalar("cost_burn_usd", "USD", "company burn while the plan runs");
  o[patients_enrolled] = OutputSpec::scalar("patients_enrolled", "patient", "patients enrolled in prospective studies", T::Integer);
  o[sites_activated] = OutputSpec::scalar("sites_activated", "site", "clinical sites activated", T::Integer);
  o[review_cycles] = OutputSpec::scalar("review_cycles", "cycle", "FDA review cycles (1 + additional-information requests)",
                      T::Integer);
  o[submissions] = OutputSpec::scalar("submissions", "submission",
                                      "marketing submissions made: the planned one, resubmissions after withdrawals and a "
                                      "De Novo request after an NSE 510(k)",
                                      T::Integer);
  o[study_attempts] = OutputSpec::scalar("study_attempts", "attempt", "study attempts run, repeats included", T::Integer);
  o[outcome] = OutputSpec::categorical("outcome",
                                       "0 authorized, 1 stopped after a failed study, 2 negative FDA decision, 3 "
                                       "withdrawn, 4 authorized by the De Novo fallback",
                                       {"authorized", "study_failed", "negative_decision", "withdrawn",
                                        "authorized_by_de_novo_fallback"});
  return o;
}

std::vector<OutputSpec> record_output_specs(const Plan& plan) {
  using T = ValueType;
  std::vector<OutputSpec> o(record_output_count);
  o[review_days] = OutputSpec::scalar("review_days", "day",
                                      "calendar days under FDA review, submission to decision with holds, summed over every submission "
                                      "(NaN: no submission)");
  o[hold_days] = OutputSpec::scalar("hold_days", "day",
                                    "of review_days, the days on hold while the sponsor answered additional-information "
                                    "requests (MDUFA's industry days); review_days - hold_days are FDA days plus any "
                                    "refusals to accept (NaN: no submission)");
  o[cost_if_authorized_usd] = OutputSpec::scalar("cost_if_authorized_usd", "USD",
                                                 "total cost when authorized (NaN otherwise): its mean is the cost given authorization");
  std::vector<std::string> names;
  for (std::size_t i = 0; i < plan.studies.size(); ++i) {
    const StudyPlan& s = plan.studies[i];
    const std::string name = output_label(s.name, "study", i, names);
    const std::string prefix = "study." + name + ".";
    std::vector<OutputSpec> study(study_output_count);
    study[study_attempts_run] = OutputSpec::scalar(prefix + "attempts", "attempt",
                                                   "attempts of study '" + s.name + "' run (0: the plan stopped before it)", T::Integer);
    study[study_succeeded] = OutputSpec::scalar(prefix + "succeeded", "", "study '" + s.name + "' met its endpoint", T::Boolean);
    study[study_cost_usd] = OutputSpec::scalar(prefix + "cost_usd", "USD", "cost of every attempt of study '" + s.name + "'");
    study[study_months] = OutputSpec::scalar(prefix + "months", "month",
                                             "months from the start of study '" + s.name + "' to the end of its last attempt (NaN: not run)");
    o.insert(o.end(), study.begin(), study.end());
  }
  return o;
}

namespace {

class UsPathway final : public Model {
 public:
  std::string name() const override { return "us_pathway"; }
  std::string description() const override {
    return "Evidence plan to US FDA marketing authorization: Q-Sub meetings, standalone, MRMC, single-arm and "
           "RCT studies with site enrollment, submission and review by pathway; cost, months and P(authorized).";
  }
  void declare(Schema& schema) const override { us_pathway::declare(schema); }
  std::unique_ptr<samdsim::Simulation> prepare(const Group& parameters) const override {
    return std::make_unique<Simulation>(make_plan(parameters));
  }
  std::vector<OutputSpec> output_catalogue() const override { return output_specs(); }
};

const ModelRegistrar<UsPathway> registrar;

}  // namespace

}  // namespace samdsim::us_pathway
