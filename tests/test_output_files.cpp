// The files around a result: temporaries created only under fresh names,
// outputs and inputs that must be regular files, samdsim's own output lock,
// resumes that never damage the partial file, commits that survive a stop,
// and a file size limit reported like a full disk.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "robustness_fixture.hpp"
#include "samdsim/output_files.hpp"

using namespace robustness;

namespace {

const std::string slow_config = (source_dir / "configs" / "pma_breakthrough_rct.yaml").string();

std::vector<std::string> small_run(const std::string& out) {
  return {"run", "small.yaml", "-o", out, "--progress", "never"};
}

bool same_data(const fs::path& dir, const std::string& a, const std::string& b) {
  return run_program("/usr/bin/h5diff", {"-q", a, b, "/replicates", "/replicates"}, dir).status == 0 &&
         run_program("/usr/bin/h5diff", {"-q", a, b, "/summary", "/summary"}, dir).status == 0;
}

}  // namespace

TEST_CASE("Temporary names are fresh and recognised as temporaries of their output only") {
  const fs::path a = samdsim::files::temporary_name("/x/out.h5", "compact");
  const fs::path b = samdsim::files::temporary_name("/x/out.h5", "compact");
  CHECK(a != b);
  CHECK(a.parent_path() == fs::path("/x"));
  CHECK(samdsim::files::is_temporary_of(a.filename().string(), "out.h5"));
  CHECK_FALSE(samdsim::files::is_temporary_of(a.filename().string(), "out"));
  CHECK_FALSE(samdsim::files::is_temporary_of("out.h5.partial", "out.h5"));
  CHECK_FALSE(samdsim::files::is_temporary_of("out.h5.notes.tmp", "out.h5"));
}

TEST_CASE("sensitivity never writes through a link planted beside the result") {
  Scratch dir("planted-link");
  spit(dir.path / "small.yaml", good_config);
  REQUIRE(run(small_run("res.h5"), dir.path).status == 0);
  spit(dir.path / "victim.txt", "precious\n");
  // The name the analysis once wrote through, and a link to the result's lock.
  fs::create_symlink("victim.txt", dir.path / "res.h5.sensitivity-tmp");
  const Outcome o = run({"sensitivity", "res.h5", "--bootstrap", "20"}, dir.path);
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(slurp(dir.path / "victim.txt") == "precious\n");
  CHECK(listing(dir.path) == std::set<std::string>{"small.yaml", "res.h5", "victim.txt", "res.h5.sensitivity-tmp"});
}

TEST_CASE("A lock file that is a link is refused and its target untouched") {
  Scratch dir("lock-link");
  spit(dir.path / "small.yaml", good_config);
  spit(dir.path / "victim.txt", "precious\n");
  fs::create_symlink("victim.txt", dir.path / "out.h5.lock");
  const Outcome o = run(small_run("out.h5"), dir.path);
  CHECK(o.status == 2);
  CHECK(slurp(dir.path / "victim.txt") == "precious\n");
  CHECK_FALSE(fs::exists(dir.path / "out.h5"));
}

TEST_CASE("An output that is a FIFO or a device is refused with exit status 2") {
  Scratch dir("output-kinds");
  spit(dir.path / "small.yaml", good_config);
  REQUIRE(::mkfifo((dir.path / "out.fifo").c_str(), 0644) == 0);
  const Outcome fifo = run(small_run("out.fifo"), dir.path, Limits{10.0});
  CHECK_FALSE(fifo.timed_out);
  CHECK(fifo.status == 2);
  CHECK_THAT(fifo.err, Catch::Contains("FIFO"));
  const Outcome device = run(small_run("/dev/null"), dir.path, Limits{10.0});
  CHECK(device.status == 2);
  CHECK_THAT(device.err, Catch::Contains("character device"));
  CHECK(listing(dir.path) == std::set<std::string>{"small.yaml", "out.fifo"});
}

TEST_CASE("Inputs that are not regular files are refused at once") {
  Scratch dir("input-kinds");
  spit(dir.path / "small.yaml", good_config);
  REQUIRE(run(small_run("res.h5"), dir.path).status == 0);
  REQUIRE(::mkfifo((dir.path / "pipe").c_str(), 0644) == 0);
  REQUIRE(::mkfifo((dir.path / "p.h5.partial").c_str(), 0644) == 0);
  const std::vector<std::vector<std::string>> commands = {
      {"validate", "pipe"},
      {"run", "pipe", "-o", "x.h5"},
      {"validate", "/dev/zero"},
      {"summarize", "pipe"},
      {"summarize", "/dev/zero"},
      {"sensitivity", "pipe"},
      {"merge", "pipe", "res.h5", "-o", "m.h5"},
      {"run", "small.yaml", "-o", "p.h5", "--resume"},
  };
  for (const auto& args : commands) {
    const Outcome o = run(args, dir.path, Limits{10.0});
    INFO(args[0] << " " << args[1] << ": " << o.err);
    CHECK_FALSE(o.timed_out);
    CHECK(o.status == 2);
  }
  CHECK(listing(dir.path) == std::set<std::string>{"small.yaml", "res.h5", "pipe", "p.h5.partial"});
}

