#pragma once

// Running the samdsim program from tests: exit status, output, files.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <string>

#include "scratch_root.hpp"

namespace fs = std::filesystem;

namespace cli {

struct Result {
  int status = -1;
  std::string out, err;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh directory per test case, removed with the others when the test
// program ends.
inline fs::path scratch(const std::string& name) {
  const fs::path dir = samdsim_tests::scratch_root("samdsim_cli_") / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

inline Result run(const std::string& args, const fs::path& dir) {
  const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  const std::string cmd = std::string(SAMDSIM_BINARY) + " " + args + " >" + out.string() + " 2>" + err.string();
  const int raw = std::system(cmd.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
}

inline int shell(const std::string& cmd) {
  const int raw = std::system(cmd.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

// The standard output of a shell command.
inline std::string run_output(const std::string& cmd) {
  const fs::path out = fs::temp_directory_path() / ("samdsim_cli_" + std::to_string(getpid()) + "_cmd.txt");
  std::system((cmd + " >" + out.string() + " 2>&1").c_str());
  std::string text = slurp(out);
  fs::remove(out);
  return text;
}

inline fs::path write(const fs::path& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name) << text;
  return dir / name;
}

inline const std::string source_dir = SAMDSIM_SOURCE_DIR;

// The US stroke adoption config shrunk to 12 hospitals over `horizon`
// months: a hospital_adoption run of milliseconds a replicate.
inline std::string small_adoption_config(int horizon) {
  std::string text = slurp(source_dir + "/configs/hospital_adoption_us_stroke_lvo.yaml");
  const std::pair<std::string, std::string> edits[] = {{"count: 350 ", "count: 3 "},
                                                       {"count: 1300 ", "count: 4 "},
                                                       {"count: 2350 ", "count: 5 "},
                                                       {"horizon_months: 60 ", "horizon_months: " + std::to_string(horizon) + " "}};
  for (const auto& [from, to] : edits) {
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("small_adoption_config: '" + from + "' not in the config");
    text.replace(at, from.size(), to);
  }
  return text;
}
inline const std::string python = "/usr/bin/python3";

}  // namespace cli

using namespace cli;
