#include "precision.hpp"

#include <cmath>

#include <fmt/format.h>
#include <limits>

#include "samdsim/error.hpp"
#include "samdsim/runner.hpp"

namespace samdsim::app {

PrecisionTarget::PrecisionTarget(double target, std::vector<std::string> output_names,
                                 const std::vector<OutputSpec>& specs)
    : rse(target), names(std::move(output_names)) {
  for (const auto& spec : specs) all_outputs.push_back(spec.name);
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

PrecisionTarget::Assessment PrecisionTarget::assess(const std::vector<Moments>& moments) const {
  Assessment a;
  bool counted = false;
  for (std::size_t k : outputs) {
    const Moments& m = moments[k];
    if (names.empty() && m.n == 0) {
      a.excluded.push_back(k);
      continue;
    }
    if (m.n < min_values) {
      a.too_few.push_back(k);
      continue;
    }
    // A mean of exactly zero has a relative error only if it never varies.
    const double r = m.mean != 0.0 ? m.se() / std::fabs(m.mean)
                     : m.sd() == 0.0 ? 0.0
                                     : std::numeric_limits<double>::infinity();
    if (!counted || r > a.worst) a.binding = k;
    a.worst = counted ? std::max(a.worst, r) : r;
    counted = true;
  }
  if (!counted) a.worst = std::numeric_limits<double>::quiet_NaN();
  a.largest_counted = a.worst;
  if (!a.too_few.empty()) a.worst = std::numeric_limits<double>::quiet_NaN();
  return a;
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

std::string PrecisionTarget::record_result(ResultWriter& writer, const std::vector<Moments>& moments,
                                           bool reached_target) const {
  const Assessment a = assess(moments);
  const auto list = [&](const std::vector<std::size_t>& ks) {
    std::string text;
    for (std::size_t k : ks) text += (text.empty() ? "" : ",") + all_outputs[k];
    return text;
  };
  const std::string binding = a.binding == SIZE_MAX ? "" : all_outputs[a.binding];
  writer.set_scenario_attribute("rse_reached", a.worst);
  writer.set_scenario_attribute("stopped_by", reached_target ? "target_rse" : "max_replicates");
  writer.set_scenario_attribute("rse_binding_output", binding);
  writer.set_scenario_attribute("rse_excluded_outputs", list(a.excluded));
  writer.set_scenario_attribute("rse_too_few_values", list(a.too_few));
  std::string line = reached_target
                         ? fmt::format("precision target {:g} reached: largest RSE {:.3g}, of '{}'", rse, a.worst, binding)
                         : fmt::format("precision target {:g} not reached by --max-replicates", rse);
  if (!reached_target && a.binding != SIZE_MAX)
    line += fmt::format(": largest RSE {:.3g}, of '{}'", a.largest_counted, binding);
  if (!a.too_few.empty())
    line += fmt::format("; fewer than {} values: {}", min_values, list(a.too_few));
  if (!a.excluded.empty()) line += "; not targeted, no value in any replicate: " + list(a.excluded);
  return line;
}

}  // namespace samdsim::app
