#pragma once

#include <string>
#include <vector>

#include "samdsim/parameters.hpp"
#include "samdsim/sobol.hpp"

namespace samdsim::app {

// The groups of a Saltelli design: those given with --group (LABEL=P1,P2),
// then every set of parameters drawn together that no --group holds, then
// every other drawn parameter alone, in the order of their first parameter.
// Parameters are drawn together when a correlations: block names them, or
// when they take the same random numbers (evidence_program strategies on one
// stage draw from one stream): the design may vary them only together, or
// it would pair values the model never draws together.
struct DesignGroups {
  std::vector<SobolGroup> groups;
  std::vector<std::string> members;  // comma-separated parameter names
  std::vector<std::string> notes;
};

// The groups for `--group` specs (LABEL=P1,P2) on a finalized, linked table;
// InputError for a malformed spec or a group that splits parameters drawn together.
DesignGroups design_groups(const ParameterTable& table, const std::vector<std::string>& specs);

}  // namespace samdsim::app
