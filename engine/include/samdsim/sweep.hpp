#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace samdsim {

// One point of a sweep: the value (as a YAML node) of every swept parameter.
struct SweepPoint {
  std::vector<YAML::Node> values;  // one per column
  std::vector<std::string> texts;  // the same, as canonical YAML text
  std::uint64_t key = 0;           // random-stream scenario key
  int line = 0, column = 0;        // where the point was declared
};

// How a sweep names its best point: the one with the smallest (or largest)
// mean of an output among the points that meet every requirement. A
// requirement bounds an output's P(true) (booleans) or mean (others).
struct SweepChoice {
  struct Requirement {
    std::string output;
    double at_least = -std::numeric_limits<double>::infinity();
    double at_most = std::numeric_limits<double>::infinity();
    int line = 0, column = 0;
  };
  std::string objective;  // output name; empty: no choice
  bool maximize = false;
  std::vector<Requirement> requirements;
  // A requirement holds when the bound of its two-sided interval at this
  // confidence clears it (the lower bound for at_least, the upper for
  // at_most); 0 judges the point estimates. A Boolean required to be true
  // (at_least 1) or false (at_most 0) in every replicate is judged on the
  // replicates as run.
  double confidence = 0.95;
  bool include_biased = false;  // keep points whose outputs mark their estimates as biased
  // Instead of an objective: the first point, in sweep order, that meets
  // every requirement (solve: lists its candidates by increasing size, and
  // `objective` then names the size).
  bool first_qualifying = false;
  int line = 0, column = 0;

  std::string describe() const;  // "minimize total_cost subject to P(reject) >= 0.8"
};

struct Sweep {
  std::vector<std::string> columns;  // parameter key paths relative to `parameters`
  std::vector<SweepPoint> points;
  SweepChoice choice;
};

// Sweeps are refused beyond this many points, before any is prepared: every
// point is resolved and kept prepared (about 40 KB and 85 us each for
// us_pathway), so the limit, ten times the 10^4-point sweeps of an overnight
// cluster run, costs about 4 GB and 9 s of checking.
inline constexpr std::size_t max_sweep_points = 100'000;

// Reads `sweep:` — a `grid:` of path: [values] (Cartesian product, the first
// path varying slowest) and/or explicit `points:` (maps of path: value).
// Each point's scenario key is a hash of its values, so adding points or
// reordering them never changes the random streams of the others.
Sweep parse_sweep(const YAML::Node& node, const std::string& file);

// One {output: NAME, at_least: X, at_most: Y} at `path`.
SweepChoice::Requirement parse_requirement(const YAML::Node& node, const std::string& path, const std::string& file);
// A list of them at `path` (sweep.choose.require, solve.require).
std::vector<SweepChoice::Requirement> parse_requirements(const YAML::Node& node, const std::string& path,
                                                         const std::string& file);

// Reads `sweep.choose:`: minimize: or maximize: an output, with the judging keys.
SweepChoice parse_choice(const YAML::Node& node, const std::string& file);

// Reads the keys that say how points are judged (confidence, include_biased,
// require) from a choose: or solve: mapping at `path`.
void read_judging(const YAML::Node& node, const std::string& path, const std::string& file, SweepChoice& choice);

// A sweep over one column with the given values, in order, keyed as parse_sweep keys them.
Sweep sweep_over(const std::string& column, const std::vector<YAML::Node>& values, int line, int column_number);

// Checks that the choice names outputs the model has (located InputError).
void check_choice(const SweepChoice& choice, const std::vector<std::string>& outputs, const std::string& file);

// How each point fares against a choose: rule.
struct PointJudgement {
  bool qualifies = false;       // meets every requirement, with the confidence asked for
  bool near_threshold = false;  // a requirement's threshold lies within the interval of its estimate
  bool biased = false;          // an output marks its estimates as biased (left out unless included)
  bool near_best = false;       // qualifies, with an objective within 5 % of the chosen point's
  double margin = 0.0;          // smallest (estimate - threshold) / standard error over the requirements (+inf: none)
};
struct ChoiceReport {
  std::optional<std::size_t> chosen;  // none: no point qualifies
  std::vector<PointJudgement> points;
};

// Judges each point given its summaries (in output order, with their names)
// and the outputs' declarations, and names the best qualifying one.
struct Summary;
struct OutputSpec;
ChoiceReport choose_point(const SweepChoice& choice, const std::vector<std::vector<Summary>>& points,
                          const std::vector<OutputSpec>& outputs);

// The two-sided interval of a summary's estimate at `confidence` (Wilson's
// for a P(true), mean +- z se otherwise; 0: the point estimate twice).
std::pair<double, double> estimate_interval(const Summary& x, double confidence);

// A copy of `parameters` with the point's values set at the column paths.
YAML::Node apply_sweep_point(const YAML::Node& parameters, const Sweep& sweep, const SweepPoint& point,
                             const std::string& file);

// "parameters.studies[0].cases" -> "studies[0].cases" (other paths as they are).
std::string strip_parameters_prefix(const std::string& path);

// A 64-bit key from a text (FNV-1a, then the SplitMix64 finalizer to spread
// the bits): a sweep point's scenario key, a correlation block's stream.
std::uint64_t hash_text(const std::string& text);

// "studies[0].cases" -> {"studies", "[0]", "cases"}; InputError when malformed.
std::vector<std::string> split_key_path(const std::string& path);

}  // namespace samdsim
