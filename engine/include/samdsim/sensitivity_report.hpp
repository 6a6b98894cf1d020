#pragma once

// The analyses `samdsim sensitivity` stores under <scenario>/sensitivity, read
// back and printed: the command prints what it stored, and `summarize`
// prints what a file holds, through the same code.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "samdsim/hdf5_file.hpp"

namespace samdsim {

// One output's analysis: per parameter, Spearman and PRCC with bootstrap 95 %
// intervals and the tornado's change (mean at p90 - mean at p10).
struct StoredSensitivity {
  std::string output, unit;
  std::vector<std::string> parameters;
  std::vector<double> spearman, spearman_low, spearman_high, prcc, prcc_low, prcc_high, tornado_change;
  std::uint64_t rows_used = 0, bootstrap = 0, bootstrap_rows = 0, tornado_replicates = 0;
  double tornado_base_mean = std::numeric_limits<double>::quiet_NaN();
};

// Every output's analysis under `scenario` ("" or "points/<i>"), in name
// order; empty when the scenario has no /sensitivity. A group that is not
// what the command writes (a missing or mis-sized dataset, a link, text where
// numbers belong) is an InputError naming the file and the path.
std::vector<StoredSensitivity> read_sensitivity(hid_t file, const std::string& scenario, const std::string& file_name);

// One block per output: its header (replicates used, bootstrap, tornado
// replicates) and one row per parameter, ranked by |PRCC|.
std::string format_sensitivity(const std::vector<StoredSensitivity>& analyses);

// What `summarize` adds for a file: the stored analyses of the run, or of
// each sweep point that has them (only `point`'s when given), under a
// heading; "" when there are none.
std::string format_stored_sensitivity(hid_t file, const std::string& file_name,
                                      std::optional<std::size_t> point = std::nullopt);

}  // namespace samdsim
