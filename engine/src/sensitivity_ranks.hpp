#pragma once

// The rank primitives behind sensitivity() (sensitivity.cpp): a column's
// order, average ranks and tie runs, and Spearman and PRCC from one Gram
// matrix of centred ranks.

#include <Eigen/Dense>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "samdsim/sensitivity.hpp"

namespace samdsim::detail {

// Values in ascending order (NaN last, in index order) with the index each
// ranks; ties in any order (they share their rank). A NaN equals nothing, so
// each NaN is a tie run of its own.
struct OrderView {
  std::span<const double> value;
  std::span<const std::uint32_t> at;
};
struct Ordered {
  std::vector<double> value;
  std::vector<std::uint32_t> at;
  OrderView view() const { return {value, at}; }
};
Ordered ordered(Eigen::Ref<const Eigen::VectorXd> values);

// Average ranks from an order: ranks(o.at[i]) for every i.
void assign_average_ranks(OrderView o, Eigen::Ref<Eigen::VectorXd> ranks);

// The tie runs of the values ranked at indices below m (the others left out).
TieRuns tie_runs_below(OrderView o, std::size_t m);

bool varies(Eigen::Ref<const Eigen::VectorXd> v);

struct RankCorrelations {
  Eigen::VectorXd spearman, prcc;
};
// Spearman and PRCC of the average ranks in r's columns with its last
// column (the output's), centring r in place.
RankCorrelations rank_correlations(Eigen::Ref<Eigen::MatrixXd> r);

}  // namespace samdsim::detail
