// P(X_n >= k) for X_n ~ Bin(n, p), followed while n and k grow one at a time,
// as the exact single-proportion searches walk them (design.cpp).
#pragma once

#include <cstdint>

namespace samdsim::us_pathway {

// P(X >= k) for X ~ Bin(n, p) from Boost; 1 for k <= 0 and 0 for k > n.
double binomial_upper_tail(std::int64_t n, double p, std::int64_t k);

// Boost's binomial tail is an incomplete beta function (about 5 us); a walk
// over 10^5 sample sizes, or a critical-value table of 10^6 entries, needs
// one per step. The recurrences, with q = 1 - p,
//   P(X_{n+1} >= k) = P(X_n >= k) + p P(X_n = k-1)
//   P(X_n >= k+1)   = P(X_n >= k) - P(X_n = k)
//   P(X_{n+1} = j)  = P(X_n = j) q (n+1) / (n+1-j)
//   P(X_n = j+1)    = P(X_n = j) p (n-j) / (q (j+1))
// cost a few operations per step. Rounding drifts by a few ulps per step, so
// the walk takes Boost's values again every 1024 steps, at the edges (k < 1,
// k > n), after a subtraction that cancels, and whenever a comparison falls
// within 1e-9 (relative) of its threshold: every comparison then has the
// outcome that Boost's value of the tail gives.
class BinomialTail {
 public:
  BinomialTail(std::int64_t n, double p, std::int64_t k);

  std::int64_t n() const { return n_; }
  std::int64_t k() const { return k_; }
  void next_n();  // n + 1
  void next_k();  // k + 1

  // P(X_n >= k) > threshold, and P(X_n >= k) >= threshold.
  bool above(double threshold);
  bool at_least(double threshold);

 private:
  void anchor();
  double settled(double threshold);

  std::int64_t n_;
  double p_;
  std::int64_t k_;
  double tail_ = 0.0;  // P(X_n >= k)
  double mass_ = 0.0;  // P(X_n = k - 1)
  int steps_ = 0;      // since the last exact value
};

}  // namespace samdsim::us_pathway
