#include <catch2/catch.hpp>

#include "samdsim/config.hpp"
#include "samdsim/stats.hpp"
#include "samdsim/sweep.hpp"
#include "scenario_fixture.hpp"

using namespace samdsim;

namespace {
const std::string base = R"(model: us_pathway
parameters:
  pathway: 510k
  studies:
    - type: standalone
      sensitivity: 0.9
      specificity: 0.9
      sensitivity_goal: 0.8
      specificity_goal: 0.8
      cases: 300
)";

std::string error_of(const std::string& yaml) { return scenario_error(yaml, "sweep.yaml"); }
}  // namespace

TEST_CASE("A grid expands to the Cartesian product with the last path varying fastest") {
  Scenario s = parse_scenario(base + "sweep:\n  grid:\n    pathway: [510k, de_novo]\n"
                                     "    studies[0].cases: [200, 400, 800]\n",
                              "sweep.yaml");
  REQUIRE(s.is_sweep());
  REQUIRE(s.points.size() == 6);
  CHECK(s.sweep_columns == std::vector<std::string>{"pathway", "studies[0].cases"});
  CHECK(s.points[0].values == std::vector<std::string>{"510k", "200"});
  CHECK(s.points[1].values == std::vector<std::string>{"510k", "400"});
  CHECK(s.points[3].values == std::vector<std::string>{"de_novo", "200"});
  CHECK(s.points[4].parameters.root.choice("pathway") == "de_novo");
  CHECK(s.points[4].parameters.root.list("studies")[0].fixed("cases") == 400.0);
}

TEST_CASE("Adding sweep points leaves the scenario keys of the others unchanged") {
  Scenario small = parse_scenario(base + "sweep:\n  grid:\n    studies[0].cases: [200, 400]\n", "a.yaml");
  Scenario large = parse_scenario(base + "sweep:\n  grid:\n    studies[0].cases: [100, 200, 300, 400]\n"
                                         "  points:\n    - studies[0].cases: 1000\n",
                                  "b.yaml");
  REQUIRE(large.points.size() == 5);
  CHECK(small.points[0].key == large.points[1].key);
  CHECK(small.points[1].key == large.points[3].key);
  CHECK(small.points[0].key != small.points[1].key);
  CHECK(large.points[4].values[0] == "1000");
}

TEST_CASE("A sweep value that breaks the model is reported with its point") {
  const std::string e = error_of(base + "sweep:\n  grid:\n    studies[0].cases: [200, -1]\n");
  CHECK(e.find("parameters.studies[0].cases") != std::string::npos);
  CHECK(e.find("sweep point 1") != std::string::npos);
}

TEST_CASE("A sweep over an unknown parameter gets a suggestion") {
  const std::string e = error_of(base + "sweep:\n  grid:\n    pathwya: [510k]\n");
  CHECK(e.find("did you mean 'pathway'") != std::string::npos);
}

TEST_CASE("Malformed sweeps are refused with their location") {
  CHECK(error_of(base + "sweep:\n  gird:\n    pathway: [510k]\n").find("sweep.yaml:12:3") != std::string::npos);
  CHECK(error_of(base + "sweep:\n  grid:\n    pathway: []\n").find("non-empty list") != std::string::npos);
  CHECK(error_of(base + "sweep:\n  grid:\n    studies[x].cases: [1]\n").find("malformed index") != std::string::npos);
  CHECK(error_of(base + "sweep:\n  grid:\n    studies[5].cases: [100]\n").find("item 5") != std::string::npos);
  CHECK(error_of(base + "sweep:\n  points:\n    - {pathway: pma}\n    - {pathway: pma}\n").find("repeats") !=
        std::string::npos);
}

TEST_CASE("A sweep with too many points is refused before any is prepared") {
  std::string values = "[";
  for (int i = 0; i < 1001; ++i) values += (i ? "," : "") + std::to_string(i + 10);
  values += "]";
  const std::string e = error_of(base + "sweep:\n  grid:\n    studies[0].cases: " + values +
                                 "\n    burn_usd_per_month: " + values + "\n");
  CHECK(e.find("more than") != std::string::npos);
}

TEST_CASE("Key paths split into names and indices") {
  CHECK(split_key_path("studies[1].enrollment.sites") ==
        std::vector<std::string>{"studies", "[1]", "enrollment", "sites"});
  CHECK_THROWS_AS(split_key_path("[0].x"), InputError);
  CHECK_THROWS_AS(split_key_path("a..b"), InputError);
}

namespace {
Summary summary_of(const std::string& name, ValueType type, double value) {
  Summary s;
  s.name = name;
  s.type = type;
  s.mean = value;
  s.probability = type == ValueType::Boolean ? value : std::numeric_limits<double>::quiet_NaN();
  return s;
}
std::vector<Summary> point(double power, double cost) {
  return {summary_of("reject", ValueType::Boolean, power), summary_of("total_cost", ValueType::Real, cost)};
}
}  // namespace

