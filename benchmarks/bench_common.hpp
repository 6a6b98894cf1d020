#pragma once

// What every benchmark program shares: a sink that drops blocks, timing, the
// machine's load, and the error handling of main().

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "samdsim/runner.hpp"

namespace samdsim::bench {

// Pure simulation: the runner's work without any output.
class DiscardSink : public BlockSink {
 public:
  void consume(const Block&) override {}
};

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Other work on the machine lowers every rate, the 2-thread ones most: each
// benchmark prints the load average beside its numbers.
inline std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return in ? one + " " + five + " " + fifteen : "unknown";
}

// The first directory of PATH holding an executable Rscript, or "".
inline std::string find_rscript() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::filesystem::path candidate = std::filesystem::path(dir) / "Rscript";
    if (!dir.empty() && std::filesystem::exists(candidate)) return candidate.string();
  }
  return "";
}

// A peer's script in benchmarks/ (run from the repository root), else beside this file.
inline std::string peer_script(const std::string& name) {
  const std::filesystem::path here = std::filesystem::path("benchmarks") / name;
  return std::filesystem::exists(here) ? here.string() : (std::filesystem::path(__FILE__).parent_path() / name).string();
}

// Runs a peer's command and reads the "key value" lines it prints; fails
// with its output unless it exits 0 and prints `required`.
inline std::map<std::string, std::string> run_key_values(const std::string& cmd, const std::string& required) {
  std::FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot start " + cmd);
  std::map<std::string, std::string> values;
  std::string output;
  std::array<char, 512> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe)) {
    output += buffer.data();
    std::istringstream line(buffer.data());
    std::string key, value;
    if (line >> key >> value) values[key] = value;
  }
  const int status = pclose(pipe);
  if (status != 0 || !values.count(required)) throw std::runtime_error("the peer failed (" + cmd + "):\n" + output);
  return values;
}

// One command-line option of a benchmark program: `--name VALUE` when
// `value` names its argument ("N", "DIR"), a flag otherwise.
struct BenchOption {
  std::string name;
  std::string value;
  std::string help;
  std::function<void(const std::string&)> apply;
};

// A count option: --name N, N in [min, max], stored in `target`.
inline BenchOption count_option(const std::string& name, std::uint64_t& target, std::uint64_t min, std::uint64_t max,
                                const std::string& help) {
  return {name, "N", help, [&target, name, min, max](const std::string& text) { target = parse_count(text, name, min, max); }};
}

// Applies the options given; --help prints the usage (exit 0), anything
// else unknown prints it to stderr (exit 2).
inline void parse_bench_options(const std::string& program, int argc, char** argv,
                                const std::vector<BenchOption>& options) {
  const auto usage = [&](int status) {
    std::string line = "usage: " + program, lines;
    std::size_t width = 0;
    for (const auto& o : options) width = std::max(width, o.name.size() + 1 + o.value.size());
    for (const auto& o : options) {
      const std::string shown = o.value.empty() ? o.name : o.name + " " + o.value;
      line += " [" + shown + "]";
      lines += "  " + shown + std::string(width + 2 - shown.size(), ' ') + o.help + "\n";
    }
    (status == 0 ? std::cout : std::cerr) << line << "\n" << lines;
    std::exit(status);
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") usage(0);
    const BenchOption* found = nullptr;
    for (const auto& o : options)
      if (o.name == arg) found = &o;
    if (!found || (!found->value.empty() && i + 1 >= argc)) usage(2);
    found->apply(found->value.empty() ? std::string() : std::string(argv[++i]));
  }
}

// Runs `body`, mapping bad options to exit status 2 and anything else to 1.
template <class F>
int guarded_main(const char* program, F&& body) {
  try {
    body();
  } catch (const InputError& e) {
    std::cerr << program << ": error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << program << ": internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace samdsim::bench
