#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
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

struct Sweep {
  std::vector<std::string> columns;  // parameter key paths relative to `parameters`
  std::vector<SweepPoint> points;
};

// Sweeps are refused beyond this many points, before any is prepared.
inline constexpr std::size_t max_sweep_points = 1'000'000;

// Reads `sweep:` — a `grid:` of path: [values] (Cartesian product, the first
// path varying slowest) and/or explicit `points:` (maps of path: value).
// Each point's scenario key is a hash of its values, so adding points or
// reordering them never changes the random streams of the others.
Sweep parse_sweep(const YAML::Node& node, const std::string& file);

// A copy of `parameters` with the point's values set at the column paths.
YAML::Node apply_sweep_point(const YAML::Node& parameters, const Sweep& sweep, const SweepPoint& point,
                             const std::string& file);

// "studies[0].cases" -> {"studies", "[0]", "cases"}; InputError when malformed.
std::vector<std::string> split_key_path(const std::string& path);

}  // namespace samdsim
