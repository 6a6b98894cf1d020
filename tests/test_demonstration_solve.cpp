// solve: sizes a demonstration trial by searching: the analytic answer
// against a scan of every size and against closed forms written out here,
// the simulated confirmation against an explicit sweep of the same
// candidates, the ENBS optimum against a grid, and bad solve: blocks.
#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "cli_fixture.hpp"
#include "demonstration/demonstration.hpp"
#include "samdsim/config.hpp"
#include "samdsim/result_reader.hpp"
#include "scenario_fixture.hpp"

using namespace samdsim;
namespace dm = samdsim::demonstration;

namespace {

std::string scenario_text(const std::string& design, const std::string& outcome, const std::string& rest = "") {
  return "model: demonstration\nreplicates: 400\nseed: 11\nparameters:\n  design: " + design + "\n  outcome: " + outcome +
         "\n  analysis: {variance: known, test: z}\n  costs: {fixed: 10000000, per_hospital: 1000000, "
         "per_hospital_period: 200000, per_case: 1000}\n" +
         rest;
}

const dm::Plan& plan_of(const Scenario& s) { return dynamic_cast<const dm::Simulation&>(*s.simulation).plan(); }

// The design with one parameter replaced, as its own scenario.
Scenario with_value(const std::string& design_template, const std::string& outcome, long value,
                    const std::string& rest = "") {
  std::string design = design_template;
  const std::size_t at = design.find("N");
  design.replace(at, 1, std::to_string(value));
  return parse_scenario(scenario_text(design, outcome, rest), "scan.yaml");
}

double normal_cdf(double x) { return boost::math::cdf(boost::math::normal(), x); }

double z_power(double effect, double se, double alpha) {
  const double z = boost::math::quantile(boost::math::normal(), 1 - alpha / 2);
  return normal_cdf(std::fabs(effect) / se - z) + normal_cdf(-std::fabs(effect) / se - z);
}

const std::string binary_outcome = "{type: binary, control_proportion: 0.55, effect: 0.1, icc: 0.05, cac: 0.7}";
const std::string continuous_outcome = "{type: continuous, effect: -1.5, sd: 8, icc: 0.1, cac: 0.8}";

}  // namespace

TEST_CASE("The analytic answer of solve: is the smallest size a scan of every size finds") {
  struct Case {
    std::string design;  // N marks the solved value
    std::string vary;
    std::string outcome;
    long low, high, step;
    double target;
  };
  const std::vector<Case> cases = {
      {"{type: parallel, clusters: N, baseline_periods: 1, periods: 2, cases_per_period: 60}", "design.clusters",
       binary_outcome, 4, 120, 2, 0.8},
      // Cases buy power only up to the hospitals' variance: a small ICC.
      {"{type: parallel, clusters: 24, periods: 1, cases_per_period: N}", "design.cases_per_period",
       "{type: continuous, effect: -1.5, sd: 8, icc: 0.02, cac: 1}", 2, 400, 1, 0.8},
      {"{type: stepped_wedge, steps: 4, clusters_per_step: N, cases_per_period: 20}", "design.clusters_per_step",
       continuous_outcome, 1, 40, 1, 0.9},
      {"{type: stepped_wedge, steps: N, clusters_per_step: 2, cases_per_period: 10}", "design.steps", binary_outcome,
       2, 40, 1, 0.8},
  };
  for (const Case& c : cases) {
    INFO(c.design << " solving " << c.vary);
    std::string design = c.design;
    design.replace(design.find("N"), 1, std::to_string(c.low));
    const std::string solve = "solve:\n  vary: " + c.vary + "\n  range: [" + std::to_string(c.low) + ", " +
                              std::to_string(c.high) + "]\n  step: " + std::to_string(c.step) +
                              "\n  target: {output: reject, at_least: " + std::to_string(c.target) + "}\n";
    const Scenario s = parse_scenario(scenario_text(design, c.outcome, solve), "solve.yaml");
    REQUIRE(s.solve);
    long scanned = -1;
    double scanned_power = 0.0;
    for (long n = c.low; n <= c.high && scanned < 0; n += c.step) {
      const double power = plan_of(with_value(c.design, c.outcome, n)).analytic_power_value;
      if (power >= c.target) {
        scanned = n;
        scanned_power = power;
      }
    }
    REQUIRE(scanned > c.low);  // the answer is inside the range, so the search had to find it
    CHECK(s.solve_record.analytic_size == scanned);
    CHECK(s.solve_record.analytic_value == scanned_power);
    // Bisection: far fewer evaluations than sizes.
    CHECK(s.solve_record.evaluations <= 2 + static_cast<long>(std::ceil(std::log2((c.high - c.low) / c.step + 1))));
    // The simulated candidates: one size below the answer, three above.
    REQUIRE(s.solve_record.sizes.size() == 5);
    CHECK(s.solve_record.sizes[1] == scanned);
    CHECK(s.solve_record.sizes[0] == scanned - c.step);
    CHECK(s.solve_record.planning_values[0] < c.target);
  }
}

