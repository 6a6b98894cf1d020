// Writes that fail or are cut short in the commands other than a plain run:
// `merge`, `sensitivity`, `--resume` and `--outputs` compaction. A refused
// write (file-size limit, as a full disk) or a SIGKILL at any moment leaves
// every input byte-identical and, under the output's name, the earlier file
// or a complete new one; two resumes of one partial file at once (with
// HDF5's own file locking off, as on Lustre) finish it once.

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <regex>

#include "robustness_fixture.hpp"

using namespace robustness;

namespace {

const std::string config = (source_dir / "configs" / "pma_breakthrough_rct.yaml").string();

#ifdef SAMDSIM_SANITIZED
constexpr const char* replicates = "20000";
#else
constexpr const char* replicates = "60000";
#endif

std::vector<std::string> run_args(const std::string& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {"run", config, "-o", out, "--replicates", replicates, "--threads", "2",
                                "--progress", "never"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& name : listing(dir)) files[name] = slurp(dir / name);
  return files;
}

bool same_group(const fs::path& dir, const std::string& a, const std::string& b, const std::string& group) {
  return run_program("/usr/bin/h5diff", {"-q", a, b, group, group}, dir).status == 0;
}

// A result, two shards of the same run, and a copy of the result as a partial
// file whose work is complete (what a stop during the final commit leaves).
void prepare(const fs::path& dir) {
  for (const auto& args : {run_args("res.h5"), run_args("s0.h5", {"--shard", "0/2"}),
                           run_args("s1.h5", {"--shard", "1/2"})}) {
    const Outcome o = run(args, dir, Limits{600.0});
    INFO(o.err);
    REQUIRE(o.status == 0);
  }
  fs::copy_file(dir / "res.h5", dir / "again.h5.partial");
}

}  // namespace

TEST_CASE("A refused write in merge, sensitivity, resume or compaction leaves every file as it was") {
  Scratch dir("write-refused");
  prepare(dir.path);
  const auto before = snapshot(dir.path);
  REQUIRE(before.at("res.h5").size() > 1024 * 1024);
  const std::vector<std::vector<std::string>> commands = {
      {"merge", "s0.h5", "s1.h5", "-o", "merged.h5"},
      {"merge", "s0.h5", "s1.h5", "-o", "merged.h5", "--outputs", "summary"},
      {"sensitivity", "res.h5", "--bootstrap", "20"},
      run_args("again.h5", {"--resume"}),
      run_args("again.h5", {"--resume", "--outputs", "summary"}),
  };
  for (const auto& args : commands) {
    const Outcome o = run(args, dir.path, Limits{600.0, rlim_t{512} * 1024, {}});
    INFO(args[0] << " " << args[args.size() - 1] << ": status " << o.status << "\n" << o.err);
    CHECK(o.status == 1);
    CHECK_THAT(o.err, Catch::Contains("File too large"));
    CHECK(snapshot(dir.path) == before);
  }
}

