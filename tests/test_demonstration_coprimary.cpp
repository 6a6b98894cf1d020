// Two endpoints of a demonstration trial and their co-primary power: the
// bivariate normal probability against a quadrature and its special cases,
// the correlation of the two estimates against closed forms, the simulated
// joint power against the analytic one, and the first endpoint's results
// unchanged by a second endpoint or by the code that added it.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "cli_fixture.hpp"
#include "demonstration/demonstration.hpp"
#include "evidence_program_fixture.hpp"
#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/runner.hpp"
#include "scenario_fixture.hpp"

using namespace samdsim;
namespace dm = samdsim::demonstration;
using ep_test::Run;

namespace {

// FNV-1a over the bits of every value (one NaN for all NaNs), column by column.
std::uint64_t fingerprint(const std::vector<std::vector<double>>& columns) {
  std::uint64_t h = 14695981039346656037ull;
  for (const auto& column : columns)
    for (double v : column) {
      std::uint64_t bits = 0x7ff8000000000000ull;
      if (!std::isnan(v)) std::memcpy(&bits, &v, sizeof bits);
      for (int byte = 0; byte < 8; ++byte) {
        h ^= (bits >> (8 * byte)) & 0xffu;
        h *= 1099511628211ull;
      }
    }
  return h;
}

// Configs without a second endpoint, one per analysis path: REML with cases
// drawn per cell, parameter distributions and a decision; precomputed GLS
// weights (binary, known variances); GLS refitted per replicate with a trend
// (pre-post); REML with fixed inputs.
const std::string seeded = "seed: 99\n";
const std::size_t replicates = 2 * replicates_per_block + 37;
const char* const unchanged_configs[] = {
    "model: demonstration\nparameters:\n"
    "  design: {type: stepped_wedge, steps: 3, clusters_per_step: 2, cases_per_period: {dist: negative_binomial, "
    "mean: 15, size: 4}}\n"
    "  outcome: {unit: minute, effect: {dist: normal, mean: -1, sd: 0.5}, sd: {dist: uniform, min: 6, max: 9}, "
    "icc: {dist: beta, mean: 0.05, sd: 0.02}, cac: 0.8, trend_per_period: -0.1}\n"
    "  analysis: {variance: estimated, test: t, df: within_clusters}\n"
    "  costs: {fixed: 1000000, per_hospital: {dist: uniform, min: 100000, max: 200000}, per_case: 500}\n"
    "  decision: {value_per_effect_unit: -500000, cost_per_hospital_year: 300000, hospitals: 100}\n",
    "model: demonstration\nparameters:\n"
    "  design: {type: parallel, clusters: 12, baseline_periods: 1, periods: 2, cases_per_period: 20}\n"
    "  outcome: {type: binary, effect: 0.1, control_proportion: 0.55, icc: 0.05, cac: 0.7}\n"
    "  analysis: {variance: known, test: z}\n",
    "model: demonstration\nparameters:\n"
    "  design: {type: pre_post, clusters: 6, baseline_periods: 2, periods: 2, cases_per_period: 10}\n"
    "  outcome: {effect: -1, sd: 4, icc: {dist: uniform, min: 0.04, max: 0.08}, cac: 0.7, trend_per_period: -0.4}\n"
    "  analysis: {variance: known, test: t}\n",
    "model: demonstration\nparameters:\n"
    "  design: {type: stepped_wedge, steps: 4, clusters_per_step: 2, cases_per_period: 12}\n"
    "  outcome: {effect: -1.5, sd: 8, icc: 0.06, cac: 0.8}\n"
    "  analysis: {variance: estimated}\n",
};

const dm::Plan& plan_of(const Scenario& s) { return dynamic_cast<const dm::Simulation&>(*s.simulation).plan(); }

double mean(const std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

double sample_correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double ma = mean(a), mb = mean(b);
  double sab = 0.0, saa = 0.0, sbb = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

double phi(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI); }
double big_phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// P(Z1 <= h, Z2 <= k) = integral from -inf to h of phi(z) Phi((k - rho z) / sqrt(1 - rho^2)) dz,
// by composite Simpson from -12 (where phi is below 1e-31).
double quadrature_cdf(double h, double k, double rho) {
  const double lo = -12.0;
  if (h <= lo) return 0.0;
  const int n = 20000;
  const double step = (h - lo) / n, s = std::sqrt(1.0 - rho * rho);
  double sum = 0.0;
  for (int i = 0; i <= n; ++i) {
    const double z = lo + i * step;
    const double f = phi(z) * big_phi((k - rho * z) / s);
    sum += f * (i == 0 || i == n ? 1.0 : i % 2 == 1 ? 4.0 : 2.0);
  }
  return sum * step / 3.0;
}

// |simulated - expected| within z standard errors of a proportion over n.
void check_proportion(double simulated, double expected, std::size_t n, double z = 4.0) {
  INFO("simulated " << simulated << " expected " << expected);
  CHECK(std::fabs(simulated - expected) < z * std::sqrt(expected * (1.0 - expected) / static_cast<double>(n)));
}

std::string config(const std::string& design, const std::string& outcome, const std::string& second,
                   const std::string& analysis = "{variance: known, test: z}", int seed = 1) {
  return "model: demonstration\nseed: " + std::to_string(seed) + "\nparameters:\n  design: " + design +
         "\n  outcome: " + outcome + "\n  analysis: " + analysis + "\n  second_outcome: " + second + "\n";
}

Scenario scenario(const std::string& design, const std::string& outcome, const std::string& second,
                  const std::string& analysis = "{variance: known, test: z}") {
  return parse_scenario(config(design, outcome, second, analysis), "test.yaml");
}

const std::string minutes = "{unit: minute, effect: -1.5, sd: 8, icc: 0.05, cac: 0.8}";

InputError error_of(const std::string& text) { return input_error(text, "bad.yaml"); }

}  // namespace

