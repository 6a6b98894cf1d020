#pragma once

#include <filesystem>
#include <string>

namespace samdsim {

// What a result file keeps of a run. Summaries and bands are always computed
// exactly from every value; `bands` then drops the per-replicate series
// (/timeseries), `summary` every per-replicate dataset (/replicates,
// /parameters, /timeseries), so a large run's file stays small.
enum class OutputsKept { all, bands, summary };

OutputsKept parse_outputs_kept(const std::string& text);  // InputError when unknown
const char* outputs_kept_name(OutputsKept kept);

// Copies the complete result file `from` into a new file `to` (created
// exclusively: it must not exist) without the
// datasets `kept` drops (in the root and in every sweep point), keeping
// every attribute. HDF5 does not give back the space of deleted datasets, so
// a smaller file must be a copy.
// `replaced` ("points/3/voi") names one more member left out: a group that
// the caller writes anew into the copy.
void copy_result_file(const std::filesystem::path& from, const std::filesystem::path& to, OutputsKept kept,
                      const std::string& replaced = "");

}  // namespace samdsim
