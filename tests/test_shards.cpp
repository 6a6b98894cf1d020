// --shard I/N and merge: the merged file equals a single run's, whatever N.
#include <catch2/catch.hpp>

#include "cli_fixture.hpp"

namespace {

std::string fmt_name(int n, int i) { return "shard" + std::to_string(i) + "of" + std::to_string(n) + ".h5"; }

const std::string plain = R"(model: us_pathway
replicates: 9000
seed: 5
parameters:
  pathway: de_novo
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

const std::string sweep = plain + R"(sweep:
  grid:
    studies[1].performance_goal: [0.7, 0.75, 0.8]
  choose:
    minimize: total_cost_usd
    require:
      - {output: authorized, at_least: 0.3}
)";

// Runs every shard of N and merges them; returns the merged file.
fs::path shard_and_merge(const fs::path& dir, const fs::path& cfg, int n) {
  std::string files;
  for (int i = 0; i < n; ++i) {
    const fs::path f = dir / fmt_name(n, i);
    const Result r = run("run " + cfg.string() + " --progress never --threads 2 --shard " + std::to_string(i) + "/" +
                             std::to_string(n) + " -o " + f.string(),
                         dir);
    REQUIRE(r.status == 0);
    files += " " + f.string();
  }
  const fs::path merged = dir / ("merged" + std::to_string(n) + ".h5");
  const Result m = run("merge" + files + " -o " + merged.string(), dir);
  INFO(m.err);
  REQUIRE(m.status == 0);
  return merged;
}

bool identical(const fs::path& a, const fs::path& b, const std::vector<std::string>& groups) {
  for (const auto& g : groups)
    if (shell("h5diff -q " + a.string() + " " + b.string() + " " + g + " " + g) != 0) return false;
  return true;
}

}  // namespace



TEST_CASE("Merged shards of a plain scenario equal a single run for N = 1, 3 and 7") {
  const fs::path dir = scratch("shards_plain");
  const fs::path cfg = write(dir, "plain.yaml", plain);
  REQUIRE(run("run " + cfg.string() + " --progress never -o " + (dir / "single.h5").string(), dir).status == 0);
  for (int n : {1, 3, 7}) {
    INFO("N = " << n);
    const fs::path merged = shard_and_merge(dir, cfg, n);
    CHECK(identical(dir / "single.h5", merged, {"/replicates", "/parameters", "/summary"}));
  }
}

TEST_CASE("merge --threads gives the same file on any number of threads and refuses too many") {
  const fs::path dir = scratch("shards_merge_threads");
  const fs::path cfg = write(dir, "plain.yaml", plain);
  const fs::path all_cores = shard_and_merge(dir, cfg, 3);
  std::string files;
  for (int i = 0; i < 3; ++i) files += " " + (dir / fmt_name(3, i)).string();
  const fs::path one = dir / "one_thread.h5";
  const Result r = run("merge" + files + " --threads 1 -o " + one.string(), dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(identical(all_cores, one, {"/replicates", "/parameters", "/summary"}));
  const Result bad = run("merge" + files + " --threads 5000 -o " + (dir / "bad.h5").string(), dir);
  CHECK(bad.status == 2);
  CHECK(bad.err.find("--threads: at most 4096") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "bad.h5"));
}

TEST_CASE("Correlated parameters draw the same for 1 and 2 threads and for merged shards") {
  const fs::path dir = scratch("shards_correlated");
  const fs::path cfg = write(dir, "correlated.yaml", plain + R"(correlations:
  - parameters: ['studies[0].sensitivity', 'studies[0].specificity', 'studies[1].success_rate']
    spearman: [[1, -0.5, 0.3], [-0.5, 1, 0.1], [0.3, 0.1, 1]]
)");
  for (const char* threads : {"1", "2"})
    REQUIRE(run("run " + cfg.string() + " --progress never --threads " + threads + " -o " +
                    (dir / (std::string("t") + threads + ".h5")).string(),
                dir)
                .status == 0);
  CHECK(identical(dir / "t1.h5", dir / "t2.h5", {"/replicates", "/parameters", "/summary"}));
  CHECK(identical(dir / "t1.h5", shard_and_merge(dir, cfg, 3), {"/replicates", "/parameters", "/summary"}));
  // The block is in effect: the draws differ from those of the same config without it.
  const fs::path independent = write(dir, "independent.yaml", plain);
  REQUIRE(run("run " + independent.string() + " --progress never -o " + (dir / "plain.h5").string(), dir).status == 0);
  CHECK_FALSE(identical(dir / "t1.h5", dir / "plain.h5", {"/parameters"}));
}