TEST_CASE("The bivariate normal probability matches a quadrature and its closed-form special cases") {
  const double points[] = {-3.1, -1.0, -0.3, 0.0, 0.4, 1.7, 3.0};
  const double rhos[] = {-0.95, -0.6, -0.2, 0.0, 0.3, 0.7, 0.99};
  for (double h : points)
    for (double k : points)
      for (double rho : rhos) {
        INFO("h " << h << " k " << k << " rho " << rho);
        CHECK(dm::bivariate_normal_cdf(h, k, rho) == Approx(quadrature_cdf(h, k, rho)).margin(1e-11));
      }
  for (double h : points)
    for (double k : points) {
      // Independence: the product; rho = 1: the smaller margin; rho = -1: Frechet's lower bound.
      CHECK(dm::bivariate_normal_cdf(h, k, 0.0) == Approx(big_phi(h) * big_phi(k)).margin(1e-14));
      CHECK(dm::bivariate_normal_cdf(h, k, 1.0) == Approx(big_phi(std::min(h, k))).margin(1e-15));
      CHECK(dm::bivariate_normal_cdf(h, k, -1.0) ==
            Approx(std::max(0.0, big_phi(h) + big_phi(k) - 1.0)).margin(1e-15));
    }
  // Sheppard (1899): the orthant probability 1/4 + asin(rho) / (2 pi); 1/3 at rho = 1/2.
  CHECK(dm::bivariate_normal_cdf(0.0, 0.0, 0.5) == Approx(1.0 / 3.0).epsilon(1e-15));
  for (double rho : rhos) CHECK(dm::bivariate_normal_cdf(0.0, 0.0, rho) == Approx(0.25 + std::asin(rho) / (2 * M_PI)));
  // Near the origin the two Owen's T terms approach their limits from either side.
  CHECK(dm::bivariate_normal_cdf(1e-12, 0.0, 0.5) == Approx(1.0 / 3.0).epsilon(1e-9));
  CHECK(dm::bivariate_normal_cdf(-1e-12, 1e-12, 0.5) == Approx(1.0 / 3.0).epsilon(1e-9));
}

TEST_CASE("A linear estimator's covariance with itself is its GLS variance") {
  const Scenario s = scenario("{type: stepped_wedge, sequences: [{pattern: '00111', clusters: 3}, {pattern: '.0011', "
                              "clusters: 3}, {pattern: '00.01', clusters: 2}], cases_per_period: 12}",
                              minutes, "{}");
  const dm::Plan& p = plan_of(s);
  dm::Trial t = p.trial;
  const dm::Components c = dm::variance_components(64.0, 0.07, 0.6);
  dm::GlsScratch scratch(t.columns, t.cell_column.size(), t.groups.size(), p.design.periods);
  std::vector<double> weights;
  double variance = 0.0;
  REQUIRE(dm::gls_weights(t, c, scratch, weights, variance));
  CHECK(dm::estimate_covariance(t, weights, weights, c) == Approx(variance).epsilon(1e-12));
}

