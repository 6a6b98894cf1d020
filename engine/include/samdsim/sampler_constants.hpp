#pragma once

// What the discrete samplers of samdsim::Stream compute from their
// parameters alone and may keep between draws: log-factorials, BTRS's
// constants for (n, p) with its ratios f(k)/f(m), and PTRS's constants for
// a Poisson mean. Each is a pure function of the parameters, so keeping
// one changes no draw, only its time.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace samdsim {

namespace detail {

// log(k!) without the global `signgam` write of std::lgamma (a data race
// between threads) and faster than Boost for the integer arguments we need.
inline double log_factorial(double k) {
  // Exact values of log(k!) for k = 0..15, rounded to double.
  static constexpr std::array<double, 16> kSmall = {
      0.0,
      0.0,
      0.69314718055994530942,
      1.79175946922805500081,
      3.17805383034794561964,
      4.78749174278204599425,
      6.57925121201010099506,
      8.52516136106541430017,
      10.6046029027452502284,
      12.8018274800814696112,
      15.1044125730755152952,
      17.5023078458738858393,
      19.9872144956618861495,
      22.5521638531234228856,
      25.1912211827386815001,
      27.8992713838408915661};
  if (k < 16.0) return kSmall[static_cast<std::size_t>(k)];
  // Stirling series for lgamma(x), x = k + 1 >= 17: the first omitted term,
  // 1/(1188 x^9), is below 1e-14 (Abramowitz & Stegun 6.1.41).
  constexpr double kHalfLog2Pi = 0.91893853320467274178;
  const double x = k + 1.0;
  const double r = 1.0 / x;
  const double r2 = r * r;
  const double series = r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 / 1680.0)));
  return (x - 0.5) * std::log(x) - x + kHalfLog2Pi + series;
}

// log_factorial(k) looked up for k < 1024: each entry is that function's
// own value, so a lookup changes no result, only the time of the binomial
// and Poisson rejection tests (two logs each).
inline double log_factorial_lookup(double k) {
  constexpr std::size_t kSize = 1024;
  static const std::array<double, kSize> table = [] {
    std::array<double, kSize> t{};
    for (std::size_t i = 0; i < kSize; ++i) t[i] = log_factorial(static_cast<double>(i));
    return t;
  }();
  return k < static_cast<double>(kSize) ? table[static_cast<std::size_t>(k)] : log_factorial(k);
}

// BTRS's constants for one (n, p), p <= 0.5 (Hörmann 1993): log_fm is
// log m! + log (n - m)! of the mode m. The logs are
// needed only past the first comparison (about half the draws at
// n p (1 - p) = 21, a fifth for large n p (1 - p)), so computed on demand.
//
// The exact test there, log(v) <= log(f(k)/f(m)) with f the binomial pmf,
// needs a logarithm per draw. For a pair drawn again and again (a study's
// arms) the ratio f(k)/f(m) itself is kept per k near the mode, and v is
// compared with it widened by a relative margin of 1e-11 on either side:
// the computed log(v) is within 2e-13 of exact (|log v| <= 745) and the
// kept ratio within a few ulps of exp(log(f(k)/f(m))), so outside the
// margin both comparisons agree, and inside it the exact test decides as
// before. Every decision, and so every draw, is the same.
struct BtrsConstants {
  static constexpr std::size_t kRatios = 512;   // k from m - 256 on
  static constexpr std::uint32_t kUsesBeforeRatios = 16;  // exact tests of one pair before the ratios are kept
  static constexpr double kMargin = 1e-11;

  double n = -1.0, p = -1.0;
  double q = 0.0, spq = 0.0, b = 0.0, a = 0.0, c = 0.0, alpha = 0.0, v_r = 0.0, u_rv_r = 0.0, m = 0.0;
  double log_pq = 0.0, log_fm = 0.0;
  bool have_logs = false;
  bool have_ratios = false;
  std::uint32_t exact_tests = 0;
  double first_ratio_k = 0.0;
  // f(k)/f(m) for k = first_ratio_k + i; -1 until computed; NaN where the
  // ratio is below e^-700 (the exact test decides there). Initialized, so
  // that a thread's kept pairs need no guard on every draw.
  std::array<double, kRatios> ratio{};

