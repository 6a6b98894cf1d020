// The outputs a demonstration design has in closed form at its planning
// values, which solve: searches sizes with before simulating them.
#include "demonstration/demonstration.hpp"

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

}  // namespace samdsim::demonstration