TEST_CASE("With equal ICC and CAC the two estimates correlate as the endpoints do") {
  // Proportional covariances give both endpoints the same GLS weights, so the
  // estimates' correlation is the endpoints' correlation whatever the design.
  const std::string designs[] = {
      "{type: stepped_wedge, steps: 4, clusters_per_step: 3, cases_per_period: 20}",
      "{type: parallel, clusters: 16, baseline_periods: 1, periods: 2, cases_per_period: 15}",
      "{type: stepped_wedge, sequences: [{pattern: '00111', clusters: 3}, {pattern: '.0011', clusters: 3}], "
      "cases_per_period: 12}"};
  for (const std::string& design : designs)
    for (double rho : {-0.6, 0.0, 0.35, 0.9}) {
      const std::string r = std::to_string(rho);
      const Scenario s =
          scenario(design, minutes, "{unit: JPY, effect: 800, sd: 5000, icc: 0.05, cac: 0.8, correlation: " + r + "}");
      const dm::Plan& p = plan_of(s);
      INFO(design << " rho " << rho);
      CHECK(p.second.estimate_correlation == Approx(rho).margin(1e-12));
      // Binary second endpoint: its variance p(1 - p) is proportional too.
      const Scenario b = scenario(design, minutes,
                                  "{type: binary, effect: 0.1, control_proportion: 0.5, icc: 0.05, cac: 0.8, "
                                  "correlation: " + r + "}");
      CHECK(plan_of(b).second.estimate_correlation == Approx(rho).margin(1e-12));
    }
}

TEST_CASE("Co-primary power of a one-period parallel trial equals its bivariate normal closed form") {
  // Each cluster is one cell: the estimate is the difference of the arms'
  // mean cluster means, with variance (1/6 + 1/6) e_k, e_k = tau_k^2 +
  // gamma_k^2 + sigma_k^2 / m, and the two correlate as one cluster's means.
  const Scenario s = scenario("{type: parallel, clusters: 12, cases_per_period: 30}",
                              "{effect: -1.5, sd: 8, icc: 0.03, cac: 0.7}",
                              "{effect: 900, sd: 6000, icc: 0.08, cac: 0.5, correlation: -0.3, "
                              "cluster_correlation: 0.5}");
  const dm::Plan& p = plan_of(s);
  const double m = 30.0;
  const dm::Components a = dm::variance_components(64.0, 0.03, 0.7), b = dm::variance_components(36e6, 0.08, 0.5);
  const double e1 = a.tau2 + a.gamma2 + a.sigma2 / m, e2 = b.tau2 + b.gamma2 + b.sigma2 / m;
  const double cross = 0.5 * (std::sqrt(a.tau2 * b.tau2) + std::sqrt(a.gamma2 * b.gamma2)) -
                       0.3 * std::sqrt(a.sigma2 * b.sigma2) / m;
  const double rho = cross / std::sqrt(e1 * e2);
  CHECK(p.second.estimate_correlation == Approx(rho).epsilon(1e-12));
  const double se1 = std::sqrt(e1 / 3.0), se2 = std::sqrt(e2 / 3.0), z = 1.959963984540054;
  CHECK(p.analytic_se == Approx(se1).epsilon(1e-12));
  CHECK(p.second.analytic_se == Approx(se2).epsilon(1e-12));
  CHECK(p.second.analytic_power_value ==
        Approx(big_phi(900.0 / se2 - z) + big_phi(-900.0 / se2 - z)).epsilon(1e-12));
  // Minutes fall and revenue rises: success is theta1_hat / se1 < -z and
  // theta2_hat / se2 > z; (-theta1_hat, theta2_hat) correlate with -rho.
  CHECK(p.second.analytic_power_both == Approx(quadrature_cdf(1.5 / se1 - z, 900.0 / se2 - z, -rho)).margin(1e-10));
}

