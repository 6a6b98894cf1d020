#pragma once

// Global sensitivity statistics of Monte Carlo results: Spearman rank
// correlation, partial rank correlation (PRCC) and the given-data first-order
// index of every sampled parameter with an output, with bootstrap percentile
// intervals. Pure functions; Spearman and PRCC match
// tools/samdsim_sensitivity.py.

#include <Eigen/Dense>

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace samdsim {

// The bootstrap 95 % percentile interval: 2.5 % and 97.5 % (type 7) of the
// finite values.
std::pair<double, double> bootstrap_interval(std::vector<double> values);

// Average ranks (1-based; ties share their mean rank; NaN last) of a vector.
Eigen::VectorXd average_ranks(const Eigen::VectorXd& values);
// average_ranks() of every column.
Eigen::MatrixXd rank_columns(const Eigen::MatrixXd& a);

// A vector's values as runs of ties in ascending order: `rows` holds the
// indices in ascending order of value, and run r takes rows[run_end[r - 1]]
// (from 0 for the first run) up to rows[run_end[r]]; `run_end` is empty
// when every run is one value. Each NaN is a run of its own.
struct TieRuns {
  std::vector<std::uint32_t> rows;
  std::vector<std::uint32_t> run_end;
};
TieRuns tie_runs(const Eigen::VectorXd& values);

// A resample of a vector's values: the index of each value drawn, and
// (from count_times()) how many times each value was drawn.
struct Resample {
  std::vector<std::size_t> drawn;
  std::vector<std::uint32_t> times;
  std::vector<double> rank_of;  // resample_ranks()'s scratch: the rank of each value
};
// r.times from r.drawn, for a vector of `values` values.
void count_times(Resample& r, std::size_t values);
// average_ranks() of the resampled values (element i is value r.drawn[i] of
// the vector `runs` was made from), from how many times each run was drawn
// (O(values + draws), no sort), into `ranks`. For values without NaN:
// average_ranks() ranks copies of a NaN apart (NaN equals nothing), where
// counting gives them one shared rank.
void resample_ranks(const TieRuns& runs, Resample& r, Eigen::Ref<Eigen::VectorXd> ranks);

// Spearman correlation of every column of x (n x k) with y (n): the Pearson
// correlation of their average ranks; NaN where a column or y is constant.
Eigen::VectorXd spearman(const Eigen::MatrixXd& x, const Eigen::VectorXd& y);

// PRCC of every column of x with y: with P the inverse of the correlation
// matrix of the ranks of [x, y], PRCC_j = -P_jy / sqrt(P_jj P_yy). All NaN
// when that matrix is not finite or (numerically) singular.
Eigen::VectorXd prcc(const Eigen::MatrixXd& x, const Eigen::VectorXd& y);

// PRCC by its definition (the reference for prcc()): the Pearson correlation
// of the residuals of the parameter's ranks and of the output's ranks after
// least squares (with an intercept) on the ranks of all other parameters.
Eigen::VectorXd prcc_residuals(const Eigen::MatrixXd& x, const Eigen::VectorXd& y);

// First-order variance-based (Sobol) index of every column of x from the
// data alone (given-data, binning; Plischke 2010, Strong et al. 2014):
// S_j = Var(E[y | x_j]) / Var(y), with E[y | x_j] the mean of y over bins of
// equal counts of x_j's ranks (tied values share a bin), M = round(n^(1/3))
// bins at least 2, and the between-bin variance corrected for its noise by
// subtracting (M - 1) / n times the pooled within-bin variance. Catches
// non-monotone effects rank correlations miss; NaN where a column or y is
// constant. `rx` holds the columns' average ranks.
Eigen::VectorXd first_order_ranked(Eigen::Ref<const Eigen::MatrixXd> rx, Eigen::Ref<const Eigen::VectorXd> y);
Eigen::VectorXd first_order(const Eigen::MatrixXd& x, const Eigen::VectorXd& y);

struct SensitivityResult {
  Eigen::VectorXd spearman, spearman_low, spearman_high;  // one per column of x
  Eigen::VectorXd prcc, prcc_low, prcc_high;
  Eigen::VectorXd first_order, first_order_low, first_order_high;
  std::size_t rows_used = 0;       // rows where y and every parameter are finite
  std::size_t bootstrap_rows = 0;  // the first rows of those that the bootstrap resamples
};

inline constexpr std::size_t max_bootstrap_rows = 20000;

// Spearman, PRCC and first-order index of every column of x with y, and bootstrap 95 %
// percentile intervals (type 7 quantiles 2.5 % and 97.5 % of the finite
// resampled values). Rows with a NaN in y or x are dropped; parameters that
// do not vary over the rows left get NaN (and are left out of the PRCC of
// the others). Resample b draws bootstrap_rows row indices with
// Stream(seed, 0, b, 7), from the first min(rows_used, max_rows) rows, so
// the result is a pure function of the arguments.
SensitivityResult sensitivity(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, std::size_t bootstrap,
                              std::uint64_t seed, std::size_t max_rows = max_bootstrap_rows);

// Each column's values in ascending order (NaN last) and the rows they
// come from: sorted once, it serves every output analysed against the same
// parameters. At most 2^32 - 1 rows (an InputError beyond).
struct ColumnOrder {
  std::vector<std::vector<double>> values;
  std::vector<std::vector<std::uint32_t>> places;
};
ColumnOrder column_order(const Eigen::MatrixXd& x);
// sensitivity() with x's column_order() given; the same result.
SensitivityResult sensitivity(const Eigen::MatrixXd& x, const ColumnOrder& order, const Eigen::VectorXd& y,
                              std::size_t bootstrap, std::uint64_t seed, std::size_t max_rows = max_bootstrap_rows);
// sensitivity() of every column of y (one output each) against the same
// parameters; each result is the one sensitivity() gives for its column.
// Outputs finite on the same rows share the parameters' side of every
// statistic (their ranks in the data and in each resample, the first-order
// bins and the parameter-by-parameter block of the rank Gram matrix), so
// one more output costs a fraction of one analysed alone.
std::vector<SensitivityResult> sensitivity(const Eigen::MatrixXd& x, const ColumnOrder& order, const Eigen::MatrixXd& y,
                                           std::size_t bootstrap, std::uint64_t seed,
                                           std::size_t max_rows = max_bootstrap_rows);

}  // namespace samdsim
