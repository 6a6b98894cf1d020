#pragma once

// The analyses `samdsim sensitivity` stores under <scenario>/sensitivity, read
// back and printed: the command prints what it stored, and `summarize`
// prints what a file holds, through the same code.

#include <string>
#include <vector>

#include "samdsim/hdf5_file.hpp"
#include "samdsim/result_reader.hpp"

namespace samdsim {

// Every output's analysis under `scenario` ("" or "points/<i>"), in name
// order; empty when the scenario has no /sensitivity. A group that is not
// what the command writes (a missing or mis-sized dataset, a link, text where
// numbers belong) is an InputError naming the file and the path.
std::vector<StoredSensitivity> read_sensitivity(hid_t file, const std::string& scenario, const std::string& file_name);

// One block per output: its header (replicates used, bootstrap, tornado
// replicates) and one row per parameter, ranked by |PRCC|.
std::string format_sensitivity(const std::vector<StoredSensitivity>& analyses);

// What `summarize` adds: the stored analyses of the run, or of each sweep
// point that has them, under a heading; "" when there are none.
std::string format_stored_sensitivity(const ResultFileSummary& summary);

}  // namespace samdsim
