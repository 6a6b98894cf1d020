// samdsim sensitivity --method sobol: the Saltelli design from a result
// file's config, stored under <output>/sobol, printed and exported; a
// correlated block forms one group; bad groups are refused with status 2.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

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

TEST_CASE("The design's rows run in shards and joined equal one process, bit for bit", "[sobol][cli]") {
  const fs::path dir = scratch("sobol_cli_design_shards");
  const fs::path cfg = write(dir, "c.yaml", config);
  const auto at = [&](const std::string& name) { return (dir / name).string(); };
  REQUIRE(run("run " + cfg.string() + " --replicates 300 --progress never -o " + at("one.h5"), dir).status == 0);
  fs::copy_file(at("one.h5"), at("joined.h5"));
  fs::copy_file(at("one.h5"), at("bad.h5"));
  const std::string design = " --method sobol --rows 90 --bootstrap 20 --no-tornado --output total_cost_usd --output authorized";
  REQUIRE(run("sensitivity " + at("one.h5") + design, dir).status == 0);
  for (const char* shard : {"0", "1", "2"}) {
    const Result r = run("sensitivity " + at("joined.h5") + design + " --shard " + shard + "/3 -o " +
                             at(std::string("rows") + shard + ".h5"),
                         dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("of the Saltelli design (90 rows)") != std::string::npos);
  }
  // A shard leaves the result file as it was.
  CHECK(shell("h5diff -q " + at("joined.h5") + " " + at("bad.h5")) == 0);
  // Joined in any order.
  const Result j = run("sensitivity " + at("joined.h5") + design + " --samples " + at("rows2.h5") + " " + at("rows0.h5") +
                           " " + at("rows1.h5"),
                       dir);
  INFO(j.err);
  REQUIRE(j.status == 0);
  CHECK(j.err.find("90 rows x") != std::string::npos);
  CHECK(shell("h5diff -q " + at("one.h5") + " " + at("joined.h5") + " /sensitivity /sensitivity") == 0);

  // Rows missing, given twice, or of another design are refused, and the file is left alone.
  const std::string join = "sensitivity " + at("bad.h5") + design + " --samples ";
  const Result missing = run(join + at("rows0.h5") + " " + at("rows2.h5"), dir);
  CHECK(missing.status == 2);
  CHECK(missing.err.find("rows 30 to 59 of the design are in none of the files") != std::string::npos);
  const Result twice = run(join + at("rows0.h5") + " " + at("rows1.h5") + " " + at("rows1.h5") + " " + at("rows2.h5"), dir);
  CHECK(twice.status == 2);
  CHECK(twice.err.find("repeats rows 30 to 59") != std::string::npos);
  const Result other = run("sensitivity " + at("bad.h5") + " --method sobol --no-tornado --output authorized --samples " +
                               at("rows0.h5") + " " + at("rows1.h5") + " " + at("rows2.h5"),
                           dir);
  CHECK(other.status == 2);
  CHECK(other.err.find("holds rows of another design than this one: its outputs differ") != std::string::npos);
  REQUIRE(run("run " + cfg.string() + " --replicates 300 --seed 5 --progress never -o " + at("seed5.h5"), dir).status == 0);
  const Result rows = run("sensitivity " + at("bad.h5") + " --method sobol --rows 60 --no-tornado --output "
                          "total_cost_usd --output authorized --samples " + at("rows0.h5") + " " + at("rows1.h5") +
                              " " + at("rows2.h5"),
                          dir);
  CHECK(rows.status == 2);
  CHECK(rows.err.find("--rows 60: the files hold a design of 90 rows") != std::string::npos);
  const Result groups = run(join + at("rows0.h5") + " " + at("rows1.h5") + " " + at("rows2.h5") +
                                " --group 'truth=studies[0].sensitivity,studies[0].specificity,studies[1].success_rate'",
                            dir);
  CHECK(groups.status == 2);
  CHECK(groups.err.find("its groups differ") != std::string::npos);
  const Result seed = run("sensitivity " + at("seed5.h5") + design + " --samples " + at("rows0.h5") + " " +
                              at("rows1.h5") + " " + at("rows2.h5"),
                          dir);
  CHECK(seed.status == 2);
  CHECK(seed.err.find("its config differ") != std::string::npos);
  CHECK(shell("h5diff -q " + at("joined.h5") + " " + at("bad.h5") + " /replicates /replicates") == 0);
  CHECK(!read_result_summary(at("bad.h5")).sensitivity.size());

  // More shards than rows: some hold none, and the files join in any order.
  const std::string tiny = " --method sobol --rows 3 --bootstrap 0 --no-tornado --output total_cost_usd";
  std::string files;
  for (int shard = 4; shard >= 0; --shard) {
    const std::string f = at("tiny" + std::to_string(shard) + ".h5");
    const Result r = run("sensitivity " + at("bad.h5") + tiny + " --shard " + std::to_string(shard) + "/5 -o " + f, dir);
    REQUIRE(r.status == 0);
    if (shard == 2) CHECK(r.out.find("wrote no rows of the Saltelli design") != std::string::npos);
    if (shard == 3) CHECK(r.out.find("wrote rows 1 to 1 of the Saltelli design") != std::string::npos);
    files += " " + f;
  }
  fs::copy_file(at("bad.h5"), at("tiny.h5"));
  REQUIRE(run("sensitivity " + at("tiny.h5") + tiny + " --samples" + files, dir).status == 0);
  REQUIRE(run("sensitivity " + at("bad.h5") + tiny, dir).status == 0);
  CHECK(shell("h5diff -q " + at("tiny.h5") + " " + at("bad.h5") + " /sensitivity /sensitivity") == 0);
}

