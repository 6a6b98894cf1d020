// samdsim sensitivity --method sobol: the Saltelli design from a result
// file's config, stored under <output>/sobol, printed and exported; a
// correlated block forms one group; bad groups are refused with status 2.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "cli_fixture.hpp"
#include "samdsim/result_reader.hpp"

using namespace samdsim;

namespace {

const std::string config = R"(model: us_pathway
replicates: 1500
seed: 9
parameters:
  pathway: de_novo
  studies:
    - type: standalone
      sensitivity: {dist: beta, mean: 0.9, sd: 0.03}
      specificity: {dist: beta, mean: 0.88, sd: 0.03}
      sensitivity_goal: 0.85
      specificity_goal: 0.85
    - type: single_arm
      success_rate: {dist: beta, mean: 0.85, sd: 0.03}
      performance_goal: 0.75
correlations:
  - parameters: ['studies[0].sensitivity', 'studies[0].specificity']
    spearman: -0.5
)";

const StoredSensitivity& analysis(const std::vector<StoredSensitivity>& all, const std::string& output) {
  const auto it = std::find_if(all.begin(), all.end(), [&](const auto& s) { return s.output == output; });
  REQUIRE(it != all.end());
  return *it;
}

}  // namespace

TEST_CASE("sensitivity --method sobol stores first-order and total indices by group", "[sobol][cli]") {
  const fs::path dir = scratch("sobol_cli");
  write(dir, "c.yaml", config);
  const fs::path out = dir / "o.h5";
  REQUIRE(run("run " + (dir / "c.yaml").string() + " -o " + out.string() + " --progress never", dir).status == 0);
  const Result r = run("sensitivity " + out.string() +
                           " --method sobol --rows 400 --bootstrap 30 --no-tornado --output authorized total_cost_usd",
                       dir);
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("correlations[0] (studies[0].sensitivity, studies[0].specificity) are drawn together") !=
        std::string::npos);
  CHECK(r.out.find("Sobol indices (Saltelli design of 400 rows") != std::string::npos);

  const ResultFileSummary summary = read_result_summary(out);
  for (const char* output : {"authorized", "total_cost_usd"}) {
    INFO(output);
    const auto& so = analysis(summary.sensitivity, output).sobol;
    // Every drawn parameter once; the correlated pair as one group.
    REQUIRE(so.groups.size() >= 3);
    CHECK(r.err.find("400 rows x " + std::to_string(so.groups.size() + 2) + " matrices") != std::string::npos);
    std::string all;
    for (const auto& m : so.members) all += m + ",";
    CHECK(std::count(all.begin(), all.end(), ',') == static_cast<long>(so.groups.size() + 1));
    const auto c = static_cast<std::size_t>(std::find(so.groups.begin(), so.groups.end(), "correlations[0]") -
                                            so.groups.begin());
    REQUIRE(c < so.groups.size());
    CHECK(so.members[c] == "parameters.studies[0].sensitivity,parameters.studies[0].specificity");
    CHECK(so.rows == 400);
    CHECK(so.rows_used == 400);
    for (std::size_t g = 0; g < so.groups.size(); ++g) {
      CHECK(so.first_low[g] <= so.first_high[g]);
      CHECK(so.total_low[g] <= so.total_high[g]);
      CHECK(so.total[g] >= 0.0);
    }
  }
  // The standalone study's true accuracy decides authorization (the single-arm
  // study almost always passes): its group has the largest total index, and
  // a preparation time, which cannot change the decision, has none.
  const auto& auth = analysis(summary.sensitivity, "authorized").sobol;
  const auto c = static_cast<std::size_t>(std::find(auth.groups.begin(), auth.groups.end(), "correlations[0]") -
                                          auth.groups.begin());
  REQUIRE(c < auth.groups.size());
  CHECK(auth.total[c] == *std::max_element(auth.total.begin(), auth.total.end()));
  CHECK(auth.total[c] > 0.5);
  for (std::size_t g = 0; g < auth.groups.size(); ++g)
    if (auth.groups[g] == "parameters.submission.preparation_months") CHECK(auth.total[g] == 0.0);

  const Result json = run("summarize " + out.string() + " --json", dir);
  REQUIRE(json.status == 0);
  const auto j = nlohmann::json::parse(json.out);
  bool found = false;
  for (const auto& s : j["sensitivity"])
    if (s["output"] == "authorized") {
      found = true;
      CHECK(s["sobol"]["rows"] == 400);
      CHECK(s["sobol"]["groups"].size() == auth.groups.size());
      CHECK(s["sobol"]["groups"][c]["name"] == "correlations[0]");
    }
  CHECK(found);
  CHECK(run("summarize " + out.string(), dir).out.find("Sobol indices") != std::string::npos);
}

TEST_CASE("sensitivity --method sobol refuses groups that split a correlated block or name no parameter",
          "[sobol][cli]") {
  const fs::path dir = scratch("sobol_cli_bad");
  write(dir, "c.yaml", config);
  const fs::path out = dir / "o.h5";
  REQUIRE(run("run " + (dir / "c.yaml").string() + " -o " + out.string() + " --replicates 200 --progress never", dir)
              .status == 0);
  const std::string base = "sensitivity " + out.string() + " --method sobol --rows 50 --no-tornado --group ";
  const Result split = run(base + "se='studies[0].sensitivity'", dir);
  CHECK(split.status == 2);
  CHECK(split.err.find("correlations[0] draws") != std::string::npos);
  const Result unknown = run(base + "x='studies[0].sensitivty'", dir);
  CHECK(unknown.status == 2);
  CHECK(unknown.err.find("did you mean 'studies[0].sensitivity'") != std::string::npos);
  const Result malformed = run(base + "nolabel", dir);
  CHECK(malformed.status == 2);
  CHECK(malformed.err.find("LABEL=PARAMETER") != std::string::npos);
  const Result twice = run(base + "a=studies[1].success_rate --group b=studies[1].success_rate", dir);
  CHECK(twice.status == 2);
  CHECK(twice.err.find("already in group 'a'") != std::string::npos);
  // A whole block in one group is accepted, under the group's label.
  const Result whole = run(base + "truth='studies[0].sensitivity,studies[0].specificity,studies[1].success_rate'", dir);
  INFO(whole.err);
  CHECK(whole.status == 0);
  CHECK(whole.out.find("truth") != std::string::npos);
}