TEST_CASE("Merged shards of a sweep equal a single run, chosen point included") {
  const fs::path dir = scratch("shards_sweep");
  const fs::path cfg = write(dir, "sweep.yaml", sweep);
  REQUIRE(run("run " + cfg.string() + " --progress never -o " + (dir / "single.h5").string(), dir).status == 0);
  for (int n : {3, 7}) {
    INFO("N = " << n);
    const fs::path merged = shard_and_merge(dir, cfg, n);
    std::vector<std::string> groups = {"/scenarios"};
    for (const char* p : {"0", "1", "2"})
      for (const char* g : {"replicates", "parameters", "summary"}) groups.push_back(std::string("/points/") + p + "/" + g);
    CHECK(identical(dir / "single.h5", merged, groups));
  }
}

TEST_CASE("Merge refuses missing, duplicate and foreign shards, naming them") {
  const fs::path dir = scratch("shards_refused");
  const fs::path cfg = write(dir, "plain.yaml", plain);
  const fs::path other = write(dir, "other.yaml", plain + "      alpha: 0.05\n");
  for (int i = 0; i < 3; ++i)
    REQUIRE(run("run " + cfg.string() + " --progress never --shard " + std::to_string(i) + "/3 -o " +
                    (dir / fmt_name(3, i)).string(),
                dir)
                .status == 0);
  REQUIRE(run("run " + other.string() + " --progress never --shard 2/3 -o " + (dir / "foreign.h5").string(), dir)
              .status == 0);
  REQUIRE(run("run " + cfg.string() + " --progress never -o " + (dir / "whole.h5").string(), dir).status == 0);
  const std::string s0 = (dir / fmt_name(3, 0)).string(), s1 = (dir / fmt_name(3, 1)).string(),
                    s2 = (dir / fmt_name(3, 2)).string();
  const std::string out = " -o " + (dir / "m.h5").string();

  Result missing = run("merge " + s0 + " " + s2 + out, dir);
  CHECK(missing.status == 2);
  CHECK(missing.err.find("missing shard 1/3") != std::string::npos);

  Result duplicate = run("merge " + s0 + " " + s1 + " " + s1 + " " + s2 + out, dir);
  CHECK(duplicate.status == 2);
  CHECK(duplicate.err.find("are both shard 1/3") != std::string::npos);

  Result foreign = run("merge " + s0 + " " + s1 + " " + (dir / "foreign.h5").string() + out, dir);
  CHECK(foreign.status == 2);
  CHECK(foreign.err.find("different configs") != std::string::npos);
  CHECK(foreign.err.find("foreign.h5") != std::string::npos);

  // A shard of another file format: another build, whose random streams differ.
  const std::string old = (dir / "old_format.h5").string();
  fs::copy_file(s1, old);
  REQUIRE(shell(python + " -c \"import h5py,sys; h5py.File(sys.argv[1], 'r+').attrs.modify('version', '1.1')\" " +
                old) == 0);
  Result format = run("merge " + s0 + " " + old + " " + s2 + out, dir);
  CHECK(format.status == 2);
  CHECK(format.err.find("file format versions") != std::string::npos);
  CHECK(format.err.find("old_format.h5") != std::string::npos);

  Result whole = run("merge " + s0 + " " + (dir / "whole.h5").string() + out, dir);
  CHECK(whole.status == 2);
  CHECK(whole.err.find("not a shard") != std::string::npos);

  CHECK(run("run " + cfg.string() + " --shard 3/3", dir).status == 2);
  CHECK(run("run " + cfg.string() + " --shard 1/3 --resume", dir).status == 2);
  CHECK_FALSE(fs::exists(dir / "m.h5"));
}

