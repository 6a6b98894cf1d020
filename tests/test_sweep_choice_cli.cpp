// choose: judged with Monte Carlo error and without biased designs, through
// the program on the shipped examples.
#include <catch2/catch.hpp>

#include "cli_fixture.hpp"
#include "samdsim/result_reader.hpp"

using namespace samdsim;

TEST_CASE("The parallel-design example makes the same choice for every seed at its shipped replicate count") {
  // With point estimates it chose 24 hospitals for seeds 1, 2 and 5 and no
  // design for 3 and 4: 24 hospitals' power is 0.80, at the threshold.
  const fs::path dir = scratch("choice_seeds");
  const std::string config = source_dir + "/configs/demonstration_parallel_ct_turnaround.yaml";
  std::optional<std::optional<std::size_t>> first;
  for (const char* seed : {"1", "2", "3", "4", "5"}) {
    const fs::path out = dir / (std::string("s") + seed + ".h5");
    const Result r = run("run " + config + " --seed " + seed + " --progress never -o " + out.string(), dir);
    INFO("seed " << seed << ": " << r.err);
    REQUIRE(r.status == 0);
    const ResultFileSummary s = read_result_summary(out);
    if (!first) first = s.chosen;
    CHECK(s.chosen == *first);
    // The borderline design is named as such.
    REQUIRE(s.scenarios.size() == 5);
    REQUIRE(s.scenarios[3].judgement.has_value());
    CHECK(s.scenarios[3].judgement->near_threshold);
  }
}

TEST_CASE("A pre-post design, biased by the secular trend, is left out of the choice unless the config includes it") {
  const fs::path dir = scratch("choice_biased");
  std::string text = slurp(source_dir + "/configs/demonstration_parallel_ct_turnaround.yaml");
  text = text.substr(0, text.find("sweep:"));
  text.replace(text.find("trend_per_period: 0.0"), 21, "trend_per_period: 0.02");
  text.erase(text.find("    allocation_ratio:"), text.find('\n', text.find("    allocation_ratio:")) - text.find("    allocation_ratio:") + 1);
  const std::string sweep =
      "sweep:\n  grid:\n    design.type: [parallel, pre_post]\n    design.clusters: [24]\n"
      "  choose:\n    minimize: total_cost\n    require:\n      - {output: reject, at_least: 0.8}\n";
  write(dir, "biased.yaml", text + sweep);
  write(dir, "included.yaml", text + sweep + "    include_biased: true\n");
  for (const char* name : {"biased", "included"}) {
    const fs::path out = dir / (std::string(name) + ".h5");
    const Result r = run("run " + (dir / (std::string(name) + ".yaml")).string() +
                             " --replicates 2000 --progress never -o " + out.string(), dir);
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    const ResultFileSummary s = read_result_summary(out);
    REQUIRE(s.scenarios.size() == 2);
    CHECK(s.scenarios[1].judgement->biased);
    CHECK_THAT(r.out, Catch::Contains("left out, their estimates are biased"));
    if (std::string(name) == "biased") {
      CHECK(s.chosen != std::optional<std::size_t>(1));
    } else {
      CHECK(s.chosen == std::optional<std::size_t>(1));  // cheaper and, with the trend, "more powerful"
    }
  }
}
