// The bad-input corpus (tests/bad_inputs/): every case goes through the real
// samdsim program and must end with its expected exit status and message
// fragments, create no file (no result, no temporary, no partial), and leave
// an earlier result at the output path byte-identical. See
// docs/robustness.md for the corpus format.

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "robustness_fixture.hpp"

using namespace robustness;

namespace {

const fs::path corpus_dir = source_dir / "tests" / "bad_inputs";
// A bad input must be refused in seconds; sanitizer builds run several times slower.
constexpr double case_seconds = 20.0;

struct Case {
  std::string name;                      // file name or manifest case name
  fs::path config;                       // the config file (empty for manifest cases)
  std::vector<std::string> setup;        // manifest: "NAME KIND"
  std::string args;                      // extra options (config cases) or the whole command line (manifest)
  std::optional<std::string> existing;   // manifest: run again over an earlier result at {out}
  int exit = -1;
  std::vector<std::string> messages, absent;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Applies one `key: value` line to a case; false when the key is unknown.
bool apply(Case& c, const std::string& key, const std::string& value) {
  if (key == "expect") {
    if (value.rfind("exit ", 0) != 0) return false;
    c.exit = std::stoi(value.substr(5));
  } else if (key == "message") {
    c.messages.push_back(value);
  } else if (key == "absent") {
    c.absent.push_back(value);
  } else if (key == "args") {
    c.args = value;
  } else if (key == "file") {
    c.setup.push_back(value);
  } else if (key == "existing") {
    c.existing = value;
  } else {
    return false;
  }
  return true;
}

// Config cases: a YAML/JSON file whose `# key: value` comment lines (anywhere
// in the file, so a JSON case may carry them after its text) give the expectations.
Case read_config_case(const fs::path& file) {
  Case c;
  c.name = file.filename().string();
  c.config = file;
  std::istringstream in(slurp(file));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# ", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(2, colon - 2);
    if (key.find(' ') != std::string::npos) continue;  // prose comment
    apply(c, key, trim(line.substr(colon + 1)));
  }
  return c;
}

std::vector<Case> config_cases() {
  std::vector<Case> cases;
  for (const auto& e : fs::directory_iterator(corpus_dir)) {
    const auto ext = e.path().extension();
    if (ext == ".yaml" || ext == ".yml" || ext == ".json") cases.push_back(read_config_case(e.path()));
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

// Manifest cases (cases.txt): paragraphs of `key: value` lines.
std::vector<Case> manifest_cases() {
  std::vector<Case> cases;
  std::istringstream in(slurp(corpus_dir / "cases.txt"));
  Case current;
  auto flush = [&] {
    if (!current.name.empty()) cases.push_back(current);
    current = Case{};
  };
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    line = trim(line);
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == '#') continue;
    const auto colon = line.find(':');
    const std::string key = colon == std::string::npos ? "" : line.substr(0, colon);
    const std::string value = colon == std::string::npos ? "" : trim(line.substr(colon + 1));
    if (key == "case") {
      current.name = value;
    } else if (!apply(current, key, value)) {
      FAIL("cases.txt:" << line_no << ": unknown line '" << line << "'");
    }
  }
  flush();
  return cases;
}

// A real, complete result file: what an earlier run left at the output path.
const std::string& earlier_result() {
  static const std::string bytes = [] {
    Scratch dir("earlier");
    spit(dir.path / "good.yaml", good_config);
    const Outcome o = run({"run", "good.yaml", "-o", "earlier.h5", "--progress", "never", "--threads", "1"}, dir.path);
    if (o.status != 0) throw std::runtime_error("cannot make the earlier result: " + o.err);
    return slurp(dir.path / "earlier.h5");
  }();
  return bytes;
}

// Deterministic junk: a linear congruential generator, so every run sees the same bytes.
std::string junk(std::size_t n, bool with_nul) {
  std::string s(n, '\0');
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (auto& c : s) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    c = static_cast<char>(x >> 56);
    if (!with_nul) c = static_cast<char>(static_cast<unsigned char>(c) | 0x80);  // never NUL, never ASCII
  }
  return s;
}

void make_setup_file(const fs::path& dir, const std::string& spec) {
  const auto parts = split_args(spec);
  REQUIRE(parts.size() == 2);
  const fs::path p = dir / parts[0];
  const std::string& kind = parts[1];
  if (kind == "empty") {
    spit(p, "");
  } else if (kind == "junk") {
    spit(p, junk(4096, true));
  } else if (kind == "highbit") {
    spit(p, junk(4096, false));
  } else if (kind == "dir") {
    fs::create_directories(p);
  } else if (kind == "good") {
    spit(p, good_config);
  } else if (kind == "result") {
    spit(p, earlier_result());
  } else if (kind == "truncated") {
    spit(p, earlier_result().substr(0, earlier_result().size() / 2));
  } else if (kind == "selflink") {
    fs::create_symlink(p.filename(), p);
  } else {
    FAIL("unknown setup kind '" << kind << "' in '" << spec << "'");
  }
}

