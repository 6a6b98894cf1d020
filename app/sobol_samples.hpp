#pragma once

// Rows of a Saltelli design computed apart (a shard, an MPI rank) and the
// file that carries them to the process that joins them.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "samdsim/sobol.hpp"

namespace samdsim::app {

// What makes two sets of rows parts of one design: the result file's config
// and seed, the sweep point, the groups and the analysed outputs.
struct SobolDesignKey {
  std::string config_yaml;
  std::uint64_t seed = 0;
  std::string scenario;  // "" or "points/<i>"
  std::vector<std::string> groups, members, outputs;
  bool operator==(const SobolDesignKey&) const = default;
};

struct SobolPart {
  SobolDesignKey key;
  std::uint64_t rows = 0;  // the design's rows in all
  std::uint64_t first_row = 0, end_row = 0;
  std::vector<SobolSamples> samples;  // one per output, rows [first_row, end_row)
};

// Writes `part` to `path` as samdsim writes every output (a temporary renamed
// into place).
void write_sobol_part(const std::filesystem::path& path, const SobolPart& part);

// Reads a file write_sobol_part wrote; InputError for anything else.
SobolPart read_sobol_part(const std::filesystem::path& path);

// The samples of rows [first_row, end_row) of the design `key` (of end_row
// rows in all), from parts (read from the files `names`) that cover them
// exactly once: InputError naming the part that belongs to another design
// and the rows that are missing or given twice.
std::vector<SobolSamples> join_sobol_parts(const std::vector<SobolPart>& parts, const std::vector<std::string>& names,
                                           const SobolDesignKey& key, std::uint64_t first_row, std::uint64_t end_row);

}  // namespace samdsim::app
