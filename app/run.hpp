#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace samdsim::app {

// Exit status of a run stopped by SIGINT/SIGTERM that left a resumable file.
inline constexpr int exit_interrupted = 3;

struct RunArgs {
  std::string config;
  std::string output;
  bool output_given = false;  // -o given (an empty name is then an error, not the default)
  std::optional<std::string> replicates;
  std::optional<std::string> seed;
  unsigned threads = 0;
  std::string progress = "auto";
  bool resume = false;
  std::optional<double> target_rse;
  std::vector<std::string> target_outputs;
  std::optional<std::string> max_replicates;
  std::optional<std::string> shard;  // "I/N"
  std::string outputs = "all";       // all | bands | summary
  std::optional<std::string> compression;  // "GROUP=LEVEL,..."; none: the defaults
};

// A shard: the I-th of N contiguous slices of a run's blocks.
struct ShardSpec {
  std::uint64_t index = 0;
  std::uint64_t count = 1;
};
ShardSpec parse_shard(const std::string& text);

int command_run(const RunArgs& args);

}  // namespace samdsim::app
