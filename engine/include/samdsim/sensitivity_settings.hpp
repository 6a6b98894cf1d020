#pragma once

// The `sensitivity:` section of a config: how `samdsim sensitivity` analyses
// the run (and that `samdsim run` does so once the run is written). Options
// given on the command line take precedence over it (docs/sensitivity.md,
// "The sensitivity: section").

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "samdsim/error.hpp"

namespace samdsim {

struct OutputSpec;

inline constexpr std::uint64_t default_sobol_rows = 4096;
inline constexpr std::uint64_t max_sobol_rows = 1'000'000;

struct SensitivityGroupSetting {
  std::string label;
  std::vector<std::string> parameters;  // key paths, as given
  Location where;
};

struct SensitivitySettings {
  Location where;
  std::string method = "ranks";      // ranks, or sobol: ranks and the Saltelli design
  std::vector<std::string> outputs;  // scalar outputs, or series at months (name@month); empty: every scalar output
  std::vector<Location> output_at;
  std::vector<std::uint64_t> months;  // series months (axis index from 0) added for every series output
  Location months_at;
  std::optional<std::uint64_t> rows, max_rows;
  std::optional<double> target_width;
  std::vector<SensitivityGroupSetting> groups;
  std::optional<std::uint64_t> bootstrap, tornado_replicates;
};

// Reads and checks the section: known keys, method, counts and their
// ranges, and that the Saltelli keys (rows, max_rows, target_width, groups)
// come with method: sobol. Throws a located InputError.
SensitivitySettings parse_sensitivity_settings(const YAML::Node& node, const std::string& file);

// Checks the section's outputs and months against a model's outputs
// (did-you-mean for a name; a month within each series it applies to; a
// series needs a month). Throws a located InputError.
void check_sensitivity_outputs(const SensitivitySettings& s, const std::vector<OutputSpec>& outputs);

// The section as YAML (the resolved config written into result files).
void emit_sensitivity_settings(YAML::Emitter& out, const SensitivitySettings& s);

// An analysed output: a scalar output, or one month of a series (name@month).
struct AnalysedOutput {
  std::string name;    // as stored: "cost" or "adopted_hospitals@24"
  std::string output;  // the model's output
  std::optional<std::uint64_t> month;
};

// Splits "name@month"; nullopt month for a plain name. Throws InputError
// (naming `where`) for a malformed month.
AnalysedOutput parse_analysed_output(const std::string& text, const std::string& where);

}  // namespace samdsim
