// Correlated parameters: the Gaussian copula keeps every marginal, gives the
// requested rank correlations, moves no other draw, shares draws between
// strategies on a common stage, and repairs a matrix only when asked.
#include <catch2/catch.hpp>

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "hospital_adoption/hospital_adoption.hpp"
#include "hospital_adoption/population.hpp"
#include "samdsim/config.hpp"
#include "samdsim/correlation.hpp"
#include "samdsim/sensitivity.hpp"

using namespace samdsim;

namespace {

const std::string base = R"(model: hospital_adoption
parameters:
  strata:
    - {count: 10, annual_cases: 1000, staff_fte: 1, hours_per_fte_month: 100, wage_per_hour: 50}
  workflow: {minutes_per_case: 10, effect: {dist: beta, mean: 0.1, sd: 0.03}}
  adoption:
    bass_p_per_year: {dist: uniform, min: 0.01, max: 0.05}
    bass_q_per_year: {dist: triangular, min: 0.25, mode: 0.38, max: 0.6}
    attractiveness_floor: {dist: triangular, min: 0.2, mode: 0.3, max: 0.5}
)";

const std::string block = R"(correlations:
  - parameters: [adoption.bass_p_per_year, adoption.bass_q_per_year, workflow.effect]
    spearman: [[1, 0.6, -0.3], [0.6, 1, 0.2], [-0.3, 0.2, 1]]
)";

struct Draws {
  std::vector<std::string> names;
  Eigen::MatrixXd x;  // replicate x sampled parameter
};

Draws draw_all(const Scenario& s, std::size_t n, std::size_t point = 0) {
  const ParameterTable& table = *s.points.at(point).parameters.table;
  Draws d;
  for (const auto& c : table.sampled_columns()) d.names.push_back(c.name);
  d.x.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d.names.size()));
  std::vector<double> values = table.initial_values(), drawn(table.sampled_count());
  for (std::size_t r = 0; r < n; ++r) {
    table.draw(s.seed, s.points.at(point).key, r, values, drawn);
    for (std::size_t j = 0; j < drawn.size(); ++j) d.x(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) = drawn[j];
  }
  return d;
}

Eigen::Index column(const Draws& d, const std::string& name) {
  const auto it = std::find(d.names.begin(), d.names.end(), name);
  REQUIRE(it != d.names.end());
  return it - d.names.begin();
}

double sample_spearman(const Draws& d, const std::string& a, const std::string& b) {
  Eigen::MatrixXd x = d.x.col(column(d, a));
  return spearman(x, d.x.col(column(d, b)))(0);
}

// Kolmogorov-Smirnov distance of a sample from a continuous distribution.
double ks_distance(std::vector<double> v, const Distribution& dist) {
  std::sort(v.begin(), v.end());
  const double n = static_cast<double>(v.size());
  double d = 0.0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double f = dist.cdf(v[i]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return d;
}

}  // namespace

TEST_CASE("Correlated draws keep each marginal and give the requested rank correlations", "[correlation]") {
  const Scenario s = parse_scenario(base + block, "c.yaml");
  constexpr std::size_t n = 20000;
  const Draws d = draw_all(s, n);
  // The sample Spearman correlation has a standard error below (1 - rho^2)/sqrt(n) < 0.007.
  CHECK(sample_spearman(d, "parameters.adoption.bass_p_per_year", "parameters.adoption.bass_q_per_year") ==
        Approx(0.6).margin(0.03));
  CHECK(sample_spearman(d, "parameters.adoption.bass_p_per_year", "parameters.workflow.effect") ==
        Approx(-0.3).margin(0.03));
  CHECK(sample_spearman(d, "parameters.adoption.bass_q_per_year", "parameters.workflow.effect") ==
        Approx(0.2).margin(0.03));
  CHECK(std::abs(sample_spearman(d, "parameters.adoption.bass_p_per_year",
                                 "parameters.adoption.attractiveness_floor")) < 0.03);
  // Kolmogorov-Smirnov at the 0.1 % level: D < 1.95 / sqrt(n).
  const ParameterTable& table = *s.points.front().parameters.table;
  for (std::uint32_t i = 0; i < table.size(); ++i) {
    if (!table.is_sampled(Param{i})) continue;
    const auto& slot = table.slot(Param{i});
    const Eigen::VectorXd col = d.x.col(column(d, slot.path));
    INFO(slot.path);
    CHECK(ks_distance({col.data(), col.data() + col.size()}, slot.distribution) < 1.95 / std::sqrt(double(n)));
  }
}

