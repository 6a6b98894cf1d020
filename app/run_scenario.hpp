#pragma once
// The single-process run that `samdsim run` and each MPI rank carry out.

#include <cstddef>
#include <filesystem>
#include <string>

#include "run.hpp"

namespace samdsim::app {

// What a run leaves to do once its file is written: the analyses its
// config's sensitivity: section asks for.
struct FollowUp {
  bool analyse = false;  // in: the output is a final file (not a shard), analysed after the run
  bool sensitivity = false;
  std::size_t points = 0;  // 0: not a sweep
  std::string output;
};

// The result file: -o, or the config's name with .h5. Refused: an empty name,
// a directory, and the config itself (the run would overwrite its input).
std::filesystem::path output_path(const RunArgs& a);

// Runs the scenario (or the shard --shard names) into its result file and
// prints the summary unless `quiet`; returns the exit status.
int run_scenario(const RunArgs& a, bool quiet, FollowUp& next);

}  // namespace samdsim::app