TEST_CASE("The design doubles its rows until every interval is as narrow as --target-width asks", "[sobol][cli]") {
  const fs::path dir = scratch("sobol_cli_target");
  const fs::path cfg = write(dir, "c.yaml", config);
  const auto at = [&](const std::string& name) { return (dir / name).string(); };
  REQUIRE(run("run " + cfg.string() + " --replicates 300 --progress never -o " + at("grown.h5"), dir).status == 0);
  fs::copy_file(at("grown.h5"), at("fixed.h5"));
  fs::copy_file(at("grown.h5"), at("capped.h5"));
  const std::string common = " --method sobol --bootstrap 40 --no-tornado --output authorized";
  const Result g = run("sensitivity " + at("grown.h5") + common + " --rows 50 --target-width 0.4", dir);
  INFO(g.err);
  REQUIRE(g.status == 0);
  const auto grown = analysis(read_result_summary(at("grown.h5")).sensitivity, "authorized").sobol;
  // It stopped at the first size whose widest interval is at most 0.4, and it doubled to get there.
  REQUIRE(grown.rows > 50);
  CHECK(g.err.find("50 rows: the widest 95% interval is") != std::string::npos);
  CHECK(g.err.find(std::to_string(grown.rows) + " rows: the widest 95% interval is") != std::string::npos);
  CHECK(g.err.find("the target is reached") != std::string::npos);
  CHECK(grown.target_width == 0.4);
  double widest = 0.0;
  for (std::size_t i = 0; i < grown.groups.size(); ++i)
    for (const double w : {grown.first_high[i] - grown.first_low[i], grown.total_high[i] - grown.total_low[i]})
      if (std::isfinite(w)) widest = std::max(widest, w);
  CHECK(widest <= 0.4);
  // The grown design is the design of that many rows run at once.
  REQUIRE(run("sensitivity " + at("fixed.h5") + common + " --rows " + std::to_string(grown.rows), dir).status == 0);
  const auto fixed = analysis(read_result_summary(at("fixed.h5")).sensitivity, "authorized").sobol;
  CHECK(fixed.total == grown.total);
  CHECK(fixed.first_low == grown.first_low);
  CHECK(std::isnan(fixed.target_width));
  // A bound below what the target needs: it stops there and says so.
  const Result c = run("sensitivity " + at("capped.h5") + common + " --rows 20 --target-width 0.001 --max-rows 30", dir);
  REQUIRE(c.status == 0);
  CHECK(c.err.find("warning: sobol: 30 rows: the widest 95% interval is") != std::string::npos);
  CHECK(analysis(read_result_summary(at("capped.h5")).sensitivity, "authorized").sobol.rows == 30);
}