std::string expand(std::string s, const fs::path& dir, const std::string& file_name) {
  replace_all(s, "{dir}", dir.string());
  replace_all(s, "{out}", (dir / "out.h5").string());
  replace_all(s, "{good}", (dir / "good.yaml").string());
  replace_all(s, "{src}", source_dir.string());
  replace_all(s, "{file}", file_name);
  return s;
}

// One invocation: status, fragments, and exactly `expected` left in `dir`.
// Returns false (after recording the failures) so a case stops at its first broken run.
bool check_run(const Case& c, const std::string& what, const std::vector<std::string>& args, const fs::path& dir,
               const std::set<std::string>& expected, const std::string& file_name) {
  const Outcome o = run(args, dir, Limits{case_seconds, {}, {}});
  std::string command;
  for (const auto& a : args) command += " " + (a.empty() ? std::string("''") : a);
  INFO(c.name << " (" << what << "): samdsim" << command << "\nstatus " << o.status << ", " << o.seconds
              << " s\nstderr: " << o.err << "stdout (start): " << o.out.substr(0, 300));
  bool ok = true;
  if (o.timed_out) {
    FAIL_CHECK("took more than " << case_seconds << " s: a bad input must be refused in seconds");
    return false;
  }
  if (o.status != c.exit) {
    FAIL_CHECK("exit status " << o.status << ", expected " << c.exit);
    ok = false;
  }
  for (const auto& m : c.messages) {
    const std::string fragment = expand(m, dir, file_name);
    if (o.err.find(fragment) == std::string::npos) {
      FAIL_CHECK("stderr lacks '" << fragment << "'");
      ok = false;
    }
  }
  for (const auto& m : c.absent) {
    const std::string fragment = expand(m, dir, file_name);
    if (o.err.find(fragment) != std::string::npos) {
      FAIL_CHECK("stderr contains '" << fragment << "', which it must not");
      ok = false;
    }
  }
  if (c.exit == 2 && o.err.find("internal error") != std::string::npos) {
    FAIL_CHECK("a bad input is reported as an internal error");
    ok = false;
  }
  const auto left = listing(dir);
  if (left != expected) {
    std::string names;
    for (const auto& n : left)
      if (!expected.count(n)) names += " " + n;
    for (const auto& n : expected)
      if (!left.count(n)) names += " -" + n;
    FAIL_CHECK("the directory changed:" << names);
    ok = false;
  }
  return ok;
}

void run_config_case(const Case& c) {
  REQUIRE(c.exit >= 0);
  REQUIRE_FALSE(c.messages.empty());
  Scratch dir("case");
  const std::string file = c.config.filename().string();
  const std::vector<std::string> extra = split_args(c.args);
  // validate takes no options: cases with options go through run only.
  if (c.args.empty() && !check_run(c, "validate", {"validate", c.config.string()}, dir.path, {}, file)) return;
  std::vector<std::string> run_args = {"run", c.config.string(), "-o", (dir.path / "out.h5").string(),
                                       "--progress", "never"};
  run_args.insert(run_args.end(), extra.begin(), extra.end());
  if (!check_run(c, "run", run_args, dir.path, {}, file)) return;
  // An earlier result at the output path stays byte-identical.
  spit(dir.path / "out.h5", earlier_result());
  if (!check_run(c, "run over an earlier result", run_args, dir.path, {"out.h5"}, file)) return;
  CHECK(slurp(dir.path / "out.h5") == earlier_result());
}

void run_manifest_case(const Case& c) {
  REQUIRE(c.exit >= 0);
  Scratch dir("manifest");
  std::set<std::string> made;
  for (const auto& s : c.setup) {
    make_setup_file(dir.path, s);
    made.insert(split_args(s).front());
  }
  std::vector<std::string> args;
  for (const auto& a : split_args(c.args)) args.push_back(expand(a, dir.path, ""));
  if (!check_run(c, "as given", args, dir.path, made, "")) return;
  const bool over_earlier = c.existing ? *c.existing == "yes" : c.args.find("{out}") != std::string::npos;
  if (!over_earlier) return;
  spit(dir.path / "out.h5", earlier_result());
  made.insert("out.h5");
  if (!check_run(c, "over an earlier result", args, dir.path, made, "")) return;
  CHECK(slurp(dir.path / "out.h5") == earlier_result());
}

// The corpus runs in a few shards so ctest can run them side by side.
constexpr std::size_t shards = 4;

void run_config_shard(std::size_t shard) {
  const auto cases = config_cases();
  for (std::size_t i = shard; i < cases.size(); i += shards) {
    DYNAMIC_SECTION(cases[i].name) { run_config_case(cases[i]); }
  }
}

}  // namespace

TEST_CASE("The bad-input corpus holds at least 60 cases and each names its exit status and message") {
  const auto configs = config_cases();
  const auto manifest = manifest_cases();
  CHECK(configs.size() + manifest.size() >= 60);
  for (const auto& c : configs) {
    INFO(c.name);
    CHECK(c.exit >= 0);
    CHECK_FALSE(c.messages.empty());
  }
  std::set<std::string> names;
  for (const auto& c : manifest) {
    INFO(c.name);
    CHECK(c.exit >= 0);
    CHECK_FALSE(c.args.empty());
    CHECK(names.insert(c.name).second);
  }
}