TEST_CASE("The solved number of hospitals of a one-period parallel trial matches the design-effect formula") {
  // Var(theta_hat) = 4 (v / m) (1 + (m - 1) ICC) / I for I hospitals split
  // 1:1 (Donner & Klar 2000), v = sd^2; z test at alpha 0.05.
  const double sd = 8, icc = 0.1, effect = 1.5, m = 30;
  const std::string design = "{type: parallel, clusters: 4, periods: 1, cases_per_period: 30}";
  const std::string solve = "solve: {vary: design.clusters, range: [4, 400], step: 2, target: {output: reject, "
                            "at_least: 0.9}}\n";
  const Scenario s = parse_scenario(
      scenario_text(design, "{type: continuous, effect: 1.5, sd: 8, icc: 0.1, cac: 1}", solve), "de.yaml");
  long closed = -1;
  for (long i = 4; i <= 400 && closed < 0; i += 2)
    if (z_power(effect, std::sqrt(4 * sd * sd / m * (1 + (m - 1) * icc) / i), 0.05) >= 0.9) closed = i;
  REQUIRE(closed > 4);
  CHECK(s.solve_record.analytic_size == closed);
  const double se = std::sqrt(4 * sd * sd / m * (1 + (m - 1) * icc) / closed);
  CHECK(s.solve_record.analytic_value == Approx(z_power(effect, se, 0.05)).epsilon(1e-10));
}

TEST_CASE("The solved stepped wedge has the power of Hussey and Hughes' closed-form variance") {
  // Hussey & Hughes (2007), complete design, I clusters, T periods, with
  // sigma^2 the variance of a cluster-period mean about its cluster.
  const double sd = 8, icc = 0.1, effect = -1.5, m = 20;
  const double tau2 = icc * sd * sd, sigma2 = (1 - icc) * sd * sd / m;
  const std::string solve = "solve: {vary: design.clusters_per_step, range: [1, 60], target: {output: reject, "
                            "at_least: 0.85}}\n";
  const Scenario s = parse_scenario(
      scenario_text("{type: stepped_wedge, steps: 5, clusters_per_step: 1, cases_per_period: 20}",
                    "{type: continuous, effect: -1.5, sd: 8, icc: 0.1, cac: 1}", solve),
      "hh.yaml");
  const auto hussey_hughes_power = [&](int per_step) {
    const int steps = 5, periods = steps + 1, clusters = steps * per_step;
    double u = 0, w = 0, v = 0;
    std::vector<double> column(periods, 0.0);
    for (int i = 0; i < clusters; ++i) {
      const int crossover = 1 + i / per_step;  // first treated period
      double row = 0;
      for (int j = 0; j < periods; ++j) {
        const double x = j >= crossover ? 1.0 : 0.0;
        u += x;
        row += x;
        column[j] += x;
      }
      v += row * row;
    }
    for (double c : column) w += c * c;
    const double i = clusters, t = periods;
    const double var = i * sigma2 * (sigma2 + t * tau2) /
                       ((i * u - w) * sigma2 + (u * u + i * t * u - t * w - i * v) * tau2);
    return z_power(effect, std::sqrt(var), 0.05);
  };
  int closed = -1;
  for (int k = 1; k <= 60 && closed < 0; ++k)
    if (hussey_hughes_power(k) >= 0.85) closed = k;
  REQUIRE(closed > 1);
  CHECK(s.solve_record.analytic_size == closed);
  CHECK(s.solve_record.analytic_value == Approx(hussey_hughes_power(closed)).epsilon(1e-10));
}

