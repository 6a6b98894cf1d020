#include "samdsim/smooth_regression.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace samdsim {

namespace {

// Mid-ranks divided by n: in (0, 1), equal values sharing their mean rank.
Eigen::VectorXd mid_ranks(const Eigen::VectorXd& v) {
  const auto n = v.size();
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return v(a) < v(b); });
  Eigen::VectorXd u(n);
  for (Eigen::Index i = 0; i < n;) {
    Eigen::Index j = i;
    while (j + 1 < n && v(order[static_cast<std::size_t>(j + 1)]) == v(order[static_cast<std::size_t>(i)])) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 0.5;  // mean of 1-based ranks i+1..j+1, less 0.5
    for (Eigen::Index k = i; k <= j; ++k) u(order[static_cast<std::size_t>(k)]) = rank / static_cast<double>(n);
    i = j + 1;
  }
  return u;
}

// The four nonzero uniform cubic B-splines at u in [0, 1] over `segments`
// equal segments: first index and weights (they sum to 1).
Eigen::Index cubic_basis(double u, int segments, double w[4]) {
  const double s = std::clamp(u, 0.0, 1.0) * segments;
  const int j = std::min(static_cast<int>(s), segments - 1);
  const double t = s - j, t2 = t * t, t3 = t2 * t;
  w[0] = (1 - t) * (1 - t) * (1 - t) / 6.0;
  w[1] = (3 * t3 - 6 * t2 + 4) / 6.0;
  w[2] = (-3 * t3 + 3 * t2 + 3 * t + 1) / 6.0;
  w[3] = t3 / 6.0;
  return j;
}

// Second-order difference penalty D'D for m coefficients.
Eigen::MatrixXd difference_penalty(Eigen::Index m) {
  Eigen::MatrixXd d = Eigen::MatrixXd::Zero(m - 2, m);
  for (Eigen::Index i = 0; i + 2 < m; ++i) {
    d(i, i) = 1;
    d(i, i + 1) = -2;
    d(i, i + 2) = 1;
  }
  return d.transpose() * d;
}

}  // namespace

template <class Visit>
void SmoothRegression::for_each_basis(Eigen::Index row, Visit&& visit) const {
  const Eigen::Index p = u_.cols();
  const Eigen::Index m = segments_ + 3;
  const auto basis = [&](Eigen::Index c) {
    if (!bases_.empty()) return bases_[static_cast<std::size_t>(row * p + c)];
    Basis b;
    b.first = cubic_basis(u_(row, c), segments_, b.weight.data());
    return b;
  };
  if (p == 1 || additive_) {
    for (Eigen::Index c = 0; c < p; ++c) {
      const Basis b = basis(c);
      for (std::size_t a = 0; a < 4; ++a) visit(c * m + b.first + static_cast<Eigen::Index>(a), b.weight[a]);
    }
    return;
  }
  const Basis b1 = basis(0), b2 = basis(1);
  for (std::size_t a = 0; a < 4; ++a)
    for (std::size_t c = 0; c < 4; ++c)
      visit((b1.first + static_cast<Eigen::Index>(a)) * m + b2.first + static_cast<Eigen::Index>(c),
            b1.weight[a] * b2.weight[c]);
}

