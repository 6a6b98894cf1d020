// Two-arm trials simulated per second by samdsim's study code, side by side
// in one run with R's rpact simulating the same fixed designs
// (getSimulationMeans, getSimulationRates; SPEC, "Performance": rpact for
// trials). Both draw each trial's data and decide it; both print the power
// they simulate, which must agree within Monte Carlo error. One thread each,
// best of three; asserts nothing.
// Usage: bench_rpact [--trials N] [--r-trials N] [--quick] [--no-r]

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>

#include "bench_common.hpp"
#include "samdsim/config.hpp"
#include "samdsim/random.hpp"
#include "us_pathway/study_tests.hpp"

namespace {

using namespace samdsim;
using namespace samdsim::bench;
namespace up = samdsim::us_pathway;

// The designs: 64 + 64 patients for a standardized effect of 0.5 (80 %
// power at two-sided 0.05), and 100 + 100 for rates 0.3 against 0.5.
struct Design {
  std::int64_t means_per_arm = 64;
  double effect = 0.5;
  std::int64_t rates_per_arm = 100;
  double p_control = 0.3, p_treatment = 0.5;
  double alpha = 0.05;  // two-sided; a success is significant and favourable
  std::uint64_t seed = 20261127;
};

struct Options {
  std::uint64_t trials = 2'000'000;
  std::uint64_t r_trials = 100'000;
  bool run_r = true;
};

struct Measured {
  double seconds_per_trial = 0.0;
  double power = 0.0;
};

// Best of three passes over `trials` trials, each on its own stream as a
// replicate's study is.
template <class Trial>
Measured measure(std::uint64_t trials, const Design& d, Trial&& trial) {
  Measured best{1e300, 0.0};
  for (int rep = 0; rep < 3; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t successes = 0;
    for (std::uint64_t r = 0; r < trials; ++r) {
      Stream stream(d.seed, 0, r, 1);
      successes += trial(stream) ? 1 : 0;
    }
    best.seconds_per_trial = std::min(best.seconds_per_trial, seconds_since(start) / static_cast<double>(trials));
    best.power = static_cast<double>(successes) / static_cast<double>(trials);
  }
  return best;
}

std::string power_text(double power, std::uint64_t trials) {
  return fmt::format("{:.4f} ({:.4f})", power, std::sqrt(power * (1.0 - power) / static_cast<double>(trials)));
}

Options parse_options(int argc, char** argv) {
  Options o;
  parse_bench_options("bench_rpact", argc, argv,
                      {count_option("--trials", o.trials, 100, max_replicates,
                                    "samdsim trials per measurement (default 2000000)"),
                       count_option("--r-trials", o.r_trials, 100, 100'000'000, "rpact iterations (default 100000)"),
                       {"--quick", "", "100000 and 5000 trials, a smoke run",
                        [&](const std::string&) {
                          o.trials = 100'000;
                          o.r_trials = 5'000;
                        }},
                       {"--no-r", "", "skip rpact", [&](const std::string&) { o.run_r = false; }}});
  return o;
}

void run(const Options& o) {
  const Design d;
  const auto started = std::chrono::steady_clock::now();
  std::cout << fmt::format("bench_rpact: two-arm trials, {} + {} patients for effect {} (sd 1), {} + {} for rates {} "
                           "vs {}; two-sided alpha {}\n",
                           d.means_per_arm, d.means_per_arm, d.effect, d.rates_per_arm, d.rates_per_arm, d.p_control,
                           d.p_treatment, d.alpha)
            << fmt::format("samdsim: {} trials per measurement, best of 3, one thread; load average {}\n\n", o.trials,
                           load_average());

  // As us_pathway decides: the t test by critical values fixed when the study is sized.
  const up::TTestCritical critical(d.alpha, 2 * d.means_per_arm - 2);
  const Measured means = measure(o.trials, d, [&](Stream& s) {
    return up::simulate_rct_continuous(s, d.means_per_arm, d.means_per_arm, d.effect, 1.0, d.alpha, true, &critical)
        .success;
  });
  const Measured rates = measure(o.trials, d, [&](Stream& s) {
    return up::simulate_rct_binary(s, d.rates_per_arm, d.rates_per_arm, d.p_control, d.p_treatment, d.alpha, true)
        .success;
  });

  std::cout << fmt::format("{:<22} {:>14} {:>18} {:>14} {:>18} {:>10}\n", "trial", "samdsim us", "samdsim power (se)",
                           "rpact us", "rpact power (se)", "rpact/samdsim");
  const auto row = [&](const char* name, const Measured& ours, double rpact_seconds, double rpact_power) {
    if (rpact_seconds > 0.0)
      std::cout << fmt::format("{:<22} {:>14.4f} {:>18} {:>14.3f} {:>18} {:>10.0f}x\n", name,
                               1e6 * ours.seconds_per_trial, power_text(ours.power, o.trials), 1e6 * rpact_seconds,
                               power_text(rpact_power, o.r_trials), rpact_seconds / ours.seconds_per_trial);
    else
      std::cout << fmt::format("{:<22} {:>14.4f} {:>18}\n", name, 1e6 * ours.seconds_per_trial,
                               power_text(ours.power, o.trials));
  };
  if (!o.run_r) {
    row("continuous (t test)", means, 0.0, 0.0);
    row("binary (z test)", rates, 0.0, 0.0);
    std::cout << "\nrpact: skipped (--no-r)\n";
  } else if (const std::string rscript = find_rscript(); rscript.empty()) {
    row("continuous (t test)", means, 0.0, 0.0);
    row("binary (z test)", rates, 0.0, 0.0);
    std::cout << "\nrpact: skipped: Rscript not found on PATH (Debian: apt-get install r-base-core r-cran-rpact)\n";
  } else {
    const auto r = run_key_values(fmt::format("{} {} {} {} {} {} {} {} {}", rscript, peer_script("rpact_trials.R"),
                                              o.r_trials, d.means_per_arm, d.effect, d.rates_per_arm, d.p_control,
                                              d.p_treatment, d.seed),
                                  "rates_seconds_per_trial");
    const auto number = [&](const char* key) { return std::stod(r.at(key)); };
    row("continuous (t test)", means, number("means_seconds_per_trial"), number("means_power"));
    row("binary (z test)", rates, number("rates_seconds_per_trial"), number("rates_power"));
    std::cout << fmt::format("\nrpact {} (R {}), {} iterations per design, one thread\n", r.at("rpact_version"),
                             r.at("r_version"), r.at("trials"));
  }
  std::cout << fmt::format("\ntotal {:.1f} s; load average after: {}\n", seconds_since(started), load_average());
}

}  // namespace

int main(int argc, char** argv) {
  return samdsim::bench::guarded_main("bench_rpact", [&] { run(parse_options(argc, argv)); });
}
