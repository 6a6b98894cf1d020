// The demonstration model's simulated trials against closed forms: the
// Hussey–Hughes variance, the design effect, the type I error, assurance,
// the bias of a pre–post design, costs; and bitwise reproducibility.
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "demonstration/demonstration.hpp"
#include "samdsim/config.hpp"
#include "samdsim/runner.hpp"

using namespace samdsim;
namespace dm = samdsim::demonstration;

namespace {

struct MemorySink : BlockSink {
  std::vector<std::vector<double>> outputs;
  void consume(const Block& b) override {
    outputs.resize(b.outputs());
    for (std::size_t k = 0; k < b.outputs(); ++k)
      outputs[k].insert(outputs[k].end(), b.output(k).begin(), b.output(k).end());
  }
};

struct Run {
  MemorySink sink;
  RunResult result;
  double mean(std::size_t k) const { return result.moments[k].mean; }
  double sd(std::size_t k) const { return result.moments[k].sd(); }
};

Run run(const Scenario& s, std::uint64_t replicates, std::uint64_t seed, unsigned threads = 2) {
  Run r;
  r.result =
      run_replicates(*s.simulation, *s.parameters.table, {replicates, seed, 0, threads, ProgressMode::Never}, r.sink);
  return r;
}

Scenario scenario(const std::string& design, const std::string& outcome, const std::string& analysis,
                  const std::string& costs = "{}") {
  return parse_scenario("model: demonstration\nparameters:\n  design: " + design + "\n  outcome: " + outcome +
                            "\n  analysis: " + analysis + "\n  costs: " + costs + "\n",
                        "test.yaml");
}

const dm::Plan& plan_of(const Scenario& s) { return dynamic_cast<const dm::Simulation&>(*s.simulation).plan(); }

// Hussey & Hughes (2007), closed form of Var(theta) for a complete design X
// (clusters x periods) with period effects, cluster variance tau2 and
// cluster-period-mean residual variance e2 (here gamma2 + sigma2 / m).
double hussey_hughes_variance(const std::vector<std::string>& x, double tau2, double e2) {
  const double i = static_cast<double>(x.size()), t = static_cast<double>(x.front().size());
  double u = 0.0, w = 0.0, v = 0.0;
  for (const auto& row : x) {
    double r = 0.0;
    for (char c : row) r += c == '1' ? 1.0 : 0.0;
    u += r;
    v += r * r;
  }
  for (std::size_t j = 0; j < x.front().size(); ++j) {
    double col = 0.0;
    for (const auto& row : x) col += row[j] == '1' ? 1.0 : 0.0;
    w += col * col;
  }
  return i * e2 * (e2 + t * tau2) / ((i * u - w) * e2 + (u * u + i * t * u - t * w - i * v) * tau2);
}

std::vector<std::string> rows_of(const dm::Design& d) {
  std::vector<std::string> rows;
  for (std::size_t s = 0; s < d.sequences.size(); ++s) rows.insert(rows.end(), d.sequence_clusters[s], d.sequences[s]);
  return rows;
}

// |simulated - expected| within z standard errors of a proportion over n.
void check_proportion(double simulated, double expected, std::uint64_t n, double z = 4.0) {
  INFO("simulated " << simulated << " expected " << expected);
  CHECK(std::fabs(simulated - expected) < z * std::sqrt(expected * (1.0 - expected) / static_cast<double>(n)));
}

const char* known_z = "{variance: known, test: z}";

struct Case {
  const char* design;
  double icc, cac, effect;
};

const Case designs[] = {
    {"{type: stepped_wedge, steps: 4, clusters_per_step: 3, cases_per_period: 20}", 0.05, 0.8, -1.5},
    {"{type: stepped_wedge, steps: 3, clusters_per_step: 2, periods_per_step: 2, extra_periods: 1, cases_per_period: "
     "10}",
     0.1, 0.6, -2.0},
    {"{type: parallel, clusters: 16, baseline_periods: 1, periods: 2, cases_per_period: 15}", 0.08, 0.7, -2.5},
    {"{type: parallel, clusters: 15, allocation_ratio: 2, cases_per_period: 30}", 0.03, 1.0, -2.0},
    {"{type: stepped_wedge, sequences: [{pattern: '00111', clusters: 3}, {pattern: '.0011', clusters: 3}, "
     "{pattern: '00.01', clusters: 2}], cases_per_period: 12}",
     0.05, 0.9, -2.0},
};

std::string outcome(const Case& c, const std::string& icc = "") {
  return "{effect: " + std::to_string(c.effect) + ", sd: 8, icc: " + (icc.empty() ? std::to_string(c.icc) : icc) +
         ", cac: " + std::to_string(c.cac) + "}";
}

}  // namespace

