#include "demonstration/demonstration.hpp"

namespace samdsim::demonstration {

std::vector<OutputSpec> output_specs(const std::string& outcome_unit, const std::string& currency,
                                     bool with_decision) {
  using T = ValueType;
  const std::string& u = outcome_unit;
  std::vector<OutputSpec> o(output_count);
  o[reject] = OutputSpec::scalar("reject", "",
                                 "the trial rejects no effect at alpha when the true effect is the "
                                 "planning effect (its mean is the power)",
                                 T::Boolean);
  o[reject_prior] = OutputSpec::scalar("reject_prior", "",
                                       "the trial rejects no effect at alpha when the true effect "
                                       "is drawn from its prior (its mean is the assurance)",
                                       T::Boolean);
  o[estimate] = OutputSpec::scalar("estimate", u, "estimated effect when the true effect is the planning effect");
  o[estimate_prior] = OutputSpec::scalar("estimate_prior", u,
                                         "estimated effect when the true effect is drawn from "
                                         "its prior");
  o[standard_error] = OutputSpec::scalar("standard_error", u, "standard error of the estimate used by the test");
  o[ci_width] = OutputSpec::scalar("ci_width", u, "width of the two-sided 1 - alpha confidence interval");
  o[analytic_power] = OutputSpec::scalar("analytic_power", "probability",
                                         "Hussey–Hughes power of the design at the "
                                         "planning values (the same in every replicate)");
  o[analytic_standard_error] = OutputSpec::scalar("analytic_standard_error", u,
                                                  "Hussey–Hughes standard error of the "
                                                  "estimate at the planning values");
  o[trend_bias] = OutputSpec::scalar("trend_bias", u,
                                     "bias of the estimate from the secular trend (non-zero only "
                                     "where period effects are confounded: pre_post)");
  o[period_confounded] = OutputSpec::scalar("period_confounded", "",
                                            "period and treatment effects are confounded "
                                            "(pre_post): the estimate includes any secular change",
                                            T::Boolean);
  // A sweep's choose: leaves such designs out unless the config includes them.
  o[period_confounded].marks_bias = true;
  o[icc_estimate] = OutputSpec::scalar("icc_estimate", "", "ICC from the REML estimates (NaN with known variances)");
  o[cac_estimate] = OutputSpec::scalar("cac_estimate", "",
                                       "cluster autocorrelation from the REML estimates (NaN "
                                       "with known variances, or one measured period per hospital)");
  o[total_cost] = OutputSpec::scalar("total_cost", currency, "fixed + per hospital + per hospital-period + per case");
  o[within_budget] =
      OutputSpec::scalar("within_budget", "", "total cost within the budget (always, without one)", T::Boolean);
  o[cost_per_power] = OutputSpec::scalar("cost_per_power", currency, "total cost divided by the analytic power");
  o[hospitals] = OutputSpec::scalar("hospitals", "hospital", "hospitals (clusters) in the trial", T::Integer);
  o[cluster_periods] = OutputSpec::scalar("cluster_periods", "cluster-period",
                                          "cluster-periods with at least one "
                                          "measured case",
                                          T::Integer);
  o[cases] = OutputSpec::scalar("cases", "case", "measured cases in the trial", T::Integer);
  o[duration_months] = OutputSpec::scalar("duration_months", "month", "months from the first to the last period");
    if (!with_decision) {
    o.resize(duration_months + 1);
    return o;
  }
  o[population_net_benefit] = OutputSpec::scalar(
      "population_net_benefit", currency,
      "net benefit of rolling the SaMD out to the decision's hospitals, at the replicate's true effect, value and "
      "cost (discounted hospital-years from the decision on)");
  o[net_benefit_posterior_rule] = OutputSpec::scalar(
      "net_benefit_posterior_rule", currency,
      "population net benefit when the roll-out follows the posterior expected net benefit after the trial (0 if not "
      "rolled out)");
  o[net_benefit_significance_rule] = OutputSpec::scalar(
      "net_benefit_significance_rule", currency,
      "population net benefit when the roll-out follows a significant favourable result (0 if not rolled out)");
  o[adopt_posterior_rule] = OutputSpec::scalar("adopt_posterior_rule", "",
                                               "the posterior expected net benefit after the trial is positive",
                                               ValueType::Boolean);
  o[adopt_significance_rule] = OutputSpec::scalar(
      "adopt_significance_rule", "", "the trial is significant in the favourable direction", ValueType::Boolean);
  o[enbs] = OutputSpec::scalar("enbs", currency,
                               "net benefit under the configured rule - value of deciding without the trial - trial "
                               "cost (its mean is the expected net benefit of sampling)");
  o[evsi_closed_form] = OutputSpec::scalar(
      "evsi_closed_form", currency,
      "EVSI for a normal prior of the effect's mean and variance and the analytic standard error (the same in every "
      "replicate)");
  return o;
}

namespace {

class Demonstration final : public Model {
 public:
  std::string name() const override { return "demonstration"; }
  std::string description() const override {
    return "One design of a hospital demonstration trial of a SaMD's workflow effect (parallel cluster, "
           "stepped-wedge or pre-post): data from a linear mixed model, GLS analysis on cluster-period means "
           "(Hussey & Hughes), power, assurance and cost; optionally a second, correlated endpoint and the "
           "co-primary power of both.";
  }
  void declare(Schema& schema) const override { demonstration::declare(schema); }
  std::unique_ptr<samdsim::Simulation> prepare(const Group& parameters) const override {
    return std::make_unique<Simulation>(make_plan(parameters));
  }
  std::vector<OutputSpec> output_catalogue() const override {
    std::vector<OutputSpec> o = output_specs("outcome unit", "currency");
    const std::vector<OutputSpec> second = second_output_specs("second outcome unit");
    o.insert(o.end(), second.begin(), second.end());
    return o;
  }
};

const ModelRegistrar<Demonstration> registrar;

}  // namespace

}  // namespace samdsim::demonstration
