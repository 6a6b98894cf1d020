#pragma once

// Random streams. One Stream per (seed, scenario, replicate, substream); the
// numbers it yields depend on nothing else (not the thread, not the order in
// which replicates run), which is what makes runs bitwise reproducible
// whatever the thread count, shard layout or MPI rank count.
//
// Every sampling algorithm here is our own fixed code: std::*_distribution
// differ between standard libraries and would break the reproducibility
// contract (SPEC, "Reproducibility contract").

#include <Random123/philox.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "samdsim/ziggurat_tables.hpp"

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

// The substreams of a replicate: one draws its parameters, one is the model's.
inline constexpr std::uint64_t parameter_substream = 0;
inline constexpr std::uint64_t model_substream = 1;

class Stream {
 public:
  // key = {seed, scenario}; counter = {block, replicate, substream, stage}.
  // A model made of stages gives each stage its own number, so that the
  // draws of one stage never move those of another; stage 0 is the stream a
  // model without stages uses.
  Stream(std::uint64_t seed, std::uint64_t scenario, std::uint64_t replicate,
         std::uint64_t substream = 0, std::uint64_t stage = 0)
      : key_{{seed, scenario}}, counter_{{0, replicate, substream, stage}} {}

  std::uint64_t next_u64() {
    if (used_ == buffer_.size()) refill();
    return buffer_[used_++];
  }