TEST_CASE("The analytic GLS variance equals Hussey and Hughes' closed form for complete designs") {
  for (const Case& c : designs) {
    const Scenario s = scenario(c.design, outcome(c), known_z);
    const dm::Plan& p = plan_of(s);
    if (p.design.scheduled_cells != p.design.clusters * p.design.periods) continue;  // the closed form needs every cell
    const dm::Components v = dm::variance_components(64.0, c.icc, c.cac);
    const double e2 = v.gamma2 + v.sigma2 / p.cases_per_period;
    INFO(c.design);
    CHECK(p.analytic_se * p.analytic_se ==
          Approx(hussey_hughes_variance(rows_of(p.design), v.tau2, e2)).epsilon(1e-10));
  }
}

TEST_CASE("A binary outcome given Hussey and Hughes' tau has their closed-form variance and power") {
  // 24 hospitals in 4 steps over 5 periods, 100 cases per cell, control 5 %,
  // a risk difference of -2 points, tau = 0.01 between hospitals (their
  // model: no cluster-by-period effect). Per cell mean: tau^2 between and
  // p(1 - p) / m within, p = 0.05 - 0.02 / 2 = 0.04.
  const std::string design = "{type: stepped_wedge, steps: 4, clusters_per_step: 6, cases_per_period: 100}";
  const Scenario s = scenario(design, "{type: binary, control_proportion: 0.05, effect: -0.02, between_hospital_sd: 0.01}",
                              known_z);
  const dm::Plan& p = plan_of(s);
  const double tau2 = 0.01 * 0.01, sigma2 = 0.04 * 0.96;
  const double variance = hussey_hughes_variance(rows_of(p.design), tau2, sigma2 / 100.0);
  CHECK(p.analytic_se * p.analytic_se == Approx(variance).epsilon(1e-10));
  // Two-sided z test at 5 %: Phi(|theta| / se - 1.959964) plus the far tail.
  const double z = 0.02 / std::sqrt(variance);
  const double power = 0.5 * std::erfc(-(z - 1.959963984540054) / std::sqrt(2.0)) +
                       0.5 * std::erfc((z + 1.959963984540054) / std::sqrt(2.0));
  CHECK(p.analytic_power_value == Approx(power).epsilon(1e-9));
  // In ICC terms the case variance p(1 - p) would be split, not added to:
  // icc = tau^2 / (tau^2 + p(1 - p)) leaves (1 - icc) p(1 - p) within, a
  // smaller variance than Hussey and Hughes' model.
  const Scenario by_icc = scenario(design,
                                   "{type: binary, control_proportion: 0.05, effect: -0.02, icc: " +
                                       fmt::format("{:.17g}", tau2 / (tau2 + sigma2)) + ", cac: 1}",
                                   known_z);
  CHECK(plan_of(by_icc).analytic_se < p.analytic_se);
  // The simulated trials reject as often as the closed form says.
  const std::uint64_t n = 4000;
  check_proportion(run(s, n, 5).mean(dm::reject), power, n);
  // tau belongs to binary outcomes, and replaces the ICC rather than joining it.
  CHECK_THROWS_WITH(scenario(design, "{effect: -1, sd: 8, between_hospital_sd: 0.01, cac: 1}", known_z),
                    Catch::Contains("outcome.between_hospital_sd") && Catch::Contains("binary"));
  CHECK_THROWS_WITH(scenario(design,
                             "{type: binary, control_proportion: 0.05, effect: -0.02, between_hospital_sd: 0.01, "
                             "icc: 0.01}",
                             known_z),
                    Catch::Contains("outcome.icc") && Catch::Contains("not both"));
}

