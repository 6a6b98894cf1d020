#include <catch2/catch.hpp>

#include "samdsim/config.hpp"
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
