#pragma once

// The REML iterations shared by the general and the balanced evaluation of
// the likelihood (gls.cpp, gls_balanced.cpp).

#include <algorithm>

#include "demonstration/gls.hpp"

namespace samdsim::demonstration::detail {

// Iterations stop when the Newton decrement s' AI^-1 s, the expected gain in
// log-likelihood, falls below this; far below any effect on a test.
constexpr double decrement_tolerance = 1e-9;
constexpr int max_iterations = 100;
constexpr int max_halvings = 40;

// Average-information Newton steps from c with step halving and the
// components kept non-negative; `evaluate_at(c, e)` fills e (likelihood,
// score and information for (tau2, gamma2)) or returns false. Without a
// cluster-period effect gamma2 stays 0. On return c holds the estimates and
// e the evaluation there.
template <class Evaluate>
bool maximize_reml(Components& c, bool cluster_period_effect, Evaluation& e, Evaluate&& evaluate_at) {
  if (!cluster_period_effect) c.gamma2 = 0.0;
  if (!evaluate_at(c, e)) return false;
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    // A component on its bound whose score points outward stays there.
    const double value[2] = {c.tau2, c.gamma2};
    bool free_[2];
    for (int k = 0; k < 2; ++k) free_[k] = value[k] > 0.0 || e.score[k] > 0.0;
    free_[1] = free_[1] && cluster_period_effect;
    double step[2] = {0.0, 0.0};
    const double(&ai)[2][2] = e.information;
    const double det = ai[0][0] * ai[1][1] - ai[0][1] * ai[1][0];
    if (free_[0] && free_[1] && ai[0][0] > 0.0 && det > 1e-10 * ai[0][0] * ai[1][1]) {
      step[0] = (ai[1][1] * e.score[0] - ai[0][1] * e.score[1]) / det;
      step[1] = (ai[0][0] * e.score[1] - ai[1][0] * e.score[0]) / det;
    } else {
      // One free component, or components the data barely tell apart (one
      // measured period per cluster): a Newton step along the free score.
      const double d[2] = {free_[0] ? e.score[0] : 0.0, free_[1] ? e.score[1] : 0.0};
      const double curvature = d[0] * (ai[0][0] * d[0] + ai[0][1] * d[1]) + d[1] * (ai[1][0] * d[0] + ai[1][1] * d[1]);
      if (curvature > 0.0)
        for (int k = 0; k < 2; ++k) step[k] = d[k] * (d[0] * d[0] + d[1] * d[1]) / curvature;
    }
    const double decrement = e.score[0] * step[0] + e.score[1] * step[1];
    if (!(decrement > decrement_tolerance)) break;

    Evaluation trial_eval;
    Components candidate = c;
    bool accepted = false;
    double length = 1.0;
    for (int h = 0; h < max_halvings && !accepted; ++h, length *= 0.5) {
      candidate.tau2 = std::max(0.0, c.tau2 + length * step[0]);
      candidate.gamma2 = std::max(0.0, c.gamma2 + length * step[1]);
      accepted = evaluate_at(candidate, trial_eval) && trial_eval.loglik >= e.loglik;
    }
    if (!accepted) break;
    c = candidate;
    e = trial_eval;
  }
  return true;
}

}  // namespace samdsim::demonstration::detail
