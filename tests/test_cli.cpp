// The samdsim program as a user runs it: exit status, messages, and the
// files it writes or leaves alone.
#include <catch2/catch.hpp>

#include "cli_fixture.hpp"

namespace {

const std::string good_config = R"(model: us_pathway
replicates: 3000
seed: 42
parameters:
  pathway: 510k
  studies:
    - type: standalone
      sensitivity: {dist: beta, mean: 0.92, sd: 0.02}
      specificity: {dist: beta, mean: 0.9, sd: 0.02}
      sensitivity_goal: 0.85
      specificity_goal: 0.85
    - type: single_arm
      success_rate: {dist: beta, mean: 0.85, sd: 0.03}
      performance_goal: 0.75
)";


}  // namespace

TEST_CASE("A bad config exits with status 2, a located message and no output file") {
  const fs::path dir = scratch("bad");
  const fs::path cfg = write(dir, "bad.yaml", good_config + "      sample_sise: 10\n");
  Result r = run("run " + cfg.string() + " -o " + (dir / "out.h5").string() + " --progress never", dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("bad.yaml:15:7") != std::string::npos);
  CHECK(r.err.find("parameters.studies[1].sample_sise") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out.h5"));
  for (const auto& e : fs::directory_iterator(dir)) CHECK(e.path().extension() != ".h5");
}

TEST_CASE("A failing run leaves an existing output file byte-identical") {
  const fs::path dir = scratch("keep");
  const std::string before = "an earlier result that must survive\n";
  write(dir, "out.h5", before);
  const fs::path cfg = write(dir, "bad.yaml", "model: us_pathway\nparameters:\n  pathway: 510K\n");
  Result r = run("run " + cfg.string() + " -o " + (dir / "out.h5").string(), dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("bad.yaml:3:12") != std::string::npos);
  CHECK(slurp(dir / "out.h5") == before);
}

TEST_CASE("A missing config file and bad options exit with status 2") {
  const fs::path dir = scratch("args");
  CHECK(run("run " + (dir / "nope.yaml").string(), dir).status == 2);
  const fs::path cfg = write(dir, "good.yaml", good_config);
  CHECK(run("run " + cfg.string() + " --threads many", dir).status == 2);
  CHECK(run("run " + cfg.string() + " --replicates 1e15", dir).status == 2);
  Result p = run("run " + cfg.string() + " --progress sometimes -o " + (dir / "o.h5").string(), dir);
  CHECK(p.status == 2);
  CHECK(p.err.find("--progress") != std::string::npos);
  CHECK(run("frobnicate", dir).status == 2);
  CHECK_FALSE(fs::exists(dir / "o.h5"));
}

TEST_CASE("An output in a missing directory exits with status 2 and creates nothing") {
  const fs::path dir = scratch("nodir");
  const fs::path cfg = write(dir, "good.yaml", good_config);
  Result r = run("run " + cfg.string() + " -o " + (dir / "missing" / "out.h5").string(), dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("missing") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "missing"));
}

TEST_CASE("A run writes a result file that h5py reads with its datasets, units and attributes") {
  const fs::path dir = scratch("h5py");
  const fs::path cfg = write(dir, "good.yaml", good_config);
  const fs::path out = dir / "out.h5";
  Result r = run("run " + cfg.string() + " -o " + out.string() + " --threads 2 --progress never", dir);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("authorized") != std::string::npos);
  CHECK(shell(python + " " + source_dir + "/tests/python/check_result_file.py " + out.string() +
              " authorized months_to_decision months_to_authorization total_cost_usd cost_studies_usd "
              "cost_fees_usd cost_regulatory_usd cost_burn_usd patients_enrolled sites_activated review_cycles "
              "study_attempts >" + (dir / "py.txt").string() + " 2>&1") == 0);
  INFO(slurp(dir / "py.txt"));
  for (const auto& e : fs::directory_iterator(dir)) CHECK(e.path().string().find(".tmp") == std::string::npos);
}