TEST_CASE("Simulated co-primary power matches the analytic joint power within Monte Carlo error") {
  struct Case {
    const char* design;
    const char* first;
    const char* second;
  };
  const Case cases[] = {
      {"{type: parallel, clusters: 16, baseline_periods: 1, periods: 2, cases_per_period: 15}",
       "{effect: -2.5, sd: 8, icc: 0.05, cac: 0.8}",
       "{unit: JPY, effect: 2000, sd: 6000, icc: 0.1, cac: 0.6, correlation: 0.4, cluster_correlation: -0.2}"},
      {"{type: stepped_wedge, steps: 4, clusters_per_step: 3, cases_per_period: 20}", minutes.c_str(),
       "{unit: JPY, effect: 1500, sd: 6000, icc: 0.02, cac: 0.9, correlation: -0.5}"},
      // Per-replicate GLS for the second endpoint (its ICC a distribution that barely varies).
      {"{type: stepped_wedge, steps: 3, clusters_per_step: 2, periods_per_step: 2, extra_periods: 1, "
       "cases_per_period: 10}",
       "{effect: -3, sd: 8, icc: 0.05, cac: 0.8}",
       "{unit: JPY, effect: 2500, sd: 6000, icc: {dist: uniform, min: 0.0499999, max: 0.0500001}, cac: 0.7, "
       "correlation: 0.6, cluster_correlation: 0.3}"},
  };
  const std::size_t n = 20000;
  for (const Case& c : cases) {
    INFO(c.design << "\n" << c.second);
    const Run r = ep_test::run(config(c.design, c.first, c.second, "{variance: known, test: z}", 41), n);
    const dm::Plan& p = plan_of(r.scenario);
    CHECK(p.second.analytic_power_both > 0.2);
    CHECK(p.second.analytic_power_both < 0.9);
    check_proportion(mean(r.output("reject_both")), p.second.analytic_power_both, n);
    check_proportion(mean(r.output("reject_second")), p.second.analytic_power_value, n);
    check_proportion(mean(r.output("reject")), p.analytic_power_value, n);
    // Fisher's z of the sample correlation has standard error 1 / sqrt(n - 3).
    const double r_hat = sample_correlation(r.output("estimate"), r.output("estimate_second"));
    INFO("estimate correlation " << r_hat << " analytic " << p.second.estimate_correlation);
    CHECK(std::fabs(std::atanh(r_hat) - std::atanh(p.second.estimate_correlation)) < 4.0 / std::sqrt(n - 3.0));
    CHECK(r.output("analytic_power_both")[0] == p.second.analytic_power_both);
  }
}

TEST_CASE("Uncorrelated endpoints have the product of the two one-sided powers as co-primary power") {
  const std::size_t n = 20000;
  const Run r =
      ep_test::run(config("{type: stepped_wedge, steps: 4, clusters_per_step: 3, cases_per_period: 20}", minutes,
                          "{effect: 700, sd: 6000, icc: 0.02, cac: 0.9, correlation: 0, cluster_correlation: 0}",
                          "{variance: known, test: z}", 7),
                   n);
  const dm::Plan& p = plan_of(r.scenario);
  const double z = p.planned_critical;
  const double one_sided1 = big_phi(1.5 / p.analytic_se - z), one_sided2 = big_phi(700.0 / p.second.analytic_se - z);
  CHECK(p.second.estimate_correlation == 0.0);
  CHECK(p.second.analytic_power_both == Approx(one_sided1 * one_sided2).epsilon(1e-13));
  check_proportion(mean(r.output("reject_both")), one_sided1 * one_sided2, n);
}

TEST_CASE("With estimated variances the second endpoint's standard error and correlation stay close to analytic") {
  const std::size_t n = 4000;
  const Run r = ep_test::run(config("{type: stepped_wedge, steps: 6, clusters_per_step: 4, cases_per_period: 20}",
                                    "{effect: -1.5, sd: 8, icc: 0.05, cac: 0.8}",
                                    "{effect: 700, sd: 6000, icc: 0.05, cac: 0.8, correlation: 0.5}",
                                    "{variance: estimated, test: t, df: within_clusters}", 13),
                             n);
  const dm::Plan& p = plan_of(r.scenario);
  // REML's variance estimates are slightly low in small samples: within 2 %, as for the first endpoint.
  CHECK(mean(r.output("standard_error_second")) == Approx(p.second.analytic_se).epsilon(0.02));
  const double r_hat = sample_correlation(r.output("estimate"), r.output("estimate_second"));
  CHECK(std::fabs(std::atanh(r_hat) - std::atanh(0.5)) < 4.0 / std::sqrt(n - 3.0));
  // The within-cell variances of the two endpoints are estimated from the
  // same cases: their estimates correlate (Wishart) and are unbiased.
  CHECK(mean(r.output("reject_both")) ==
        Approx(p.second.analytic_power_both).margin(4.0 * std::sqrt(0.25 / n) + 0.02));
}

