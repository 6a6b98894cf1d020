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

// Each column less its mean.
void centre(Eigen::Ref<Eigen::MatrixXd> r);

// Average ranks are multiples of 1/2 whose mean is (n + 1)/2, so centred
// they are exact, and so is every sum of their products while it stays
// below 2^51 (up to n(n^2 - 1)/12 for n rows): whatever the order of the
// sums, the Gram matrix is the same to the bit. Up to this many rows
// Spearman and PRCC come from one triangle of it, and a block of it
// computed apart is the same block.
inline constexpr Eigen::Index exact_rank_gram_rows = 300'000;

// Spearman and PRCC from the whole Gram matrix c of centred ranks (the
// output's last), as rank_correlations() computes them within the exact range.
RankCorrelations correlations_of_gram(Eigen::MatrixXd c);

// The rows of each first_order_ranked() bin of every column of average
// ranks, each bin's rows ascending: the order in which the index adds an
// output's values, so the index of any output from the same bins is
// first_order_ranked()'s to the bit, and the binning is shared by every
// output ranked on the same rows. Its scratch makes one object one
// thread's: each bootstrap task keeps its own.
class BinnedRanks {
 public:
  void assign(Eigen::Ref<const Eigen::MatrixXd> rx);
  // first_order_ranked(rx, y) for the rx of the last assign().
  Eigen::VectorXd first_order(Eigen::Ref<const Eigen::VectorXd> y) const;

 private:
  Eigen::Index n_ = 0, k_ = 0, bins_ = 0;
  std::vector<std::uint32_t> rows_;  // column j's rows from j * n_, bin by bin
  std::vector<std::uint32_t> ends_;  // column j's bin b ends at rows_[j * n_ + ends_[j * bins_ + b]]
  std::vector<char> varies_;         // whether column j takes more than one rank
  std::vector<std::uint32_t> bin_of_row_, next_;  // assign()'s scratch, kept for the next resample
  mutable std::vector<double> deviation_;         // first_order()'s
};

}  // namespace samdsim::detail
