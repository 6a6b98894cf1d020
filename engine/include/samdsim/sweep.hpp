#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
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

// Checks that the choice names outputs the model has (located InputError).
void check_choice(const SweepChoice& choice, const std::vector<std::string>& outputs, const std::string& file);

// The index of the chosen point given each point's summaries (in output
// order, with their names), or none when no point meets the requirements.
struct Summary;
std::optional<std::size_t> choose_point(const SweepChoice& choice, const std::vector<std::vector<Summary>>& points);

// A copy of `parameters` with the point's values set at the column paths.
YAML::Node apply_sweep_point(const YAML::Node& parameters, const Sweep& sweep, const SweepPoint& point,
                             const std::string& file);

// "studies[0].cases" -> {"studies", "[0]", "cases"}; InputError when malformed.
std::vector<std::string> split_key_path(const std::string& path);

}  // namespace samdsim
