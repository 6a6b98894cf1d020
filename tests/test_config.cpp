#include <catch2/catch.hpp>

#include <string>

#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "scenario_fixture.hpp"

using namespace samdsim;

namespace {
std::string error_of(const std::string& yaml) { return scenario_error(yaml, "scenario.yaml"); }

const char* minimal = R"(model: us_pathway
parameters:
  studies:
    - type: standalone
      sensitivity: 0.9
      specificity: 0.9
      sensitivity_goal: 0.8
      specificity_goal: 0.8
)";
}  // namespace

TEST_CASE("A minimal scenario resolves every declared default") {
  Scenario s = parse_scenario(minimal, "scenario.yaml");
  CHECK(s.model->name() == "us_pathway");
  CHECK(s.replicates == 10000);
  const std::string yaml = s.resolved_yaml();
  CHECK(yaml.find("pathway: 510k") != std::string::npos);
  CHECK(yaml.find("ide_review_days: 30") != std::string::npos);
  // The resolved config parses back to the same resolved config.
  CHECK(parse_scenario(yaml, "resolved.yaml").resolved_yaml() == yaml);
}

TEST_CASE("An unknown top-level key is located and gets a suggestion") {
  const std::string e = error_of("model: us_pathway\nreplicats: 10\n");
  CHECK(e.find("scenario.yaml:2:1") != std::string::npos);
  CHECK(e.find("did you mean 'replicates'") != std::string::npos);
}

TEST_CASE("An unknown parameter names its key path and the closest parameter") {
  const std::string e = error_of(std::string(minimal) + "      sensitivty_goal: 0.8\n");
  CHECK(e.find("scenario.yaml:9:7") != std::string::npos);
  CHECK(e.find("parameters.studies[0].sensitivty_goal") != std::string::npos);
  CHECK(e.find("did you mean 'sensitivity_goal'") != std::string::npos);
}

TEST_CASE("An unknown model lists the known ones") {
  const std::string e = error_of("model: us_pathwya\n");
  CHECK(e.find("scenario.yaml:1:8") != std::string::npos);
  CHECK(e.find("did you mean 'us_pathway'") != std::string::npos);
}

TEST_CASE("A missing required parameter is reported at its parent with its unit and meaning") {
  const std::string e = error_of("model: us_pathway\nparameters:\n  studies:\n    - type: single_arm\n"
                                 "      performance_goal: 0.7\n");
  CHECK(e.find("scenario.yaml:4:7") != std::string::npos);
  CHECK(e.find("parameters.studies[0].success_rate") != std::string::npos);
  CHECK(e.find("missing required parameter") != std::string::npos);
}

TEST_CASE("A value outside its declared range is refused") {
  const std::string e = error_of(std::string(minimal) + "  ide_review_days: -3\n");
  CHECK(e.find("scenario.yaml:9:20") != std::string::npos);
  CHECK(e.find("parameters.ide_review_days") != std::string::npos);
  CHECK(e.find("outside the allowed range") != std::string::npos);
}

TEST_CASE("A distribution whose support leaves the declared range is refused") {
  const std::string e =
      error_of(std::string(minimal) + "  burn_usd_per_month: {dist: normal, mean: 100000, sd: 20000}\n");
  CHECK(e.find("parameters.burn_usd_per_month") != std::string::npos);
  CHECK(e.find("outside the allowed range") != std::string::npos);
}

TEST_CASE("A whole-number parameter refuses a continuous distribution and a fraction") {
  CHECK(error_of(std::string(minimal) + "  presubmission:\n    meetings: {dist: gamma, shape: 2, scale: 1}\n")
            .find("integer-valued distribution") != std::string::npos);
  CHECK(error_of(std::string(minimal) + "  presubmission:\n    meetings: 1.5\n").find("whole number") !=
        std::string::npos);
  CHECK(error_of(std::string(minimal) + "  presubmission:\n    meetings: {dist: discrete, values: [1, 2, 3]}\n").empty());
  // A Poisson count can exceed any upper limit, so a bounded count refuses it.
  CHECK(error_of(std::string(minimal) + "  presubmission:\n    meetings: {dist: poisson, mean: 2}\n")
            .find("outside the allowed range") != std::string::npos);
}

TEST_CASE("A choice outside its list is refused with a suggestion") {
  const std::string e = error_of(std::string(minimal) + "  pathway: denovo\n");
  CHECK(e.find("did you mean 'de_novo'") != std::string::npos);
}

TEST_CASE("An unknown study type is refused with a suggestion") {
  const std::string e = error_of("model: us_pathway\nparameters:\n  studies:\n    - type: mrcm\n");
  CHECK(e.find("scenario.yaml:4:13") != std::string::npos);
  CHECK(e.find("did you mean 'mrmc'") != std::string::npos);
}

