#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "samdsim/error.hpp"

namespace samdsim {

// Parses one YAML document and checks what yaml-cpp lets through: a second
// document, a quoted string that runs to the end of the file, keys that are
// lists, maps, null or empty, and keys given twice in one mapping. Throws a
// located InputError; the node count is capped so that aliases cannot expand
// a small file into an enormous tree.
YAML::Node load_yaml(const std::string& text, const std::string& file);

// The 1-based location of a node in the file it was parsed from.
Location location_of(const YAML::Node& node, const std::string& file);

// Key paths as SPEC writes them: parameters.studies[1].sites
std::string child_path(const std::string& parent, const std::string& key);
std::string index_path(const std::string& parent, std::size_t index);

// A scalar node read as a finite double; throws a located InputError naming
// `path` when it is not a number (or is NaN/Inf).
double read_number(const YAML::Node& node, const std::string& path, const std::string& file);

// A scalar node read as a string; throws when it is a map or a sequence.
std::string read_string(const YAML::Node& node, const std::string& path, const std::string& file);

// Throws a located InputError, with a suggestion, for a key of the mapping
// `node` (at `path`) that is not in `known`.
void refuse_unknown_keys(const YAML::Node& node, const std::vector<std::string>& known, const std::string& path,
                         const std::string& file);

bool read_bool(const YAML::Node& node, const std::string& path, const std::string& file);

}  // namespace samdsim
