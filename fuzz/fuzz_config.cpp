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

#include "samdsim/config.hpp"
#include "samdsim/error.hpp"

namespace {
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
