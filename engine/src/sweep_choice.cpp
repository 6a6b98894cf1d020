// A sweep's choice: `choose:` and the judging it shares with `solve:` read
// from the config, and each point judged by its summaries (requirements
// with their intervals, the objective, ties and near-best points). The
// points themselves are in sweep.cpp.
#include "samdsim/sweep.hpp"

#include <fmt/format.h>

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "samdsim/error.hpp"
#include "samdsim/results.hpp"
#include "samdsim/stats.hpp"
#include "samdsim/yaml_util.hpp"

namespace samdsim {

SweepChoice::Requirement parse_requirement(const YAML::Node& r, const std::string& path, const std::string& file) {
  if (!r.IsMap()) throw InputError(location_of(r, file), path, "expected {output: NAME, at_least: X} or at_most:");
  refuse_unknown_keys(r, {"output", "at_least", "at_most"}, path, file);
  SweepChoice::Requirement q;
  const Location at = location_of(r, file);
  q.line = at.line;
  q.column = at.column;
  if (!r["output"]) throw InputError(at, path, "missing output:");
  q.output = read_string(r["output"], path + ".output", file);
  if (!r["at_least"] && !r["at_most"]) throw InputError(at, path, "needs at_least: and/or at_most:");
  if (r["at_least"]) q.at_least = read_number(r["at_least"], path + ".at_least", file);
  if (r["at_most"]) q.at_most = read_number(r["at_most"], path + ".at_most", file);
  return q;
}

std::vector<SweepChoice::Requirement> parse_requirements(const YAML::Node& req, const std::string& path,
                                                         const std::string& file) {
  if (!req.IsSequence()) throw InputError(location_of(req, file), path, "expected a list of requirements");
  std::vector<SweepChoice::Requirement> out;
  for (std::size_t i = 0; i < req.size(); ++i) out.push_back(parse_requirement(req[i], fmt::format("{}[{}]", path, i), file));
  return out;
}

void read_judging(const YAML::Node& node, const std::string& path, const std::string& file, SweepChoice& c) {
  if (node["confidence"]) {
    c.confidence = read_number(node["confidence"], path + ".confidence", file);
    if (!(c.confidence >= 0.0 && c.confidence < 1.0))
      throw InputError(location_of(node["confidence"], file), path + ".confidence",
                       fmt::format("expected a confidence level in [0, 1) (0: judge the point estimates), got {:g}",
                                   c.confidence));
  }
  if (node["include_biased"]) c.include_biased = read_bool(node["include_biased"], path + ".include_biased", file);
  if (node["require"]) c.requirements = parse_requirements(node["require"], path + ".require", file);
}

SweepChoice parse_choice(const YAML::Node& node, const std::string& file) {
  const std::string path = "sweep.choose";
  if (!node.IsMap()) throw InputError(location_of(node, file), path, "expected a mapping with minimize: or maximize:");
  refuse_unknown_keys(node, {"minimize", "maximize", "require", "confidence", "include_biased"}, path, file);
  SweepChoice c;
  const Location at = location_of(node, file);
  c.line = at.line;
  c.column = at.column;
  if (node["minimize"] && node["maximize"])
    throw InputError(at, path, "give either minimize: or maximize:, not both");
  if (!node["minimize"] && !node["maximize"])
    throw InputError(at, path, "needs minimize: OUTPUT or maximize: OUTPUT");
  c.maximize = static_cast<bool>(node["maximize"]);
  c.objective = read_string(node[c.maximize ? "maximize" : "minimize"], path, file);
  read_judging(node, path, file, c);
  return c;
}

std::string SweepChoice::describe() const {
  if (objective.empty()) return "";
  std::string s = first_qualifying ? "smallest " + objective : (maximize ? "maximize " : "minimize ") + objective;
  for (std::size_t i = 0; i < requirements.size(); ++i) {
    const auto& r = requirements[i];
    s += i == 0 ? " subject to " : ", ";
    if (std::isfinite(r.at_least)) s += fmt::format("{} >= {:g}", r.output, r.at_least);
    if (std::isfinite(r.at_least) && std::isfinite(r.at_most)) s += " and ";
    if (std::isfinite(r.at_most)) s += fmt::format("{} <= {:g}", r.output, r.at_most);
  }
  if (!requirements.empty())
    s += confidence > 0.0 ? fmt::format(", each met with {:g} % confidence", 100.0 * confidence)
                          : ", judged on the point estimates";
  if (include_biased) s += "; points with biased estimates included";
  return s;
}

void check_choice(const SweepChoice& choice, const std::vector<std::string>& outputs, const std::string& file) {
  if (choice.objective.empty()) return;
  auto known = [&](const std::string& name, int line, int column, const std::string& path) {
    if (std::find(outputs.begin(), outputs.end(), name) == outputs.end())
      throw InputError(Location{file, line, column}, path,
                       "unknown output '" + name + "'" + did_you_mean(name, outputs));
  };
  if (!choice.first_qualifying) known(choice.objective, choice.line, choice.column, "sweep.choose");
  for (std::size_t i = 0; i < choice.requirements.size(); ++i)
    known(choice.requirements[i].output, choice.requirements[i].line, choice.requirements[i].column,
          fmt::format("sweep.choose.require[{}]", i));
}

namespace {

// The two-sided interval of an output's mean (Wilson's for a proportion,
// which stays inside [0, 1] and holds its level near 0 and 1).
std::pair<double, double> interval(const Summary& x, double z) {
  if (z == 0.0) {
    const double v = x.type == ValueType::Boolean ? x.probability : x.mean;
    return {v, v};
  }
  if (x.type == ValueType::Boolean) {
    const double n = static_cast<double>(x.n), p = x.probability;
    if (!(n > 0)) return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
    const double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
    const double half = z / (1 + z * z / n) * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n));
    return {centre - half, centre + half};
  }
  const double se = std::isfinite(x.se) ? x.se : 0.0;
  return {x.mean - z * se, x.mean + z * se};
}

}  // namespace

