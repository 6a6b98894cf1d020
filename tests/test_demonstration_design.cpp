// Designs of the demonstration model: the sequence matrices built from a
// config, and every invalid design refused with a located message.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "demonstration/demonstration.hpp"
#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "scenario_fixture.hpp"

using namespace samdsim;
namespace dm = samdsim::demonstration;
namespace fs = std::filesystem;

namespace {

const std::string good_outcome = "  outcome: {effect: -1.5, sd: 8, icc: 0.05, cac: 0.8}\n";

std::string config(const std::string& design, const std::string& outcome = good_outcome,
                   const std::string& extra = "") {
  return "model: demonstration\nparameters:\n  design:\n" + design + outcome + extra;
}

const dm::Design& design_of(const Scenario& s) {
  return dynamic_cast<const dm::Simulation&>(*s.simulation).plan().design;
}

std::vector<std::string> rows(const dm::Design& d) {
  std::vector<std::string> r;
  for (std::size_t s = 0; s < d.sequences.size(); ++s) r.insert(r.end(), d.sequence_clusters[s], d.sequences[s]);
  return r;
}

// The InputError a config raises (fails the test when it raises none).
InputError error_of(const std::string& text) { return input_error(text, "bad.yaml"); }

void check_error(const std::string& text, const std::string& path, int line, const std::string& fragment) {
  const InputError e = error_of(text);
  INFO(text << "\n" << e.what());
  CHECK(e.key_path() == path);
  CHECK(e.where().file == "bad.yaml");
  CHECK(e.where().line == line);
  CHECK(e.where().column > 0);
  CHECK(e.message().find(fragment) != std::string::npos);
}

}  // namespace

TEST_CASE("A stepped-wedge staircase gives one sequence per step, crossing over one step apart") {
  const Scenario s = parse_scenario(config("    {type: stepped_wedge, steps: 3, clusters_per_step: 2, "
                                           "periods_per_step: 2, baseline_periods: 1, extra_periods: 1, "
                                           "period_months: 3}\n"),
                                    "sw.yaml");
  const dm::Design& d = design_of(s);
  CHECK(rows(d) == std::vector<std::string>{"01111111", "01111111", "00011111", "00011111", "00000111", "00000111"});
  CHECK(d.clusters == 6);
  CHECK(d.periods == 8);  // baseline 1 + 3 steps x 2 periods + 1 extra
  CHECK(d.period_effects);
  CHECK(d.period_months == 3.0);
}

TEST_CASE("A parallel design allocates by the ratio and keeps baseline periods in control") {
  const Scenario s = parse_scenario(config("    {type: parallel, clusters: 9, allocation_ratio: 0.5, "
                                           "baseline_periods: 1, periods: 2}\n"),
                                    "p.yaml");
  CHECK(rows(design_of(s)) == std::vector<std::string>{"000", "000", "000", "000", "000", "000", "011", "011", "011"});
}

TEST_CASE("A pre-post design treats every hospital at once and has no period effects") {
  const Scenario s =
      parse_scenario(config("    {type: pre_post, clusters: 4, baseline_periods: 2, periods: 1}\n"), "pp.yaml");
  const dm::Design& d = design_of(s);
  CHECK(rows(d) == std::vector<std::string>{"001", "001", "001", "001"});
  CHECK_FALSE(d.period_effects);
  CHECK(d.fixed_effects() == 2);
}

TEST_CASE("Explicit sequences give the sequence matrix, identical rows merged") {
  const Scenario s = parse_scenario(config("    type: stepped_wedge\n    sequences:\n      - {pattern: '0011', "
                                           "clusters: 2}\n      - {pattern: '0.01'}\n      - {pattern: '0011'}\n"),
                                    "x.yaml");
  const dm::Design& d = design_of(s);
  CHECK(d.sequences == std::vector<std::string>{"0011", "0.01"});
  CHECK(d.sequence_clusters == std::vector<std::size_t>{3, 1});
  CHECK(d.scheduled_cells == 3 * 4 + 3);
}

