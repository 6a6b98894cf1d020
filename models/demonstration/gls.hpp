#pragma once

// Generalized least squares and REML on cluster-period means under the
// nested-exchangeable covariance of Hooper et al. (2016) / Girling & Hemming
// (2016): the means of cluster i have covariance
//
//   V_i = tau2 * 1 1' + diag(gamma2 + sigma2 / m_ij),
//
// whose inverse is diagonal minus rank one (Sherman & Morrison 1950), so every
// quantity below costs O(cells + groups * p^2 + p^3) with p fixed effects,
// never the O(cells^3) of a dense V. docs/models/demonstration.md derives them.

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <cstddef>
#include <limits>
#include <optional>
#include <vector>

#include "demonstration/design.hpp"

namespace samdsim::demonstration {

// Variances of the linear mixed model for one case's outcome.
struct Components {
  double tau2 = 0.0;    // cluster random effect
  double gamma2 = 0.0;  // cluster-by-period random effect
  double sigma2 = 0.0;  // individual error
};

// Clusters whose measured cells and case counts are identical share a group,
// so what depends only on the design is computed once per group.
struct CellGroup {
  std::size_t first = 0;  // its cells: [first, first + size) of the cell arrays
  std::size_t size = 0;
  double count = 1.0;  // clusters in the group
};

// The cluster-period means of one trial as the analysis reads them.
struct Trial {
  std::size_t columns = 0;  // fixed effects: period intercepts (or one intercept), then treatment
  std::vector<CellGroup> groups;
  // Per cell of a group.
  std::vector<std::size_t> cell_column;    // the cell's intercept column
  std::vector<double> cell_treated;        // 0 or 1
  std::vector<double> cell_period;         // period index from 0
  std::vector<double> cell_inverse_cases;  // 1 / m
  // Per cluster: its group and where its means start in `y`.
  std::vector<std::size_t> cluster_group, cluster_first;
  std::vector<double> y;  // cluster by cluster, in the group's cell order

  std::size_t clusters() const { return cluster_group.size(); }
};

// The design's cells with the same case count m in every measured cell;
// clusters of one sequence share a group.
Trial make_trial(const Design& design, double cases_per_period);

// Preallocated scratch: evaluating and fitting allocate nothing.
struct GlsScratch {
  GlsScratch(std::size_t columns, std::size_t max_cells, std::size_t max_groups, std::size_t max_cluster_cells);

  // A^-1 whole after an evaluation with Need::derivatives; its column theta
  // alone after any other.
  Eigen::MatrixXd a, a_inverse, b_e, b_c, group_g;
  Eigen::VectorXd b, b_trend, beta, g2, f_e, f_c, work, a_inverse_theta;
  Eigen::LLT<Eigen::MatrixXd> llt;
  std::vector<double> precision;  // 1 / (gamma2 + sigma2 / m) per group cell
  std::vector<double> group_k, group_denominator, group_s;
  std::vector<double> q;  // one cluster's P y

  // BalancedReml's summary of one trial's means: Q'F'(I - J/n) y and
  // Q'F'(J/n) y (p each), y'(I - J/n) y and y'(J/n) y.
  Eigen::VectorXd within_data, between_data;
  double within_ss = 0.0, between_ss = 0.0;
};

enum class Need { estimate, likelihood, derivatives };

struct Evaluation {
  double theta = std::numeric_limits<double>::quiet_NaN();     // GLS estimate of the treatment effect
  double variance = std::numeric_limits<double>::quiet_NaN();  // its variance, (F' V^-1 F)^-1 [theta, theta]
  double trend_weight = 0.0;  // the estimate for data equal to the period index (a unit linear trend)
  double loglik = std::numeric_limits<double>::quiet_NaN();  // REML log-likelihood up to a constant
  // With Need::derivatives, for (tau2, gamma2): REML score and average
  // information (Gilmour, Thompson & Cullis 1995).
  double score[2] = {0.0, 0.0};
  double information[2][2] = {{0.0, 0.0}, {0.0, 0.0}};
};

// GLS of the trial's means at the given components. False when the fixed
// effects are not estimable from the measured cells (F' V^-1 F singular).
bool evaluate(const Trial& trial, const Components& c, Need need, bool trend, GlsScratch& w, Evaluation& out);

// REML estimates of tau2 and gamma2 given sigma2 (estimated from the
// within-cell variation), by average-information Newton steps with step
// halving and the components kept non-negative. `c` holds the starting values
// and receives the estimates; `out` the GLS at the estimates. Without a
// cluster-period effect (each cluster measured in one period, where it cannot
// be told from the cluster effect) gamma2 stays 0.
bool reml_fit(const Trial& trial, Components& c, bool cluster_period_effect, bool trend, GlsScratch& w,
              Evaluation& out);

// REML for a trial in which every hospital is measured in the same number n
// of cells, all with the same case count m (make_trial on a design whose
// sequences measure equally many periods). Then V_i = d (I - J/n) + lambda J/n
// with d = gamma2 + sigma2 / m and lambda = d + n tau2, and
// F'V^-1 F = W / d + B / lambda for the design's within- and between-hospital
// cross-products W and B. One congruence Q with Q'(W + B) Q = I and
// Q'W Q = diag(omega), made once per design, diagonalizes F'V^-1 F for every
// (d, lambda): after one pass over the data, each evaluation of the REML
// likelihood, score and average information costs O(p) instead of
// O(cells + sequences p^2 + p^3). docs/models/demonstration.md derives it.
class BalancedReml {
 public:
  // Empty unless the trial is balanced as above and F'F is nonsingular.
  static std::optional<BalancedReml> of(const Trial& trial);

  // reml_fit's estimates by the same steps: the score and average
  // information are evaluate()'s, up to rounding. out.trend_weight is filled
  // in always.
  bool fit(const Trial& trial, Components& c, bool cluster_period_effect, GlsScratch& w, Evaluation& out) const;

  // The two steps of fit: the trial's means summarized into w, then the GLS,
  // REML likelihood (the same constant as evaluate()'s), score and average
  // information at c.
  void summarize(const Trial& trial, GlsScratch& w) const;
  bool evaluate(const Components& c, const GlsScratch& w, Evaluation& out) const;

 private:
  BalancedReml() = default;
  double cells_per_cluster_ = 0.0;  // n
  double inverse_cases_ = 0.0;      // 1 / m
  double within_rank_ = 0.0;        // clusters (n - 1), the rank of I - J/n over all clusters
  double clusters_ = 0.0;
  double log_det_ff_ = 0.0;  // log |F'F|
  Eigen::MatrixXd q_;         // the congruence: Q'(W + B) Q = I, Q'W Q = diag(omega)
  Eigen::VectorXd omega_;     // in [0, 1]
  Eigen::VectorXd q_theta_;   // row theta of Q
  Eigen::MatrixXd q_group_;   // per group (column): Q' sum_j f_j / n
  Eigen::VectorXd trend_within_, trend_between_;  // Q'F'(I - J/n) t and Q'F'(J/n) t, t the period index
};

// The GLS weight of every group cell at fixed components (the estimate is
// sum over clusters of weights . means) and the estimate's variance.
bool gls_weights(const Trial& trial, const Components& c, GlsScratch& w, std::vector<double>& weights,
                 double& variance);

}  // namespace samdsim::demonstration