TEST_CASE("A second endpoint leaves the first endpoint's results bitwise unchanged") {
  const std::string with_second = std::string(unchanged_configs[0]) +
                                  "  second_outcome: {unit: JPY, effect: {dist: normal, mean: 800, sd: 300}, sd: "
                                  "{dist: uniform, min: 5000, max: 7000}, icc: 0.04, cac: 0.7, correlation: 0.3}\n";
  const Run one = ep_test::run(seeded + unchanged_configs[0], replicates);
  const Run two = ep_test::run(seeded + with_second, replicates);
  const auto& a = one.sink;
  const auto& b = two.sink;
  REQUIRE(b.outputs.size() == a.outputs.size() + dm::second_output_count);
  REQUIRE(b.parameters.size() == a.parameters.size() + 2);  // the second effect and sd
  for (std::size_t k = 0; k < a.outputs.size(); ++k) {
    INFO(one.scenario.simulation->outputs()[k].name);
    CHECK(ep_test::bitwise_equal(a.outputs[k], b.outputs[k]));
  }
  for (std::size_t j = 0; j < a.parameters.size(); ++j) CHECK(ep_test::bitwise_equal(a.parameters[j], b.parameters[j]));
}

TEST_CASE("Two endpoints give bitwise identical outputs for 1, 2 and 8 threads") {
  const std::string text = seeded + unchanged_configs[0] +
                           "  second_outcome: {type: binary, effect: 0.1, control_proportion: {dist: uniform, min: "
                           "0.4, max: 0.6}, icc: 0.04, cac: 0.7, correlation: -0.3, cluster_correlation: 0.2}\n";
  const Run one = ep_test::run(text, replicates, 1);
  for (unsigned threads : {2u, 8u}) {
    const Run other = ep_test::run(text, replicates, threads);
    for (std::size_t k = 0; k < one.sink.outputs.size(); ++k)
      CHECK(ep_test::bitwise_equal(one.sink.outputs[k], other.sink.outputs[k]));
  }
}

TEST_CASE("Configs without a second endpoint give bitwise the outputs and draws they gave before it existed") {
  // Fingerprints of each config's outputs and sampled parameters (seed 99,
  // 2085 replicates), recorded before the second endpoint was added and
  // recorded again when the ziggurat replaced the polar method for normal
  // draws (file format 1.2); the last config's outputs once more when its
  // balanced trial's REML moved to O(p) steps (1.3: estimates within 5e-11
  // relative of 1.2's, every decision the same).
  struct Expected {
    std::uint64_t outputs, parameters;
    std::size_t output_count, parameter_count;
  };
  const Expected expected[] = {
      {0xa6502716c1c878efull, 0x404e4330bc178d91ull, 26, 4},
      {0x437dc7b052a47043ull, 0xcbf29ce484222325ull, 19, 0},
      {0x4d4d7f541926236full, 0xecca3a39794d73fbull, 19, 1},
      {0xc075250883eeb947ull, 0xcbf29ce484222325ull, 19, 0},
  };
  for (std::size_t c = 0; c < std::size(unchanged_configs); ++c) {
    INFO(unchanged_configs[c]);
    const Run r = ep_test::run(seeded + unchanged_configs[c], replicates);
    CHECK(r.sink.outputs.size() == expected[c].output_count);
    CHECK(r.sink.parameters.size() == expected[c].parameter_count);
    CHECK(fingerprint(r.sink.outputs) == expected[c].outputs);
    CHECK(fingerprint(r.sink.parameters) == expected[c].parameters);
  }
}