TEST_CASE("Simulated power matches the analytic Hussey-Hughes power within Monte Carlo error") {
  const std::uint64_t n = 20000;
  for (const Case& c : designs) {
    INFO(c.design);
    const Scenario s = scenario(c.design, outcome(c), known_z);
    Run r = run(s, n, 17);
    const double analytic = plan_of(s).analytic_power_value;
    CHECK(analytic > 0.2);
    CHECK(analytic < 0.95);
    check_proportion(r.mean(dm::reject), analytic, n);
    CHECK(r.sd(dm::estimate) == Approx(plan_of(s).analytic_se).epsilon(4.0 * std::sqrt(0.5 / n)));
  }
}

TEST_CASE("The GLS with per-replicate variance components reproduces the analytic power when they barely vary") {
  // An ICC given as a distribution takes the general path: GLS refitted in every replicate.
  const Case& c = designs[0];
  const std::string icc = "{dist: uniform, min: 0.0499999, max: 0.0500001}";
  const Scenario s = scenario(c.design, outcome(c, icc), "{variance: known, test: t}");
  REQUIRE_FALSE(plan_of(s).precomputed);
  Run r = run(s, 20000, 5);
  check_proportion(r.mean(dm::reject), plan_of(s).analytic_power_value, 20000);
}

TEST_CASE("The parallel design reproduces the design effect 1 + (m - 1) ICC") {
  for (double m : {5.0, 20.0, 60.0})
    for (double icc : {0.01, 0.05, 0.2}) {
      const std::string design = "{type: parallel, clusters: 20, cases_per_period: " + std::to_string(int(m)) + "}";
      const Scenario s = scenario(design, "{effect: 1, sd: 3, icc: " + std::to_string(icc) + ", cac: 0.5}", known_z);
      // Individually randomized: var = sd^2 (1/n_c + 1/n_t) with n = 10 m per arm.
      const double individual = 9.0 * 2.0 / (10.0 * m);
      const double design_effect = 1.0 + (m - 1.0) * icc;
      INFO("m " << m << " icc " << icc);
      CHECK(std::pow(plan_of(s).analytic_se, 2) / individual == Approx(design_effect).epsilon(1e-12));
      const std::uint64_t n = 20000;
      Run r = run(s, n, 3);
      const double ratio = std::pow(r.sd(dm::estimate), 2) / individual;
      CHECK(ratio == Approx(design_effect).epsilon(4.0 * std::sqrt(2.0 / n)));
    }
}

TEST_CASE("With no effect the rejection rate is alpha") {
  const std::uint64_t n = 40000;
  for (const Case& c : designs) {
    INFO(c.design);
    Case zero = c;
    zero.effect = 0.0;
    Run r = run(scenario(c.design, outcome(zero), known_z), n, 23);
    check_proportion(r.mean(dm::reject), 0.05, n);
    Run r1 = run(scenario(c.design, outcome(zero), "{variance: known, test: z, alpha: 0.01}"), n, 23);
    check_proportion(r1.mean(dm::reject), 0.01, n);
  }
}

