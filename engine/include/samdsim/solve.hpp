#pragma once

// `solve:` sizes a design by searching rather than listing: the smallest
// value of one parameter (hospitals, cases, steps) whose model-computed
// planning value of an output reaches a target, or the value maximizing it,
// then a short generated sweep around that answer, simulated and judged by
// the sweep's choose: machinery. docs/configuration.md ("Solving for a
// size") has the keys.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "samdsim/error.hpp"
#include "samdsim/sweep.hpp"

namespace samdsim {

struct Solve {
  std::string vary;  // parameter key path relative to `parameters`
  std::int64_t low = 0, high = 0, step = 1;
  // Either the smallest value whose planning value meets `target`, or the
  // value with the largest planning value of `objective`.
  bool maximize = false;
  SweepChoice::Requirement target;
  std::string objective;
  std::vector<SweepChoice::Requirement> requirements;  // further, judged by simulation only
  double confidence = 0.95;
  bool include_biased = false;
  int below = 1, above = 3;  // simulated candidates around the analytic answer
  Location at, vary_at, goal_at;

  std::int64_t candidate_count() const { return (high - low) / step + 1; }
  std::int64_t candidate(std::int64_t index) const { return low + index * step; }
  const std::string& searched_output() const { return maximize ? objective : target.output; }
  std::string target_text() const;  // "reject >= 0.8"
  std::string describe() const;     // "smallest design.clusters in [4, 200] step 2 with reject >= 0.8"
};

// A maximize: search evaluates every candidate; beyond this many, a coarser
// step is asked for (a planning value costs a model preparation, about a
// millisecond for demonstration designs of a few hundred hospitals).
inline constexpr std::int64_t max_solve_scan = 10'000;

Solve parse_solve(const YAML::Node& node, const std::string& file);

// The planning value of the searched output at a value of the varied
// parameter; throws a located InputError when the model refuses the value.
using PlanningValue = std::function<double(std::int64_t)>;

struct AnalyticAnswer {
  std::optional<std::int64_t> index;  // candidate index; none: no candidate meets the target
  double value = std::numeric_limits<double>::quiet_NaN();
  std::int64_t evaluations = 0;
};

// Target: bisection for the first candidate meeting the target, assuming the
// planning value meets it from some size on (power in hospitals, cases or
// steps); maximize: every candidate, ties to the smaller.
AnalyticAnswer solve_analytic(const Solve& solve, const PlanningValue& planning_value);

// The sweep simulated to confirm the analytic answer: candidates from
// `below` steps under it to `above` steps over it, within the range, in
// increasing order, with the choose: rule that judges them.
Sweep confirmation_sweep(const Solve& solve, std::int64_t analytic_index);

// What a result file records of a solve: the search and, once simulated,
// how each candidate fared.
struct SolveRecord {
  std::string vary, rule, output;
  double low = 0, high = 0, step = 1;
  double analytic_size = std::numeric_limits<double>::quiet_NaN();
  double analytic_value = std::numeric_limits<double>::quiet_NaN();
  std::int64_t evaluations = 0;
  double confidence = 0.95;
  std::vector<double> sizes, planning_values;                  // per simulated candidate
  std::vector<double> estimates, interval_low, interval_high;  // simulated, at `confidence`
  std::string reason;                                          // why the chosen size (or none)
};

// The record of the search; the candidates' sizes and planning values are
// added once they are prepared.
SolveRecord start_solve_record(const Solve& solve, const AnalyticAnswer& answer);

// The record with the simulated estimates and the reason for the choice.
struct Summary;
SolveRecord finish_solve_record(SolveRecord record, const Solve& solve, const std::vector<std::vector<Summary>>& points,
                                const ChoiceReport& report);

// The block `run` and `summarize` print.
std::string format_solve_record(const SolveRecord& record, const std::optional<std::size_t>& chosen);

}  // namespace samdsim
