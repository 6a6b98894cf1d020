// Interrupted runs, resumed runs and precision targets, through the program.
#include <catch2/catch.hpp>
#include <signal.h>

#include <chrono>
#include <thread>

#include "cli_fixture.hpp"

namespace {

// Starts samdsim in the background; returns its pid.
pid_t start(const std::string& args, const fs::path& dir) {
  const std::string cmd = "exec " + std::string(SAMDSIM_BINARY) + " " + args + " >" + (dir / "bg_out.txt").string() +
                          " 2>" + (dir / "bg_err.txt").string();
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// Waits until the partial file exists (the run has started writing), then a little more.
void wait_for_start(const fs::path& partial) {
  for (int i = 0; i < 600 && !fs::exists(partial); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
}

const std::string config = source_dir + "/configs/pma_breakthrough_rct.yaml";

bool same_data(const fs::path& a, const fs::path& b, const std::vector<std::string>& groups) {
  for (const auto& g : groups) {
    const std::string cmd = "h5diff -q " + a.string() + " " + b.string() + " " + g + " " + g;
    if (shell(cmd) != 0) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("A run interrupted by SIGTERM and resumed equals an uninterrupted run") {
  const fs::path dir = scratch("resume_term");
  const std::string common = config + " --replicates 400000 --progress never";
  REQUIRE(run("run " + common + " -o " + (dir / "full.h5").string() + " --threads 2", dir).status == 0);

  const fs::path out = dir / "part.h5";
  const pid_t pid = start("run " + common + " -o " + out.string() + " --threads 2", dir);
  wait_for_start(dir / "part.h5.partial");
  kill(pid, SIGTERM);
  const int status = wait_for(pid);
  if (status == 0) {
    WARN("the run finished before SIGTERM arrived; nothing to resume");
    return;
  }
  REQUIRE(status == 3);
  CHECK_FALSE(fs::exists(out));
  CHECK(fs::exists(dir / "part.h5.partial"));
  CHECK(slurp(dir / "bg_err.txt").find("--resume") != std::string::npos);

  // Resumed with another thread count: the result must not depend on it.
  Result r = run("run " + common + " -o " + out.string() + " --threads 1 --resume", dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_FALSE(fs::exists(dir / "part.h5.partial"));
  CHECK(same_data(dir / "full.h5", out, {"/replicates", "/parameters", "/summary"}));
}

TEST_CASE("A sweep interrupted by SIGINT resumes point by point to the uninterrupted result") {
  const fs::path dir = scratch("resume_sweep");
  const fs::path cfg = write(dir, "sweep.yaml",
                             slurp(config) + "\nsweep:\n  grid:\n    studies[0].power: [0.8, 0.85, 0.9]\n");
  const std::string common = cfg.string() + " --replicates 150000 --progress never --threads 2";
  REQUIRE(run("run " + common + " -o " + (dir / "full.h5").string(), dir).status == 0);
  const fs::path out = dir / "part.h5";
  const pid_t pid = start("run " + common + " -o " + out.string(), dir);
  wait_for_start(dir / "part.h5.partial");
  kill(pid, SIGINT);
  const int status = wait_for(pid);
  if (status == 0) {
    WARN("the sweep finished before SIGINT arrived; nothing to resume");
    return;
  }
  REQUIRE(status == 3);
  REQUIRE(run("run " + common + " -o " + out.string() + " --resume", dir).status == 0);
  std::vector<std::string> groups = {"/scenarios"};
  for (const char* p : {"0", "1", "2"})
    for (const char* g : {"replicates", "summary"}) groups.push_back(std::string("/points/") + p + "/" + g);
  CHECK(same_data(dir / "full.h5", out, groups));
}

TEST_CASE("A resume with another seed or without a partial file is refused and changes nothing") {
  const fs::path dir = scratch("resume_refused");
  const std::string common = config + " --replicates 400000 --progress never --threads 2";
  CHECK(run("run " + common + " -o " + (dir / "none.h5").string() + " --resume", dir).status == 2);

  const fs::path out = dir / "part.h5";
  const pid_t pid = start("run " + common + " -o " + out.string(), dir);
  wait_for_start(dir / "part.h5.partial");
  kill(pid, SIGTERM);
  if (wait_for(pid) != 3) {
    WARN("the run finished before SIGTERM arrived");
    return;
  }
  const std::string before = slurp(dir / "part.h5.partial");
  Result r = run("run " + common + " -o " + out.string() + " --resume --seed 99", dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("cannot resume") != std::string::npos);
  CHECK(slurp(dir / "part.h5.partial") == before);
  CHECK_FALSE(fs::exists(out));
  // A partial file of another format (another build's random streams) is refused.
  const fs::path partial = dir / "part.h5.partial", kept = dir / "kept.partial";
  fs::copy_file(partial, kept);
  REQUIRE(shell(python + " -c \"import h5py,sys; h5py.File(sys.argv[1], 'r+').attrs.modify('version', '1.1')\" " +
                partial.string()) == 0);
  r = run("run " + common + " -o " + out.string() + " --resume", dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("file format 1.1") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
  fs::copy_file(kept, partial, fs::copy_options::overwrite_existing);
  // Its datasets were begun at the default levels: other levels are refused, the same ones accepted.
  r = run("run " + common + " -o " + out.string() + " --resume --compression all=6", dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("--compression replicates=1,timeseries=1,parameters=0") != std::string::npos);
  CHECK(slurp(dir / "part.h5.partial") == before);
  CHECK_FALSE(fs::exists(out));
  r = run("run " + common + " -o " + out.string() + " --resume --compression parameters=0", dir);
  CHECK(r.status == 0);
  CHECK(fs::exists(out));
}

TEST_CASE("A killed run leaves nothing under the final name") {
  const fs::path dir = scratch("killed");
  const fs::path out = dir / "out.h5";
  const pid_t pid = start("run " + config + " --replicates 2000000 --progress never -o " + out.string(), dir);
  wait_for_start(dir / "out.h5.partial");
  kill(pid, SIGKILL);
  wait_for(pid);
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("A precision target stops at the same replicate for 1 and 2 threads and meets the target") {
  const fs::path dir = scratch("target");
  const std::string common = config + " --target-rse 0.004 --target-output total_cost_usd --max-replicates 500000"
                                      " --progress never";
  REQUIRE(run("run " + common + " --threads 1 -o " + (dir / "t1.h5").string(), dir).status == 0);
  REQUIRE(run("run " + common + " --threads 2 -o " + (dir / "t2.h5").string(), dir).status == 0);
  CHECK(same_data(dir / "t1.h5", dir / "t2.h5", {"/replicates", "/summary"}));
  const std::string check = python + " -c \"import h5py,sys; f=h5py.File(sys.argv[1]); a=f.attrs;"
                                     " s=f['summary/total_cost_usd'].attrs; n=int(a['replicates']);"
                                     " assert n < 500000 and n % 1024 == 0, n;"
                                     " assert a['rse_reached'] <= 0.004 and a['stopped_by'] == 'target_rse';"
                                     " assert abs(s['se']/s['mean'] - a['rse_reached']) < 1e-12\" ";
  CHECK(shell(check + (dir / "t1.h5").string()) == 0);
  CHECK(run("run " + config + " --max-replicates 10", dir).status == 2);
  CHECK(run("run " + config + " --target-rse 2", dir).status == 2);
  CHECK(run("run " + config + " --target-rse 0.01 --target-output total_cost", dir).status == 2);
}

TEST_CASE("A stop is honoured at the next replicate, not after the blocks in flight") {
  // 16 ms a replicate at one thread: the blocks in flight (3 of 1024) used to
  // run to the end, so SIGTERM was ignored and the run ended with status 0.
  const fs::path dir = scratch("stop_prompt");
  const std::string cfg = source_dir + "/configs/hospital_adoption_us_stroke_lvo.yaml";
  const pid_t pid = start("run " + cfg + " --replicates 3000 --threads 1 --progress never -o " +
                              (dir / "out.h5").string(), dir);
  wait_for_start(dir / "out.h5.partial");
  const auto asked = std::chrono::steady_clock::now();
  kill(pid, SIGTERM);
  const int status = wait_for(pid);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count();
  INFO("stopped " << seconds << " s after SIGTERM");
  CHECK(status == 3);
  CHECK(seconds < 10.0);
  CHECK(fs::exists(dir / "out.h5.partial"));
  CHECK_FALSE(fs::exists(dir / "out.h5"));
}

TEST_CASE("A precision target never claims an RSE from a handful of values and names what decided the stop") {
  // The US stroke config shrunk to 12 hospitals over 3 months: adoption
  // milestones are rare (10 %) or never reached (50 %).
  const fs::path dir = scratch("precision_values");
  const std::string text = small_adoption_config(3);
  const fs::path cfg = write(dir, "tiny.yaml", text);
  const auto attribute = [&](const fs::path& file, const std::string& name) {
    return run_output("h5dump -a /" + name + " " + file.string());
  };

  // Every scalar output targeted: the one with no value at all is left out and named.
  Result all = run("run " + cfg.string() + " --target-rse 0.05 --max-replicates 4096 --progress never -o " +
                       (dir / "all.h5").string(), dir);
  INFO(all.out << all.err);
  REQUIRE(all.status == 0);
  CHECK_THAT(all.out, Catch::Contains("not targeted, no value in any replicate: months_to_50pct_adoption"));
  CHECK_THAT(attribute(dir / "all.h5", "rse_excluded_outputs"), Catch::Contains("months_to_50pct_adoption"));

  // A rare outcome targeted alone: fewer than 100 values never meet the target.
  Result rare = run("run " + cfg.string() +
                        " --target-rse 0.05 --max-replicates 4096 --target-output months_to_10pct_adoption "
                        "--progress never -o " + (dir / "rare.h5").string(), dir);
  INFO(rare.out << rare.err);
  REQUIRE(rare.status == 0);
  CHECK_THAT(rare.out, Catch::Contains("not reached by --max-replicates; fewer than 100 values: months_to_10pct_adoption"));
  CHECK_THAT(attribute(dir / "rare.h5", "stopped_by"), Catch::Contains("\"max_replicates\""));
  CHECK_THAT(attribute(dir / "rare.h5", "replicates"), Catch::Contains("4096"));
}