TEST_CASE("Sobol indices of a file kept as summaries, and of series at chosen months", "[sobol][cli]") {
  const fs::path dir = scratch("sobol_cli_months");
  const auto at = [&](const std::string& name) { return (dir / name).string(); };
  const fs::path cfg = write(dir, "c.yaml", config);
  REQUIRE(run("run " + cfg.string() + " --replicates 300 --outputs summary --progress never -o " + at("s.h5"), dir)
              .status == 0);
  const Result ranks = run("sensitivity " + at("s.h5") + " --no-tornado", dir);
  CHECK(ranks.status == 2);
  CHECK(ranks.err.find("or use --method sobol") != std::string::npos);
  const Result s = run("sensitivity " + at("s.h5") + " --method sobol --rows 60 --bootstrap 10 --tornado-replicates 50 "
                       "--output authorized",
                       dir);
  INFO(s.err);
  REQUIRE(s.status == 0);
  CHECK(s.out.find("no rank statistics") != std::string::npos);
  const auto stored = analysis(read_result_summary(at("s.h5")).sensitivity, "authorized");
  CHECK(!stored.ranked);
  CHECK(stored.sobol.rows == 60);
  CHECK(stored.parameters.size() == stored.sobol.groups.size() + 1);  // the correlated pair is one group
  CHECK(std::isfinite(stored.tornado_change[0]));
  const auto j = nlohmann::json::parse(run("summarize " + at("s.h5") + " --json", dir).out);
  CHECK(j["sensitivity"][0]["ranked"] == false);

  // hospital_adoption's series at months 6 and 11: ranks from /timeseries
  // when the file keeps it, the design either way.
  const fs::path h = write(dir, "h.yaml", R"(model: hospital_adoption
replicates: 200
seed: 4
parameters:
  horizon_months: 12
  strata:
    - {count: 20, annual_cases: 3000, staff_fte: 2, hours_per_fte_month: 120, wage_per_hour: 60}
  adoption:
    bass_p_per_year: {dist: uniform, min: 0.2, max: 2}
    attractiveness: none
  workflow:
    minutes_per_case: 12
    effect: {dist: uniform, min: 0.05, max: 0.3}
)");
  for (const char* kept : {"all", "bands"})
    REQUIRE(run("run " + h.string() + " --progress never --outputs " + kept + " -o " + at(std::string(kept) + ".h5"), dir)
                .status == 0);
  const std::string months = " --method sobol --rows 60 --bootstrap 10 --tornado-replicates 40 --output adopted_hospitals "
                             "--month 6 --month 11";
  const Result all = run("sensitivity " + at("all.h5") + months, dir);
  INFO(all.err);
  REQUIRE(all.status == 0);
  CHECK(all.out.find("adopted_hospitals@11 (adopted_hospitals at month 11)") != std::string::npos);
  const auto full = read_result_summary(at("all.h5")).sensitivity;
  REQUIRE(full.size() == 2);
  const auto& m11 = analysis(full, "adopted_hospitals@11");
  CHECK(m11.ranked);
  CHECK(m11.series == "adopted_hospitals");
  CHECK(m11.month == 11);
  // The adoption rate drives adoption; the workflow effect hardly does.
  const auto p = static_cast<std::size_t>(
      std::find(m11.parameters.begin(), m11.parameters.end(), "parameters.adoption.bass_p_per_year") -
      m11.parameters.begin());
  REQUIRE(p < m11.parameters.size());
  CHECK(m11.spearman[p] > 0.3);
  CHECK(m11.tornado_change[p] > 0.0);
  REQUIRE(m11.sobol.groups.size() == m11.parameters.size());
  const auto g = static_cast<std::size_t>(
      std::find(m11.sobol.groups.begin(), m11.sobol.groups.end(), "parameters.adoption.bass_p_per_year") -
      m11.sobol.groups.begin());
  CHECK(m11.sobol.total[g] == *std::max_element(m11.sobol.total.begin(), m11.sobol.total.end()));
  // The bands file keeps no per-replicate series: the design alone, the same indices.
  const Result bands = run("sensitivity " + at("bands.h5") + months, dir);
  REQUIRE(bands.status == 0);
  const auto b11 = analysis(read_result_summary(at("bands.h5")).sensitivity, "adopted_hospitals@11");
  CHECK(!b11.ranked);
  CHECK(b11.sobol.total == m11.sobol.total);
  CHECK(b11.tornado_change == m11.tornado_change);
  // --month alone: every series at that month.
  fs::copy_file(at("all.h5"), at("every.h5"));
  REQUIRE(run("sensitivity " + at("every.h5") + " --month 5 --no-tornado --bootstrap 5", dir).status == 0);
  std::size_t at_month = 0, series_outputs = 0;
  for (const auto& a : read_result_summary(at("every.h5")).sensitivity) at_month += a.series.empty() ? 0 : 1;
  for (const auto& b : read_result_summary(at("every.h5")).bands) series_outputs += 1;
  CHECK(at_month == series_outputs);
  CHECK(at_month >= 4);
  const Result plain = run("sensitivity " + at("all.h5") + " --output adopted_hospitals --no-tornado", dir);
  CHECK(plain.status == 2);
  CHECK(plain.err.find("is a series: name a month as adopted_hospitals@MONTH") != std::string::npos);
  const Result past = run("sensitivity " + at("all.h5") + " --output adopted_hospitals@12 --no-tornado", dir);
  CHECK(past.status == 2);
  CHECK(past.err.find("has months 0..11, not 12") != std::string::npos);
  const Result ranks_only = run("sensitivity " + at("bands.h5") + " --output adopted_hospitals@3 --no-tornado", dir);
  CHECK(ranks_only.status == 2);
  CHECK(ranks_only.err.find("keeps no per-replicate series 'adopted_hospitals'") != std::string::npos);
}

