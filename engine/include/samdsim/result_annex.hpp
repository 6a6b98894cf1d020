#pragma once

// Analyses that read a finished result file and add their own group to it
// (`samdsim sensitivity`, `samdsim voi`).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "samdsim/hdf5_file.hpp"

namespace samdsim {

// The group holding one scenario's per-replicate values: "" (the root) or
// "points/<i>" for a sweep. InputError for a sweep without `point`, a point
// out of range, or a point given for a file that is not a sweep; `file_name`
// names the file in messages.
std::string scenario_group(hid_t file, const std::string& file_name, std::optional<std::uint64_t> point);

// The scenario's per-replicate values: /replicates and /parameters must be
// there (InputError naming --outputs summary files otherwise). `what` says
// what needs them, for the message.
struct ReplicateGroups {
  hdf5::Id replicates, parameters;
  std::vector<std::string> outputs, parameter_names;
  hsize_t rows = 0;
};
ReplicateGroups open_replicate_groups(hid_t file, const std::string& file_name, const std::string& group,
                                      const std::string& what);

// All values of a 1-D dataset (a column of /replicates or /parameters).
// Opens the group at `path` (e.g. "points/3/replicates") under `parent` if
// every level of it is a group stored in this file (hard links only);
// otherwise an InputError naming the file.
hdf5::Id open_stored_group(hid_t parent, const std::string& path, const std::string& file_name);

// Opens `name` under `parent` if it is a dataset stored in this file (a hard
// link); otherwise an InputError naming `column`.
hdf5::Id open_stored_dataset(hid_t parent, const std::string& name, const std::string& column);

// Opens `name` under `parent` if it is a dataset of numbers stored in this
// file (a hard link: no soft or external link is followed); otherwise an
// InputError naming `column` (e.g. "'out.h5': replicates/x").
hdf5::Id open_stored_column(hid_t parent, const std::string& name, const std::string& column);

std::vector<double> read_all_values(hid_t group, const std::string& name, hsize_t rows);

// Adds the group `<scenario>/<name>` to the result file at `path`, replacing
// one written before: holding the output lock, copies the file under a fresh
// temporary name without that group, lets `write` fill the new group,
// flushes the copy and renames it onto the file. On any error the copy is
// removed and the file is untouched.
void annex_result_group(const std::filesystem::path& path, const std::string& scenario, const std::string& name,
                        const std::function<void(hid_t group)>& write);

// Small datasets for such groups: float64 and UTF-8 variable-length strings.
void write_double_dataset(hid_t group, const std::string& name, const std::vector<double>& values);
void write_string_dataset(hid_t group, const std::string& name, const std::vector<std::string>& values);
// A 1-D dataset of variable-length strings stored in the file (`where` names
// it in errors: a link, another type or shape is an InputError).
std::vector<std::string> read_string_dataset(hid_t group, const std::string& name, const std::string& where);

}  // namespace samdsim
