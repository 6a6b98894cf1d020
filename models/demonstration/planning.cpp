// The outputs a demonstration design has in closed form at its planning
// values, which solve: searches sizes with before simulating them.
#include <fmt/format.h>

#include "demonstration/demonstration.hpp"
#include "samdsim/summary_format.hpp"

namespace samdsim::demonstration {

std::optional<double> Simulation::planning_value(std::string_view output) const {
  const Plan& p = plan_;
  // The test's power with known variance components (Hussey & Hughes 2007).
  if (output == "reject" || output == "analytic_power") return p.analytic_power_value;
  if (output == "standard_error" || output == "analytic_standard_error") return p.analytic_se;
  if (output == "ci_width") return 2.0 * p.planned_critical * p.analytic_se;
  if (output == "total_cost") return p.expected_cost;
  if (output == "hospitals") return static_cast<double>(p.design.clusters);
  if (output == "duration_months") return static_cast<double>(p.design.periods) * p.design.period_months;
  if (!p.decision.enabled) return std::nullopt;
  // The posterior rule's EVSI for a normal prior (Ades, Lu & Claxton 2004).
  if (output == "evsi_closed_form") return p.decision.evsi_closed_form;
  if (output == "enbs") return p.decision.evsi_closed_form - p.expected_cost;
  return std::nullopt;
}

namespace {
const char* design_name(DesignType t) {
  switch (t) {
    case DesignType::parallel: return "parallel";
    case DesignType::stepped_wedge: return "stepped_wedge";
    case DesignType::pre_post: return "pre_post";
  }
  return "";
}
}  // namespace

namespace {
// Thresholds of the warnings (docs/models/demonstration.md, "The plan").
constexpr double low_planning_power = 0.5;      // more likely to miss the effect than to show it
constexpr double implausible_months = 120.0;    // a demonstration trial of over ten years
}  // namespace

std::vector<PlanWarning> plan_warnings(const Plan& p, const Group& parameters) {
  std::vector<PlanWarning> out;
  const auto warn = [&](const Group& g, const std::string& key, const std::string& message, bool in_sweeps) {
    out.push_back(PlanWarning{g.location(key), g.path_of(key), message, in_sweeps});
  };
  const Group& design = parameters.group("design");
  if (p.analytic_power_value < low_planning_power)
    warn(design, design.given("clusters") ? "clusters" : "type",
         fmt::format("the design has {:.3g} % power at the planning effect {} {}: the trial is more likely to "
                     "miss the effect than to show it",
                     100.0 * p.analytic_power_value, format_number(p.planning_effect), p.outcome_unit),
         false);
  const double months = static_cast<double>(p.design.periods) * p.design.period_months;
  if (months > implausible_months)
    warn(design, design.given("period_months") ? "period_months" : "periods",
         fmt::format("the trial runs {} months ({:.3g} years)", format_number(months), months / 12.0), true);
  if (p.has_budget && p.expected_cost > p.budget)
    warn(parameters.group("costs"), "budget",
         fmt::format("the design's expected cost {} {} exceeds the budget of {} {}", format_number(p.expected_cost),
                     p.currency, format_number(p.budget), p.currency),
         false);
  return out;
}

PlanReport Simulation::plan_report() const {
  const Plan& p = plan_;
  const Design& d = p.design;
  PlanReport report;
  PlanSection& design = report.section("design", fmt::format("design ({})", design_name(d.type)));
  design.add_text("type", design_name(d.type));
  design.add("hospitals", static_cast<double>(d.clusters), "hospital");
  design.add("periods", static_cast<double>(d.periods), "period");
  design.add("period_months", d.period_months, "month");
  std::string sequences;
  std::vector<double> per_sequence;
  for (std::size_t i = 0; i < d.sequences.size(); ++i) {
    sequences += (i ? " " : "") + d.sequences[i];
    per_sequence.push_back(static_cast<double>(d.sequence_clusters[i]));
  }
  design.add_text("sequences", sequences, "one row per sequence: 0 control, 1 treated, . not measured");
  design.add("hospitals_per_sequence", per_sequence, "hospital");
  design.add("measured_cluster_periods", static_cast<double>(d.scheduled_cells), "cluster-period");
  if (p.cases_fixed) design.add("cases_per_period", p.cases_per_period, "case", "per hospital and period");

  PlanSection& analysis = report.section("analysis", "analysis at the planning values (Hussey & Hughes 2007)");
  analysis.add("planning_effect", p.planning_effect, p.outcome_unit);
  analysis.add("analytic_standard_error", p.analytic_se, p.outcome_unit, "of the GLS estimate, known variances");
  analysis.add("analytic_power", p.analytic_power_value, "probability", "two-sided Wald test");
  analysis.add("alpha", p.alpha, "probability", "two-sided");
  analysis.add("degrees_of_freedom", p.planned_df, "", "every scheduled cell measured (0: normal)");
  analysis.add("critical_value", p.planned_critical, "");
  if (p.second.enabled) {
    analysis.add("second_planning_effect", p.second.outcome.planning_effect, p.second.outcome.unit);
    analysis.add("second_analytic_standard_error", p.second.analytic_se, p.second.outcome.unit);
    analysis.add("second_analytic_power", p.second.analytic_power_value, "probability");
    analysis.add("estimate_correlation", p.second.estimate_correlation, "", "of the two GLS estimates");
    analysis.add("analytic_power_both", p.second.analytic_power_both, "probability", "both endpoints reject");
  }

  PlanSection& cost = report.section("cost", "cost");
  cost.add("expected_cost", p.expected_cost, p.currency, "at the costs' means and the mean case count");
  if (p.has_budget) cost.add("budget", p.budget, p.currency);
  if (p.decision.enabled) {
    PlanSection& decision = report.section("decision", "decision (value of the trial)");
    decision.add("value_without_trial", p.decision.value_without_trial, p.currency, "deciding on the prior alone");
    decision.add("evsi_closed_form", p.decision.evsi_closed_form, p.currency, "normal prior, linear net benefit");
    decision.add("enbs", p.decision.evsi_closed_form - p.expected_cost, p.currency, "EVSI minus expected cost");
  }
  report.warnings = p.warnings;
  return report;
}

}  // namespace samdsim::demonstration