TEST_CASE("A config larger than any hand-written one is refused before it is read") {
  Scratch dir("huge-config");
  {
    std::ofstream f(dir.path / "huge.yaml");
    f << good_config;
  }
  fs::resize_file(dir.path / "huge.yaml", std::uintmax_t{3} << 30);  // sparse: no disk used
  const Outcome o = run({"validate", "huge.yaml"}, dir.path, Limits{10.0});
  CHECK_FALSE(o.timed_out);
  CHECK(o.status == 2);
  CHECK_THAT(o.err, Catch::Contains("huge.yaml"));
}

TEST_CASE("While one process holds an output, runs, resumes, merges and analyses of it are refused") {
  Scratch dir("locked");
  spit(dir.path / "small.yaml", good_config);
  REQUIRE(run(small_run("res.h5"), dir.path).status == 0);
  REQUIRE(run({"run", "small.yaml", "-o", "s0.h5", "--shard", "0/1", "--progress", "never"}, dir.path).status == 0);
  const std::string earlier = slurp(dir.path / "res.h5");
  {
    const samdsim::files::OutputLock held(dir.path / "res.h5");
    const std::vector<std::vector<std::string>> commands = {
        small_run("res.h5"),
        {"run", "small.yaml", "-o", "res.h5", "--resume"},
        {"merge", "s0.h5", "-o", "res.h5"},
        {"sensitivity", "res.h5", "--bootstrap", "20"},
    };
    for (const auto& args : commands) {
      const Outcome o = run(args, dir.path, Limits{10.0});
      INFO(args[0] << ": " << o.err);
      CHECK(o.status == 2);
      CHECK_THAT(o.err, Catch::Contains("another samdsim process is writing"));
    }
    CHECK(slurp(dir.path / "res.h5") == earlier);
  }
  // Released: the lock file is gone and the output is free again.
  CHECK(listing(dir.path) == std::set<std::string>{"small.yaml", "res.h5", "s0.h5"});
  CHECK(run(small_run("res.h5"), dir.path).status == 0);
}

TEST_CASE("A resume killed outright leaves the partial file as it was, and resuming again completes the run") {
  Scratch dir("resume-kill");
  const std::vector<std::string> common = {slow_config, "--replicates", "300000", "--threads", "2", "--progress",
                                           "never"};
  auto args = [&](const std::string& out, bool resume) {
    std::vector<std::string> a = {"run"};
    a.insert(a.end(), common.begin(), common.end());
    a.insert(a.end(), {"-o", out});
    if (resume) a.push_back("--resume");
    return a;
  };
  REQUIRE(run(args("full.h5", false), dir.path, Limits{600.0}).status == 0);

  const pid_t first = start(args("part.h5", false), dir.path, "first");
  wait_for_file(dir.path / "part.h5.partial");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  ::kill(first, SIGTERM);
  const int status = wait_status(first);
  if (status == 0) {
    WARN("the run finished before SIGTERM arrived; nothing to resume");
    return;
  }
  REQUIRE(status == 3);
  const std::string checkpoint = slurp(dir.path / "part.h5.partial");

  for (const int delay_ms : {20, 300}) {
    const pid_t resumed = start(args("part.h5", true), dir.path, "resumed");
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(resumed, SIGKILL);
    wait_status(resumed);
    INFO("resume killed after " << delay_ms << " ms");
    if (fs::exists(dir.path / "part.h5")) break;  // it had already finished
    CHECK(slurp(dir.path / "part.h5.partial") == checkpoint);
  }
  if (!fs::exists(dir.path / "part.h5")) {
    const Outcome done = run(args("part.h5", true), dir.path, Limits{600.0});
    INFO(done.err);
    REQUIRE(done.status == 0);
  }
  CHECK(same_data(dir.path, "full.h5", "part.h5"));
  for (const auto& name : listing(dir.path)) {
    INFO(name);
    CHECK((name == "full.h5" || name == "part.h5"));
  }
}

TEST_CASE("A partial file whose work is complete is committed by --resume, compacted as asked") {
  // A stop during the final commit leaves such a file.
  Scratch dir("resume-complete");
  spit(dir.path / "small.yaml", good_config);
  REQUIRE(run(small_run("full.h5"), dir.path).status == 0);
  fs::copy_file(dir.path / "full.h5", dir.path / "again.h5.partial");
  const Outcome o = run({"run", "small.yaml", "-o", "again.h5", "--resume", "--outputs", "summary"}, dir.path);
  INFO(o.err);
  REQUIRE(o.status == 0);
  CHECK(run_program("/usr/bin/h5diff", {"-q", "full.h5", "again.h5", "/summary", "/summary"}, dir.path).status == 0);
  CHECK(listing(dir.path) == std::set<std::string>{"small.yaml", "full.h5", "again.h5"});
}

TEST_CASE("A file size limit ends the run with status 1 and the reason, not a signal") {
  Scratch dir("fsize-signal");
  const Outcome o = run({"run", slow_config, "-o", "out.h5", "--replicates", "60000", "--progress", "never"},
                        dir.path, Limits{600.0, rlim_t{512} * 1024, {}, {}, false});
  INFO(o.err);
  CHECK(o.status == 1);
  CHECK_THAT(o.err, Catch::Contains("File too large"));
  CHECK(listing(dir.path).empty());
}
