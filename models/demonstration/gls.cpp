// GLS and REML on cluster-period means; the derivation of every sum is in
// docs/models/demonstration.md ("Analysis").
#include "demonstration/gls.hpp"
#include "demonstration/reml_steps.hpp"

#include <algorithm>
#include <cmath>

namespace samdsim::demonstration {

namespace {

// Adds weight w times f f' for a cell's fixed-effect row f = e_column + x e_theta.
void add_cell(Eigen::MatrixXd& m, std::size_t column, std::size_t theta, double x, double w) {
  const auto c = static_cast<Eigen::Index>(column), t = static_cast<Eigen::Index>(theta);
  m(c, c) += w;
  if (x != 0.0) {
    m(c, t) += w * x;
    m(t, c) += w * x;
    m(t, t) += w * x * x;
  }
}

void add_cell(Eigen::Ref<Eigen::VectorXd> v, std::size_t column, std::size_t theta, double x, double w) {
  v(static_cast<Eigen::Index>(column)) += w;
  v(static_cast<Eigen::Index>(theta)) += w * x;
}

// m += w u v' (written out: Eigen's outer products may build a temporary).
template <class U, class V>
void rank_update(Eigen::MatrixXd& m, const U& u, const V& v, double w) {
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    for (Eigen::Index i = 0; i < m.rows(); ++i) m(i, j) += w * u(i) * v(j);
}

// The lower triangle of m += w u u', all that the Cholesky factorization of
// A reads: half the work of rank_update, the same values where it writes.
template <class U>
void rank_update_lower(Eigen::MatrixXd& m, const U& u, double w) {
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    for (Eigen::Index i = j; i < m.rows(); ++i) m(i, j) += w * u(i) * u(j);
}

double row_dot(const Trial& t, std::size_t cell, const Eigen::VectorXd& v, std::size_t theta) {
  return v(static_cast<Eigen::Index>(t.cell_column[cell])) + t.cell_treated[cell] * v(static_cast<Eigen::Index>(theta));
}

// tr(M N) for symmetric M, N.
double trace_product(const Eigen::MatrixXd& m, const Eigen::MatrixXd& n) { return (m.array() * n.array()).sum(); }

// The per-cluster pass for the REML score and average information.
void derivatives(const Trial& t, double tr_vinv, double tr_gc, GlsScratch& w, Evaluation& e) {
  const std::size_t theta = t.columns - 1;
  double q2 = 0.0, c2 = 0.0, we_v_we = 0.0, wc_v_wc = 0.0, wc_v_we = 0.0;
  w.f_e.setZero();
  w.f_c.setZero();
  for (std::size_t i = 0; i < t.clusters(); ++i) {
    const std::size_t gi = t.cluster_group[i];
    const CellGroup& g = t.groups[gi];
    const double* y = t.y.data() + t.cluster_first[i];
    const double k = w.group_k[gi];
    double rho = 0.0;
    for (std::size_t j = 0; j < g.size; ++j) {
      const std::size_t cell = g.first + j;
      rho += w.precision[cell] * (y[j] - row_dot(t, cell, w.beta, theta));
    }
    // q = V_i^-1 r_i = P y restricted to cluster i; c_i = 1' q.
    double ci = 0.0, pq = 0.0;
    for (std::size_t j = 0; j < g.size; ++j) {
      const std::size_t cell = g.first + j;
      const double p = w.precision[cell];
      const double qj = p * (y[j] - row_dot(t, cell, w.beta, theta) - k * rho);
      w.q[j] = qj;
      ci += qj;
      q2 += qj * qj;
      pq += p * qj;
    }
    double sum_vq = 0.0;
    for (std::size_t j = 0; j < g.size; ++j) {
      const std::size_t cell = g.first + j;
      const double vq = w.precision[cell] * (w.q[j] - k * pq);  // V_i^-1 q
      we_v_we += w.q[j] * vq;
      sum_vq += vq;
      add_cell(w.f_e, t.cell_column[cell], theta, t.cell_treated[cell], vq);
    }
    const double denominator = w.group_denominator[gi];
    c2 += ci * ci;
    wc_v_wc += ci * ci * w.group_s[gi] / denominator;
    wc_v_we += ci * sum_vq;
    w.f_c += (ci / denominator) * w.group_g.col(static_cast<Eigen::Index>(gi));
  }
  const double tr_p = tr_vinv - trace_product(w.a_inverse, w.b_e);
  const double tr_pgc = tr_gc - trace_product(w.a_inverse, w.b_c);
  e.score[0] = 0.5 * (c2 - tr_pgc);
  e.score[1] = 0.5 * (q2 - tr_p);
  w.work.noalias() = w.a_inverse * w.f_c;
  e.information[0][0] = 0.5 * (wc_v_wc - w.f_c.dot(w.work));
  const double cross = 0.5 * (wc_v_we - w.f_e.dot(w.work));
  e.information[0][1] = cross;
  e.information[1][0] = cross;
  w.work.noalias() = w.a_inverse * w.f_e;
  e.information[1][1] = 0.5 * (we_v_we - w.f_e.dot(w.work));
}

}  // namespace

Trial make_trial(const Design& d, double cases_per_period) {
  Trial t;
  t.columns = d.fixed_effects();
  const double inverse_cases = 1.0 / cases_per_period;
  for (std::size_t s = 0; s < d.sequences.size(); ++s) {
    CellGroup g;
    g.first = t.cell_column.size();
    g.count = static_cast<double>(d.sequence_clusters[s]);
    for (std::size_t j = 0; j < d.periods; ++j) {
      const char cell = d.sequences[s][j];
      if (cell == unmeasured_cell) continue;
      t.cell_column.push_back(d.period_effects ? j : 0);
      t.cell_treated.push_back(cell == treated_cell ? 1.0 : 0.0);
      t.cell_period.push_back(static_cast<double>(j));
      t.cell_inverse_cases.push_back(inverse_cases);
    }
    g.size = t.cell_column.size() - g.first;
    t.groups.push_back(g);
    for (std::size_t c = 0; c < d.sequence_clusters[s]; ++c) {
      t.cluster_group.push_back(s);
      t.cluster_first.push_back(t.y.size());
      t.y.resize(t.y.size() + g.size, 0.0);
    }
  }
  return t;
}

GlsScratch::GlsScratch(std::size_t columns, std::size_t max_cells, std::size_t max_groups,
                       std::size_t max_cluster_cells)
    : llt(static_cast<Eigen::Index>(columns)),
      precision(max_cells),
      group_k(max_groups),
      group_denominator(max_groups),
      group_s(max_groups),
      q(max_cluster_cells) {
  const auto p = static_cast<Eigen::Index>(columns);
  for (Eigen::MatrixXd* m : {&a, &a_inverse, &b_e, &b_c}) m->resize(p, p);
  group_g.resize(p, static_cast<Eigen::Index>(max_groups));
  for (Eigen::VectorXd* v : {&b, &b_trend, &beta, &g2, &f_e, &f_c, &work, &a_inverse_theta, &within_data, &between_data})
    v->resize(p);
}

bool evaluate(const Trial& t, const Components& c, Need need, bool trend, GlsScratch& w, Evaluation& e) {
  const std::size_t theta = t.columns - 1;
  const bool likelihood = need != Need::estimate;
  const bool derivs = need == Need::derivatives;
  w.a.setZero();
  w.b.setZero();
  w.b_trend.setZero();
  if (derivs) {
    w.b_e.setZero();
    w.b_c.setZero();
  }
  double logdet_v = 0.0, tr_vinv = 0.0, tr_gc = 0.0;

  // Design part, once per group: sum_j p f f' - k g g' with g = sum_j p f.
  for (std::size_t gi = 0; gi < t.groups.size(); ++gi) {
    const CellGroup& grp = t.groups[gi];
    auto g = w.group_g.col(static_cast<Eigen::Index>(gi));
    g.setZero();
    if (derivs) w.g2.setZero();
    double s = 0.0, s2 = 0.0, log_d = 0.0;
    for (std::size_t cell = grp.first; cell < grp.first + grp.size; ++cell) {
      const double d = c.gamma2 + c.sigma2 * t.cell_inverse_cases[cell];
      const double p = 1.0 / d;
      const double x = t.cell_treated[cell];
      w.precision[cell] = p;
      s += p;
      add_cell(g, t.cell_column[cell], theta, x, p);
      add_cell(w.a, t.cell_column[cell], theta, x, grp.count * p);
      if (likelihood) log_d += std::log(d);
      if (derivs) {
        s2 += p * p;
        add_cell(w.g2, t.cell_column[cell], theta, x, p * p);
        add_cell(w.b_e, t.cell_column[cell], theta, x, grp.count * p * p);
      }
    }
    const double denominator = 1.0 + c.tau2 * s;
    const double k = c.tau2 / denominator;
    w.group_k[gi] = k;
    w.group_denominator[gi] = denominator;
    w.group_s[gi] = s;
    rank_update_lower(w.a, g, -grp.count * k);
    if (likelihood) logdet_v += grp.count * (log_d + std::log(denominator));
    if (derivs) {
      tr_vinv += grp.count * (s - k * s2);
      tr_gc += grp.count * s / denominator;
      rank_update(w.b_e, w.g2, g, -grp.count * k);
      rank_update(w.b_e, g, w.g2, -grp.count * k);
      rank_update(w.b_e, g, g, grp.count * k * k * s2);
      rank_update(w.b_c, g, g, grp.count / (denominator * denominator));
    }
  }

  // Data part, once per cluster: F_i' V_i^-1 y_i and y_i' V_i^-1 y_i.
  double yvy = 0.0;
  for (std::size_t i = 0; i < t.clusters(); ++i) {
    const std::size_t gi = t.cluster_group[i];
    const CellGroup& grp = t.groups[gi];
    const double* y = t.y.data() + t.cluster_first[i];
    double h = 0.0, h_trend = 0.0;
    for (std::size_t j = 0; j < grp.size; ++j) {
      const std::size_t cell = grp.first + j;
      const double p = w.precision[cell];
      h += p * y[j];
      yvy += p * y[j] * y[j];
      add_cell(w.b, t.cell_column[cell], theta, t.cell_treated[cell], p * y[j]);
      if (trend) {
        h_trend += p * t.cell_period[cell];
        add_cell(w.b_trend, t.cell_column[cell], theta, t.cell_treated[cell], p * t.cell_period[cell]);
      }
    }
    const double k = w.group_k[gi];
    yvy -= k * h * h;
    w.b -= (k * h) * w.group_g.col(static_cast<Eigen::Index>(gi));
    if (trend) w.b_trend -= (k * h_trend) * w.group_g.col(static_cast<Eigen::Index>(gi));
  }

  w.llt.compute(w.a);
  if (w.llt.info() != Eigen::Success) return false;
  // A numerically singular A passes the Cholesky with a tiny pivot; the
  // relative size of the smallest pivot tells estimable from not.
  const auto& l = w.llt.matrixLLT();
  const double largest = l.diagonal().cwiseAbs().maxCoeff();
  if (!(l.diagonal().cwiseAbs().minCoeff() > 1e-7 * largest)) return false;
  w.beta = w.b;
  w.llt.solveInPlace(w.beta);
  const auto th = static_cast<Eigen::Index>(theta);
  e.theta = w.beta(th);
  if (derivs) {  // the trace terms need all of A^-1
    w.a_inverse.setIdentity();
    w.llt.solveInPlace(w.a_inverse);
    e.variance = w.a_inverse(th, th);
    e.trend_weight = trend ? w.a_inverse.row(th).dot(w.b_trend) : 0.0;
  } else {  // one solve instead of p: O(p^2), which matters for designs of hundreds of periods
    w.a_inverse_theta.setZero();
    w.a_inverse_theta(th) = 1.0;
    w.llt.solveInPlace(w.a_inverse_theta);
    e.variance = w.a_inverse_theta(th);
    e.trend_weight = trend ? w.a_inverse_theta.dot(w.b_trend) : 0.0;
  }
  if (likelihood) {
    double logdet_a = 0.0;
    for (Eigen::Index j = 0; j < l.rows(); ++j) logdet_a += 2.0 * std::log(l(j, j));
    e.loglik = -0.5 * (logdet_v + logdet_a + yvy - w.b.dot(w.beta));
  }
  if (derivs) derivatives(t, tr_vinv, tr_gc, w, e);
  return std::isfinite(e.theta) && e.variance > 0.0;
}

bool reml_fit(const Trial& t, Components& c, bool cluster_period_effect, bool trend, GlsScratch& w, Evaluation& e) {
  // `e` ends as the evaluation at the accepted components (the scratch may
  // hold a rejected candidate's).
  return detail::maximize_reml(c, cluster_period_effect, e, [&](const Components& at, Evaluation& out) {
    return evaluate(t, at, Need::derivatives, trend, w, out);
  });
}

bool gls_weights(const Trial& t, const Components& c, GlsScratch& w, std::vector<double>& weights, double& variance) {
  Evaluation e;
  if (!evaluate(t, c, Need::estimate, false, w, e)) return false;
  const std::size_t theta = t.columns - 1;
  // Row theta of A^-1 F' V^-1: for cell j of a group, p_j (f_j' r - k g' r) with r = A^-1 e_theta.
  const Eigen::VectorXd& r = w.a_inverse_theta;
  weights.assign(t.cell_column.size(), 0.0);
  for (std::size_t gi = 0; gi < t.groups.size(); ++gi) {
    const CellGroup& g = t.groups[gi];
    const double g_r = w.group_g.col(static_cast<Eigen::Index>(gi)).dot(r);
    for (std::size_t cell = g.first; cell < g.first + g.size; ++cell)
      weights[cell] = w.precision[cell] * (row_dot(t, cell, r, theta) - w.group_k[gi] * g_r);
  }
  variance = e.variance;
  return true;
}

}  // namespace samdsim::demonstration