TEST_CASE("A correlation block changes only the parameters it names", "[correlation]") {
  const Draws plain = draw_all(parse_scenario(base, "c.yaml"), 500);
  const Draws correlated = draw_all(parse_scenario(base + block, "c.yaml"), 500);
  REQUIRE(plain.names == correlated.names);
  for (Eigen::Index j = 0; j < plain.x.cols(); ++j) {
    const auto& name = plain.names[static_cast<std::size_t>(j)];
    INFO(name);
    if (name == "parameters.adoption.attractiveness_floor")
      CHECK((plain.x.col(j).array() == correlated.x.col(j).array()).all());
    else
      CHECK((plain.x.col(j).array() != correlated.x.col(j).array()).any());
  }
  // A second block leaves the first block's draws as they were: each has its own stream.
  const std::string two = base + block + R"(  - parameters: [adoption.attractiveness_floor, 'strata[0].wage_per_hour']
    normal: 0.5
)";
  std::string drawn_wage = two;
  drawn_wage.replace(drawn_wage.find("wage_per_hour: 50"), 17, "wage_per_hour: {dist: uniform, min: 40, max: 60}");
  const Draws both = draw_all(parse_scenario(drawn_wage, "c.yaml"), 500);
  for (const char* name : {"parameters.adoption.bass_p_per_year", "parameters.workflow.effect"})
    CHECK((both.x.col(column(both, name)).array() == correlated.x.col(column(correlated, name)).array()).all());
}

TEST_CASE("The copula's rank correlations follow the closed forms of the normal scores' correlation",
          "[correlation]") {
  // For a Gaussian copula with correlation r, Spearman's rho is (6/pi) asin(r/2)
  // and Kendall's tau (2/pi) asin(r) (Kruskal 1958), whatever the marginals.
  const std::string normal_block = R"(correlations:
  - parameters: [adoption.bass_p_per_year, adoption.bass_q_per_year]
    normal: 0.7
)";
  const Draws d = draw_all(parse_scenario(base + normal_block, "c.yaml"), 20000);
  CHECK(sample_spearman(d, "parameters.adoption.bass_p_per_year", "parameters.adoption.bass_q_per_year") ==
        Approx(6.0 / std::numbers::pi * std::asin(0.35)).margin(0.02));
  // Kendall's tau on the first 3000 pairs.
  const Eigen::VectorXd a = d.x.col(column(d, "parameters.adoption.bass_p_per_year"));
  const Eigen::VectorXd b = d.x.col(column(d, "parameters.adoption.bass_q_per_year"));
  constexpr Eigen::Index m = 3000;
  double concordant = 0.0;
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index j = 0; j < i; ++j) concordant += (a(i) - a(j)) * (b(i) - b(j)) > 0.0 ? 1.0 : -1.0;
  const double tau = concordant / (0.5 * double(m) * double(m - 1));
  CHECK(tau == Approx(2.0 / std::numbers::pi * std::asin(0.7)).margin(0.03));
  // A Kendall block converts back to the same copula.
  CHECK(normal_correlation(CorrelationMeasure::kendall, Eigen::Matrix2d{{1, 0.4936}, {0.4936, 1}})(0, 1) ==
        Approx(0.7).margin(1e-4));
  CHECK(normal_correlation(CorrelationMeasure::spearman, Eigen::Matrix2d{{1, 0.5}, {0.5, 1}})(0, 1) ==
        Approx(2.0 * std::sin(std::numbers::pi / 12.0)));
}

TEST_CASE("Each measure reaches the copula converted by its own formula", "[correlation]") {
  // (L L^T)(0, 1) of the linked block is the normal scores' correlation.
  const auto linked = [](const std::string& measure, double value) {
    const Scenario s = parse_scenario(base + "correlations:\n  - parameters: [adoption.bass_p_per_year, "
                                             "adoption.bass_q_per_year]\n    " +
                                          measure + ": " + std::to_string(value) + "\n",
                                      "c.yaml");
    const auto& c = s.points.front().parameters.table->copulas().at(0);
    REQUIRE(c.lower.size() == 4);
    return c.lower[2] * c.lower[0] + c.lower[3] * c.lower[1];
  };
  CHECK(linked("spearman", 0.6) == Approx(2.0 * std::sin(std::numbers::pi * 0.6 / 6.0)).margin(1e-12));
  CHECK(linked("kendall", 0.6) == Approx(std::sin(std::numbers::pi * 0.6 / 2.0)).margin(1e-12));
  CHECK(linked("normal", 0.6) == Approx(0.6).margin(1e-12));
  CHECK(linked("spearman", -0.35) == Approx(2.0 * std::sin(std::numbers::pi * -0.35 / 6.0)).margin(1e-12));
}