std::pair<double, double> estimate_interval(const Summary& x, double confidence) {
  return interval(x, confidence > 0.0 ? boost::math::quantile(boost::math::normal(), 0.5 + confidence / 2.0) : 0.0);
}

namespace {

double estimate_of(const Summary& x) { return x.type == ValueType::Boolean ? x.probability : x.mean; }

double standard_error_of(const Summary& x) {
  if (x.type != ValueType::Boolean) return x.se;
  const double n = static_cast<double>(x.n);
  return n > 0 ? std::sqrt(x.probability * (1 - x.probability) / n) : std::numeric_limits<double>::quiet_NaN();
}

const Summary* find_summary(const std::vector<Summary>& summaries, const std::string& name) {
  for (const Summary& x : summaries)
    if (x.name == name) return &x;
  return nullptr;
}

}  // namespace

ChoiceReport choose_point(const SweepChoice& choice, const std::vector<std::vector<Summary>>& points,
                          const std::vector<OutputSpec>& outputs) {
  ChoiceReport report;
  if (choice.objective.empty()) return report;
  report.points.resize(points.size());
  // z of the two-sided interval; 0: point estimates.
  const double z = choice.confidence > 0.0
                       ? boost::math::quantile(boost::math::normal(), 0.5 + choice.confidence / 2.0)
                       : 0.0;
  double best_value = 0.0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    PointJudgement& j = report.points[i];
    for (const OutputSpec& o : outputs)
      if (o.marks_bias)
        if (const Summary* x = find_summary(points[i], o.name); x && x->probability > 0.0) j.biased = true;
    bool ok = true;
    j.margin = std::numeric_limits<double>::infinity();
    for (const auto& r : choice.requirements) {
      const Summary* x = find_summary(points[i], r.output);
      if (!x) {
        ok = false;
        continue;
      }
      const double v = estimate_of(*x), se = standard_error_of(*x);
      // "True in every replicate" (at_least 1, at_most 0 for a Boolean) is a
      // statement about the replicates run, not an estimate: no interval.
      const bool every = x->type == ValueType::Boolean && (r.at_least >= 1.0 || r.at_most <= 0.0);
      const auto [low, high] = interval(*x, every ? 0.0 : z);
      ok = ok && low >= r.at_least && high <= r.at_most;  // NaN never qualifies
      const auto side = [&](double threshold, double sign) {
        if (!std::isfinite(threshold)) return;
        const double gap = sign * (v - threshold);
        j.margin = std::min(j.margin, se > 0.0 ? gap / se : (gap >= 0 ? std::numeric_limits<double>::infinity()
                                                                      : -std::numeric_limits<double>::infinity()));
        if (!every && std::fabs(v - threshold) < std::max(z, 1.96) * se) j.near_threshold = true;
      };
      side(r.at_least, 1.0);
      side(r.at_most, -1.0);
    }
    const Summary* objective = find_summary(points[i], choice.objective);
    // In order: the earliest qualifying point wins, as the smallest index.
    const double v = choice.first_qualifying ? static_cast<double>(i)
                     : objective            ? estimate_of(*objective)
                                            : std::numeric_limits<double>::quiet_NaN();
    j.qualifies = ok && !std::isnan(v) && (!j.biased || choice.include_biased);
    if (!j.qualifies) continue;
    // Ties go to the earlier point, so the choice does not depend on anything but the values.
    if (!report.chosen || (choice.maximize ? v > best_value : v < best_value)) {
      report.chosen = i;
      best_value = v;
    }
  }
  if (report.chosen)
    for (std::size_t i = 0; i < points.size(); ++i) {
      PointJudgement& j = report.points[i];
      const Summary* objective = find_summary(points[i], choice.objective);
      // In order, there is no objective to be near.
      j.near_best = !choice.first_qualifying && j.qualifies && objective &&
                    std::fabs(estimate_of(*objective) - best_value) <= 0.05 * std::fabs(best_value);
    }
  return report;
}

}  // namespace samdsim