TEST_CASE("Bad config files part 1 exit with status 2 and a located message and write nothing") { run_config_shard(0); }
TEST_CASE("Bad config files part 2 exit with status 2 and a located message and write nothing") { run_config_shard(1); }
TEST_CASE("Bad config files part 3 exit with status 2 and a located message and write nothing") { run_config_shard(2); }
TEST_CASE("Bad config files part 4 exit with status 2 and a located message and write nothing") { run_config_shard(3); }

TEST_CASE("Missing files and junk and bad output paths and options exit with status 2 and write nothing") {
  for (const auto& c : manifest_cases()) {
    DYNAMIC_SECTION(c.name) { run_manifest_case(c); }
  }
}

TEST_CASE("Every example config in configs/ passes validate and so does its resolved form") {
  Scratch dir("configs");
  int count = 0;
  for (const auto& e : fs::directory_iterator(source_dir / "configs")) {
    if (e.path().extension() != ".yaml" && e.path().extension() != ".json") continue;
    // Portfolio files are not model scenarios: test_portfolio_cli.cpp runs them.
    if (e.path().stem().string().starts_with("portfolio_")) continue;
    ++count;
    INFO(e.path().string());
    const Outcome o = run({"validate", e.path().string()}, dir.path, Limits{case_seconds, {}, {}});
    INFO(o.err);
    CHECK(o.status == 0);
    CHECK(o.err.empty());
    // The resolved config (what a result file stores) must itself validate.
    const std::string marker = "# resolved config (defaults filled in)\n";
    const auto at = o.out.find(marker);
    REQUIRE(at != std::string::npos);
    std::string resolved = o.out.substr(at + marker.size());
    resolved = resolved.substr(0, resolved.find("\n# "));
    spit(dir.path / "resolved.yaml", resolved);
    const Outcome again = run({"validate", "resolved.yaml"}, dir.path, Limits{case_seconds, {}, {}});
    INFO(again.err);
    CHECK(again.status == 0);
  }
  CHECK(count >= 3);
}

TEST_CASE("Many threads do not multiply the memory a run needs") {
#ifdef SAMDSIM_SANITIZED
  SUCCEED("sanitizers reserve terabytes of address space: an address-space limit cannot be tested");
  return;
#endif
  // Blocks in flight grow with the thread count (two windows of 8 blocks per
  // thread): 4096 threads asked for about 10 GB before the first replicate.
  // Under a 3 GB address-space limit the run must either still be running
  // after a few seconds or have finished, never die for lack of memory.
  Scratch dir("threads");
  spit(dir.path / "good.yaml", good_config);
  const Outcome o = run({"run", "good.yaml", "-o", "out.h5", "--replicates", "1e8", "--threads", "4096", "--progress",
                         "never"},
                        dir.path, Limits{5.0, {}, rlim_t{3} << 30});
  INFO("status " << o.status << "\n" << o.err);
  CHECK(o.err.find("bad_alloc") == std::string::npos);
  CHECK((o.timed_out || o.status == 0 || o.status == 2));
}

TEST_CASE("A sweep of 10^4 points is checked in seconds not minutes") {
  // The spec's HPC user runs a 10^4-point sweep overnight; checking it must
  // not take longer than a coffee. Building each point used to copy the
  // config's whole YAML node pool into the next (quadratic in the points).
  Scratch dir("sweep");
  std::string values;
  for (int i = 0; i < 100; ++i) values += (i ? ", " : "") + std::to_string(100000 + 1000 * i);
  spit(dir.path / "sweep.yaml", good_config + "sweep:\n  grid:\n    burn_usd_per_month: [" + values +
                                    "]\n    establishment_fee_usd: [" + values + "]\n");
  const Outcome o = run({"validate", "sweep.yaml"}, dir.path, Limits{30.0, {}, {}});
  INFO(o.err << "\n" << o.seconds << " s");
  CHECK_FALSE(o.timed_out);
  CHECK(o.status == 0);
  CHECK(o.out.find("sweep: 10000 points") != std::string::npos);
}

TEST_CASE("A typo in the choice of a sweep of 9 x 10^4 points is refused before any point is prepared") {
  Scratch dir("sweep-choose-typo");
  std::string values;
  for (int i = 0; i < 300; ++i) values += (i ? ", " : "") + std::to_string(100000 + 1000 * i);
  spit(dir.path / "sweep.yaml", good_config + "sweep:\n  grid:\n    burn_usd_per_month: [" + values +
                                    "]\n    establishment_fee_usd: [" + values +
                                    "]\n  choose:\n    minimize: total_cost_usdd\n");
  // Preparing the 90,000 points takes minutes: the limit is far below that.
  const Outcome o = run({"validate", "sweep.yaml"}, dir.path, Limits{10.0, {}, {}});
  INFO(o.err << "\n" << o.seconds << " s");
  CHECK_FALSE(o.timed_out);
  CHECK(o.status == 2);
  CHECK_THAT(o.err, Catch::Contains("sweep.yaml:") && Catch::Contains("did you mean 'total_cost_usd'"));
}