TEST_CASE("The ENBS-maximizing size of solve: is the best of a grid of the closed-form ENBS") {
  const std::string decision =
      "  decision: {value_per_effect_unit: -5000000, cost_per_hospital_year: 8000000, hospitals: 100, "
      "horizon_years: 5, discount_rate_per_year: 0.02}\n";
  const std::string design = "{type: parallel, clusters: N, baseline_periods: 1, periods: 2, cases_per_period: 20}";
  const std::string outcome = "{type: continuous, unit: minute, effect: {dist: normal, mean: -2, sd: 3}, sd: 20, "
                              "icc: 0.05, cac: 0.8}";
  std::string base = design;
  base.replace(base.find("N"), 1, "12");
  const Scenario s = parse_scenario(
      scenario_text(base, outcome, decision + "solve: {vary: design.clusters, range: [4, 200], step: 2, maximize: enbs}\n"),
      "enbs.yaml");
  REQUIRE(s.solve);
  long best = -1;
  double best_enbs = -INFINITY;
  for (long n = 4; n <= 200; n += 2) {
    const Scenario point = with_value(design, outcome, n, decision);
    const dm::Plan& p = plan_of(point);
    const double cells = static_cast<double>(p.design.scheduled_cells);
    const double cost = 10e6 + n * 1e6 + cells * 200000 + cells * 20 * 1000;  // the costs of scenario_text
    if (p.decision.evsi_closed_form - cost > best_enbs) {
      best_enbs = p.decision.evsi_closed_form - cost;
      best = n;
    }
  }
  INFO("grid optimum " << best << " hospitals, ENBS " << best_enbs);
  REQUIRE(best > 4);
  REQUIRE(best < 200);  // an interior optimum: the scan had something to find
  CHECK(s.solve_record.analytic_size == best);
  CHECK(s.solve_record.analytic_value == Approx(best_enbs).epsilon(1e-12));
  CHECK(s.solve_record.evaluations == 99);
  // Two sizes each side are simulated, and judged by their mean enbs.
  CHECK(s.solve_record.sizes == std::vector<double>{best - 4.0, best - 2.0, double(best), best + 2.0, best + 4.0});
  CHECK(s.sweep_choice.objective == "enbs");
  CHECK(s.sweep_choice.maximize);
}

TEST_CASE("solve: confirms by simulation exactly as a sweep of the same candidates with choose: does") {
  const fs::path dir = scratch("demonstration_solve");
  const std::string design = "{type: parallel, clusters: 8, baseline_periods: 1, periods: 1, cases_per_period: 40}";
  const std::string base = scenario_text(design, binary_outcome);
  const fs::path solve = write(dir, "solve.yaml",
                               base + "solve:\n  vary: design.clusters\n  range: [4, 200]\n  step: 2\n  target: "
                                      "{output: reject, at_least: 0.8}\n");
  Result r = run("run " + solve.string() + " -o " + (dir / "solve.h5").string() + " --progress never --threads 2", dir);
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("solve: smallest design.clusters in [4, 200] step 2 with reject >= 0.8") != std::string::npos);
  CHECK(r.out.find("analytic answer") != std::string::npos);

  const ResultFileSummary solved = read_result_summary(dir / "solve.h5");
  REQUIRE(solved.solve);
  const std::vector<double> sizes = solved.solve->sizes;
  REQUIRE(sizes.size() == 5);
  std::string grid;
  for (double n : sizes) grid += (grid.empty() ? "" : ", ") + std::to_string(static_cast<long>(n));
  // Cost grows with the number of hospitals, so the cheapest qualifying point is the smallest.
  const fs::path sweep = write(dir, "sweep.yaml",
                               base + "sweep:\n  grid:\n    design.clusters: [" + grid +
                                   "]\n  choose:\n    minimize: total_cost\n    require:\n      - {output: reject, "
                                   "at_least: 0.8}\n");
  REQUIRE(run("run " + sweep.string() + " -o " + (dir / "sweep.h5").string() + " --progress never --threads 1", dir)
              .status == 0);
  const ResultFileSummary swept = read_result_summary(dir / "sweep.h5");
  CHECK(swept.chosen == solved.chosen);
  REQUIRE(swept.scenarios.size() == solved.scenarios.size());
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    CHECK(swept.scenarios[i].key == solved.scenarios[i].key);
    const std::string cmd = "h5diff -q " + (dir / "solve.h5").string() + " " + (dir / "sweep.h5").string() +
                            " /points/" + std::to_string(i) + "/replicates /points/" + std::to_string(i) + "/replicates";
    INFO(cmd);
    CHECK(shell(cmd) == 0);
  }
  // The record: each candidate's simulated power and interval, the reason for the choice.
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    for (const Summary& x : solved.scenarios[i].summaries)
      if (x.name == "reject") CHECK(solved.solve->estimates[i] == x.probability);
    CHECK(solved.solve->interval_low[i] <= solved.solve->estimates[i]);
    CHECK(solved.solve->interval_high[i] >= solved.solve->estimates[i]);
  }
  CHECK(!solved.solve->reason.empty());
  Result summary = run("summarize " + (dir / "solve.h5").string(), dir);
  CHECK(summary.status == 0);
  CHECK(summary.out.find("chosen: design.clusters = ") != std::string::npos);
  Result json = run("summarize " + (dir / "solve.h5").string() + " --json", dir);
  CHECK(json.status == 0);
  CHECK(json.out.find("\"solve\": {") != std::string::npos);
  CHECK(json.out.find("\"rule\": \"smallest design.clusters") != std::string::npos);
  CHECK(json.out.find("\"analytic_size\": " + std::to_string(static_cast<long>(solved.solve->analytic_size))) !=
        std::string::npos);
}

