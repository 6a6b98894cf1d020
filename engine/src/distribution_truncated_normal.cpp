// The standard normal truncated to [lo, hi], accurate from the centre out to
// any tail. Where tail probabilities stay representable it samples by
// inverse CDF (monotone in the uniform, so common random numbers carry over
// between scenarios); beyond that, by exact rejection.

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "distribution_detail.hpp"

namespace samdsim::detail {

namespace {

using Mode = StdTruncatedNormal::Mode;

const boost::math::normal_distribution<double, BoostPolicy> kStd{0.0, 1.0};

// Q(lo) = 1 - Phi(lo) is a normal double down to about 1e-300 (lo ~ 37); from
// lo = 30 on the far-tail forms are used, leaving a wide margin.
constexpr double kFarTail = 30.0;

double phi(double y) { return std::isinf(y) ? 0.0 : boost::math::pdf(kStd, y); }
double Phi(double y) { return boost::math::cdf(kStd, y); }
double Q(double y) { return boost::math::cdf(boost::math::complement(kStd, y)); }
double Phi_inv(double p) { return boost::math::quantile(kStd, p); }
double Q_inv(double q) { return boost::math::quantile(boost::math::complement(kStd, q)); }

// Mills ratio Q(y)/phi(y) for y >= kFarTail by its continued fraction
// 1/(y + 1/(y + 2/(y + 3/(y + ...)))) (Abramowitz & Stegun 26.2.14); at
// y >= 30, 40 terms are exact to double precision.
double mills_ratio(double y) {
  if (std::isinf(y)) return 0.0;
  double t = y;
  for (int k = 40; k >= 1; --k) t = y + k / t;
  return 1.0 / t;
}

// phi(y) / phi(lo), formed without squaring large numbers separately.
double density_ratio(double lo, double y) {
  if (std::isinf(y)) return 0.0;
  return std::exp(-0.5 * (y - lo) * (y + lo));
}

double cdf_y(const StdTruncatedNormal& t, double y) {
  if (y <= t.lo) return 0.0;
  if (y >= t.hi) return 1.0;
  switch (t.mode) {
    case Mode::central: return (Phi(y) - t.base) / t.mass;
    case Mode::upper: return (t.base - Q(y)) / t.mass;
    case Mode::far_upper: return (t.base - mills_ratio(y) * density_ratio(t.lo, y)) / t.mass;
  }
  return 0.0;
}

// P(Y >= y); central mode is never reflected, so never asks for it.
double sf_y(const StdTruncatedNormal& t, double y) {
  if (y <= t.lo) return 1.0;
  if (y >= t.hi) return 0.0;
  if (t.mode == Mode::far_upper) return (mills_ratio(y) * density_ratio(t.lo, y) - t.top) / t.mass;
  return (Q(y) - t.top) / t.mass;
}

// The y in the far tail where `f` (monotone) crosses `target`, by bisection:
// no closed form exists once Q(y) underflows.
template <class F>
double solve_far(const StdTruncatedNormal& t, F f, double target, bool increasing) {
  // Beyond lo + 50/lo lies less than e^-50 of the mass.
  double a = t.lo;
  double b = std::min(t.hi, t.lo + 50.0 / t.lo + 1.0);
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (a + b);
    if (mid <= a || mid >= b) break;
    if ((f(mid) < target) == increasing)
      a = mid;
    else
      b = mid;
  }
  return 0.5 * (a + b);
}

// y with P(Y <= y) = p (upper_side false) or P(Y >= y) = p (true).
double quantile_y(const StdTruncatedNormal& t, double p, bool upper_side) {
  double y = 0.0;
  switch (t.mode) {
    case Mode::central: y = Phi_inv(t.base + p * t.mass); break;
    case Mode::upper: y = upper_side ? Q_inv(t.top + p * t.mass) : Q_inv(t.base - p * t.mass); break;
    case Mode::far_upper:
      if (upper_side)
        y = solve_far(t, [&](double v) { return sf_y(t, v); }, p, false);
      else
        y = solve_far(t, [&](double v) { return cdf_y(t, v); }, p, true);
      break;
  }
  return std::clamp(y, t.lo, t.hi);
}

// Robert (1995), "Simulation of truncated normal variables", Statistics and
// Computing 5, 121-125: a uniform proposal for a short interval, otherwise
// a translated exponential with the optimal rate (his Proposition 2.3).
double far_tail_rejection(const StdTruncatedNormal& t, Stream& s) {
  const double lo = t.lo, hi = t.hi;
  if (hi - lo < 1.0 / lo) {
    for (;;) {
      const double y = s.uniform(lo, hi);
      if (s.uniform() <= density_ratio(lo, y)) return y;
    }
  }
  const double rate = 0.5 * (lo + std::sqrt(lo * lo + 4.0));
  for (;;) {
    const double y = lo + s.exponential(rate);
    if (y > hi) continue;
    const double d = y - rate;
    if (s.uniform() <= std::exp(-0.5 * d * d)) return y;
  }
}

}  // namespace