TEST_CASE("summarize prints the stored summaries as a table and as JSON") {
  const fs::path dir = scratch("summarize");
  const fs::path cfg = write(dir, "good.yaml", good_config);
  const fs::path out = dir / "out.h5";
  REQUIRE(run("run " + cfg.string() + " -o " + out.string() + " --progress never", dir).status == 0);
  Result table = run("summarize " + out.string(), dir);
  CHECK(table.status == 0);
  CHECK(table.out.find("total_cost_usd") != std::string::npos);
  Result json = run("summarize " + out.string() + " --json", dir);
  CHECK(json.status == 0);
  write(dir, "summary.json", json.out);
  CHECK(shell(python + " -c \"import json,sys; d=json.load(open(sys.argv[1])); assert 'summaries' in d or d\" " +
              (dir / "summary.json").string()) == 0);
  CHECK(run("summarize " + cfg.string(), dir).status == 2);
  CHECK(run("summarize " + (dir / "absent.h5").string(), dir).status == 2);
}

TEST_CASE("summarize --point, --outputs and --csv select and export, and bad choices exit 2") {
  const fs::path dir = scratch("summarize_options");
  const fs::path cfg = write(dir, "sweep.yaml", good_config + "sweep:\n  grid:\n    pathway: [510k, de_novo]\n");
  const std::string sweep = (dir / "sweep.h5").string();
  REQUIRE(run("run " + cfg.string() + " -o " + sweep + " --replicates 200 --progress never", dir).status == 0);
  const std::string at = " " + sweep;

  // One point, as a single run's table; the same numbers as that point's CSV rows.
  const Result point = run("summarize" + at + " --point 1 --outputs total_cost_usd authorized", dir);
  INFO(point.err);
  REQUIRE(point.status == 0);
  CHECK(point.out.find("sweep point  1 of 2: pathway = de_novo") != std::string::npos);
  CHECK(point.out.find("total_cost_usd") != std::string::npos);
  CHECK(point.out.find("months_to_decision") == std::string::npos);
  const Result csv = run("summarize" + at + " --csv --outputs total_cost_usd", dir);
  REQUIRE(csv.status == 0);
  CHECK(csv.out.rfind("point,pathway,output,unit,type,n,missing,mean,", 0) == 0);
  CHECK(csv.out.find("\r\n1,de_novo,total_cost_usd,USD,real,200,0,") != std::string::npos);
  std::size_t rows = 0;
  for (auto p = csv.out.find("\r\n"); p != std::string::npos; p = csv.out.find("\r\n", p + 1)) ++rows;
  CHECK(rows == 3);

  const auto refused = [&](const std::string& args, const std::string& message) {
    const Result r = run("summarize" + at + " " + args, dir);
    INFO(args << ": " << r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find(message) != std::string::npos);
    CHECK(r.out.empty());
  };
  refused("--point 2", "has points 0..1");
  refused("--outputs total_cost", "did you mean");
  refused("--csv --json", "excludes");
}

TEST_CASE("Result files are bitwise identical in their data for 1, 2 and 8 threads") {
  const fs::path dir = scratch("threads");
  const fs::path cfg = write(dir, "good.yaml", good_config);
  for (int t : {1, 2, 8}) {
    const std::string out = (dir / ("t" + std::to_string(t) + ".h5")).string();
    REQUIRE(run("run " + cfg.string() + " -o " + out + " --progress never --threads " + std::to_string(t), dir)
                .status == 0);
  }
  for (const char* group : {"/replicates", "/parameters", "/summary"}) {
    for (int t : {2, 8}) {
      const std::string cmd = "h5diff -q " + (dir / "t1.h5").string() + " " +
                              (dir / ("t" + std::to_string(t) + ".h5")).string() + " " + group + " " + group;
      INFO(cmd);
      CHECK(shell(cmd) == 0);
    }
  }
  // A different seed changes the data.
  REQUIRE(run("run " + cfg.string() + " -o " + (dir / "s.h5").string() + " --seed 43 --progress never", dir).status ==
          0);
  CHECK(shell("h5diff -q " + (dir / "t1.h5").string() + " " + (dir / "s.h5").string() +
              " /replicates /replicates >/dev/null") != 0);
}