SmoothRegression::SmoothRegression(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, Eigen::Index max_kept_bases) {
  const Eigen::Index n = x.rows(), p = x.cols();
  if (p < 1 || n != y.size()) throw std::invalid_argument("SmoothRegression: x and y do not match");
  if (n < 10) throw std::invalid_argument("SmoothRegression: fewer than 10 rows");
  segments_ = p == 1 ? 20 : 10;
  additive_ = p > 2;
  u_.resize(n, p);
  for (Eigen::Index c = 0; c < p; ++c) u_.col(c) = mid_ranks(x.col(c));
  // The fit and every posterior draw visit each row's bases.
  if (n * p <= max_kept_bases) {
    bases_.resize(static_cast<std::size_t>(n * p));
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index c = 0; c < p; ++c) {
        Basis& b = bases_[static_cast<std::size_t>(i * p + c)];
        b.first = cubic_basis(u_(i, c), segments_, b.weight.data());
      }
  }

  const Eigen::Index m1 = segments_ + 3;
  const Eigen::Index m = p == 2 ? m1 * m1 : p * m1;
  // Sufficient statistics: B'B, B'y, y'y, accumulated row by row (the basis
  // has 4, 16 or 4p nonzeros a row, never stored).
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(m, m);
  Eigen::VectorXd by = Eigen::VectorXd::Zero(m);
  double yy = 0.0;
  std::vector<std::pair<Eigen::Index, double>> row;
  row.reserve(static_cast<std::size_t>(p == 2 ? 16 : 4 * p));
  for (Eigen::Index i = 0; i < n; ++i) {
    row.clear();
    for_each_basis(i, [&](Eigen::Index k, double v) { row.emplace_back(k, v); });
    for (const auto& [k, v] : row) {
      by(k) += v * y(i);
      for (const auto& [l, w] : row)
        if (l <= k) gram(k, l) += v * w;
    }
    yy += y(i) * y(i);
  }
  gram.triangularView<Eigen::StrictlyUpper>() = gram.transpose();

  const Eigen::MatrixXd p1 = difference_penalty(m1);
  Eigen::MatrixXd penalty;
  if (p == 1) {
    penalty = p1;
  } else if (p == 2) {
    // P1 (x) I + I (x) P1: differences along each input, coefficient (j1, j2) at j1 * m1 + j2.
    penalty = Eigen::MatrixXd::Zero(m, m);
    for (Eigen::Index a = 0; a < m1; ++a)
      for (Eigen::Index b = 0; b < m1; ++b)
        for (Eigen::Index i = 0; i < m1; ++i) {
          penalty(a * m1 + i, b * m1 + i) += p1(a, b);
          penalty(i * m1 + a, i * m1 + b) += p1(a, b);
        }
  } else {
    penalty = Eigen::MatrixXd::Zero(m, m);
    for (Eigen::Index c = 0; c < p; ++c) penalty.block(c * m1, c * m1, m1, m1) = p1;
    // The blocks' constants are interchangeable: a tiny ridge makes the
    // coefficients unique without moving the fitted values.
    penalty.diagonal().array() += 1e-8;
  }
  // Penalty and Gram matrix on one scale, so the lambda grid fits any data.
  const double scale = gram.trace() / penalty.trace();

  double best_gcv = std::numeric_limits<double>::infinity();
  Eigen::LDLT<Eigen::MatrixXd> best;
  for (double log_lambda = -6.0; log_lambda <= 6.0; log_lambda += 0.5) {
    const double lambda = std::pow(10.0, log_lambda) * scale;
    Eigen::LDLT<Eigen::MatrixXd> solver(gram + lambda * penalty);
    if (solver.info() != Eigen::Success) continue;
    const Eigen::VectorXd beta = solver.solve(by);
    const double edf = solver.solve(gram).trace();
    const double rss = std::max(0.0, yy - 2.0 * beta.dot(by) + beta.dot(gram * beta));
    const double gcv = static_cast<double>(n) * rss / std::pow(static_cast<double>(n) - edf, 2);
    if (gcv < best_gcv) {
      best_gcv = gcv;
      best = solver;
      beta_ = beta;
      edf_ = edf;
      sigma2_ = rss / (static_cast<double>(n) - edf);
      lambda_ = lambda;
    }
  }
  if (!std::isfinite(best_gcv)) throw std::runtime_error("SmoothRegression: no smoothing parameter gives a fit");

  // Posterior covariance sigma^2 (B'B + lambda P)^-1 and a factor of it.
  const Eigen::MatrixXd inverse = best.solve(Eigen::MatrixXd::Identity(m, m));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(sigma2_ * 0.5 * (inverse + inverse.transpose()));
  cov_factor_ = eig.eigenvectors() * eig.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal();

  fitted_.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    double f = 0.0;
    for_each_basis(i, [&](Eigen::Index k, double v) { f += v * beta_(k); });
    fitted_(i) = f;
  }
}

Eigen::VectorXd SmoothRegression::draw_fitted(const Eigen::VectorXd& standard_normals) const {
  const Eigen::VectorXd beta = beta_ + cov_factor_ * standard_normals;
  Eigen::VectorXd f(u_.rows());
  for (Eigen::Index i = 0; i < u_.rows(); ++i) {
    double s = 0.0;
    for_each_basis(i, [&](Eigen::Index k, double v) { s += v * beta(k); });
    f(i) = s;
  }
  return f;
}

}  // namespace samdsim