TEST_CASE("The nearest correlation matrix matches Higham's example and leaves a valid matrix alone", "[correlation]") {
  // Higham (2002), section 4: the nearest correlation matrix to
  // [1 1 0; 1 1 1; 0 1 1] has off-diagonal entries 0.7607, 0.1573, 0.7607.
  const Eigen::Matrix3d a{{1, 1, 0}, {1, 1, 1}, {0, 1, 1}};
  const Eigen::MatrixXd x = nearest_correlation(a);
  CHECK(x(0, 1) == Approx(0.7607).margin(1e-4));
  CHECK(x(1, 2) == Approx(0.7607).margin(1e-4));
  CHECK(x(0, 2) == Approx(0.1573).margin(1e-4));
  CHECK(x.diagonal().isOnes(1e-15));
  CHECK(Eigen::LLT<Eigen::MatrixXd>(x).info() == Eigen::Success);
  const Eigen::Matrix3d valid{{1, 0.5, 0.2}, {0.5, 1, -0.1}, {0.2, -0.1, 1}};
  CHECK((nearest_correlation(valid) - valid).cwiseAbs().maxCoeff() < 1e-7);
}

TEST_CASE("A matrix that is not positive definite is refused, or repaired when asked with a warning",
          "[correlation]") {
  const std::string bad = R"(correlations:
  - parameters: [adoption.bass_p_per_year, adoption.bass_q_per_year, workflow.effect]
    normal: [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]
)";
  CHECK_THROWS_WITH(parse_scenario(base + bad, "c.yaml"),
                    Catch::Contains("c.yaml:12:13") && Catch::Contains("correlations[0].normal") &&
                        Catch::Contains("repair: nearest"));
  const Scenario s = parse_scenario(base + bad + "    repair: nearest\n", "c.yaml");
  REQUIRE(s.warnings.size() == 1);
  CHECK_THAT(s.warnings.front(), Catch::Contains("correlations[0]") && Catch::Contains("nearest correlation matrix"));
  CHECK_THAT(plan_warnings(s), Catch::Contains("samdsim: warning: correlations[0]"));
  CHECK_THAT(s.resolved_yaml(), Catch::Contains("repair: nearest"));
}

TEST_CASE("The resolved config carries the block and loads back to the same draws", "[correlation]") {
  const Scenario s = parse_scenario(base + block, "c.yaml");
  const Scenario again = parse_scenario(s.resolved_yaml(), "resolved.yaml");
  CHECK(again.resolved_yaml() == s.resolved_yaml());
  CHECK(draw_all(again, 200).x == draw_all(s, 200).x);
}

TEST_CASE("Strategies on a common evidence stage share their correlated draws", "[correlation]") {
  const std::string evidence = R"(      evidence:
        pathway: 510k
        burn_usd_per_month: {dist: uniform, min: 100000, max: 300000}
        presubmission: {meetings: 1, cost_usd: {dist: uniform, min: 15000, max: 40000}}
        studies:
          - {type: standalone, sensitivity: {dist: beta, mean: 0.9, sd: 0.03}, specificity: 0.9,
             sensitivity_goal: 0.8, specificity_goal: 0.8}
)";
  std::string config = R"(model: evidence_program
seed: 3
parameters:
  market_enabled: false
  market:
    currency: USD
    horizon_months: 24
    strata:
      - {count: 10, annual_cases: 1000, staff_fte: 1, hours_per_fte_month: 100, wage_per_hour: 50}
    workflow: {minutes_per_case: 10, effect: 0.1}
  strategies:
    - name: a
)" + evidence + "    - name: b\n" + evidence;
  config += R"(correlations:
  - parameters: ['strategies[0].evidence.burn_usd_per_month', 'strategies[0].evidence.presubmission.cost_usd']
    spearman: 0.8
  - parameters:
      - strategies[1].evidence.burn_usd_per_month
      - strategies[1].evidence.presubmission.cost_usd
    spearman: 0.8
)";
  const Draws d = draw_all(parse_scenario(config, "e.yaml"), 300);
  for (const char* p : {"burn_usd_per_month", "presubmission.cost_usd"}) {
    const std::string a = std::string("parameters.strategies[0].evidence.") + p;
    const std::string b = std::string("parameters.strategies[1].evidence.") + p;
    CHECK((d.x.col(column(d, a)).array() == d.x.col(column(d, b)).array()).all());
  }
  CHECK(sample_spearman(d, "parameters.strategies[0].evidence.burn_usd_per_month",
                        "parameters.strategies[0].evidence.presubmission.cost_usd") == Approx(0.8).margin(0.08));
}