TEST_CASE("With estimated variances the within-cluster t test keeps alpha, hospitals - 2 is conservative") {
  const std::uint64_t n = 20000;
  const Scenario s =
      scenario("{type: stepped_wedge, steps: 6, clusters_per_step: 4, cases_per_period: 20}",
               "{effect: 0, sd: 8, icc: 0.05, cac: 0.8}", "{variance: estimated, test: t, df: within_clusters}");
  Run r = run(s, n, 31);
  // 168 cluster-periods - 24 hospitals - 7 period effects = 137 df.
  CHECK(plan_of(s).planned_df == 137.0);
  check_proportion(r.mean(dm::reject), 0.05, n);
  // The same trials against hospitals - 2 = 22 df: the treatment effect of a
  // stepped wedge is mostly estimated within hospitals, so this rule rejects less.
  const double t22 = boost::math::quantile(boost::math::students_t_distribution<>(22.0), 0.975);
  double rejected = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    rejected += std::fabs(r.sink.outputs[dm::estimate][i]) > t22 * r.sink.outputs[dm::standard_error][i] ? 1.0 : 0.0;
  CHECK(rejected / n < 0.05 - 3.0 * std::sqrt(0.05 * 0.95 / n));
  CHECK(rejected / n > 0.03);
  CHECK(r.mean(dm::icc_estimate) == Approx(0.05).epsilon(0.03));
  CHECK(r.mean(dm::cac_estimate) == Approx(0.8).epsilon(0.03));
  CHECK(r.result.moments[dm::icc_estimate].missing == 0);
  // REML's variance estimates are slightly low in small samples; the mean standard error stays within 2 %.
  CHECK(r.mean(dm::standard_error) == Approx(plan_of(s).analytic_se).epsilon(0.02));
}

TEST_CASE("Assurance is the power averaged over the prior of the effect") {
  const Scenario s =
      scenario(designs[0].design, "{effect: {dist: normal, mean: -1.5, sd: 1}, sd: 8, icc: 0.05, cac: 0.8}", known_z);
  const dm::Plan& p = plan_of(s);
  // With theta ~ N(mu, s^2) the estimate is N(mu, se^2 + s^2) and rejects beyond +-z se.
  const boost::math::normal_distribution<> z;
  const double se = p.analytic_se, spread = std::sqrt(se * se + 1.0), c = p.planned_critical;
  const double assurance = boost::math::cdf(z, (-1.5 - c * se) / spread) + boost::math::cdf(z, (1.5 - c * se) / spread);
  const std::uint64_t n = 40000;
  Run r = run(s, n, 8);
  check_proportion(r.mean(dm::reject_prior), assurance, n);
  check_proportion(r.mean(dm::reject), p.analytic_power_value, n);
}

TEST_CASE("A pre-post design is biased by the secular trend and says so, a stepped wedge is not") {
  const std::string outcome_text = "{effect: -1, sd: 4, icc: 0.1, cac: 0.7, trend_per_period: -0.4}";
  const Scenario pp = scenario("{type: pre_post, clusters: 10, baseline_periods: 2, periods: 3, cases_per_period: 25}",
                               outcome_text, known_z);
  Run r = run(pp, 20000, 2);
  // The GLS is the difference of post and pre means, so the bias is the
  // trend times the distance between the mean post and mean pre period.
  const double bias = -0.4 * (2.0 + 3.0) / 2.0;
  CHECK(r.mean(dm::period_confounded) == 1.0);
  CHECK(r.mean(dm::trend_bias) == Approx(bias).epsilon(1e-12));
  CHECK(r.mean(dm::estimate) == Approx(-1.0 + bias).margin(4.0 * r.result.moments[dm::estimate].se()));

  const Scenario sw = scenario(designs[0].design, outcome_text, known_z);
  Run q = run(sw, 20000, 2);
  CHECK(q.mean(dm::period_confounded) == 0.0);
  CHECK(q.mean(dm::trend_bias) == 0.0);
  CHECK(q.mean(dm::estimate) == Approx(-1.0).margin(4.0 * q.result.moments[dm::estimate].se()));
}