TEST_CASE("Files that keep only bands or summaries hold exact summaries and bands and no per-replicate values") {
  const fs::path dir = scratch("outputs_kept");
  const fs::path cfg = write(dir, "plain.yaml", plain);
  const fs::path sw = write(dir, "sweep.yaml", sweep);
  const std::string hosp = source_dir + "/configs/hospital_adoption_japan_ct.yaml --replicates 60";
  REQUIRE(run("run " + hosp + " --progress never -o " + (dir / "all.h5").string(), dir).status == 0);
  REQUIRE(run("run " + hosp + " --progress never --outputs bands -o " + (dir / "bands.h5").string(), dir).status == 0);
  CHECK(identical(dir / "all.h5", dir / "bands.h5", {"/bands", "/summary", "/replicates", "/series_mean"}));
  CHECK(shell(python + " -c \"import h5py,sys; f=h5py.File(sys.argv[1]); assert 'timeseries' not in f;"
                       " assert f.attrs['outputs'] == 'bands'\" " + (dir / "bands.h5").string()) == 0);

  REQUIRE(run("run " + sw.string() + " --progress never -o " + (dir / "sweep_all.h5").string(), dir).status == 0);
  REQUIRE(run("run " + sw.string() + " --progress never --outputs summary -o " + (dir / "sweep_summary.h5").string(),
              dir)
              .status == 0);
  CHECK(identical(dir / "sweep_all.h5", dir / "sweep_summary.h5", {"/scenarios", "/points/0/summary", "/points/2/summary"}));
  CHECK(shell(python + " -c \"import h5py,sys; f=h5py.File(sys.argv[1]); p=f['points/1'];"
                       " assert 'replicates' not in p and 'parameters' not in p and 'summary' in p\" " +
              (dir / "sweep_summary.h5").string()) == 0);
  CHECK(run("summarize " + (dir / "sweep_summary.h5").string(), dir).status == 0);

  // Shards keep everything; merge applies --outputs.
  CHECK(run("run " + cfg.string() + " --shard 0/2 --outputs summary", dir).status == 2);
  std::string files;
  for (int i = 0; i < 2; ++i) {
    const fs::path f = dir / fmt_name(2, i);
    REQUIRE(run("run " + cfg.string() + " --progress never --shard " + std::to_string(i) + "/2 -o " + f.string(), dir)
                .status == 0);
    files += " " + f.string();
  }
  REQUIRE(run("run " + cfg.string() + " --progress never -o " + (dir / "single.h5").string(), dir).status == 0);
  REQUIRE(run("merge" + files + " --outputs summary -o " + (dir / "merged.h5").string(), dir).status == 0);
  CHECK(identical(dir / "single.h5", dir / "merged.h5", {"/summary"}));
  CHECK(run("run " + cfg.string() + " --outputs everything", dir).status == 2);
}

TEST_CASE("A precision target over shards stops the merged file where a single run stops") {
  const fs::path dir = scratch("shards_target");
  const fs::path cfg = write(dir, "plain.yaml", plain);
  const std::string target = " --target-rse 0.01 --target-output total_cost_usd --max-replicates 60000 --progress never";
  REQUIRE(run("run " + cfg.string() + target + " -o " + (dir / "single.h5").string(), dir).status == 0);
  std::string files;
  for (int i = 0; i < 3; ++i) {
    const fs::path f = dir / fmt_name(3, i);
    REQUIRE(run("run " + cfg.string() + target + " --shard " + std::to_string(i) + "/3 -o " + f.string(), dir).status ==
            0);
    files += " " + f.string();
  }
  REQUIRE(run("merge" + files + " -o " + (dir / "merged.h5").string(), dir).status == 0);
  CHECK(identical(dir / "single.h5", dir / "merged.h5", {"/replicates", "/parameters", "/summary"}));
  CHECK(shell(python + " -c \"import h5py,sys; a=h5py.File(sys.argv[1]).attrs; b=h5py.File(sys.argv[2]).attrs;"
                       " assert a['replicates'] == b['replicates'] < 60000; assert a['rse_reached'] == b['rse_reached'] <= 0.01;"
                       " assert b['stopped_by'] == 'target_rse'\" " +
              (dir / "single.h5").string() + " " + (dir / "merged.h5").string()) == 0);
}