TEST_CASE("Every point of a sweep is correlated, and a point where a named parameter is fixed is an error",
          "[correlation]") {
  const std::string swept = base + block + R"(sweep:
  grid:
    adoption.bass_p_per_year: [{dist: uniform, min: 0.01, max: 0.05}, {dist: uniform, min: 0.02, max: 0.08}]
)";
  const Scenario s = parse_scenario(swept, "c.yaml");
  REQUIRE(s.points.size() == 2);
  for (std::size_t p = 0; p < 2; ++p)
    CHECK(sample_spearman(draw_all(s, 4000, p), "parameters.adoption.bass_p_per_year",
                          "parameters.adoption.bass_q_per_year") == Approx(0.6).margin(0.05));
  const std::string fixed_point = base + block + R"(sweep:
  grid:
    adoption.bass_p_per_year: [{dist: uniform, min: 0.01, max: 0.05}, 0.03]
)";
  CHECK_THROWS_WITH(parse_scenario(fixed_point, "c.yaml"),
                    Catch::Contains("correlations[0].parameters[0]") && Catch::Contains("fixed value (0.03)") &&
                        Catch::Contains("sweep point 1"));
}

namespace {

// Every hospital's drawn volume (cases a year), staff, integration cost and
// minutes per case in replicates 0..replicates-1 of the config's first point.
Eigen::MatrixXd hospitals_drawn(const Scenario& s, std::uint64_t replicates) {
  const auto& simulation = dynamic_cast<const hospital_adoption::Simulation&>(*s.points.front().simulation);
  const auto& plan = simulation.plan();
  const ParameterTable& table = *s.points.front().parameters.table;
  auto workspace = hospital_adoption::make_market_workspace(plan);
  auto& w = dynamic_cast<hospital_adoption::PopulationWorkspace&>(*workspace);
  Eigen::MatrixXd out(static_cast<Eigen::Index>(replicates * plan.hospitals), 4);
  std::vector<double> values = table.initial_values(), drawn(table.sampled_count());
  Eigen::Index row = 0;
  for (std::uint64_t r = 0; r < replicates; ++r) {
    table.draw(s.seed, 0, r, values, drawn);
    Stream rng(s.seed, 0, r, model_substream);
    ReplicateContext ctx(r, values, rng, {s.seed, 0});
    const auto v = hospital_adoption::read_values(plan, ctx);
    hospital_adoption::draw_population(plan, v, ctx, rng, w);
    for (std::size_t i = 0; i < plan.hospitals; ++i, ++row) {
      auto& h = w.hospitals[i];
      hospital_adoption::realize(plan, w.strata[h.stratum], h);
      out.row(row) << h.cases_per_month * 12.0, h.fte, h.integration_cost, h.mean_minutes;
    }
  }
  return out;
}

const std::string hospitals = R"(model: hospital_adoption
seed: 4
parameters:
  strata:
    - {count: 400, annual_cases: {dist: lognormal, median: 20000, p90: 40000},
       staff_fte: {dist: lognormal, median: 4, p90: 7}, hours_per_fte_month: 140, wage_per_hour: 60}
  workflow: {minutes_per_case: {dist: lognormal, mean: 17, sd: 3}, effect: {dist: beta, mean: 0.1, sd: 0.03}}
  money: {integration_cost: {dist: uniform, min: 10000, max: 30000}}
)";

}  // namespace

