#include "hospital_adoption/hospital_adoption.hpp"

namespace samdsim::hospital_adoption {

std::vector<OutputSpec> output_specs(std::size_t horizon, const std::string& currency, bool triage) {
  using T = ValueType;
  const std::string money = currency.empty() ? "currency" : currency;
  const std::string flow = money + "/month";
  auto series = [&](const char* name, const std::string& unit, const char* doc, T type = T::Real) {
    return OutputSpec::series(name, unit, doc, horizon, "month", type);
  };
  std::vector<OutputSpec> o(triage ? output_count_with_triage : output_count);
  o[adopted_hospitals] = series("adopted_hospitals", "hospital",
                                "hospitals that have decided to adopt and not stopped, at the end of the month",
                                T::Integer);
  o[live_hospitals] = series("live_hospitals", "hospital", "hospitals using the SaMD in the month", T::Integer);
  o[staff_hours_saved] = series("staff_hours_saved", "hour/month", "working hours the SaMD saved on the month's cases");
  o[overtime_hours_saved] = series("overtime_hours_saved", "hour/month",
                                   "staffed overtime hours avoided: one working hour saved removes up to "
                                   "1/max_utilisation staffed hours, so this can exceed staff_hours_saved");
  o[extra_cases] = series("extra_cases", "case/month", "waiting cases taken on with freed regular hours");
  o[extra_procedures] = series("extra_procedures", "procedure/month",
                               "downstream procedures (e.g. thrombectomies) that flagged positive cases brought, "
                               "beyond those done without the SaMD");
  o[hospital_net_benefit] =
      series("hospital_net_benefit", flow,
             "hospital revenue + overtime cost saved - licence cost - one-time cost, all hospitals");
  o[vendor_revenue] = series("vendor_revenue", flow, "licence revenue of the vendor");
  o[hospital_revenue] = series("hospital_revenue", flow,
                               "reimbursement add-on and the margins of extra cases and extra procedures");
  o[overtime_cost_saved] = series("overtime_cost_saved", flow, "overtime pay avoided");
  o[licence_cost] = series("licence_cost", flow, "licence fees the hospitals pay");
  o[one_time_cost] = series("one_time_cost", flow, "integration (at the decision) and training (at go-live)");
  o[adopters_at_horizon] = OutputSpec::scalar(
      "adopters_at_horizon", "hospital", "hospitals adopted and not stopped at the end of the horizon", T::Integer);
  o[churned_by_horizon] = OutputSpec::scalar("churned_by_horizon", "hospital",
                                             "adopters that stopped using the SaMD within the horizon", T::Integer);
  o[months_to_10pct_adoption] = OutputSpec::scalar("months_to_10pct_adoption", "month",
                                                   "months until 10 % of hospitals have adopted (NaN: never)");
  o[months_to_50pct_adoption] = OutputSpec::scalar("months_to_50pct_adoption", "month",
                                                   "months until 50 % of hospitals have adopted (NaN: never)");
  o[cumulative_staff_hours_saved] = OutputSpec::scalar("cumulative_staff_hours_saved", "hour",
                                                       "working hours saved over the horizon");
  o[cumulative_overtime_hours_saved] = OutputSpec::scalar(
      "cumulative_overtime_hours_saved", "hour",
      "staffed overtime hours avoided over the horizon (can exceed the working hours saved: see overtime_hours_saved)");
  o[cumulative_extra_cases] = OutputSpec::scalar("cumulative_extra_cases", "case", "extra cases over the horizon");
  o[cumulative_extra_procedures] = OutputSpec::scalar("cumulative_extra_procedures", "procedure",
                                                      "extra downstream procedures over the horizon");
  o[hospital_npv] = OutputSpec::scalar("hospital_npv", money, "discounted net benefit of all hospitals");
  o[vendor_npv] = OutputSpec::scalar("vendor_npv", money, "discounted licence revenue less cost to serve");
  o[median_payback_months] = OutputSpec::scalar("median_payback_months", "month",
                                                "median over adopters of the months from decision until the "
                                                "cumulative net benefit turns non-negative (NaN: most never do)");
  o[paid_back_share] = OutputSpec::scalar("paid_back_share", "probability",
                                          "share of adopters whose cumulative net benefit turned non-negative within "
                                          "the horizon (NaN: no adopters)");
  o[turnaround_minutes_without_samd] = OutputSpec::scalar(
      "turnaround_minutes_without_samd", "minute", "mean report turnaround of live hospitals' cases without the SaMD");
  o[turnaround_minutes_with_samd] = OutputSpec::scalar("turnaround_minutes_with_samd", "minute",
                                                       "mean report turnaround of live hospitals' cases with the SaMD");
  if (triage) {
    o[positive_wait_minutes_fifo] = OutputSpec::scalar("positive_wait_minutes_fifo", "minute",
                                                       "mean wait of truly positive cases, first in first out, "
                                                       "without the SaMD (triage only)");
    o[positive_wait_minutes_priority] =
        OutputSpec::scalar("positive_wait_minutes_priority", "minute",
                           "mean wait of truly positive cases with AI-flagged priority (triage only)");
  }
  return o;
}

std::vector<OutputSpec> stratum_output_specs(const Plan& plan) {
  std::vector<OutputSpec> o{OutputSpec::scalar(
      "staff_fte_saved", "FTE",
      "working hours saved over the horizon in full-time equivalents (hours / (hours per FTE-month x months))")};
  std::vector<std::string> names;
  for (std::size_t k = 0; k < plan.strata.size(); ++k) {
    const std::string& label = plan.strata[k].name;
    const std::string prefix = "stratum." + output_label(label, "stratum", k, names) + ".";
    std::vector<OutputSpec> s(stratum_output_count);
    s[stratum_adopters] = OutputSpec::scalar(prefix + "adopters_at_horizon", "hospital",
                                             "hospitals of stratum '" + label + "' adopted and not stopped at the horizon",
                                             ValueType::Integer);
    s[stratum_staff_hours] = OutputSpec::scalar(prefix + "staff_hours_saved", "hour",
                                                "working hours saved in stratum '" + label + "' over the horizon");
    s[stratum_staff_fte] = OutputSpec::scalar(prefix + "staff_fte_saved", "FTE",
                                              "the same in full-time equivalents over the horizon");
    o.insert(o.end(), s.begin(), s.end());
  }
  return o;
}

namespace {

class HospitalAdoption final : public Model {
 public:
  std::string name() const override { return "hospital_adoption"; }
  std::string description() const override {
    return "Hospitals adopting a SaMD: Bass diffusion gated by expected return and budget months, implementation "
           "lag and churn; per live hospital-month cases, staff hours, overtime, extra cases, report turnaround "
           "(Erlang C, triage priority), add-on revenue, licence and one-time costs; NPVs for hospitals and vendor.";
  }
  void declare(Schema& schema) const override { hospital_adoption::declare(schema); }
  std::unique_ptr<samdsim::Simulation> prepare(const Group& parameters) const override {
    return std::make_unique<Simulation>(make_plan(parameters));
  }
  std::vector<OutputSpec> output_catalogue() const override { return output_specs(0, "", true); }
};

const ModelRegistrar<HospitalAdoption> registrar;

}  // namespace

}  // namespace samdsim::hospital_adoption
