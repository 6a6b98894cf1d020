// The cost of a chained evidence_program replicate against the sum of its
// parts, measured side by side in one run (SPEC, "Performance"): a
// us_pathway replicate and a hospital_adoption replicate on the same
// scenario, then the chain of both with the company's cash flows. Also each
// stage alone inside the chain (the other switched off), against its plain
// model: the overhead of the composition itself. Prints ratios, asserts
// nothing. Usage: bench_evidence_program [--replicates N] [--quick] [--configs DIR]

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "bench_common.hpp"
#include "samdsim/config.hpp"
#include "samdsim/runner.hpp"

namespace {

using namespace samdsim;
using samdsim::bench::DiscardSink;
using samdsim::bench::load_average;
using samdsim::bench::seconds_since;
namespace fs = std::filesystem;

constexpr std::uint64_t default_replicates = 4096;  // four runner blocks; about a minute in all on one core
constexpr std::uint64_t quick_replicates = 1024;
constexpr int repetitions = 3;  // best of 3: the least disturbed by other load

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError("cannot read " + file.string());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A config's `parameters:` block, every line indented by `indent` more spaces.
std::string parameters_block(const std::string& config, std::size_t indent) {
  const auto at = config.find("\nparameters:\n");
  if (at == std::string::npos) throw InputError("no parameters: block");
  std::istringstream in(config.substr(at + 13));
  std::string line, out;
  while (std::getline(in, line)) out += std::string(indent, ' ') + line + "\n";
  return out;
}

// The US stroke market with a tenth of its hospitals (400), so that the
// market and the evidence plan weigh comparably in a replicate.
std::string tenth(std::string text) {
  for (const char* count : {"count: 350", "count: 1300", "count: 2350"}) {
    const auto at = text.find(count);
    if (at == std::string::npos) throw InputError(std::string("market config lacks ") + count);
    text.erase(at + std::strlen(count) - 1, 1);
  }
  return text;
}

// Best seconds per replicate, one thread (the ratio is per replicate of work).
double seconds_per_replicate(const std::string& yaml, std::uint64_t replicates) {
  const Scenario s = parse_scenario(yaml, "bench.yaml");
  double best = std::numeric_limits<double>::infinity();
  for (int k = 0; k < repetitions; ++k) {
    DiscardSink sink;
    RunOptions o;
    o.replicates = replicates;
    o.seed = 20261126;
    o.threads = 1;
    o.progress = ProgressMode::Never;
    const auto start = std::chrono::steady_clock::now();
    run_replicates(*s.simulation, *s.parameters.table, o, sink);
    best = std::min(best, seconds_since(start));
  }
  return best / static_cast<double>(replicates);
}

}  // namespace

int main(int argc, char** argv) {
  return samdsim::bench::guarded_main("bench_evidence_program", [&] {
    std::uint64_t replicates = default_replicates;
    // ./configs, else the source tree's.
    fs::path configs = "configs";
    if (!fs::exists(configs / "ai_triage_510k.yaml")) configs = fs::path(__FILE__).parent_path().parent_path() / "configs";
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--quick") replicates = quick_replicates;
      else if (a == "--replicates" && i + 1 < argc) replicates = std::stoull(argv[++i]);
      else if (a == "--configs" && i + 1 < argc) configs = argv[++i];
      else throw InputError("usage: bench_evidence_program [--replicates N] [--quick] [--configs DIR]");
    }
    const std::string plan_config = read_text(configs / "ai_triage_510k.yaml");
    const std::string market_config = tenth(read_text(configs / "hospital_adoption_us_stroke_lvo.yaml"));
    const std::string plan = parameters_block(plan_config, 6);
    const std::string market = parameters_block(market_config, 2);
    const std::string head = "model: evidence_program\nseed: 1\nparameters:\n";
    const std::string chained = head + "  market:\n" + market + "  strategies:\n    - name: a\n      evidence:\n" + plan;
    const std::string evidence_only = head + "  market_enabled: false\n  market:\n" + market +
                                      "  strategies:\n    - name: a\n      evidence:\n" + plan;
    const std::string market_only =
        head + "  market:\n" + market + "  strategies:\n    - {name: a, authorization: fixed, authorization_month: 0}\n";

    fmt::print("bench_evidence_program: {} replicates, 1 thread, best of {}; load average {}\n", replicates,
               repetitions, load_average());
    fmt::print("scenario: evidence plan of ai_triage_510k.yaml, market of hospital_adoption_us_stroke_lvo.yaml "
               "with 400 hospitals\n\n");
    const double us = seconds_per_replicate(plan_config, replicates);
    const double ha = seconds_per_replicate(market_config, replicates);
    const double chain = seconds_per_replicate(chained, replicates);
    const double ev = seconds_per_replicate(evidence_only, replicates);
    const double mk = seconds_per_replicate(market_only, replicates);
    auto row = [](const char* what, double s) { fmt::print("  {:<58} {:>10.1f} us\n", what, 1e6 * s); };
    fmt::print("seconds per replicate\n");
    row("us_pathway", us);
    row("hospital_adoption", ha);
    row("sum of the parts", us + ha);
    row("evidence_program, chained (market from authorization)", chain);
    row("evidence_program, evidence only (market off)", ev);
    row("evidence_program, market only (authorized at month 0)", mk);
    fmt::print("\nratios\n");
    fmt::print("  chained / (us_pathway + hospital_adoption)       {:.3f}   (target <= 1.25)\n", chain / (us + ha));
    fmt::print("  evidence only / us_pathway                       {:.3f}\n", ev / us);
    fmt::print("  market only / hospital_adoption                  {:.3f}\n", mk / ha);
  });
}