TEST_CASE("Per-hospital parameters are correlated within each hospital, marginals kept", "[correlation]") {
  const Scenario plain = parse_scenario(hospitals, "h.yaml");
  const Scenario correlated = parse_scenario(hospitals + R"(correlations:
  - parameters: ['strata[0].annual_cases', 'strata[0].staff_fte', workflow.minutes_per_case]
    spearman: [[1, 0.8, -0.2], [0.8, 1, 0], [-0.2, 0, 1]]
)",
                                             "h.yaml");
  const Eigen::MatrixXd a = hospitals_drawn(plain, 25), b = hospitals_drawn(correlated, 25);  // 10,000 hospitals
  // Rank correlations within hospitals as asked; the integration cost, not in the block, is drawn as before.
  const auto rho = [](const Eigen::MatrixXd& m, int i, int j) {
    Eigen::MatrixXd x = m.col(i);
    return spearman(x, m.col(j))(0);
  };
  CHECK(rho(b, 0, 1) == Approx(0.8).margin(0.03));
  CHECK(rho(b, 0, 3) == Approx(-0.2).margin(0.03));
  CHECK(std::abs(rho(b, 1, 3)) < 0.03);
  CHECK(std::abs(rho(a, 0, 1)) < 0.03);
  CHECK((a.col(2).array() == b.col(2).array()).all());
  CHECK((a.col(0).array() != b.col(0).array()).any());
  // Marginals: Kolmogorov-Smirnov at the 0.1 % level.
  const auto& plan = dynamic_cast<const hospital_adoption::Simulation&>(*correlated.points.front().simulation).plan();
  const Distribution* marginals[] = {plan.strata[0].annual_cases, plan.strata[0].staff_fte, plan.minutes_per_case};
  for (int j : {0, 1, 3}) {
    const Eigen::VectorXd col = b.col(j);
    CHECK(ks_distance({col.data(), col.data() + col.size()}, *marginals[j == 3 ? 2 : j]) <
          1.95 / std::sqrt(double(col.size())));
  }
}

TEST_CASE("Per-unit blocks the model does not draw together are refused with their location", "[correlation]") {
  const auto refused = [](const std::string& config, const std::string& fragment) {
    CHECK_THROWS_WITH(parse_scenario(config, "h.yaml"), Catch::Contains(fragment));
  };
  // Stratum 0's volume with stratum 1's: drawn for different hospitals.
  const std::string strata_block = R"(correlations:
  - parameters: ['strata[0].annual_cases', 'strata[1].annual_cases']
    spearman: 0.5
)";
  std::string moved = hospitals;
  moved.insert(moved.find("  workflow:"),
               "    - {count: 10, annual_cases: {dist: uniform, min: 100, max: 200}, staff_fte: 1,\n"
               "       hours_per_fte_month: 140, wage_per_hour: 60}\n");
  refused(moved + strata_block, "names the attributes of strata 0 and 1");
  // The implementation lag is drawn when a hospital decides, not with its attributes.
  refused(hospitals + R"(correlations:
  - parameters: [adoption.implementation_lag_months, workflow.minutes_per_case]
    spearman: 0.5
)",
          "'parameters.adoption.implementation_lag_months' is not drawn with a hospital's attributes");
  // Per-unit with per-replicate parameters.
  refused(hospitals + R"(correlations:
  - parameters: [workflow.minutes_per_case, workflow.effect]
    spearman: 0.5
)",
          "not both");
}

TEST_CASE("A per-hospital block with one stratum's attribute and a global one correlates that stratum only",
          "[correlation]") {
  std::string config = hospitals;
  config.insert(config.find("  workflow:"),
                "    - {count: 400, annual_cases: {dist: lognormal, median: 5000, p90: 9000}, staff_fte: 1,\n"
                "       hours_per_fte_month: 140, wage_per_hour: 60}\n");
  const Scenario s = parse_scenario(config + R"(correlations:
  - parameters: ['strata[1].annual_cases', money.integration_cost]
    spearman: 0.7
)",
                                    "h.yaml");
  const Eigen::MatrixXd d = hospitals_drawn(s, 10);  // 10 x 800 hospitals, stratum 0 first in each replicate
  Eigen::MatrixXd first(4000, 4), second(4000, 4);
  for (Eigen::Index r = 0; r < 10; ++r) {
    first.middleRows(r * 400, 400) = d.middleRows(r * 800, 400);
    second.middleRows(r * 400, 400) = d.middleRows(r * 800 + 400, 400);
  }
  const auto rho = [](const Eigen::MatrixXd& m, int i, int j) {
    Eigen::MatrixXd x = m.col(i);
    return spearman(x, m.col(j))(0);
  };
  CHECK(rho(second, 0, 2) == Approx(0.7).margin(0.04));
  CHECK(std::abs(rho(first, 0, 2)) < 0.05);
  // A block of the attributes every hospital draws correlates them in every stratum.
  const Scenario global = parse_scenario(config + R"(correlations:
  - parameters: [money.integration_cost, workflow.minutes_per_case]
    spearman: -0.6
)",
                                         "h.yaml");
  const Eigen::MatrixXd g = hospitals_drawn(global, 10);
  CHECK(rho(g, 2, 3) == Approx(-0.6).margin(0.03));
}
