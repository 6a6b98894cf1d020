#include "precision.hpp"

#include <cmath>
#include <limits>

#include "samdsim/error.hpp"
#include "samdsim/runner.hpp"

namespace samdsim::app {

PrecisionTarget::PrecisionTarget(double target, std::vector<std::string> output_names,
                                 const std::vector<OutputSpec>& specs)
    : rse(target), names(std::move(output_names)) {
  std::vector<std::string> scalars;
  for (std::size_t k = 0; k < specs.size(); ++k)
    if (!specs[k].is_series()) scalars.push_back(specs[k].name);
  if (names.empty()) {
    for (std::size_t k = 0; k < specs.size(); ++k)
      if (!specs[k].is_series()) outputs.push_back(k);
    return;
  }
  for (const auto& name : names) {
    std::size_t k = 0;
    while (k < specs.size() && !(specs[k].name == name && !specs[k].is_series())) ++k;
    if (k == specs.size())
      throw InputError("--target-output: unknown output '" + name + "'" + did_you_mean(name, scalars));
    outputs.push_back(k);
  }
}

double PrecisionTarget::worst(const std::vector<Moments>& moments) const {
  double worst_rse = 0.0;
  for (std::size_t k : outputs) {
    const Moments& m = moments[k];
    if (m.n < 2) return std::numeric_limits<double>::quiet_NaN();
    // A mean of exactly zero has a relative error only if it never varies.
    const double r = m.mean != 0.0 ? m.se() / std::fabs(m.mean)
                     : m.sd() == 0.0 ? 0.0
                                     : std::numeric_limits<double>::infinity();
    worst_rse = std::max(worst_rse, r);
  }
  return worst_rse;
}

bool PrecisionTarget::reached(const std::vector<Moments>& moments, std::uint64_t replicates) const {
  // At least two blocks before the first look, so one lucky block cannot stop the run.
  return replicates >= 2 * replicates_per_block && worst(moments) <= rse;
}

void PrecisionTarget::record(ResultWriter& writer) const {
  std::string listed;
  for (const auto& n : names) listed += (listed.empty() ? "" : ",") + n;
  writer.set_root_attribute("target_rse", std::to_string(rse));
  writer.set_root_attribute("target_outputs", listed);
}

void PrecisionTarget::record_result(ResultWriter& writer, const std::vector<Moments>& moments, bool reached_target) const {
  writer.set_scenario_attribute("rse_reached", worst(moments));
  writer.set_scenario_attribute("stopped_by", reached_target ? "target_rse" : "max_replicates");
}

}  // namespace samdsim::app
