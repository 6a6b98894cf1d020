#include "samdsim/summary_format.hpp"
#include "samdsim/solve.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "samdsim/numbers.hpp"
#include "samdsim/results.hpp"
#include "samdsim/stats.hpp"
#include "samdsim/yaml_util.hpp"

namespace samdsim {

namespace {

// Sizes are counts: whole numbers well inside what a double holds exactly.
constexpr double max_size = 1e12;

std::int64_t read_size(const YAML::Node& node, const std::string& path, const std::string& file) {
  const double v = read_number(node, path, file);
  if (std::floor(v) != v || std::fabs(v) > max_size)
    throw InputError(location_of(node, file), path, fmt::format("expected a whole number, got {:g}", v));
  return static_cast<std::int64_t>(v);
}

int read_small_count(const YAML::Node& node, const std::string& path, const std::string& file) {
  const std::int64_t v = read_size(node, path, file);
  if (v < 0 || v > 20)
    throw InputError(location_of(node, file), path, fmt::format("expected a count from 0 to 20, got {}", v));
  return static_cast<int>(v);
}

bool meets(const SweepChoice::Requirement& r, double v) { return v >= r.at_least && v <= r.at_most; }

}  // namespace

std::string Solve::target_text() const {
  return std::isfinite(target.at_least) ? fmt::format("{} >= {:g}", target.output, target.at_least)
                                        : fmt::format("{} <= {:g}", target.output, target.at_most);
}

std::string Solve::describe() const {
  std::string s = maximize ? fmt::format("maximize {} over {}", objective, vary) : fmt::format("smallest {}", vary);
  s += fmt::format(" in [{}, {}]", low, high);
  if (step != 1) s += fmt::format(" step {}", step);
  if (!maximize) s += " with " + target_text();
  return s;
}

Solve parse_solve(const YAML::Node& node, const std::string& file) {
  const std::string path = "solve";
  if (!node.IsMap())
    throw InputError(location_of(node, file), path, "expected a mapping with vary:, range: and target: or maximize:");
  refuse_unknown_keys(
      node, {"vary", "range", "step", "target", "maximize", "require", "confidence", "include_biased", "confirm"}, path,
      file);
  Solve s;
  s.at = location_of(node, file);
  if (!node["vary"]) throw InputError(s.at, path, "missing vary: (the parameter to size, e.g. design.clusters)");
  s.vary_at = location_of(node["vary"], file);
  s.vary = strip_parameters_prefix(read_string(node["vary"], "solve.vary", file));
  try {
    split_key_path(s.vary);
  } catch (const InputError& e) {
    throw InputError(s.vary_at, "solve.vary", e.message());
  }

  const YAML::Node range = node["range"];
  if (!range) throw InputError(s.at, path, "missing range: [LOW, HIGH] (the sizes to search)");
  if (!range.IsSequence() || range.size() != 2)
    throw InputError(location_of(range, file), "solve.range", "expected [LOW, HIGH], two whole numbers");
  s.low = read_size(range[0], "solve.range[0]", file);
  s.high = read_size(range[1], "solve.range[1]", file);
  if (node["step"]) {
    s.step = read_size(node["step"], "solve.step", file);
    if (s.step < 1)
      throw InputError(location_of(node["step"], file), "solve.step",
                       fmt::format("expected at least 1, got {}", s.step));
  }
  if (s.high - s.low < s.step)
    throw InputError(
        location_of(range, file), "solve.range",
        fmt::format("[{}, {}] with step {} holds fewer than two sizes; expected LOW < HIGH", s.low, s.high, s.step));

  if (node["target"] && node["maximize"]) throw InputError(s.at, path, "give either target: or maximize:, not both");
  if (node["target"]) {
    s.goal_at = location_of(node["target"], file);
    s.target = parse_requirement(node["target"], "solve.target", file);
    if (std::isfinite(s.target.at_least) && std::isfinite(s.target.at_most))
      throw InputError(s.goal_at, "solve.target", "a target is one bound: at_least: or at_most:, not both");
  } else if (node["maximize"]) {
    s.maximize = true;
    s.goal_at = location_of(node["maximize"], file);
    s.objective = read_string(node["maximize"], "solve.maximize", file);
    if (s.candidate_count() > max_solve_scan)
      throw InputError(location_of(range, file), "solve.range",
                       fmt::format("maximize: evaluates every size, and [{}, {}] with step {} holds {}; at most {} "
                                   "(give a larger step:)",
                                   s.low, s.high, s.step, s.candidate_count(), max_solve_scan));
  } else {
    throw InputError(s.at, path, "needs target: {output: NAME, at_least: X} or maximize: OUTPUT");
  }
  SweepChoice judging;
  read_judging(node, path, file, judging);
  s.requirements = judging.requirements;
  s.confidence = judging.confidence;
  s.include_biased = judging.include_biased;
  if (s.maximize) s.below = s.above = 2;
  if (const YAML::Node c = node["confirm"]) {
    if (!c.IsMap()) throw InputError(location_of(c, file), "solve.confirm", "expected {below: N, above: N}");
    refuse_unknown_keys(c, {"below", "above"}, "solve.confirm", file);
    if (c["below"]) s.below = read_small_count(c["below"], "solve.confirm.below", file);
    if (c["above"]) s.above = read_small_count(c["above"], "solve.confirm.above", file);
  }
  return s;
}

AnalyticAnswer solve_analytic(const Solve& solve, const PlanningValue& planning_value) {
  AnalyticAnswer a;
  std::map<std::int64_t, double> seen;
  const auto value = [&](std::int64_t index) {
    if (auto it = seen.find(index); it != seen.end()) return it->second;
    ++a.evaluations;
    return seen[index] = planning_value(solve.candidate(index));
  };
  const std::int64_t last = solve.candidate_count() - 1;
  if (solve.maximize) {
    for (std::int64_t i = 0; i <= last; ++i) {
      const double v = value(i);
      if (!std::isnan(v) && (!a.index || v > a.value)) {  // ties to the smaller size
        a.index = i;
        a.value = v;
      }
    }
    return a;
  }
  // The target holds from some size on: bisect between a size that misses
  // it and one that meets it.
  if (!meets(solve.target, value(last))) {
    a.value = value(last);
    return a;
  }
  std::int64_t miss = 0, hit = last;
  if (meets(solve.target, value(0))) {
    hit = 0;
  } else {
    while (hit - miss > 1) {
      const std::int64_t mid = miss + (hit - miss) / 2;
      (meets(solve.target, value(mid)) ? hit : miss) = mid;
    }
  }
  a.index = hit;
  a.value = value(hit);
  return a;
}

Sweep confirmation_sweep(const Solve& solve, std::int64_t analytic_index) {
  const std::int64_t first = std::max<std::int64_t>(0, analytic_index - solve.below);
  const std::int64_t last = std::min(solve.candidate_count() - 1, analytic_index + solve.above);
  std::vector<YAML::Node> values;
  for (std::int64_t i = first; i <= last; ++i) values.emplace_back(solve.candidate(i));
  Sweep sweep = sweep_over(solve.vary, values, solve.at.line, solve.at.column);
  SweepChoice& c = sweep.choice;
  c.line = solve.at.line;
  c.column = solve.at.column;
  c.confidence = solve.confidence;
  c.include_biased = solve.include_biased;
  if (solve.maximize) {
    c.objective = solve.objective;
    c.maximize = true;
  } else {
    c.objective = solve.vary;
    c.first_qualifying = true;
    c.requirements.push_back(solve.target);
  }
  c.requirements.insert(c.requirements.end(), solve.requirements.begin(), solve.requirements.end());
  return sweep;
}

SolveRecord start_solve_record(const Solve& solve, const AnalyticAnswer& answer) {
  SolveRecord r;
  r.vary = solve.vary;
  r.rule = solve.describe();
  r.output = solve.searched_output();
  r.low = static_cast<double>(solve.low);
  r.high = static_cast<double>(solve.high);
  r.step = static_cast<double>(solve.step);
  if (answer.index) r.analytic_size = static_cast<double>(solve.candidate(*answer.index));
  r.analytic_value = answer.value;
  r.evaluations = answer.evaluations;
  r.confidence = solve.confidence;
  return r;
}

SolveRecord finish_solve_record(SolveRecord r, const Solve& solve, const std::vector<std::vector<Summary>>& points,
                                const ChoiceReport& report) {
  const std::size_t n = points.size();
  r.estimates.assign(n, nan);
  r.interval_low.assign(n, nan);
  r.interval_high.assign(n, nan);
  for (std::size_t i = 0; i < n; ++i)
    for (const Summary& x : points[i])
      if (x.name == r.output) {
        r.estimates[i] = x.type == ValueType::Boolean ? x.probability : x.mean;
        std::tie(r.interval_low[i], r.interval_high[i]) = estimate_interval(x, r.confidence);
      }
  const std::string judged =
      r.confidence > 0.0 ? fmt::format("at {:g} % confidence", 100.0 * r.confidence) : "on the point estimates";
  if (!report.chosen) {
    r.reason = n == 0 ? "nothing was simulated"
                      : fmt::format(
                            "no simulated candidate meets every requirement {}; the largest, {} = {:g}, "
                            "estimates {} {} [{}, {}]: widen confirm: or the range, or run more "
                            "replicates",
                            judged, r.vary, r.sizes.back(), r.output, format_number(r.estimates.back()),
                            format_number(r.interval_low.back()), format_number(r.interval_high.back()));
    return r;
  }
  const std::size_t c = *report.chosen;
  r.reason = solve.maximize
                 ? fmt::format("the largest mean {} among the simulated candidates meeting every requirement {}",
                               r.output, judged)
                 : fmt::format("the smallest simulated candidate meeting every requirement {}", judged);
  r.reason += r.sizes[c] == r.analytic_size
                  ? "; the analytic answer stands"
                  : fmt::format("; the simulation moves the analytic {:g} to {:g}", r.analytic_size, r.sizes[c]);
  const bool below_simulated = c == 0 && r.sizes[c] > r.low;
  const bool above_simulated = solve.maximize && c + 1 == n && r.sizes[c] < r.high;
  if (below_simulated || above_simulated)
    r.reason += fmt::format("; it is the {} candidate simulated, so a {} size may do as well (widen confirm:)",
                            below_simulated ? "smallest" : "largest", below_simulated ? "smaller" : "larger");
  return r;
}

std::string format_solve_record(const SolveRecord& r, const std::optional<std::size_t>& chosen) {
  std::string out = "\nsolve: " + r.rule + "\n";
  out += std::isnan(r.analytic_size)
             ? "  analytic: no size in the range\n"
             : fmt::format("  analytic: {} = {:g}, planning value of {} {} ({} sizes evaluated)\n", r.vary,
                           r.analytic_size, r.output, format_number(r.analytic_value), r.evaluations);
  const std::string interval_head = r.confidence > 0.0 ? fmt::format("{:g} % interval", 100.0 * r.confidence) : "";
  out += fmt::format("  {:>16}  {:>10}  {:>10}  {}\n", r.vary, "analytic", "simulated", interval_head);
  for (std::size_t i = 0; i < r.sizes.size(); ++i) {
    const std::string interval = i < r.interval_low.size() && r.confidence > 0.0
                                     ? fmt::format("[{}, {}]", format_number(r.interval_low[i]), format_number(r.interval_high[i]))
                                     : "";
    const double estimate = i < r.estimates.size() ? r.estimates[i] : std::numeric_limits<double>::quiet_NaN();
    std::string note = r.sizes[i] == r.analytic_size ? "  analytic answer" : "";
    if (chosen && *chosen == i) note += note.empty() ? "  chosen" : ", chosen";
    const double planned =
        i < r.planning_values.size() ? r.planning_values[i] : std::numeric_limits<double>::quiet_NaN();
    std::string row =
        fmt::format("  {:>16g}  {:>10}  {:>10}  {:<22}{}", r.sizes[i], format_number(planned),
                    format_number(estimate), interval, note);
    row.erase(row.find_last_not_of(' ') + 1);
    out += row + "\n";
  }
  out += chosen && *chosen < r.sizes.size()
             ? fmt::format("  chosen: {} = {:g}: {}\n", r.vary, r.sizes[*chosen], r.reason)
             : "  chosen: none: " + r.reason + "\n";
  return out;
}

}  // namespace samdsim