TEST_CASE("Costs add up per hospital, hospital-period and case, and are held against the budget") {
  const std::string costs =
      "{currency: JPY, fixed: 1000000, per_hospital: 200000, per_hospital_period: 30000, "
      "per_case: 500, budget: 2500000}";
  const Scenario s = scenario(
      "{type: stepped_wedge, sequences: [{pattern: '0011', clusters: 4}, {pattern: '.001', "
      "clusters: 2}], cases_per_period: 10}",
      "{effect: -1, sd: 4, icc: 0.05, cac: 0.8}", known_z, costs);
  CHECK(s.simulation->outputs()[dm::total_cost].unit == "JPY");
  Run r = run(s, 100, 1);
  const double cells = 4 * 4 + 2 * 3;
  const double total = 1000000 + 6 * 200000 + cells * 30000 + cells * 10 * 500;
  for (std::size_t i = 0; i < 100; ++i) {
    CHECK(r.sink.outputs[dm::total_cost][i] == Approx(total).epsilon(1e-14));
    CHECK(r.sink.outputs[dm::within_budget][i] == (total <= 2500000 ? 1.0 : 0.0));
    CHECK(r.sink.outputs[dm::cost_per_power][i] == Approx(total / plan_of(s).analytic_power_value));
    CHECK(r.sink.outputs[dm::cluster_periods][i] == cells);
    CHECK(r.sink.outputs[dm::hospitals][i] == 6.0);
    CHECK(r.sink.outputs[dm::duration_months][i] == 4.0);
  }
  CHECK(total > 2500000);  // the case above is over budget
  const Scenario cheap = scenario("{type: parallel, clusters: 4, cases_per_period: 10}",
                                  "{effect: -1, sd: 4, icc: 0.05, cac: 0.8}", known_z, costs);
  CHECK(run(cheap, 10, 1).mean(dm::within_budget) == 1.0);
}

TEST_CASE("Cases drawn per cluster-period enter the cost and the analysis, and empty cells are dropped") {
  const Scenario s = scenario(
      "{type: stepped_wedge, steps: 4, clusters_per_step: 3, cases_per_period: {dist: "
      "poisson, mean: 2}}",
      "{effect: -1.5, sd: 8, icc: 0.05, cac: 0.8}", "{variance: estimated, test: t}", "{per_case: 100}");
  Run r = run(s, 4000, 6);
  CHECK(r.mean(dm::cases) == Approx(60 * 2.0).epsilon(0.01));
  CHECK(r.mean(dm::total_cost) == Approx(100 * r.mean(dm::cases)).epsilon(1e-12));
  // P(m = 0) = e^-2: about 13.5 % of the 60 cells hold no case.
  CHECK(r.mean(dm::cluster_periods) == Approx(60 * (1 - std::exp(-2.0))).epsilon(0.01));
  CHECK(r.result.moments[dm::estimate].missing < 40);
}

TEST_CASE("Per-replicate outputs and summaries are bitwise identical for 1, 2 and 8 threads") {
  const Scenario s = scenario(
      "{type: stepped_wedge, steps: 3, clusters_per_step: 2, cases_per_period: {dist: "
      "negative_binomial, mean: 15, size: 4}}",
      "{effect: {dist: normal, mean: -1, sd: 0.5}, sd: {dist: uniform, min: 6, max: 9}, "
      "icc: {dist: beta, mean: 0.05, sd: 0.02}, cac: 0.8}",
      "{variance: estimated, test: t, df: within_clusters}");
  const std::uint64_t n = 3 * replicates_per_block + 5;
  Run one = run(s, n, 77, 1);
  for (unsigned threads : {2u, 8u}) {
    Run other = run(s, n, 77, threads);
    for (std::size_t k = 0; k < one.sink.outputs.size(); ++k) {
      const auto& a = one.sink.outputs[k];
      const auto& b = other.sink.outputs[k];
      CHECK((a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0));
      CHECK(std::memcmp(&one.result.moments[k].mean, &other.result.moments[k].mean, sizeof(double)) == 0);
    }
  }
}