TEST_CASE("Two shards of a solve: merge into the file a single run writes, its record included") {
  const fs::path dir = scratch("demonstration_solve_shards");
  const fs::path cfg = write(dir, "solve.yaml",
                             scenario_text("{type: stepped_wedge, steps: 3, clusters_per_step: 1, cases_per_period: 10}",
                                           continuous_outcome) +
                                 "solve: {vary: design.clusters_per_step, range: [1, 40], target: {output: reject, "
                                 "at_least: 0.8}, confirm: {below: 1, above: 1}}\n");
  REQUIRE(run("run " + cfg.string() + " -o " + (dir / "single.h5").string() + " --progress never", dir).status == 0);
  for (int i = 0; i < 2; ++i)
    REQUIRE(run("run " + cfg.string() + " --progress never --shard " + std::to_string(i) + "/2 -o " +
                    (dir / ("shard" + std::to_string(i) + ".h5")).string(),
                dir)
                .status == 0);
  REQUIRE(run("merge " + (dir / "shard0.h5").string() + " " + (dir / "shard1.h5").string() + " -o " +
                  (dir / "merged.h5").string(),
              dir)
              .status == 0);
  for (const std::string group : {"/points", "/scenarios", "/solve"}) {
    const std::string cmd =
        "h5diff -q " + (dir / "single.h5").string() + " " + (dir / "merged.h5").string() + " " + group + " " + group;
    INFO(cmd);
    CHECK(shell(cmd) == 0);
  }
  const ResultFileSummary single = read_result_summary(dir / "single.h5");
  const ResultFileSummary merged = read_result_summary(dir / "merged.h5");
  REQUIRE(single.solve);
  REQUIRE(merged.solve);
  CHECK(merged.chosen == single.chosen);
  CHECK(merged.solve->sizes == single.solve->sizes);
  CHECK(merged.solve->estimates == single.solve->estimates);
  CHECK(merged.solve->reason == single.solve->reason);
}

TEST_CASE("Bad solve: blocks are refused where they are written, before anything is written") {
  const std::string base = scenario_text(
      "{type: parallel, clusters: 8, baseline_periods: 1, periods: 1, cases_per_period: 40}", binary_outcome);
  struct Bad {
    std::string solve, expect;
  };
  const std::vector<Bad> bad = {
      {"solve: {vary: design.clusters, range: [4, 200], target: {output: reject, at_least: 0.8}}\nsweep: {grid: "
       "{design.clusters: [4, 8]}}\n",
       "give either sweep:"},
      {"solve: {vary: design.clusterz, range: [4, 200], target: {output: reject, at_least: 0.8}}\n",
       "did you mean 'clusters'"},
      {"solve: {vary: design.clusters, range: [40, 4], target: {output: reject, at_least: 0.8}}\n",
       "solve.range: [40, 4]"},
      {"solve: {vary: design.clusters, range: [4, 200], maximize: enbs}\n", "solve.maximize: this scenario has no output 'enbs'"},
      {"solve: {vary: design.clusters, range: [4, 200], tagret: {output: reject, at_least: 0.8}}\n",
       "did you mean 'target'"},
      {"solve: {vary: design.clusters, range: [4, 200], target: {output: rejct, at_least: 0.8}}\n",
       "did you mean 'reject'"},
      {"solve: {vary: design.clusters, range: [4, 200], target: {output: estimate, at_most: 0.1}}\n",
       "no planning value of 'estimate'"},
      {"solve: {vary: design.clusters, range: [4, 6], target: {output: reject, at_least: 0.99}}\n",
       "no design.clusters in [4, 6] reaches reject >= 0.99"},
      {"solve: {vary: design.clusters, range: [1, 200], target: {output: reject, at_least: 0.8}}\n",
       "with design.clusters = 1"},
  };
  for (const Bad& b : bad) {
    INFO(b.solve);
    const std::string message = scenario_error(base + b.solve, "bad.yaml");
    CHECK(message.find(b.expect) != std::string::npos);
    CHECK(message.find("bad.yaml:") == 0);  // file:line:col first
    INFO(message);
    CHECK(message.find("bad.yaml:0") == std::string::npos);
  }
  const fs::path dir = scratch("demonstration_solve_bad");
  const fs::path file = write(dir, "bad.yaml", base + bad[2].solve);
  Result r = run("run " + file.string() + " -o " + (dir / "bad.h5").string(), dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("bad.yaml:") != std::string::npos);
  CHECK(!fs::exists(dir / "bad.h5"));
}