TEST_CASE("Malformed YAML is reported with its position") {
  const std::string e = error_of("model: us_pathway\nparameters: {pathway: 510k\n");
  CHECK(e.find("scenario.yaml:") != std::string::npos);
  CHECK(e.find("malformed YAML") != std::string::npos);
}

TEST_CASE("A byte-order mark and UTF-8 text are accepted and other bytes are located") {
  const std::string named = std::string(minimal) + "name: \"Détection d'AVC \u2014 試験\"\n";
  const Scenario plain = parse_scenario(named, "scenario.yaml");
  const Scenario marked = parse_scenario("\xEF\xBB\xBF" + named, "scenario.yaml");
  CHECK(marked.resolved_yaml() == plain.resolved_yaml());
  CHECK(plain.resolved_yaml().find("試験") != std::string::npos);
  // Overlong '/', a surrogate, a lone continuation byte, a truncated sequence.
  for (const std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "\x80", "\xE3\x81"}) {
    const std::string e = error_of(std::string(minimal) + "name: x" + bad + "\n");
    CHECK(e.find("scenario.yaml:9:8") != std::string::npos);
    CHECK(e.find("not UTF-8") != std::string::npos);
  }
  CHECK(error_of(std::string(minimal) + "# a comment\x0c\n").find("scenario.yaml:9:12: the control character 0x0C") !=
        std::string::npos);
}

TEST_CASE("A second document is refused whichever marker starts it, and markers inside lines are text") {
  // A document starts only at a line's beginning: after '---', after '...',
  // or with a directive after '...'.
  for (const std::string second : {"---\nname: x\n", "...\nname: x\n", "...\n%YAML 1.2\n---\nname: x\n"}) {
    const std::string e = error_of(std::string(minimal) + second);
    CHECK(e.find("a second YAML document") != std::string::npos);
  }
  // One document, with markers before it or inside its lines.
  const std::string named = std::string(minimal) + "name: \"--- a ... b %\"\n";
  for (const std::string text : {named, "---\n" + named, "%YAML 1.2\n---\n" + named + "...\n"})
    CHECK(parse_scenario(text, "scenario.yaml").resolved_yaml().find("--- a ... b %") != std::string::npos);
}

TEST_CASE("Empty and non-mapping configs are refused") {
  CHECK(error_of("").find("empty") != std::string::npos);
  CHECK(error_of("- 1\n- 2\n").find("mapping") != std::string::npos);
}

TEST_CASE("Absurd replicate counts are refused before anything is allocated") {
  CHECK(error_of(std::string(minimal) + "replicates: 1e15\n").find("outside the allowed range") != std::string::npos);
  CHECK(error_of(std::string(minimal) + "replicates: -5\n").find("whole number") != std::string::npos);
  CHECK(error_of(std::string(minimal) + "replicates: 0\n").find("outside the allowed range") != std::string::npos);
}

TEST_CASE("NaN and infinite numbers are refused") {
  CHECK(error_of(std::string(minimal) + "  burn_usd_per_month: .nan\n").find("expected a number") != std::string::npos);
  CHECK(error_of(std::string(minimal) + "  burn_usd_per_month: .inf\n").find("expected a number") != std::string::npos);
  CHECK(error_of(std::string(minimal) + "  burn_usd_per_month: 1e999\n").find("finite") != std::string::npos);
}

TEST_CASE("JSON is accepted as a config") {
  const char* json = R"({"model": "us_pathway", "seed": 3, "parameters": {"pathway": "de_novo", "studies": [
    {"type": "single_arm", "success_rate": {"dist": "beta", "mean": 0.8, "sd": 0.05}, "performance_goal": 0.65}]}})";
  Scenario s = parse_scenario(json, "scenario.json");
  CHECK(s.seed == 3);
  CHECK(s.parameters.root.choice("pathway") == "de_novo");
}

TEST_CASE("A plan-shaping parameter given as a distribution is refused with its location") {
  const std::string e = error_of(std::string(minimal) + "      alpha: {dist: uniform, min: 0.01, max: 0.05}\n");
  CHECK(e.find("scenario.yaml:9:14") != std::string::npos);
  CHECK(e.find("single fixed value") != std::string::npos);
}

TEST_CASE("Only the parameters the model reads are drawn per replicate") {
  Scenario s = parse_scenario(minimal, "scenario.yaml");
  for (const auto& c : s.parameters.table->sampled_columns()) {
    CHECK(c.name.find("fda_de_novo") == std::string::npos);
    CHECK(c.name.find("fda_pma") == std::string::npos);
  }
  bool has_510k = false;
  for (const auto& c : s.parameters.table->sampled_columns()) has_510k |= c.name == "parameters.fda_510k.review_days";
  CHECK(has_510k);
}

TEST_CASE("A closest match is offered only for plausible typos") {
  CHECK(closest_match("replicats", {"replicates", "seed"}) == "replicates");
  CHECK(closest_match("zzzz", {"replicates", "seed"}).empty());
}
