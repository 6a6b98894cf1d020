#pragma once

// Runs the samdsim program as a child process for the robustness tests (bad
// inputs, SIGKILL, full disk): no shell, so arguments need no quoting; a
// working directory, a time limit and resource limits per run.

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "scratch_root.hpp"

namespace robustness {

namespace fs = std::filesystem;

inline const std::string binary = SAMDSIM_BINARY;
inline const fs::path source_dir = SAMDSIM_SOURCE_DIR;

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void spit(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

// A fresh, empty directory, removed when the object goes.
struct Scratch {
  fs::path path;
  explicit Scratch(const std::string& name) {
    path = samdsim_tests::scratch_root("samdsim_robust_") / name;
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// The names in a directory (not recursive).
inline std::set<std::string> listing(const fs::path& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.insert(e.path().filename().string());
  return names;
}

struct Limits {
  double seconds = 60.0;                      // killed with SIGKILL after this
  std::optional<rlim_t> file_size_bytes;      // RLIMIT_FSIZE (SIGXFSZ ignored: writes fail with EFBIG)
  std::optional<rlim_t> address_space_bytes;  // RLIMIT_AS
  std::vector<std::pair<std::string, std::string>> env;  // set in the child
  bool ignore_sigxfsz = true;  // false: samdsim must handle the file size limit itself
};

struct Outcome {
  int status = -1;         // exit status; 128 + signal when killed by a signal
  bool timed_out = false;  // killed by the time limit
  double seconds = 0.0;
  std::string out, err;
};

// Starts `program` with `args` in `cwd`; stdin is /dev/null, stdout and
// stderr go to the given files.
inline pid_t spawn(const std::string& program, const std::vector<std::string>& args, const fs::path& cwd,
                   const Limits& limits, const fs::path& out_file, const fs::path& err_file) {
  std::vector<std::string> argv_s = {program};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  // Child: only async-signal-safe calls until exec.
  if (::chdir(cwd.c_str()) != 0) ::_exit(126);
  const int in = ::open("/dev/null", O_RDONLY);
  const int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in < 0 || out < 0 || err < 0) ::_exit(126);
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  if (limits.file_size_bytes) {
    if (limits.ignore_sigxfsz) ::signal(SIGXFSZ, SIG_IGN);
    const rlimit r{*limits.file_size_bytes, *limits.file_size_bytes};
    ::setrlimit(RLIMIT_FSIZE, &r);
  }
  if (limits.address_space_bytes) {
    const rlimit r{*limits.address_space_bytes, *limits.address_space_bytes};
    ::setrlimit(RLIMIT_AS, &r);
  }
  for (const auto& [name, value] : limits.env) ::setenv(name.c_str(), value.c_str(), 1);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

inline int decode_status(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return -1;
}

// Runs `program` to completion (or to the time limit). Its stdout and stderr
// go to files beside (not inside) `cwd`, so they never show in its listing.
inline Outcome run_program(const std::string& program, const std::vector<std::string>& args, const fs::path& cwd,
                           const Limits& limits = {}) {
  const fs::path out_file = cwd.parent_path() / (cwd.filename().string() + ".stdout");
  const fs::path err_file = cwd.parent_path() / (cwd.filename().string() + ".stderr");
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = spawn(program, args, cwd, limits, out_file, err_file);
  Outcome o;
  int raw = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &raw, WNOHANG);
    if (r == pid) break;
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (o.seconds > limits.seconds && !o.timed_out) {
      o.timed_out = true;
      ::kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  o.status = decode_status(raw);
  o.out = slurp(out_file);
  o.err = slurp(err_file);
  std::error_code ec;
  fs::remove(out_file, ec);
  fs::remove(err_file, ec);
  return o;
}

// Runs samdsim.
inline Outcome run(const std::vector<std::string>& args, const fs::path& cwd, const Limits& limits = {}) {
  return run_program(binary, args, cwd, limits);
}

// Starts samdsim in the background; its stdout and stderr go beside `dir`.
inline pid_t start(const std::vector<std::string>& args, const fs::path& dir, const std::string& tag,
                   const Limits& limits = {}) {
  return spawn(binary, args, dir, limits, dir.parent_path() / (tag + ".out"), dir.parent_path() / (tag + ".err"));
}

inline int wait_status(pid_t pid) {
  int raw = 0;
  ::waitpid(pid, &raw, 0);
  return decode_status(raw);
}

inline void wait_for_file(const fs::path& path) {
  for (int i = 0; i < 2000 && !fs::exists(path); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

// Splits a command line on blanks; '...' groups, and '' is an empty argument.
inline std::vector<std::string> split_args(const std::string& line) {
  std::vector<std::string> args;
  std::string current;
  bool in_quote = false, have = false;
  for (char c : line) {
    if (c == '\'') {
      in_quote = !in_quote;
      have = true;
    } else if (!in_quote && (c == ' ' || c == '\t')) {
      if (have) args.push_back(current);
      current.clear();
      have = false;
    } else {
      current += c;
      have = true;
    }
  }
  if (have) args.push_back(current);
  return args;
}

inline void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

// A small valid us_pathway config: runs in milliseconds.
inline const std::string good_config = R"(model: us_pathway
replicates: 300
seed: 11
parameters:
  pathway: 510k
  studies:
    - type: standalone
      sensitivity: {dist: beta, mean: 0.92, sd: 0.02}
      specificity: 0.9
      sensitivity_goal: 0.85
      specificity_goal: 0.85
)";

}  // namespace robustness