TEST_CASE("A config's sensitivity: section is run after the run and taken by the command", "[sobol][cli]") {
  const fs::path dir = scratch("sobol_cli_section");
  const auto at = [&](const std::string& name) { return (dir / name).string(); };
  const fs::path cfg = write(dir, "c.yaml", config + R"(sensitivity:
  method: sobol
  outputs: [authorized]
  rows: 50
  bootstrap: 10
  tornado_replicates: 30
  groups:
    truth: ['studies[0].sensitivity', 'studies[0].specificity', 'studies[1].success_rate']
)");
  const Result r = run("run " + cfg.string() + " --replicates 200 --progress never -o " + at("o.h5"), dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("wrote /sensitivity/") != std::string::npos);
  const auto stored = read_result_summary(at("o.h5")).sensitivity;
  REQUIRE(stored.size() == 1);
  CHECK(stored[0].output == "authorized");
  CHECK(stored[0].tornado_replicates == 30);
  CHECK(stored[0].bootstrap == 10);
  CHECK(stored[0].sobol.rows == 50);
  CHECK(std::count(stored[0].sobol.groups.begin(), stored[0].sobol.groups.end(), "truth") == 1);
  // The section is in the file's config: the command takes it, and options override it.
  fs::copy_file(at("o.h5"), at("again.h5"));
  REQUIRE(run("sensitivity " + at("again.h5"), dir).status == 0);
  CHECK(shell("h5diff -q " + at("o.h5") + " " + at("again.h5") + " /sensitivity /sensitivity") == 0);
  REQUIRE(run("sensitivity " + at("again.h5") + " --method ranks --output total_cost_usd --no-tornado", dir).status == 0);
  const auto ranked = read_result_summary(at("again.h5")).sensitivity;
  REQUIRE(ranked.size() == 1);
  CHECK(ranked[0].output == "total_cost_usd");
  CHECK(ranked[0].sobol.groups.empty());
  // A rank analysis asked for on the command line leaves the section's design keys aside.
  const fs::path ranked_cfg = write(dir, "ranked.yaml", config + "sensitivity:\n  method: sobol\n  target_width: 0.05\n");
  REQUIRE(run("run " + ranked_cfg.string() + " --replicates 100 --progress never -o " + at("r.h5") + " --shard 0/1", dir)
              .status == 0);
  REQUIRE(run("merge " + at("r.h5") + " -o " + at("rm.h5"), dir).status == 0);
  CHECK(run("sensitivity " + at("rm.h5") + " --method ranks --bootstrap 0 --no-tornado", dir).status == 0);

  // A sweep's points are analysed in turn.
  const fs::path sweep = write(dir, "sweep.yaml", config + R"(sensitivity:
  method: sobol
  outputs: [authorized]
  rows: 30
  bootstrap: 5
  tornado_replicates: 0
sweep:
  grid:
    studies[1].performance_goal: [0.7, 0.8]
)");
  const Result swept = run("run " + sweep.string() + " --replicates 100 --progress never -o " + at("sw.h5"), dir);
  INFO(swept.err);
  REQUIRE(swept.status == 0);
  const ResultFileSummary sw = read_result_summary(at("sw.h5"));
  REQUIRE(sw.scenarios.size() == 2);
  for (const auto& point : sw.scenarios) {
    REQUIRE(point.sensitivity.size() == 1);
    CHECK(point.sensitivity[0].sobol.rows == 30);
  }

  // The section's growth does not apply to a shard, which runs the rows it is given.
  const fs::path grow = write(dir, "grow.yaml", config + "sensitivity:\n  method: sobol\n  target_width: 0.05\n");
  REQUIRE(run("run " + grow.string() + " --replicates 100 --progress never -o " + at("g.h5") + " --shard 0/1", dir)
              .status == 0);
  REQUIRE(run("merge " + at("g.h5") + " -o " + at("gm.h5"), dir).status == 0);
  const Result shard = run("sensitivity " + at("gm.h5") + " --rows 30 --shard 1/2 -o " + at("g1.h5"), dir);
  INFO(shard.err);
  CHECK(shard.status == 0);
  CHECK(shard.out.find("wrote rows 15 to 29 of the Saltelli design (30 rows)") != std::string::npos);
  // A bad group is found before the run writes anything.
  std::string bad = slurp(cfg);
  bad.replace(bad.find("'studies[1].success_rate'"), 25, "'studies[1].succes_rate'");
  const fs::path bad_cfg = write(dir, "bad.yaml", bad);
  const Result b = run("run " + bad_cfg.string() + " --progress never -o " + at("bad.h5"), dir);
  CHECK(b.status == 2);
  CHECK(b.err.find("sensitivity.groups.truth") != std::string::npos);
  CHECK(!fs::exists(at("bad.h5")));
}