TEST_CASE("Bad second endpoints are refused with their location") {
  const std::string head = "model: demonstration\nparameters:\n  design: {type: parallel, clusters: 12}\n"
                           "  outcome: {effect: -1.5, sd: 8, icc: 0.05, cac: 0.8}\n  second_outcome:\n";
  struct Bad {
    std::string block, path, fragment;
  };
  const Bad bad[] = {
      {"    sd: 5000\n", "parameters.second_outcome.sd", "no 'effect'"},
      {"    effect: 800\n    sd: 5000\n    icc: 0.05\n    cac: 0.8\n", "parameters.second_outcome.correlation",
       "needs 'correlation'"},
      {"    effect: 800\n    sd: 5000\n    cac: 0.8\n    correlation: 0.3\n", "parameters.second_outcome.icc",
       "needs 'icc'"},
      {"    effect: 800\n    sd: 5000\n    icc: 0.05\n    cac: 0.8\n    correlation: 1\n",
       "parameters.second_outcome.correlation", "(-1, 1)"},
      {"    effect: 800\n    sd: 5000\n    icc: 0.05\n    cac: 0.8\n    correlation: 0.3\n    cluster_correlation: "
       "-1.2\n",
       "parameters.second_outcome.cluster_correlation", "(-1, 1)"},
      {"    effect: 800\n    sd: 5000\n    icc: 0.05\n    cac: 0.8\n    correlation: {dist: uniform, min: 0, max: "
       "0.5}\n",
       "parameters.second_outcome.correlation", ""},
      {"    effect: 0.1\n    type: binary\n    sd: 0.3\n    control_proportion: 0.5\n    icc: 0.05\n    cac: 0.8\n"
       "    correlation: 0.3\n",
       "parameters.second_outcome.sd", "applies to continuous"},
      {"    effect: 800\n    planning_effect: 0\n    sd: 5000\n    icc: 0.05\n    cac: 0.8\n    correlation: 0.3\n",
       "parameters.second_outcome.planning_effect", "must not be 0"},
      {"    effect: 800\n    sd: 5000\n    icc: 0.05\n    cac: 0.8\n    corelation: 0.3\n",
       "parameters.second_outcome.corelation", "correlation"},
  };
  for (const Bad& b : bad) {
    const InputError e = error_of(head + b.block);
    INFO(b.block << "\n" << e.what());
    CHECK(e.key_path() == b.path);
    CHECK(e.where().file == "bad.yaml");
    CHECK(e.where().line >= 5);
    CHECK(e.where().column > 0);
    CHECK(e.message().find(b.fragment) != std::string::npos);
  }
  // The first endpoint needs a direction too.
  const InputError e = error_of("model: demonstration\nparameters:\n  design: {type: parallel, clusters: 12}\n"
                                "  outcome: {effect: 0, sd: 8, icc: 0.05, cac: 0.8}\n"
                                "  second_outcome: {effect: 800, sd: 5000, icc: 0.05, cac: 0.8, correlation: 0.3}\n");
  CHECK(e.key_path() == "parameters.outcome.effect");
  CHECK(e.where().line == 4);
}

TEST_CASE("A bad second endpoint exits with status 2 and writes nothing") {
  const fs::path dir = scratch("coprimary_bad");
  const fs::path config = write(dir, "bad.yaml",
                                "model: demonstration\nparameters:\n  design: {type: parallel, clusters: 12}\n"
                                "  outcome: {effect: -1.5, sd: 8, icc: 0.05, cac: 0.8}\n"
                                "  second_outcome: {effect: 800, sd: 5000, icc: 0.05, cac: 0.8, correlation: 1.5}\n");
  const Result r = run("run " + config.string() + " -o " + (dir / "out.h5").string(), dir);
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(r.err.find("bad.yaml:5:") != std::string::npos);
  CHECK(r.err.find("parameters.second_outcome.correlation") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out.h5"));
}

TEST_CASE("A sweep can require co-primary power") {
  // The first endpoint alone reaches 80 % with fewer hospitals than both together.
  const fs::path dir = scratch("coprimary_sweep");
  const fs::path config = write(dir, "sweep.yaml",
                                "model: demonstration\nreplicates: 4000\nseed: 3\nparameters:\n"
                                "  design: {type: parallel, clusters: 20, cases_per_period: 30}\n"
                                "  outcome: {effect: -2, sd: 8, icc: 0.03, cac: 1}\n"
                                "  analysis: {variance: known, test: z}\n"
                                "  costs: {per_hospital: 1000000}\n"
                                "  second_outcome: {effect: 1000, sd: 6000, icc: 0.03, cac: 1, correlation: 0.2}\n"
                                "sweep:\n  grid:\n    design.clusters: [20, 40, 80]\n"
                                "  choose:\n    minimize: total_cost\n    require:\n"
                                "      - {output: reject_both, at_least: 0.8}\n");
  const fs::path out = dir / "sweep.h5";
  const Result r = run("run " + config.string() + " --progress never -o " + out.string(), dir);
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(read_result_summary(out).chosen == std::optional<std::size_t>(2));
}
