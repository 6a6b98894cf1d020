#pragma once

// What every benchmark program shares: a sink that drops blocks, timing, the
// machine's load, and the error handling of main().

#include <chrono>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

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
