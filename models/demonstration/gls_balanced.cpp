// REML on a balanced trial (gls.hpp, BalancedReml); the derivation of every
// sum is in docs/models/demonstration.md ("REML on a balanced trial").
#include <Eigen/Eigenvalues>
#include <cmath>

#include "demonstration/gls.hpp"
#include "demonstration/reml_steps.hpp"

namespace samdsim::demonstration {

namespace {

constexpr double max_condition = 1e14;

// v += w f for a cell's fixed-effect row f = e_column + treated e_theta.
void add_row(Eigen::Ref<Eigen::VectorXd> v, const Trial& t, std::size_t cell, double w) {
  v(static_cast<Eigen::Index>(t.cell_column[cell])) += w;
  v(static_cast<Eigen::Index>(t.columns - 1)) += t.cell_treated[cell] * w;
}

// m += w f f' for the same row.
void add_outer(Eigen::MatrixXd& m, const Trial& t, std::size_t cell, double w) {
  const auto c = static_cast<Eigen::Index>(t.cell_column[cell]), th = static_cast<Eigen::Index>(t.columns - 1);
  const double x = t.cell_treated[cell];
  m(c, c) += w;
  m(c, th) += w * x;
  m(th, c) += w * x;
  m(th, th) += w * x * x;
}

}  // namespace

std::optional<BalancedReml> BalancedReml::of(const Trial& t) {
  if (t.groups.empty() || t.columns == 0 || t.cell_inverse_cases.empty()) return std::nullopt;
  const std::size_t n = t.groups.front().size;
  const double inverse_cases = t.cell_inverse_cases[t.groups.front().first];
  double clusters = 0.0;
  for (const CellGroup& g : t.groups) {
    if (g.size != n || n == 0) return std::nullopt;
    for (std::size_t cell = g.first; cell < g.first + g.size; ++cell)
      if (t.cell_inverse_cases[cell] != inverse_cases) return std::nullopt;
    clusters += g.count;
  }
  if (clusters != static_cast<double>(t.clusters())) return std::nullopt;

  const auto p = static_cast<Eigen::Index>(t.columns);
  const double nd = static_cast<double>(n);
  // F'F, the between-hospital part B = sum_i F_i'(J/n) F_i, and the same
  // for the period index t: F'(I - J/n) t and F'(J/n) t.
  Eigen::MatrixXd ff = Eigen::MatrixXd::Zero(p, p), between = Eigen::MatrixXd::Zero(p, p);
  Eigen::MatrixXd group_rows(p, static_cast<Eigen::Index>(t.groups.size()));
  Eigen::VectorXd trend_within = Eigen::VectorXd::Zero(p), trend_between = Eigen::VectorXd::Zero(p);
  for (std::size_t gi = 0; gi < t.groups.size(); ++gi) {
    const CellGroup& g = t.groups[gi];
    auto u = group_rows.col(static_cast<Eigen::Index>(gi));
    u.setZero();
    double mean_period = 0.0;
    for (std::size_t cell = g.first; cell < g.first + g.size; ++cell) {
      add_row(u, t, cell, 1.0);
      add_outer(ff, t, cell, g.count);
      mean_period += t.cell_period[cell] / nd;
    }
    between.noalias() += (g.count / nd) * u * u.transpose();
    for (std::size_t cell = g.first; cell < g.first + g.size; ++cell)
      add_row(trend_within, t, cell, g.count * (t.cell_period[cell] - mean_period));
    trend_between += (g.count * mean_period) * u;
  }

  // F'F = L L'; C = L^-1 W L^-T = R diag(omega) R'; Q = L^-T R.
  Eigen::LLT<Eigen::MatrixXd> llt(ff);
  if (llt.info() != Eigen::Success) return std::nullopt;
  const Eigen::MatrixXd l = llt.matrixL();
  const double largest = l.diagonal().cwiseAbs().maxCoeff();
  if (!(l.diagonal().cwiseAbs().minCoeff() > 1e-7 * largest)) return std::nullopt;
  const Eigen::MatrixXd within = ff - between;
  const Eigen::MatrixXd half = l.triangularView<Eigen::Lower>().solve(within);  // L^-1 W
  Eigen::MatrixXd c = l.triangularView<Eigen::Lower>().solve(half.transpose());  // L^-1 W L^-T
  c = 0.5 * (c + c.transpose()).eval();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(c);
  if (eigen.info() != Eigen::Success) return std::nullopt;

  BalancedReml b;
  b.cells_per_cluster_ = nd;
  b.inverse_cases_ = inverse_cases;
  b.clusters_ = clusters;
  b.within_rank_ = clusters * (nd - 1.0);
  b.log_det_ff_ = 2.0 * l.diagonal().array().log().sum();
  b.q_ = l.transpose().triangularView<Eigen::Upper>().solve(eigen.eigenvectors());
  b.omega_ = eigen.eigenvalues().cwiseMax(0.0).cwiseMin(1.0);
  b.q_theta_ = b.q_.row(p - 1).transpose();
  b.q_group_ = b.q_.transpose() * group_rows / nd;
  b.trend_within_ = b.q_.transpose() * trend_within;
  b.trend_between_ = b.q_.transpose() * trend_between;
  return b;
}

void BalancedReml::summarize(const Trial& t, GlsScratch& w) const {
  const auto n = static_cast<std::size_t>(cells_per_cluster_);
  w.work.setZero();  // F'(I - J/n) y
  w.between_data.setZero();
  double within_ss = 0.0, between_ss = 0.0;
  for (std::size_t i = 0; i < t.clusters(); ++i) {
    const std::size_t gi = t.cluster_group[i];
    const std::size_t first = t.groups[gi].first;
    const double* y = t.y.data() + t.cluster_first[i];
    double sum = 0.0;
    for (std::size_t j = 0; j < n; ++j) sum += y[j];
    const double mean = sum / cells_per_cluster_;
    for (std::size_t j = 0; j < n; ++j) {
      const double centred = y[j] - mean;
      within_ss += centred * centred;
      add_row(w.work, t, first + j, centred);
    }
    between_ss += sum * mean;
    w.between_data.noalias() += sum * q_group_.col(static_cast<Eigen::Index>(gi));
  }
  w.within_data.noalias() = q_.transpose() * w.work;
  w.within_ss = within_ss;
  w.between_ss = between_ss;
}

bool BalancedReml::evaluate(const Components& c, const GlsScratch& w, Evaluation& e) const {
  // V^-1 = u (I - J/n) + v J/n; in Q's coordinates F'V^-1 F = diag(D) with
  // D_k = omega_k u + (1 - omega_k) v, F'V^-1 y = u z_w + v z_b =: g and
  // beta = Q h with h = g / D.
  const double d = c.gamma2 + c.sigma2 * inverse_cases_;
  const double lambda = d + cells_per_cluster_ * c.tau2;
  // Every design has a direction without within-hospital information (the
  // intercept: omega = 0), whose D is v alone while the rounding of the
  // centred data enters g there multiplied by u / v = lambda / d. Past
  // lambda = 1e14 d that rounding decides the estimates; the general
  // evaluation's pivot test refuses F'V^-1 F there too.
  if (!(d > 0.0) || !(lambda <= max_condition * d)) return false;
  const double u = 1.0 / d, v = 1.0 / lambda;
  double log_det = 0.0, g_h = 0.0, theta = 0.0, variance = 0.0, trend_weight = 0.0;
  double trace_w = 0.0, trace_b = 0.0, h_zw = 0.0, h_zb = 0.0, h_w_h = 0.0, h_b_h = 0.0;
  double rho_ww = 0.0, rho_bb = 0.0, rho_wb = 0.0;
  for (Eigen::Index k = 0; k < omega_.size(); ++k) {
    const double om = omega_(k), zw = w.within_data(k), zb = w.between_data(k);
    const double dk = om * u + (1.0 - om) * v;
    const double g = zw * u + zb * v;
    const double h = g / dk;
    const double qt = q_theta_(k);
    log_det += std::log(dk);
    g_h += g * h;
    theta += qt * h;
    variance += qt * qt / dk;
    trend_weight += qt * (trend_within_(k) * u + trend_between_(k) * v) / dk;
    trace_w += om / dk;
    trace_b += (1.0 - om) / dk;
    h_zw += h * zw;
    h_zb += h * zb;
    h_w_h += om * h * h;
    h_b_h += (1.0 - om) * h * h;
    // Q'F'(I - J/n) r and Q'F'(J/n) r for r = P y, over u and v.
    const double rw = zw - om * h, rb = zb - (1.0 - om) * h;
    rho_ww += rw * rw / dk;
    rho_bb += rb * rb / dk;
    rho_wb += rw * rb / dk;
  }
  e.theta = theta;
  e.variance = variance;
  e.trend_weight = trend_weight;
  e.loglik = -0.5 * (within_rank_ * std::log(d) + clusters_ * std::log(lambda) + log_det + log_det_ff_ +
                     u * w.within_ss + v * w.between_ss - g_h);
  // r'(I - J/n) r and r'(J/n) r.
  const double r_w_r = u * u * (w.within_ss - 2.0 * h_zw + h_w_h);
  const double r_b_r = v * v * (w.between_ss - 2.0 * h_zb + h_b_h);
  // Score and average information for (d, lambda), with dV/dd = I - J/n and
  // dV/dlambda = J/n; then for (tau2, gamma2): d = gamma2 + sigma2 / m,
  // lambda = d + n tau2.
  const double score_d = 0.5 * (-u * within_rank_ + u * u * trace_w + r_w_r);
  const double score_l = 0.5 * (-v * clusters_ + v * v * trace_b + r_b_r);
  const double ai_dd = 0.5 * (u * r_w_r - u * u * u * u * rho_ww);
  const double ai_ll = 0.5 * (v * r_b_r - v * v * v * v * rho_bb);
  const double ai_dl = -0.5 * u * u * v * v * rho_wb;
  const double n = cells_per_cluster_;
  e.score[0] = n * score_l;
  e.score[1] = score_d + score_l;
  e.information[0][0] = n * n * ai_ll;
  e.information[0][1] = n * (ai_dl + ai_ll);
  e.information[1][0] = e.information[0][1];
  e.information[1][1] = ai_dd + 2.0 * ai_dl + ai_ll;
  return std::isfinite(e.theta) && e.variance > 0.0 && std::isfinite(e.loglik);
}

bool BalancedReml::fit(const Trial& t, Components& c, bool cluster_period_effect, GlsScratch& w,
                       Evaluation& e) const {
  summarize(t, w);
  return detail::maximize_reml(c, cluster_period_effect, e,
                               [&](const Components& at, Evaluation& out) { return evaluate(at, w, out); });
}

}  // namespace samdsim::demonstration