TEST_CASE("A requirement holds only when its 95 % interval clears the threshold") {
  SweepChoice c;
  c.objective = "total_cost";
  c.requirements.push_back({"reject", 0.8});
  auto with_n = [](double power, double cost, std::uint64_t n) {
    auto p = point(power, cost);
    for (auto& x : p) x.n = n;
    p[1].se = 1.0;
    return p;
  };
  // Wilson's interval for 80 of 100: (0.7112, 0.8666) (Newcombe 1998, Table I method 3).
  std::vector<std::vector<Summary>> points = {with_n(0.8, 10, 100)};
  c.requirements.back().at_least = 0.711;
  CHECK(choose_point(c, points, {}).chosen.has_value());
  c.requirements.back().at_least = 0.712;
  CHECK_FALSE(choose_point(c, points, {}).chosen.has_value());
  c.requirements.back() = {"reject", -1.0, 0.866};
  CHECK_FALSE(choose_point(c, points, {}).chosen.has_value());
  c.requirements.back() = {"reject", -1.0, 0.867};
  CHECK(choose_point(c, points, {}).chosen.has_value());

  // Power 0.81 from 1,000 replicates is within Monte Carlo error of 0.8; from 100,000 it is clear of it.
  c.requirements.back() = {"reject", 0.8};
  points = {with_n(0.81, 10, 1000), with_n(0.81, 20, 100000)};
  const ChoiceReport r = choose_point(c, points, {});
  CHECK(r.chosen == std::optional<std::size_t>(1));
  CHECK_FALSE(r.points[0].qualifies);
  CHECK(r.points[0].near_threshold);
  CHECK(r.points[0].margin == Approx(0.01 / std::sqrt(0.81 * 0.19 / 1000)));
  CHECK_FALSE(r.points[1].near_threshold);
}

TEST_CASE("Points whose estimates are marked biased are left out of the choice unless included") {
  SweepChoice c;
  c.objective = "total_cost";
  c.confidence = 0.0;
  auto flagged = [](double power, double cost, double confounded) {
    auto p = point(power, cost);
    p.push_back(summary_of("period_confounded", ValueType::Boolean, confounded));
    return p;
  };
  const std::vector<std::vector<Summary>> points = {flagged(0.9, 10, 1.0), flagged(0.9, 20, 0.0), flagged(0.9, 20.5, 0.0)};
  std::vector<OutputSpec> outputs = {OutputSpec::scalar("period_confounded", "", "", ValueType::Boolean)};
  outputs[0].marks_bias = true;
  ChoiceReport r = choose_point(c, points, outputs);
  CHECK(r.chosen == std::optional<std::size_t>(1));
  CHECK(r.points[0].biased);
  CHECK_FALSE(r.points[0].qualifies);
  CHECK(r.points[2].near_best);  // 20.5 is within 5 % of 20
  c.include_biased = true;
  CHECK(choose_point(c, points, outputs).chosen == std::optional<std::size_t>(0));
  // Without the declaration the output is just another output.
  c.include_biased = false;
  CHECK(choose_point(c, points, {}).chosen == std::optional<std::size_t>(0));
}

TEST_CASE("The chosen point is the cheapest one meeting every requirement") {
  SweepChoice c;
  c.confidence = 0.0;  // point estimates
  c.objective = "total_cost";
  c.requirements.push_back({"reject", 0.8});
  const std::vector<std::vector<Summary>> points = {point(0.7, 10), point(0.85, 30), point(0.9, 20), point(0.95, 20)};
  CHECK(choose_point(c, points, {}).chosen == std::optional<std::size_t>(2));  // ties go to the earlier point
  c.requirements.back().at_least = 0.99;
  CHECK_FALSE(choose_point(c, points, {}).chosen.has_value());
  c.requirements.clear();
  c.maximize = true;
  CHECK(choose_point(c, points, {}).chosen == std::optional<std::size_t>(1));
  CHECK(c.describe() == "maximize total_cost");
}

TEST_CASE("A choice naming an unknown output is refused with a suggestion") {
  const std::string e = error_of(base + "sweep:\n  grid:\n    pathway: [510k, pma]\n  choose:\n"
                                        "    minimize: total_cost\n");
  CHECK(e.find("sweep.choose") != std::string::npos);
  CHECK(e.find("did you mean 'total_cost_usd'") != std::string::npos);
  const std::string r = error_of(base + "sweep:\n  grid:\n    pathway: [510k, pma]\n  choose:\n"
                                        "    minimize: total_cost_usd\n    require:\n      - {output: authorised, at_least: 0.5}\n");
  INFO(r);
  CHECK(r.find("sweep.yaml:17:9") != std::string::npos);
  CHECK(r.find("did you mean 'authorized'") != std::string::npos);
}
