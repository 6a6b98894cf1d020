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
  CHECK(r.err.find("correlations[0] (studies[0].sensitivity, studies[0].specificity) are drawn together "
                   "(block correlations[0])") != std::string::npos);
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
  CHECK(split.err.find("studies[0].sensitivity, studies[0].specificity are drawn together (block correlations[0])") !=
        std::string::npos);
  const Result unknown = run(base + "x='studies[0].sensitivty'", dir);
  CHECK(unknown.status == 2);
  CHECK(unknown.err.find("did you mean 'studies[0].sensitivity'") != std::string::npos);
  const Result empty = run(base + "'a=studies[1].success_rate,'", dir);
  CHECK(empty.status == 2);
  CHECK(empty.err.find("an empty parameter name") != std::string::npos);
  const Result label = run(base + "'a.b=studies[1].success_rate'", dir);
  CHECK(label.status == 2);
  CHECK(label.err.find("letters, digits, _ and - only") != std::string::npos);
  const Result without = run("sensitivity " + out.string() + " --rows 50 --no-tornado", dir);
  CHECK(without.status == 2);
  CHECK(without.err.find("need --method sobol") != std::string::npos);
  const Result malformed = run(base + "nolabel", dir);
  CHECK(malformed.status == 2);
  CHECK(malformed.err.find("LABEL=PARAMETER") != std::string::npos);
  const Result twice = run(base + "a=studies[1].success_rate --group b=studies[1].success_rate", dir);
  CHECK(twice.status == 2);
  CHECK(twice.err.find("already in group 'a'") != std::string::npos);
  // A whole block in one group is accepted, under the group's label.
  const Result whole = run(base + "'truth=studies[0].sensitivity, studies[0].specificity, studies[1].success_rate'", dir);
  INFO(whole.err);
  CHECK(whole.status == 0);
  CHECK(whole.out.find("truth") != std::string::npos);
}

TEST_CASE("The Sobol indices of merged shards equal those of a single run", "[sobol][cli]") {
  const fs::path dir = scratch("sobol_cli_shards");
  const fs::path cfg = write(dir, "c.yaml", config);
  const auto at = [&](const std::string& name) { return (dir / name).string(); };
  REQUIRE(run("run " + cfg.string() + " --replicates 600 --progress never -o " + at("single.h5"), dir).status == 0);
  for (const char* shard : {"0", "1"})
    REQUIRE(run("run " + cfg.string() + " --replicates 600 --progress never --shard " + shard + "/2 -o " +
                    at(std::string("part") + shard + ".h5"),
                dir)
                .status == 0);
  REQUIRE(run("merge " + at("part0.h5") + " " + at("part1.h5") + " -o " + at("merged.h5"), dir).status == 0);
  for (const char* file : {"single.h5", "merged.h5"})
    REQUIRE(run("sensitivity " + at(file) + " --method sobol --rows 200 --bootstrap 20 --no-tornado --output "
                "total_cost_usd",
                dir)
                .status == 0);
  CHECK(shell("h5diff -q " + at("single.h5") + " " + at("merged.h5") + " /sensitivity/total_cost_usd/sobol "
              "/sensitivity/total_cost_usd/sobol") == 0);
}

TEST_CASE("sensitivity --method sobol groups the draws strategies share on one stage", "[sobol][cli]") {
  const fs::path dir = scratch("sobol_cli_strategies");
  const std::string evidence = R"(      evidence:
        pathway: 510k
        burn_usd_per_month: {dist: uniform, min: 100000, max: 300000}
        presubmission: {meetings: 0}
        studies:
          - {type: standalone, sensitivity: {dist: beta, mean: 0.9, sd: 0.03}, specificity: 0.9,
             sensitivity_goal: 0.8, specificity_goal: 0.8}
)";
  const fs::path cfg = write(dir, "e.yaml", R"(model: evidence_program
replicates: 300
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
)" + evidence + "    - name: b\n" + evidence);
  const fs::path out = dir / "e.h5";
  REQUIRE(run("run " + cfg.string() + " --progress never -o " + out.string(), dir).status == 0);
  const Result r = run("sensitivity " + out.string() + " --method sobol --rows 100 --bootstrap 10 --no-tornado "
                       "--output a.burn_cost_usd",
                       dir);
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("shared:strategies[0].evidence.burn_usd_per_month (strategies[0].evidence.burn_usd_per_month, "
                   "strategies[1].evidence.burn_usd_per_month) are drawn together") != std::string::npos);
  const Result split = run("sensitivity " + out.string() + " --method sobol --rows 50 --no-tornado --output "
                           "a.burn_cost_usd --group 'burn=strategies[0].evidence.burn_usd_per_month'",
                           dir);
  CHECK(split.status == 2);
  CHECK(split.err.find("one stream shared on stage 1") != std::string::npos);

  // Plans that differ: strategy a draws no burn, so its first draw takes
  // the random numbers of b's burn, and what follows shares the stream at
  // offsets that vary: every drawn parameter of both forms one group.
  std::string differing = slurp(cfg);
  differing.replace(differing.find("burn_usd_per_month: {dist: uniform, min: 100000, max: 300000}"),
                    std::string("burn_usd_per_month: {dist: uniform, min: 100000, max: 300000}").size(),
                    "burn_usd_per_month: 200000");
  const fs::path cfg2 = write(dir, "d.yaml", differing);
  const fs::path out2 = dir / "d.h5";
  REQUIRE(run("run " + cfg2.string() + " --progress never -o " + out2.string(), dir).status == 0);
  const Result d = run("sensitivity " + out2.string() + " --method sobol --rows 100 --bootstrap 10 --no-tornado "
                       "--output a.burn_cost_usd",
                       dir);
  INFO(d.err);
  REQUIRE(d.status == 0);
  const auto note_start = d.err.find("samdsim: sobol: shared:");
  REQUIRE(note_start != std::string::npos);
  const auto note = d.err.substr(note_start, d.err.find('\n', note_start) - note_start);
  for (const char* p : {"strategies[0].evidence.studies[0].sensitivity", "strategies[1].evidence.burn_usd_per_month",
                        "strategies[1].evidence.studies[0].sensitivity"})
    CHECK(note.find(p) != std::string::npos);
  CHECK(d.err.find("100 rows x 3 matrices") != std::string::npos);  // everything drawn is one group

  // A block on strategy a alone: a's burn and sensitivity take the block's
  // numbers, so they pair with nothing of b's; b's two stay paired with nothing.
  const fs::path cfg3 = write(dir, "c.yaml", slurp(cfg) + R"(correlations:
  - parameters: ['strategies[0].evidence.burn_usd_per_month', 'strategies[0].evidence.studies[0].sensitivity']
    spearman: 0.5
)");
  const fs::path out3 = dir / "c.h5";
  REQUIRE(run("run " + cfg3.string() + " --progress never -o " + out3.string(), dir).status == 0);
  const Result c = run("sensitivity " + out3.string() + " --method sobol --rows 100 --bootstrap 10 --no-tornado "
                       "--output a.burn_cost_usd",
                       dir);
  INFO(c.err);
  REQUIRE(c.status == 0);
  CHECK(c.err.find("correlations[0] (strategies[0].evidence.burn_usd_per_month, "
                   "strategies[0].evidence.studies[0].sensitivity) are drawn together (block correlations[0])") !=
        std::string::npos);
  CHECK(c.err.find("shared:strategies[0].evidence.burn_usd_per_month") == std::string::npos);
  CHECK(c.err.find("shared:strategies[0].evidence.presubmission.feedback_days") != std::string::npos);
}