  // Open interval (0,1): the top 53 bits, centred in their cell, so neither 0
  // nor 1 can occur and log(uniform()) is always finite.
  double uniform() {
    constexpr double kTwoPowMinus53 = 1.0 / 9007199254740992.0;
    return (static_cast<double>(next_u64() >> 11) + 0.5) * kTwoPowMinus53;
  }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }

  // Marsaglia & Tsang (2000) ziggurat, 256 regions (ziggurat_tables.hpp,
  // scripts/ziggurat_tables.py). One 64-bit word gives the region (its low
  // 8 bits), the sign (bit 8) and the abscissa (its top 53 bits), disjoint
  // bits, so region and value are independent. About 98.5 % of draws end at
  // the first comparison; the rest test the wedge under the density or, in
  // region 0, draw from the tail beyond r by Marsaglia's (1964) method.
  double normal() {
    constexpr double kTwoPowMinus53 = 1.0 / 9007199254740992.0;
    for (;;) {
      const std::uint64_t w = next_u64();
      const std::size_t i = w & 0xFF;
      // Bit 8 becomes the sign bit (a branch here would be mispredicted
      // half the time).
      const std::uint64_t sign = (w & 0x100) << 55;
      const double x = static_cast<double>(w >> 11) * kTwoPowMinus53 * detail::kZigguratX[i];
      if (x < detail::kZigguratX[i + 1]) [[likely]]
        return with_sign(x, sign);
      if (i == 0) return with_sign(normal_tail(), sign);
      const double y = detail::kZigguratF[i] +
                       uniform() * (detail::kZigguratF[i + 1] - detail::kZigguratF[i]);
      if (y < std::exp(-0.5 * x * x)) return with_sign(x, sign);
    }
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }

  double exponential(double rate = 1.0) { return -std::log(uniform()) / rate; }

  // Marsaglia & Tsang (2000), "A simple method for generating gamma
  // variables", ACM TOMS 26(3). For shape < 1: Gamma(shape + 1) * U^(1/shape)
  // (their section 6), done in logs so tiny shapes underflow gracefully.
  double gamma(double shape, double scale) {
    if (shape < 1.0) {
      const double g = gamma_unit(shape + 1.0);
      return scale * std::exp(std::log(g) + std::log(uniform()) / shape);
    }
    return scale * gamma_unit(shape);
  }

  double beta(double a, double b) {
    const double x = gamma(a, 1.0);
    const double y = gamma(b, 1.0);
    const double sum = x + y;
    // Both gammas underflow only for tiny a and b, where Beta(a,b) puts
    // nearly all its mass at 0 and 1 in proportion b : a.
    if (!(sum > 0.0)) return bernoulli(a / (a + b)) ? 1.0 : 0.0;
    return x / sum;
  }

  double lognormal(double mu, double sigma) { return std::exp(normal(mu, sigma)); }

  std::uint64_t poisson(double mean) {
    PoissonConstants k;
    return poisson(mean, k);
  }

  // The same draw, the mean's constants taken from `kept` when it holds
  // them for this mean, else computed into it.
  std::uint64_t poisson(double mean, PoissonConstants& kept) {
    if (!(mean > 0.0)) return 0;
    if (!(kept.mean == mean)) kept.set(mean);
    // Hörmann (1993) recommends PTRS from mean 10 up; below it inversion
    // needs about mean + 1 comparisons and one uniform.
    if (mean < 10.0) return poisson_inversion(mean, kept.exp_minus_mean);
    return poisson_ptrs(kept);
  }

  std::uint64_t binomial(std::uint64_t n, double p) {
    if (n == 0 || !(p > 0.0)) return 0;
    if (p >= 1.0) return n;
    if (p > 0.5) return n - binomial(n, 1.0 - p);
    // BTRS needs n*p >= 10 (Hörmann 1993, section 3).
    if (static_cast<double>(n) * p < 10.0) return binomial_inversion(n, p);
    return binomial_btrs(n, p);
  }

  // Gamma–Poisson mixture: var = mean + mean^2 / size.
  std::uint64_t negative_binomial(double mean, double size) {
    if (!(mean > 0.0)) return 0;
    return poisson(gamma(size, mean / size));
  }

  // p = 0 never and p = 1 always succeed because uniform() is in (0,1).
  bool bernoulli(double p) { return uniform() < p; }

  // Unbiased index in [0, n), n >= 1: Lemire (2019), "Fast random integer
  // generation in an interval", ACM TOMS 29(1).
  std::uint64_t uniform_index(std::uint64_t n) {
    __extension__ using u128 = unsigned __int128;
    u128 m = static_cast<u128>(next_u64()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<u128>(next_u64()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // 64-bit words consumed so far (for benchmarks that replay a model's draws).
  std::uint64_t words_used() const { return counter_.v[0] == 0 ? 0 : (counter_.v[0] - 1) * 4 + used_; }

 private:
  using Philox = r123::Philox4x64;  // 10 rounds

  void refill() {
    const Philox::ctr_type out = Philox{}(counter_, key_);
    for (std::size_t i = 0; i < buffer_.size(); ++i) buffer_[i] = out.v[i];
    ++counter_.v[0];
    used_ = 0;
  }

  // x >= 0 with the sign bit `sign` (0 or 1 << 63).
  static double with_sign(double x, std::uint64_t sign) {
    return std::bit_cast<double>(std::bit_cast<std::uint64_t>(x) | sign);
  }

  // Marsaglia (1964): the normal beyond r is r + E1 / r, kept when
  // 2 E2 >= (E1 / r)^2 (E1, E2 standard exponentials).
  double normal_tail() {
    for (;;) {
      const double x = -std::log(uniform()) / detail::kZigguratR;
      const double y = -std::log(uniform());
      if (y + y >= x * x) return detail::kZigguratR + x;
    }
  }

  double gamma_unit(double shape) {  // shape >= 1
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x, v;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = uniform();
      const double x2 = x * x;
      // Squeeze constant 0.0331 from Marsaglia & Tsang (2000).
      if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
      if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v;
    }
  }

  // Sequential search from 0, one uniform per draw.
  std::uint64_t poisson_inversion(double mean, double exp_minus_mean) {
    double p = exp_minus_mean;
    double u = uniform();
    std::uint64_t k = 0;
    while (u > p) {
      u -= p;
      ++k;
      const double next = p * mean / static_cast<double>(k);
      // Rounding can leave u above the remaining mass; the tail then holds
      // no representable probability and the current k is as far as it goes.
      if (next == 0.0) break;
      p = next;
    }
    return k;
  }

  // PTRS, "transformed rejection with squeeze": Hörmann (1993), "The
  // transformed rejection method for generating Poisson random variables",
  // Insurance: Mathematics and Economics 12, 39-45. Constants from there
  // (PoissonConstants); the logarithms only the exact test needs are taken
  // when it first comes (about half of all draws are accepted before it).
  std::uint64_t poisson_ptrs(PoissonConstants& c) {
    const double mean = c.mean, a = c.a, b = c.b;
    for (;;) {
      const double u = uniform() - 0.5;
      const double v = uniform();
      const double us = 0.5 - std::fabs(u);
      const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= c.v_r) return static_cast<std::uint64_t>(k);
      if (k < 0.0 || (us < 0.013 && v > us)) continue;
      c.compute_logs();
      if (std::log(v) + c.log_inv_alpha - std::log(a / (us * us) + b) <=
          -mean + k * c.loglam - detail::log_factorial_lookup(k))
        return static_cast<std::uint64_t>(k);
    }
  }

  // Inversion by sequential search with restart past a far bound, for
  // n*p < 10 and p <= 0.5 (so (1-p)^n > e^-14 never underflows).
  std::uint64_t binomial_inversion(std::uint64_t n, double p) {
    const double q = 1.0 - p;
    const double dn = static_cast<double>(n);
    // A model draws many counts with one p (a share of each month's cases):
    // log(1 - p) is kept for the last p.
    if (!(p == inversion_p_)) {
      inversion_p_ = p;
      inversion_log_q_ = std::log1p(-p);
    }
    const double q_n = std::exp(dn * inversion_log_q_);
    const double np = dn * p;
    const double bound = std::min(dn, np + 10.0 * std::sqrt(np * q + 1.0));
    for (;;) {
      double px = q_n;
      double u = uniform();
      double x = 0.0;
      while (u > px) {
        x += 1.0;
        if (x > bound) break;
        u -= px;
        px *= (dn - x + 1.0) * p / (x * q);
      }
      if (x <= bound) return static_cast<std::uint64_t>(x);
    }
  }

  // BTRS: Hörmann (1993), "The generation of binomial random variates",
  // J. Statist. Comput. Simul. 46, 101-110. Constants from there; p <= 0.5.
  std::uint64_t binomial_btrs(std::uint64_t n, double p) {
    detail::BtrsConstants& s = detail::btrs_constants(static_cast<double>(n), p);
    // A pair whose ratios are kept goes out of line, so that the loop stays
    // small (and inlined) where pairs change from draw to draw.
    if (s.have_ratios) return binomial_btrs_kept(s);
    return btrs_loop<false>(s);
  }
  [[gnu::noinline]] std::uint64_t binomial_btrs_kept(detail::BtrsConstants& s) { return btrs_loop<true>(s); }

  template <bool kept>
  std::uint64_t btrs_loop(detail::BtrsConstants& s) {
    for (;;) {
      double v = uniform();
      double u;
      if (v <= s.u_rv_r) {
        u = v / s.v_r - 0.43;
        return static_cast<std::uint64_t>(std::floor((2.0 * s.a / (0.5 - std::fabs(u)) + s.b) * u + s.c));
      }
      if (v >= s.v_r) {
        u = uniform() - 0.5;
      } else {
        u = v / s.v_r - 0.93;
        u = std::copysign(0.5, u) - u;
        v = uniform() * s.v_r;
      }
      const double us = 0.5 - std::fabs(u);
      const double k = std::floor((2.0 * s.a / us + s.b) * u + s.c);
      if (k < 0.0 || k > s.n) continue;
      v = v * s.alpha / (s.a / (us * us) + s.b);
      if (s.accepts_as<kept>(k, v)) return static_cast<std::uint64_t>(k);
    }
  }

  Philox::key_type key_;
  Philox::ctr_type counter_;
  std::array<std::uint64_t, 4> buffer_{};
  std::size_t used_ = 4;  // empty: the first call computes block 0
  double inversion_p_ = -1.0, inversion_log_q_ = 0.0;  // binomial_inversion()'s p and log(1 - p)
};

}  // namespace samdsim