StdTruncatedNormal make_std_truncated_normal(double lo, double hi) {
  StdTruncatedNormal t;
  if (lo >= 0.0 || hi <= 0.0) {
    t.sign = lo >= 0.0 ? 1.0 : -1.0;
    t.lo = lo >= 0.0 ? lo : -hi;
    t.hi = lo >= 0.0 ? hi : -lo;
    if (t.lo >= kFarTail) {
      t.mode = Mode::far_upper;
      t.base = mills_ratio(t.lo);
      t.top = mills_ratio(t.hi) * density_ratio(t.lo, t.hi);
    } else {
      t.mode = Mode::upper;
      t.base = Q(t.lo);
      t.top = Q(t.hi);
    }
    t.mass = t.base - t.top;
  } else {
    t.mode = Mode::central;
    t.lo = lo;
    t.hi = hi;
    t.base = Phi(lo);
    t.top = Phi(hi);
    t.mass = t.top - t.base;
  }
  return t;
}

double truncated_normal_quantile(const StdTruncatedNormal& t, double p) {
  if (t.sign > 0.0) return quantile_y(t, p, false);
  return -quantile_y(t, p, true);
}

double truncated_normal_sample(const StdTruncatedNormal& t, Stream& s) {
  if (t.mode == Mode::far_upper) return t.sign * far_tail_rejection(t, s);
  return truncated_normal_quantile(t, s.uniform());
}

double truncated_normal_cdf(const StdTruncatedNormal& t, double z) {
  if (t.sign > 0.0) return cdf_y(t, z);
  return sf_y(t, -z);
}

namespace {
// h_lo = phi(lo)/P, h_hi = phi(hi)/P, for the moment formulas of Johnson,
// Kotz & Balakrishnan (1994), Continuous Univariate Distributions 1, 13.10.
void hazards(const StdTruncatedNormal& t, double& h_lo, double& h_hi) {
  if (t.mode == Mode::far_upper) {
    h_lo = 1.0 / t.mass;
    h_hi = density_ratio(t.lo, t.hi) / t.mass;
  } else {
    h_lo = phi(t.lo) / t.mass;
    h_hi = phi(t.hi) / t.mass;
  }
}
}  // namespace

double truncated_normal_mean(const StdTruncatedNormal& t) {
  double h_lo, h_hi;
  hazards(t, h_lo, h_hi);
  return t.sign * (h_lo - h_hi);
}

double truncated_normal_variance(const StdTruncatedNormal& t) {
  double h_lo, h_hi;
  hazards(t, h_lo, h_hi);
  const double t_lo = std::isinf(t.lo) ? 0.0 : t.lo * h_lo;
  const double t_hi = std::isinf(t.hi) ? 0.0 : t.hi * h_hi;
  const double m = h_lo - h_hi;
  return 1.0 + t_lo - t_hi - m * m;
}

}  // namespace samdsim::detail
