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

#include "samdsim/sampler_constants.hpp"
#include "samdsim/ziggurat_tables.hpp"

namespace samdsim {

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
