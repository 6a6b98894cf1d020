// libFuzzer target: config loading and validation for every registered model.
// Any input must either parse into a scenario or raise samdsim::InputError;
// anything else escaping (another exception, a crash, a sanitizer report, a
// hang, an allocation beyond -rss_limit_mb) is a finding.
//
// SAMDSIM_FUZZ_ROUNDTRIP=1 also checks that the resolved config of every
// accepted input (what a result file stores) is itself accepted.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <yaml-cpp/yaml.h>

#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "samdsim/sweep.hpp"

namespace {

// Checking a sweep is linear in its points (about 0.1-0.2 ms each in a
// release build, tests/test_bad_inputs.cpp checks 10^4 in seconds), and the
// engine refuses more than 10^5 outright. Under ASan a few thousand points
// already pass the per-input time limit, which is there to find hangs, not
// sizes: sweeps between 1000 points and the engine's limit are skipped here.
constexpr std::size_t max_fuzzed_sweep_points = 1000;

// The points a sweep asks for, counted without expanding them: the product
// of the grid's list lengths, plus the explicit points.
bool sweep_too_large(const std::string& text) {
  try {
    const YAML::Node root = YAML::Load(text);
    if (!root.IsMap() || !root["sweep"] || !root["sweep"].IsMap()) return false;
    const YAML::Node sweep = root["sweep"];
    double points = 0.0;
    if (const YAML::Node grid = sweep["grid"]; grid && grid.IsMap()) {
      points = 1.0;
      for (const auto& axis : grid) {
        const YAML::Node values = axis.second;
        points *= values.IsSequence() ? static_cast<double>(values.size()) : 1.0;
      }
    }
    if (const YAML::Node list = sweep["points"]; list && list.IsSequence()) points += static_cast<double>(list.size());
    // Beyond the engine's limit the sweep is refused before any point is made.
    return points > static_cast<double>(max_fuzzed_sweep_points) &&
           points <= static_cast<double>(samdsim::max_sweep_points);
  } catch (const std::exception&) {
    return false;  // parse_scenario reports it
  }
}

bool roundtrip_enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("SAMDSIM_FUZZ_ROUNDTRIP");
    return v != nullptr && std::strcmp(v, "1") == 0;
  }();
  return enabled;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (sweep_too_large(text)) return -1;  // not added to the corpus
  std::string resolved;
  try {
    const samdsim::Scenario s = samdsim::parse_scenario(text, "fuzz.yaml");
    resolved = s.resolved_yaml();
  } catch (const samdsim::InputError&) {
    return 0;  // refused with a located message: the expected outcome for bad input
  }
  if (roundtrip_enabled()) {
    try {
      samdsim::parse_scenario(resolved, "resolved.yaml");
    } catch (const samdsim::InputError& e) {
      // Report as a crash: an accepted config whose resolved form is refused.
      std::fprintf(stderr, "resolved config refused: %s\n--- input ---\n%s\n--- resolved ---\n%s\n", e.what(),
                   text.c_str(), resolved.c_str());
      std::abort();
    }
  }
  return 0;
}
