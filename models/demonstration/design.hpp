#pragma once

// The treatment schedule of a demonstration trial: which hospital (cluster)
// is measured and treated in which period.

#include <cstddef>
#include <string>
#include <vector>

#include "samdsim/parameters.hpp"

namespace samdsim::demonstration {

enum class DesignType { parallel, stepped_wedge, pre_post };

// Cells of the sequence matrix: one character per period.
inline constexpr char control_cell = '0';
inline constexpr char treated_cell = '1';
inline constexpr char unmeasured_cell = '.';

// Clusters follow one of a few distinct sequences (rows of the sequence
// matrix); clusters are numbered sequence by sequence.
struct Design {
  DesignType type = DesignType::stepped_wedge;
  std::vector<std::string> sequences;          // each of length `periods`
  std::vector<std::size_t> sequence_clusters;  // clusters following each sequence
  std::size_t clusters = 0;
  std::size_t periods = 0;
  std::size_t scheduled_cells = 0;  // cluster-periods that are measured ('0' or '1')
  double period_months = 1.0;
  // A pre–post design treats every cluster at the same time, so period and
  // treatment effects are confounded: its analysis has one intercept instead
  // of a fixed effect per period.
  bool period_effects = true;

  std::size_t fixed_effects() const { return (period_effects ? periods : 1) + 1; }
};

// Builds the sequence matrix from `design` (the staircase, the parallel
// allocation, the pre–post split, or explicit sequences) and checks it; every
// problem is a located InputError naming the offending key.
Design make_design(const Group& design);

}  // namespace samdsim::demonstration