TEST_CASE("A stepped-wedge cluster that is never or always treated is refused at its sequence") {
  const std::string head = "    type: stepped_wedge\n    sequences:\n      - {pattern: '0011'}\n";
  check_error(config(head + "      - {pattern: '0000', clusters: 2}\n"), "parameters.design.sequences[1].pattern", 7,
              "never treated");
  check_error(config(head + "      - {pattern: '1111'}\n"), "parameters.design.sequences[1].pattern", 7,
              "treated in every measured period");
  check_error(config(head + "      - {pattern: '.111'}\n"), "parameters.design.sequences[1].pattern", 7,
              "treated in every measured period");
  check_error(config(head + "      - {pattern: '0110'}\n"), "parameters.design.sequences[1].pattern", 7,
              "returns to control in period 4");
  check_error(config(head + "      - {pattern: '001'}\n"), "parameters.design.sequences[1].pattern", 7,
              "has 3 periods but the first sequence has 4");
  check_error(config(head + "      - {pattern: '00x1'}\n"), "parameters.design.sequences[1].pattern", 7,
              "has 'x' in period 3");
  check_error(config(head + "      - {pattern: '....'}\n"), "parameters.design.sequences[1].pattern", 7,
              "never measured");
}

TEST_CASE("A sequence matrix without a staggered crossover is refused: the effect is not estimable") {
  check_error(config("    type: stepped_wedge\n    sequences:\n      - {pattern: '0011', clusters: 5}\n"),
              "parameters.design.sequences", 6, "cannot be separated from the period effects");
  check_error(config("    type: stepped_wedge\n    sequences:\n      - {pattern: '0.11'}\n      - {pattern: "
                     "'0.01'}\n"),
              "parameters.design.sequences", 6, "period 2 is measured in no cluster");
}

TEST_CASE("An ICC of 1 or more or below 0, and a CAC above 1, are refused where they are written") {
  for (const char* icc : {"1", "1.2", "-0.01"})
    check_error(
        config("    {steps: 2}\n", std::string("  outcome: {effect: -1.5, sd: 8, icc: ") + icc + ", cac: 0.8}\n"),
        "parameters.outcome.icc", 5, "outside the allowed range [0, 1)");
  check_error(config("    {steps: 2}\n",
                     "  outcome: {effect: -1.5, sd: 8, icc: {dist: uniform, min: 0, max: 1.1}, "
                     "cac: 0.8}\n"),
              "parameters.outcome.icc", 5, "can take values outside the allowed range [0, 1)");
  check_error(config("    {steps: 2}\n", "  outcome: {effect: -1.5, sd: 8, icc: 0.05, cac: 1.5}\n"),
              "parameters.outcome.cac", 5, "outside the allowed range [0, 1]");
}

TEST_CASE("Designs that cannot be run are refused with the key at fault") {
  check_error(config("    {type: stepped_wedge, steps: 3, baseline_periods: 0}\n"),
              "parameters.design.baseline_periods", 4, "needs at least one baseline period");
  check_error(config("    {type: stepped_wedge, clusters_per_step: 3}\n"), "parameters.design.steps", 4,
              "needs 'steps'");
  check_error(config("    {type: stepped_wedge, steps: 3, clusters: 12}\n"), "parameters.design.clusters", 4,
              "applies to parallel and pre_post designs only");
  check_error(config("    {type: parallel, clusters: 12, steps: 3}\n"), "parameters.design.steps", 4,
              "applies to stepped_wedge designs only");
  check_error(config("    {type: parallel, clusters: 1}\n"), "parameters.design.clusters", 4, "each arm needs");
  check_error(config("    {type: parallel, clusters: 6, allocation_ratio: 20}\n"), "parameters.design.allocation_ratio",
              4, "0 control clusters");
  check_error(config("    {type: pre_post, clusters: 6, baseline_periods: 0}\n"), "parameters.design.baseline_periods",
              4, "at least one period before");
  check_error(config("    type: stepped_wedge\n    steps: 2\n    sequences: [{pattern: '011'}, {pattern: '001'}]\n"),
              "parameters.design.steps", 5, "not both");
  check_error(config("    {steps: 2, clusters_per_step: 2, cases_per_period: 0}\n"),
              "parameters.design.cases_per_period", 4, "at least one case");
  check_error(config("    {steps: 2, clusters_per_step: 2, cases_per_period: 1}\n"),
              "parameters.design.cases_per_period", 4, "at least 2 cases");
}