TEST_CASE("SIGKILL of merge, sensitivity or a compacting resume leaves inputs intact and no damaged output") {
  Scratch dir("write-killed");
  prepare(dir.path);
  const std::string result = slurp(dir.path / "res.h5");
  const std::string shard0 = slurp(dir.path / "s0.h5"), shard1 = slurp(dir.path / "s1.h5");
  const std::string partial = slurp(dir.path / "again.h5.partial");
  // What SIGKILL may leave: the lock file, the killed merge's own partial
  // file, and temporaries under fresh names; the next command removes or
  // replaces each of them.
  const std::regex leftover(R"((res|merged|again)\.h5\.(lock|[a-z]+-[0-9a-f]{12}\.tmp)|merged\.h5\.partial)");

  struct Command {
    std::vector<std::string> args;
    std::string output;
  };
  const std::vector<Command> commands = {
      {{"merge", "s0.h5", "s1.h5", "-o", "merged.h5"}, "merged.h5"},
      {{"sensitivity", "res.h5", "--bootstrap", "0", "--output", "total_cost_usd"}, "res.h5"},
      {run_args("again.h5", {"--resume", "--outputs", "summary"}), "again.h5"},
  };
  std::mt19937_64 rng(20261126);
  for (const auto& c : commands) {
    // How long the command takes here, then kills spread over that time.
    Scratch probe("write-killed-probe");
    for (const auto& name : listing(dir.path)) fs::copy_file(dir.path / name, probe.path / name);
    const Outcome whole = run(c.args, probe.path, Limits{600.0});
    INFO(c.args[0] << ": " << whole.err);
    REQUIRE(whole.status == 0);
    std::uniform_real_distribution<double> moment(0.0, 1.1 * whole.seconds);
    for (int k = 0; k < 5; ++k) {
      const double delay = k == 0 ? 0.005 : moment(rng);
      const pid_t pid = start(c.args, dir.path, "killed");
      std::this_thread::sleep_for(std::chrono::duration<double>(delay));
      ::kill(pid, SIGKILL);
      wait_status(pid);
      INFO(c.args[0] << " killed after " << delay << " s of " << whole.seconds << " s");
      CHECK(slurp(dir.path / "s0.h5") == shard0);
      CHECK(slurp(dir.path / "s1.h5") == shard1);
      if (c.output == "res.h5") {
        // Its own input: the file as it was, or the file with its analysis added.
        if (slurp(dir.path / "res.h5") != result) {
          CHECK(same_group(dir.path, "res.h5", "again.h5.partial", "/replicates"));
          CHECK(run({"summarize", "res.h5"}, dir.path).status == 0);
          spit(dir.path / "res.h5", result);
        }
      } else if (fs::exists(dir.path / c.output)) {
        const Outcome s = run({"summarize", c.output}, dir.path);
        INFO(s.err);
        CHECK(s.status == 0);
        CHECK(same_group(dir.path, c.output, "res.h5", "/summary"));
        fs::remove(dir.path / c.output);
        if (c.output == "again.h5") spit(dir.path / "again.h5.partial", partial);
      } else if (c.output == "again.h5") {
        CHECK(slurp(dir.path / "again.h5.partial") == partial);
      }
      for (const auto& name : listing(dir.path)) {
        INFO(name);
        CHECK((name == "res.h5" || name == "s0.h5" || name == "s1.h5" || name == "again.h5.partial" ||
               std::regex_match(name, leftover)));
      }
    }
    // The next command completes and clears what the kills left.
    const Outcome after = run(c.args, dir.path, Limits{600.0});
    INFO(after.err);
    CHECK(after.status == 0);
    for (const auto& name : listing(dir.path)) {
      INFO(name);
      CHECK((name == "res.h5" || name == "s0.h5" || name == "s1.h5" || name == c.output ||
             (name == "again.h5.partial" && c.output != "again.h5")));
    }
    if (c.output == "merged.h5") fs::remove(dir.path / "merged.h5");
    if (c.output == "again.h5") {
      fs::remove(dir.path / "again.h5");
      spit(dir.path / "again.h5.partial", partial);
    }
  }
}

TEST_CASE("Two resumes of one partial file at once, with HDF5 file locking off, finish it once") {
  Scratch dir("resume-twice");
  const Outcome full = run(run_args("full.h5"), dir.path, Limits{600.0});
  REQUIRE(full.status == 0);
  for (int trial = 0; trial < 3; ++trial) {
    fs::copy_file(dir.path / "full.h5", dir.path / "out.h5.partial", fs::copy_options::overwrite_existing);
    const Limits unlocked{600.0, {}, {}, {{"HDF5_USE_FILE_LOCKING", "FALSE"}}};
    const pid_t a = start(run_args("out.h5", {"--resume"}), dir.path, "first", unlocked);
    const pid_t b = start(run_args("out.h5", {"--resume"}), dir.path, "second", unlocked);
    const int sa = wait_status(a), sb = wait_status(b);
    INFO("trial " << trial << ": statuses " << sa << " and " << sb);
    // One commits; the other is refused (the output is locked, or there is nothing left to resume).
    CHECK(((sa == 0 && sb == 2) || (sa == 2 && sb == 0)));
    CHECK(same_group(dir.path, "out.h5", "full.h5", "/replicates"));
    CHECK(same_group(dir.path, "out.h5", "full.h5", "/summary"));
    CHECK(listing(dir.path) == std::set<std::string>{"full.h5", "out.h5"});
    fs::remove(dir.path / "out.h5");
  }
}
