// libFuzzer target: every model run on the example configs of configs/ with
// some of their numbers moved toward extremes (0, tiny, huge, negative, the
// edges of probabilities, a factor of 10^±6 or ±300 away, a raw double). A
// config must either be refused at load with a located InputError or run
// every replicate: an exception at run time (a NaN or infinite output, a
// sizing that overflows, a library's domain error), a crash, a sanitizer
// report or a hang is a finding.
//
// The input bytes choose the config, which numbers move and where to; the
// config's sweep is dropped (one point runs) and 16 replicates run on one
// thread.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "samdsim/runner.hpp"

namespace {

struct Example {
  std::string name;
  std::string text;
};

// The example configs, sorted by name so that an input means the same config
// on every machine.
const std::vector<Example>& examples() {
  static const std::vector<Example> all = [] {
    std::vector<Example> v;
    for (const auto& e : std::filesystem::directory_iterator(SAMDSIM_CONFIG_DIR)) {
      if (e.path().extension() != ".yaml") continue;
      std::ifstream in(e.path());
      std::stringstream text;
      text << in.rdbuf();
      const YAML::Node root = YAML::Load(text.str());
      if (!root["model"] || !root["parameters"]) continue;  // e.g. a portfolio of configs
      v.push_back({e.path().filename().string(), text.str()});
    }
    std::sort(v.begin(), v.end(), [](const Example& a, const Example& b) { return a.name < b.name; });
    return v;
  }();
  return all;
}

bool is_number(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return *end == '\0';
}

// Every number under `parameters`, in document order.
void collect_numbers(YAML::Node node, std::vector<YAML::Node>& out) {
  if (node.IsScalar()) {
    if (is_number(node.Scalar())) out.push_back(node);
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) collect_numbers(node[i], out);
  } else if (node.IsMap()) {
    for (auto entry : node) collect_numbers(entry.second, out);
  }
}

double moved(FuzzedDataProvider& in, double original) {
  static constexpr std::array<double, 22> landmarks = {
      0.0,     1e-306, 1e-300, 1e-15, 1e-12, 1e-9,  1e-6,    1e-3, 0.5,  1.0 - 1e-12, 1.0,
      1.0 + 1e-12, 2.0, 1e3, 1e6,  1e9,    1e12,  1e14, 9.99e14, 1e15, 1e300, -1e-300};
  switch (in.ConsumeIntegralInRange(0, 5)) {
    case 0: return landmarks[in.ConsumeIntegralInRange<std::size_t>(0, landmarks.size() - 1)];
    case 1: return -landmarks[in.ConsumeIntegralInRange<std::size_t>(0, landmarks.size() - 1)];
    case 2: return original * std::pow(10.0, in.ConsumeIntegralInRange(-6, 6));
    case 3: return original * (in.ConsumeBool() ? 1e300 : 1e-300);
    case 4: return std::nextafter(original, in.ConsumeBool() ? 0.0 : std::numeric_limits<double>::infinity());
    default: return in.ConsumeFloatingPoint<double>();
  }
}

struct Discard : samdsim::BlockSink {
  void consume(const samdsim::Block&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto& all = examples();
  const Example& example = all[in.ConsumeIntegralInRange<std::size_t>(0, all.size() - 1)];
  YAML::Node root = YAML::Load(example.text);
  root.remove("sweep");
  std::vector<YAML::Node> numbers;
  collect_numbers(root["parameters"], numbers);
  if (numbers.empty()) return -1;
  std::string changes;
  for (int k = in.ConsumeIntegralInRange(1, 3); k > 0; --k) {
    YAML::Node target = numbers[in.ConsumeIntegralInRange<std::size_t>(0, numbers.size() - 1)];
    const double v = moved(in, std::strtod(target.Scalar().c_str(), nullptr));
    if (!std::isfinite(v)) return -1;  // refused as text already: nothing to learn
    const std::string text = fmt::format("{}", v);
    changes += fmt::format("  {} -> {} (line {})\n", target.Scalar(), text, target.Mark().line + 1);
    target = text;
  }
  YAML::Emitter out;
  out << root;
  const std::string config = out.c_str();

  std::string stage = "load";
  try {
    const samdsim::Scenario s = samdsim::parse_scenario(config, example.name);
    stage = "run";
    Discard sink;
    samdsim::RunOptions options{16, s.seed, 0, 1, samdsim::ProgressMode::Never};
    samdsim::run_replicates(*s.simulation, *s.parameters.table, options, sink);
  } catch (const samdsim::InputError& e) {
    if (stage == "load") return 0;  // refused with a located message
    std::fprintf(stderr, "%s: refused only at run time: %s\n%s", example.name.c_str(), e.what(), changes.c_str());
    std::abort();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s failed: %s\n%s--- config ---\n%s\n", example.name.c_str(), stage.c_str(), e.what(),
                 changes.c_str(), config.c_str());
    std::abort();
  }
  return 0;
}