TEST_CASE("Outcome and analysis settings that do not fit the design are refused") {
  check_error(config("    {steps: 2}\n", "  outcome: {type: binary, effect: 0.1, icc: 0.05, cac: 0.8}\n"),
              "parameters.outcome.control_proportion", 5, "needs 'control_proportion'");
  check_error(config("    {steps: 2}\n",
                     "  outcome: {type: binary, effect: 0.1, sd: 2, control_proportion: 0.5, icc: "
                     "0.05, cac: 0.8}\n"),
              "parameters.outcome.sd", 5, "applies to continuous outcomes");
  check_error(config("    {steps: 2}\n",
                     "  outcome: {type: binary, effect: 0.3, control_proportion: {dist: uniform, "
                     "min: 0.5, max: 0.8}, icc: 0.05, cac: 0.8}\n"),
              "parameters.outcome.effect", 5, "can leave [0, 1]");
  check_error(config("    {steps: 2}\n", "  outcome: {effect: -1, icc: 0.05, cac: 0.8}\n"), "parameters.outcome.sd", 5,
              "needs 'sd'");
  check_error(config("    {type: parallel, clusters: 2}\n", good_outcome, "  analysis: {test: t}\n"),
              "parameters.analysis.test", 6, "needs at least 1");
  check_error(
      config("    {type: parallel, clusters: 3}\n", good_outcome, "  analysis: {variance: estimated, test: z}\n"),
      "parameters.analysis.variance", 6, "at least 2 more measured cluster-periods");
  check_error(config("    {steps: 2}\n", good_outcome, "  analysis: {test: z, df: within_clusters}\n"),
              "parameters.analysis.df", 6, "applies to test: t");
}

TEST_CASE("The command line refuses a bad sequence matrix with status 2, a located message and no file") {
  const fs::path dir = fs::temp_directory_path() / ("samdsim_demo_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path cfg = dir / "bad.yaml";
  std::ofstream(cfg) << config(
      "    type: stepped_wedge\n    sequences:\n      - {pattern: '0011'}\n      - {pattern: "
      "'0000'}\n");
  const fs::path out = dir / "out.h5", err = dir / "err.txt";
  const std::string cmd = std::string(SAMDSIM_BINARY) + " run " + cfg.string() + " -o " + out.string() +
                          " --progress never 2>" + err.string();
  const int raw = std::system(cmd.c_str());
  CHECK(WIFEXITED(raw));
  CHECK(WEXITSTATUS(raw) == 2);
  std::ifstream in(err);
  std::stringstream text;
  text << in.rdbuf();
  INFO(text.str());
  CHECK(text.str().find("bad.yaml:7:19: parameters.design.sequences[1].pattern: '0000' is never treated") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(out));
  fs::remove_all(dir);
}

TEST_CASE("The resolved config of every design type loads again to the same design") {
  const char* designs[] = {
      "    {type: stepped_wedge, steps: 3, clusters_per_step: 2, extra_periods: 1}\n",
      "    type: stepped_wedge\n    sequences:\n      - {pattern: '0011', clusters: 2}\n      - {pattern: '0.01'}\n",
      "    {type: parallel, clusters: 9, allocation_ratio: 2, baseline_periods: 1}\n",
      "    {type: pre_post, clusters: 4, periods: 2}\n",
  };
  for (const char* design : designs) {
    const Scenario s = parse_scenario(config(design, good_outcome, "  analysis: {test: z}\n"), "a.yaml");
    INFO(s.resolved_yaml());
    const Scenario again = parse_scenario(s.resolved_yaml(), "resolved.yaml");
    CHECK(rows(design_of(again)) == rows(design_of(s)));
    CHECK(design_of(again).period_effects == design_of(s).period_effects);
  }
}

TEST_CASE("Designs too large for memory are refused before anything is allocated") {
  check_error(config("    {steps: 1000, periods_per_step: 2}\n"), "parameters.design.steps", 4,
              "at most 400 are supported");
  check_error(config("    {steps: 4, periods_per_step: 100}\n"), "parameters.design.steps", 4,
              "the design has 401 periods; at most 400 are supported");
  check_error(config("    {type: parallel, clusters: 100000, periods: 20}\n"), "parameters.design.clusters", 4,
              "= 2000000 cluster-periods; at most 1000000");
}
