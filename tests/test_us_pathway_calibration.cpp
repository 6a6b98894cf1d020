// The default FDA review settings against FDA's published review performance:
// the MDUFA V performance report of 20 November 2025, CDRH, FY2023 and
// FY2024 receipt cohorts (docs/models/us_pathway.md, "Calibration", gives
// the tables). The report counts time from the accepted submission, so the
// runs below leave refusals to accept out, and the PMA table compared is the
// one without an advisory panel; everything else is the default.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "samdsim/config.hpp"
#include "samdsim/runner.hpp"
#include "us_pathway/us_pathway.hpp"

using namespace samdsim;
namespace up = samdsim::us_pathway;

namespace {

struct Range2 {
  double fy2023, fy2024;
  double low() const { return std::min(fy2023, fy2024); }
  double high() const { return std::max(fy2023, fy2024); }
};

struct Published {
  const char* pathway;
  const char* group;
  const char* settings;  // beside the defaults: no refusals to accept (and no PMA panel), as the tables count
  Range2 total_mean, fda_mean, hold_mean;
  Range2 total_quantile[4];  // 20th, 40th, 60th, 80th percentiles of total days
  double no_hold_low, no_hold_high;  // the share without a hold, bounded by the hold-day percentiles
  double favourable, withdrawn, negative;  // shares of all endings, FY2023-24 pooled
  double cycles;  // average review cycles (0: not compared)
};

// 510(k): Tables 6.5 and 6.6. De Novo: Tables 8.3 and 8.4. PMA (without
// panel): Tables 1.7 and 1.9. Withdrawals include deletions.
const Published published[] = {
    {"510k", "fda_510k", "{rta_probability: 0}", {141.13, 142.85}, {74.81, 74.62}, {66.25, 68.23},
     {{59, 58}, {97, 100}, {155, 157}, {238, 241}}, 0.2, 0.4,
     (3107.0 + 2871) / (3254 + 419 + 3010 + 414), (419.0 + 414) / (3254 + 419 + 3010 + 414),
     (147.0 + 139) / (3254 + 419 + 3010 + 414), 1.68},
    {"de_novo", "fda_de_novo", "{rta_probability: 0}", {270.07, 246.44}, {130.60, 120.99}, {139.47, 125.45},
     {{214, 175}, {256, 255}, {303, 283}, {329, 327}}, 0.0, 0.2, 66.0 / 154, 52.0 / 154, 36.0 / 154, 0.0},
    {"pma", "fda_pma", "{rta_probability: 0, panel_probability: 0}", {286.70, 299.60}, {168.43, 170.71}, {118.27, 128.89},
     {{179, 188}, {218, 230}, {281, 301}, {444, 437}}, 0.2, 0.4, 94.0 / 122, 9.0 / 122, 19.0 / 122, 0.0},
};

double quantile(std::vector<double> x, double q) {
  std::sort(x.begin(), x.end());
  const double h = q * static_cast<double>(x.size() - 1);
  const auto i = static_cast<std::size_t>(h);
  return i + 1 < x.size() ? x[i] + (h - static_cast<double>(i)) * (x[i + 1] - x[i]) : x[i];
}

double mean(const std::vector<double>& x) {
  double s = 0.0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

struct Columns : BlockSink {
  std::vector<std::vector<double>> outputs;
  void consume(const Block& b) override {
    outputs.resize(b.outputs());
    for (std::size_t k = 0; k < b.outputs(); ++k)
      outputs[k].insert(outputs[k].end(), b.output(k).begin(), b.output(k).end());
  }
};

// Within the two cohorts' range widened by `tolerance` (relative).
void near_range(const char* what, double model, const Range2& r, double tolerance) {
  INFO(what << ": model " << model << ", published " << r.fy2023 << " (FY2023) and " << r.fy2024 << " (FY2024)");
  CHECK(model >= r.low() * (1.0 - tolerance));
  CHECK(model <= r.high() * (1.0 + tolerance));
}

}  // namespace

TEST_CASE("Default FDA review times, holds, cycles and decisions reproduce the MDUFA V report") {
  for (const Published& p : published) {
    INFO(p.pathway);
    const std::string text = std::string("model: us_pathway\nparameters:\n  pathway: ") + p.pathway +
                             "\n  studies: []\n  " + p.group + ": " + p.settings + "\n";
    const Scenario s = parse_scenario(text, "calibration.yaml");
    Columns sink;
    constexpr std::uint64_t n = 20000;
    run_replicates(*s.simulation, *s.parameters.table, RunOptions{n, 20251120, 0, 2, ProgressMode::Never}, sink);
    const std::size_t more = up::output_specs().size();
    const std::vector<double>& total = sink.outputs[more + up::review_days];
    const std::vector<double>& hold = sink.outputs[more + up::hold_days];
    std::vector<double> fda(n);
    for (std::size_t i = 0; i < n; ++i) fda[i] = total[i] - hold[i];

    near_range("mean total days", mean(total), p.total_mean, 0.10);
    near_range("mean FDA days", mean(fda), p.fda_mean, 0.10);
    near_range("mean hold days", mean(hold), p.hold_mean, 0.10);
    const double q[] = {0.2, 0.4, 0.6, 0.8};
    for (int k = 0; k < 4; ++k) near_range("a percentile of total days", quantile(total, q[k]), p.total_quantile[k], 0.15);

    const double no_hold = static_cast<double>(std::count(hold.begin(), hold.end(), 0.0)) / n;
    INFO("share without a hold " << no_hold);
    CHECK(no_hold >= p.no_hold_low);
    CHECK(no_hold <= p.no_hold_high);

    const auto& outcome = sink.outputs[up::outcome];
    const auto share = [&](double code) { return static_cast<double>(std::count(outcome.begin(), outcome.end(), code)) / n; };
    INFO("favourable " << share(0.0) << ", withdrawn " << share(3.0) << ", negative " << share(2.0));
    CHECK(std::abs(share(0.0) - p.favourable) < 0.02);
    CHECK(std::abs(share(3.0) - p.withdrawn) < 0.02);
    CHECK(std::abs(share(2.0) - p.negative) < 0.02);
    if (p.cycles > 0.0) CHECK(std::abs(mean(sink.outputs[up::review_cycles]) - p.cycles) < 0.05);
  }
}
