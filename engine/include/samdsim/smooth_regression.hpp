#pragma once

// E[y | x] estimated from (x, y) samples by penalized regression splines:
// the nonparametric regression that Strong, Oakley & Brennan (2014) use
// for the expected value of partial perfect information.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

namespace samdsim {

// P-splines (Eilers & Marx 1996): cubic B-splines on equally spaced knots
// with a second-order difference penalty whose weight is chosen by
// generalised cross-validation. Each input is first replaced by its
// mid-rank / n, which leaves E[y | x] unchanged (a monotone transform of x)
// and spreads the knots by the input's own distribution, so skewed and
// heavy-tailed parameters need no tuning; ties (discrete parameters) share
// one value. One input: 20 segments. Two inputs: a tensor product of two
// 10-segment bases (interactions included), penalised in both directions.
// Three or more: an additive fit (no interactions), 10 segments each.
class SmoothRegression {
 public:
  // x: n rows by one column per input; y: n values. Rows must be finite.
  // Each row's bases (four weights per input) are computed once and kept for
  // the fit and every posterior draw while n times the inputs is at most
  // max_kept_bases (40 bytes each); beyond, they are computed at each visit,
  // with the same values.
  static constexpr Eigen::Index default_kept_bases = Eigen::Index{1} << 22;  // 160 MiB
  SmoothRegression(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                   Eigen::Index max_kept_bases = default_kept_bases);

  const Eigen::VectorXd& fitted() const { return fitted_; }
  double effective_df() const { return edf_; }
  double residual_variance() const { return sigma2_; }
  double lambda() const { return lambda_; }

  // Fitted values with coefficients drawn from their approximate posterior,
  // N(beta, sigma^2 (B'B + lambda P)^-1) (Wood 2006, sec. 4.8): for the
  // standard error of quantities computed from the fit.
  Eigen::VectorXd draw_fitted(const Eigen::VectorXd& standard_normals) const;
  Eigen::Index coefficients() const { return beta_.size(); }

 private:
  // Calls visit(index, value) for each nonzero basis function of a row.
  template <class Visit>
  void for_each_basis(Eigen::Index row, Visit&& visit) const;

  // The four nonzero cubic B-splines of an input at a row: the first's
  // index and their weights.
  struct Basis {
    std::array<double, 4> weight{};
    Eigen::Index first = 0;
  };

  Eigen::MatrixXd u_;  // rank-transformed inputs in (0, 1)
  std::vector<Basis> bases_;  // row i's input c at i * inputs + c; empty when not kept
  int segments_ = 20;
  bool additive_ = false;
  Eigen::VectorXd beta_;
  Eigen::MatrixXd cov_factor_;  // L with L L' = posterior covariance of beta
  Eigen::VectorXd fitted_;
  double edf_ = 0.0, sigma2_ = 0.0, lambda_ = 0.0;
};

}  // namespace samdsim
