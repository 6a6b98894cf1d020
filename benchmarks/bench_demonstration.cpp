// Simulated trials per second of the demonstration model for a 24-hospital
// stepped-wedge design, at 1 and 2 threads through the engine's runner, side
// by side in one run with the same simulation fitted by R's lme4 (SPEC,
// "Performance": lme4-style fitting for stepped-wedge power). Both simulate
// the trial and fit it by REML with random intercepts for hospital and
// hospital-period; lme4 on the individual cases, samdsim on the cluster-period
// means with the within-cell variance (docs/models/demonstration.md). Prints
// the per-trial ratio and both analyses' summaries; asserts nothing.
// Usage: bench_demonstration [--replicates N] [--r-trials N] [--quick] [--no-r]

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "demonstration/demonstration.hpp"
#include "bench_common.hpp"
#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "samdsim/runner.hpp"

namespace {

using samdsim::bench::count_option;
using samdsim::bench::DiscardSink;
using samdsim::bench::find_rscript;
using samdsim::bench::load_average;
using samdsim::bench::parse_bench_options;
using samdsim::bench::peer_script;
using samdsim::bench::run_key_values;
using samdsim::bench::seconds_since;

using namespace samdsim;
namespace dm = samdsim::demonstration;
namespace fs = std::filesystem;

constexpr std::uint64_t default_replicates = 20'000;  // about 1 s per measurement on one core
constexpr std::uint64_t quick_replicates = 2'000;
constexpr std::uint64_t default_r_trials = 200;  // lme4 takes tens of milliseconds per trial
constexpr std::uint64_t quick_r_trials = 20;
constexpr int repetitions = 3;  // best of 3: the least disturbed by other load
constexpr unsigned thread_counts[] = {1, 2};

// The design both programs simulate: 6 steps of 4 hospitals after one
// baseline period (7 periods), 20 cases per hospital-period.
struct Design {
  int steps = 6, per_step = 4, cases = 20;
  double icc = 0.05, cac = 0.8, sd = 8.0, effect = -1.5;
  std::uint64_t seed = 20250405;
};

std::string scenario_text(const Design& d, const char* variance) {
  return fmt::format(
      "model: demonstration\nparameters:\n"
      "  design: {{type: stepped_wedge, steps: {}, clusters_per_step: {}, cases_per_period: {}}}\n"
      "  outcome: {{effect: {}, sd: {}, icc: {}, cac: {}}}\n"
      "  analysis: {{variance: {}, test: t, df: within_clusters}}\n",
      d.steps, d.per_step, d.cases, d.effect, d.sd, d.icc, d.cac, variance);
}

struct Options {
  std::uint64_t replicates = default_replicates;
  std::uint64_t r_trials = default_r_trials;
  bool run_r = true;
};


class KeepSink : public BlockSink {  // the outputs the summaries below need
 public:
  std::vector<double> estimate, se, reject;
  void consume(const Block& b) override {
    for (std::size_t i = 0; i < b.count(); ++i) {
      estimate.push_back(b.output(dm::estimate)[i]);
      se.push_back(b.output(dm::standard_error)[i]);
      reject.push_back(b.output(dm::reject)[i]);
    }
  }
};


double trials_per_second(const Scenario& s, std::uint64_t n, unsigned threads) {
  DiscardSink sink;
  const auto start = std::chrono::steady_clock::now();
  run_replicates(*s.simulation, *s.parameters.table, RunOptions{n, s.seed, 0, threads, ProgressMode::Never}, sink);
  return static_cast<double>(n) / std::max(seconds_since(start), 1e-12);
}

struct Analysis {  // what both programs report about their trials
  std::uint64_t trials = 0;
  double mean_estimate = 0, sd_estimate = 0, mean_se = 0, power = 0;
};

Analysis summarize(const KeepSink& k) {
  Analysis a;
  a.trials = k.estimate.size();
  const double n = static_cast<double>(a.trials);
  for (std::size_t i = 0; i < k.estimate.size(); ++i) {
    a.mean_estimate += k.estimate[i] / n;
    a.mean_se += k.se[i] / n;
    a.power += k.reject[i] / n;
  }
  for (double e : k.estimate) a.sd_estimate += (e - a.mean_estimate) * (e - a.mean_estimate) / (n - 1.0);
  a.sd_estimate = std::sqrt(a.sd_estimate);
  return a;
}

std::string line_of(const char* who, const Analysis& a) {
  return fmt::format("{:<30} {:>7} {:>10.4f} {:>10.4f} {:>10.4f} {:>8.3f} ({:.3f})", who, a.trials, a.mean_estimate,
                     a.sd_estimate, a.mean_se, a.power,
                     std::sqrt(a.power * (1.0 - a.power) / static_cast<double>(a.trials)));
}


// Runs the R script and reads its "key value" lines.
std::map<std::string, std::string> run_r(const std::string& rscript, const Design& d, std::uint64_t trials) {
  const std::string cmd = fmt::format("{} {} {} {} {} {} {} {} {} {} {}", rscript, peer_script("demonstration_lme4.R"),
                                      trials, d.steps, d.per_step, d.cases, d.icc, d.cac, d.sd, d.effect, d.seed);
  return run_key_values(cmd, "lme4_seconds_per_trial");
}

Options parse_options(int argc, char** argv) {
  Options o;
  parse_bench_options(
      "bench_demonstration", argc, argv,
      {count_option("--replicates", o.replicates, 1, max_replicates,
                    "samdsim trials per measurement (default " + std::to_string(default_replicates) + ")"),
       count_option("--r-trials", o.r_trials, 2, 1'000'000,
                    "trials fitted by lme4 (default " + std::to_string(default_r_trials) + ")"),
       {"--quick", "",
        std::to_string(quick_replicates) + " and " + std::to_string(quick_r_trials) + " trials, a smoke run",
        [&](const std::string&) {
          o.replicates = quick_replicates;
          o.r_trials = quick_r_trials;
        }},
       {"--no-r", "", "skip the lme4 comparison", [&](const std::string&) { o.run_r = false; }}});
  return o;
}

void run(const Options& o) {
  const Design d;
  const auto started = std::chrono::steady_clock::now();
  std::cout << fmt::format(
                   "bench_demonstration: stepped wedge, {} hospitals in {} steps of {}, {} periods, {} cases "
                   "per hospital-period; ICC {}, CAC {}, effect {} (sd {})\n",
                   d.steps * d.per_step, d.steps, d.per_step, d.steps + 1, d.cases, d.icc, d.cac, d.effect, d.sd)
            << fmt::format("samdsim: {} trials per measurement, best of {}; {} hardware threads; load average {}\n\n",
                           o.replicates, repetitions, std::thread::hardware_concurrency(), load_average());

  std::cout << fmt::format("{:<30} {:>8} {:>14} {:>14} {:>9}\n", "samdsim analysis", "threads", "trials/s", "us/trial",
                           "speed-up");
  double reml_one_thread = 0.0;
  Analysis ours;
  for (const char* variance : {"estimated", "known"}) {
    Scenario s = parse_scenario(scenario_text(d, variance), "bench_demonstration.yaml");
    s.seed = d.seed;
    std::array<double, std::size(thread_counts)> best{};
    for (int rep = 0; rep < repetitions; ++rep)
      for (std::size_t t = 0; t < std::size(thread_counts); ++t)
        best[t] = std::max(best[t], trials_per_second(s, o.replicates, thread_counts[t]));
    const std::string label =
        std::string(variance == std::string("known") ? "GLS, known variances (H&H)" : "REML, estimated variances");
    for (std::size_t t = 0; t < std::size(thread_counts); ++t)
      std::cout << fmt::format("{:<30} {:>8} {:>14.4g} {:>14.3f} {:>9.2f}\n", label, thread_counts[t], best[t],
                               1e6 / best[t], best[t] / best[0]);
    if (variance == std::string("estimated")) {
      reml_one_thread = best[0];
      KeepSink keep;
      run_replicates(*s.simulation, *s.parameters.table, RunOptions{o.replicates, d.seed, 0, 2, ProgressMode::Never},
                     keep);
      ours = summarize(keep);
      std::cout << fmt::format("{:<30} {:>8} {:>14} {:>14} analytic power {:.4f}\n", "", "", "", "",
                               dynamic_cast<const dm::Simulation&>(*s.simulation).plan().analytic_power_value);
    }
  }

  std::cout << "\nREML analyses of the same design (t test, within-cluster df, alpha 0.05)\n"
            << fmt::format("{:<30} {:>7} {:>10} {:>10} {:>10} {:>8}\n", "", "trials", "mean est", "sd est", "mean se",
                           "power (se)")
            << line_of("samdsim (cluster-period means)", ours) << "\n";

  if (!o.run_r) {
    std::cout << "\nlme4: skipped (--no-r)\n";
  } else if (const std::string rscript = find_rscript(); rscript.empty()) {
    std::cout << "\nlme4: skipped: Rscript not found on PATH (Debian: apt-get install r-base-core r-cran-lme4)\n";
  } else {
    const auto r = run_r(rscript, d, o.r_trials);
    auto number = [&](const char* key) { return std::stod(r.at(key)); };
    Analysis lme4;
    lme4.trials = static_cast<std::uint64_t>(number("lme4_trials"));
    lme4.mean_estimate = number("lme4_mean_estimate");
    lme4.sd_estimate = number("lme4_sd_estimate");
    lme4.mean_se = number("lme4_mean_se");
    lme4.power = number("lme4_power");
    std::cout << line_of("lme4 (individual cases)", lme4) << "\n\n";
    const double lme4_per_trial = number("lme4_seconds_per_trial");
    std::cout << fmt::format("lme4 {} (R {}): {:.4g} s per trial ({:.4g} trials/s, simulate + lmer, 1 thread)\n",
                             r.count("lme4_version") ? r.at("lme4_version") : "?",
                             r.count("r_version") ? r.at("r_version") : "?", lme4_per_trial, 1.0 / lme4_per_trial)
              << fmt::format("per-trial ratio lme4 / samdsim REML, 1 thread: {:.0f}x\n",
                             lme4_per_trial * reml_one_thread);
  }
  std::cout << fmt::format("\ntotal {:.1f} s; load average after: {}\n", seconds_since(started), load_average());
}

}  // namespace

int main(int argc, char** argv) {
  return samdsim::bench::guarded_main("bench_demonstration", [&] { run(parse_options(argc, argv)); });
}