TEST_CASE("Every example config in configs/ validates") {
  const fs::path dir = scratch("configs");
  int count = 0;
  for (const auto& e : fs::directory_iterator(source_dir + "/configs")) {
    if (e.path().extension() != ".yaml" && e.path().extension() != ".json") continue;
    // Portfolio files are not model scenarios: test_portfolio_cli.cpp runs them.
    if (e.path().stem().string().starts_with("portfolio_")) continue;
    ++count;
    Result r = run("validate " + e.path().string(), dir);
    INFO(e.path().string() << "\n" << r.err);
    CHECK(r.status == 0);
  }
  CHECK(count >= 3);
}

TEST_CASE("models lists every model with its parameters and outputs") {
  const fs::path dir = scratch("models");
  Result r = run("models", dir);
  CHECK(r.status == 0);
  CHECK(r.out.find("us_pathway") != std::string::npos);
  CHECK(r.out.find("performance_goal") != std::string::npos);
  CHECK(r.out.find("months_to_authorization") != std::string::npos);
  CHECK(run("models no_such_model", dir).status == 2);
}

TEST_CASE("A sweep writes a scenario table and per-point results that do not depend on the other points") {
  const fs::path dir = scratch("sweep");
  const std::string base = good_config;
  const fs::path small = write(dir, "small.yaml", base + "sweep:\n  grid:\n    studies[1].performance_goal: [0.7, 0.75]\n");
  const fs::path large =
      write(dir, "large.yaml", base + "sweep:\n  grid:\n    studies[1].performance_goal: [0.65, 0.7, 0.72, 0.75]\n");
  REQUIRE(run("run " + small.string() + " -o " + (dir / "small.h5").string() + " --progress never", dir).status == 0);
  Result r = run("run " + large.string() + " -o " + (dir / "large.h5").string() + " --progress never --threads 1", dir);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("sweep: 4 points") != std::string::npos);
  // Point 0 of the small sweep is point 1 of the large one, point 1 is point 3.
  for (const auto& [a, b] : {std::pair{"0", "1"}, std::pair{"1", "3"}}) {
    const std::string cmd = "h5diff -q " + (dir / "small.h5").string() + " " + (dir / "large.h5").string() +
                            " /points/" + a + "/replicates /points/" + b + "/replicates";
    INFO(cmd);
    CHECK(shell(cmd) == 0);
  }
  CHECK(shell(python + " -c \"import h5py,sys; f=h5py.File(sys.argv[1]); t=f['scenarios'];"
                       " assert list(t['studies[1].performance_goal'][:]) == [0.65, 0.7, 0.72, 0.75];"
                       " assert len(set(t['key'][:])) == 4; assert f['points/3/summary/authorized'].attrs['n'] == 3000\" " +
              (dir / "large.h5").string()) == 0);
  Result json = run("summarize " + (dir / "large.h5").string() + " --json", dir);
  CHECK(json.status == 0);
  CHECK(json.out.find("\"scenarios\"") != std::string::npos);
}

TEST_CASE("A sweep shows one progress bar for all its points, labelled with the current point") {
  const fs::path dir = scratch("sweep_progress");
  const fs::path cfg = write(dir, "sweep.yaml", good_config + "sweep:\n  grid:\n    pathway: [510k, de_novo]\n");
  const Result r = run("run " + cfg.string() + " -o " + (dir / "out.h5").string() + " --replicates 64 --progress always",
                       dir);
  REQUIRE(r.status == 0);
  // The label names the point and its values; one bar ends once, for the whole sweep.
  CHECK(r.err.find("point 2/2 (pathway=de_novo)") != std::string::npos);
  std::size_t finished = 0;
  for (auto at = r.err.find("elapsed"); at != std::string::npos; at = r.err.find("elapsed", at + 1)) ++finished;
  CHECK(finished == 1);
  CHECK(r.err.find("100.0%") != std::string::npos);
  // stderr is a file here: plain lines for a log, no carriage return or escape code.
  CHECK(r.err.find('\r') == std::string::npos);
  CHECK(r.err.find('\033') == std::string::npos);
  CHECK(r.err.find("elapsed") < r.err.find('\n', r.err.find("elapsed")));
}