  void set(double dn, double p_) {
    n = dn;
    p = p_;
    q = 1.0 - p;
    spq = std::sqrt(dn * p * q);
    b = 1.15 + 2.53 * spq;
    a = -0.0873 + 0.0248 * b + 0.01 * p;
    c = dn * p + 0.5;
    alpha = (2.83 + 5.1 / b) * spq;
    v_r = 0.92 - 4.2 / b;
    u_rv_r = 0.86 * v_r;
    m = std::floor((dn + 1.0) * p);
    have_logs = false;
    have_ratios = false;
    exact_tests = 0;
  }
  void compute_logs() {
    if (have_logs) return;
    log_pq = std::log(p / q);
    log_fm = log_factorial_lookup(m) + log_factorial_lookup(n - m);
    have_logs = true;
  }
  double log_ratio(double k) {
    compute_logs();
    return log_fm - log_factorial_lookup(k) - log_factorial_lookup(n - k) + (k - m) * log_pq;
  }
  // Whether BTRS accepts k (0 <= k <= n) for v > 0: log(v) <= log(f(k)/f(m)).
  bool accepts(double k, double v) { return have_ratios ? accepts_as<true>(k, v) : accepts_as<false>(k, v); }
  // The same, `kept` telling whether the ratios are kept (BTRS's loop is
  // compiled once for each case).
  template <bool kept>
  bool accepts_as(double k, double v) {
    if constexpr (kept) {
      const double i = k - first_ratio_k;
      if (i >= 0.0 && i < static_cast<double>(kRatios)) {
        double& r = ratio[static_cast<std::size_t>(i)];
        if (r < 0.0) {
          const double lr = log_ratio(k);
          r = lr >= -700.0 ? std::exp(lr) : std::numeric_limits<double>::quiet_NaN();
        }
        if (v < r * (1.0 - kMargin)) return true;
        if (v > r * (1.0 + kMargin)) return false;
      }
    } else if (++exact_tests == kUsesBeforeRatios) {
      start_ratios();
    }
    return std::log(v) <= log_ratio(k);
  }

 private:
  // Out of line: once per pair.
  [[gnu::noinline]] void start_ratios() {
    first_ratio_k = std::max(0.0, m - static_cast<double>(kRatios / 2));
    const auto used = static_cast<std::size_t>(std::min(n, first_ratio_k + static_cast<double>(kRatios - 1)) -
                                               first_ratio_k) + 1;
    std::fill_n(ratio.begin(), used, -1.0);
    std::fill(ratio.begin() + static_cast<std::ptrdiff_t>(used), ratio.end(),
              std::numeric_limits<double>::quiet_NaN());
    have_ratios = true;
  }
};

}  // namespace detail

// What a Poisson draw computes from its mean alone: PTRS's constants from
// mean 10 up (Hörmann 1993; the logs of the exact test on demand), e^-mean
// below. A caller that draws one mean again and again (a hospital's monthly
// cases) keeps one per mean and computes them once: a pure function of the
// mean, so keeping them changes no draw.
struct PoissonConstants {
  double mean = -1.0;
  double slam = 0.0, b = 0.0, a = 0.0, v_r = 0.0;  // PTRS
  double loglam = 0.0, log_inv_alpha = 0.0;         // PTRS, once have_logs
  bool have_logs = false;
  double exp_minus_mean = 0.0;  // inversion

  void set(double m) {
    mean = m;
    have_logs = false;
    if (m < 10.0) {
      exp_minus_mean = std::exp(-m);
      return;
    }
    slam = std::sqrt(m);
    b = 0.931 + 2.53 * slam;
    a = -0.059 + 0.02483 * b;
    v_r = 0.9277 - 3.6224 / (b - 2.0);
  }
  void compute_logs() {
    if (have_logs) return;
    loglam = std::log(mean);
    log_inv_alpha = std::log(1.1239 + 1.1328 / (b - 3.4));
    have_logs = true;
  }
};

namespace detail {

// The constants of the two (n, p) drawn most recently on this thread,
// computed again only for another pair: a study with fixed arms draws the
// same (n, p) replicate after replicate (where n or p varies per replicate,
// every draw computes them, as it always did). Pure functions of (n, p), so
// no draw depends on what the thread drew before.
inline BtrsConstants& btrs_constants(double n, double p) {
  thread_local std::array<BtrsConstants, 2> recent;
  thread_local std::size_t older = 0;  // the entry used less recently
  for (std::size_t i = 0; i < recent.size(); ++i)
    if (recent[i].n == n && recent[i].p == p) {
      older = i ^ 1;
      return recent[i];
    }
  BtrsConstants& k = recent[older];
  older ^= 1;
  k.set(n, p);
  return k;
}

}  // namespace detail

}  // namespace samdsim
