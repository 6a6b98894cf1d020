// Analytic properties of Distribution: support, moments, cdf and quantile,
// through Boost.Math wherever it has the family.

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/negative_binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <boost/math/distributions/triangular.hpp>
#include <boost/math/distributions/uniform.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "distribution_detail.hpp"
#include "samdsim/distribution.hpp"
#include "samdsim/numbers.hpp"

namespace samdsim {

using Family = Distribution::Family;
using detail::BoostPolicy;

namespace {

bool is_integer(double v) { return std::isfinite(v) && std::floor(v) == v; }

boost::math::beta_distribution<double, BoostPolicy> beta_of(double alpha, double beta) { return {alpha, beta}; }

// Boost's negative binomial counts failures before `size` successes of
// probability size / (size + mean); its mean is then `mean`.
boost::math::negative_binomial_distribution<double, BoostPolicy> negative_binomial_of(double mean, double size) {
  return {size, size / (size + mean)};
}

// The smallest integer x >= 0 with cdf(x) >= p, for 0 < p < 1: steps from
// `start` that double from `first_step` until they bracket it, then
// bisection; a few times log2(first_step) cdf evaluations from a good guess,
// about 2 log2(x) from a poor one. Boost's own discrete quantile ends by
// stepping one integer at a time while the cdf is flat in double precision,
// which in a long tail (a negative binomial reaching 1e15) takes minutes.
template <class Cdf>
double integer_quantile(const Cdf& cdf, double p, double start, double first_step) {
  constexpr double beyond = 0x1p1000;  // no count distribution reaches this with p < 1
  double lo = -1.0, hi = 0.0;          // invariant: cdf(lo) < p <= cdf(hi); cdf(-1) = 0
  const double s = std::floor(std::max(start, 0.0));
  if (cdf(s) >= p) {
    hi = s;
    for (double step = first_step; hi > 0.0; step *= 2.0) {
      const double x = std::max(hi - step, 0.0);
      if (cdf(x) < p) {
        lo = x;
        break;
      }
      hi = x;
    }
  } else {
    lo = s;
    for (double step = first_step;; step *= 2.0) {
      const double x = lo + step;
      if (x > beyond) return inf;
      if (cdf(x) >= p) {
        hi = x;
        break;
      }
      lo = x;
    }
  }
  while (hi - lo > 1.0) {
    const double mid = std::floor(lo + (hi - lo) / 2.0);
    if (mid <= lo || mid >= hi) break;  // beyond 2^53 integers are no longer all representable
    (cdf(mid) >= p ? hi : lo) = mid;
  }
  return hi;
}
}  // namespace

bool Distribution::is_integer_valued() const {
  switch (family_) {
    case Family::fixed: return is_integer(p_.a);
    case Family::poisson:
    case Family::negative_binomial:
    case Family::bernoulli: return true;
    case Family::discrete:
    case Family::empirical: return std::all_of(table_->values.begin(), table_->values.end(), is_integer);
    default: return false;
  }
}

double Distribution::support_min() const {
  switch (family_) {
    case Family::fixed: return p_.a;
    case Family::uniform:
    case Family::triangular:
    case Family::pert: return p_.a;
    case Family::normal: return -inf;
    case Family::truncated_normal:
    case Family::beta: return p_.c;
    case Family::lognormal:
    case Family::gamma:
    case Family::poisson:
    case Family::negative_binomial: return 0.0;
    case Family::bernoulli: return p_.a < 1.0 ? 0.0 : 1.0;
    case Family::discrete:
    case Family::empirical: return table_->sorted_values.front();
  }
  return -inf;
}

double Distribution::support_max() const {
  switch (family_) {
    case Family::fixed: return p_.a;
    case Family::uniform: return p_.b;
    case Family::triangular:
    case Family::pert: return p_.c;
    case Family::normal:
    case Family::lognormal:
    case Family::gamma: return inf;
    case Family::truncated_normal:
    case Family::beta: return p_.d;
    case Family::poisson:
    case Family::negative_binomial: return p_.a > 0.0 ? inf : 0.0;
    case Family::bernoulli: return p_.a > 0.0 ? 1.0 : 0.0;
    case Family::discrete:
    case Family::empirical: return table_->sorted_values.back();
  }
  return inf;
}

double Distribution::mean() const {
  switch (family_) {
    case Family::fixed: return p_.a;
    case Family::uniform: return 0.5 * (p_.a + p_.b);
    case Family::normal: return p_.a;
    case Family::truncated_normal: return p_.a + p_.b * detail::truncated_normal_mean(aux_.truncated);
    case Family::lognormal: return std::exp(p_.a + 0.5 * p_.b * p_.b);
    case Family::gamma: return p_.a * p_.b;
    case Family::beta: return p_.c + (p_.d - p_.c) * p_.a / (p_.a + p_.b);
    case Family::triangular: return (p_.a + p_.b + p_.c) / 3.0;
    case Family::pert: return p_.a + (p_.c - p_.a) * aux_.alpha / (aux_.alpha + aux_.beta);
    case Family::poisson:
    case Family::negative_binomial:
    case Family::bernoulli: return p_.a;
    case Family::discrete:
    case Family::empirical: {
      const auto& t = *table_;
      double sum = 0.0, prev = 0.0;
      for (std::size_t i = 0; i < t.sorted_values.size(); ++i) {
        sum += t.sorted_values[i] * (t.cumulative[i] - prev);
        prev = t.cumulative[i];
      }
      return sum;
    }
  }
  return p_.a;
}

double Distribution::variance() const {
  switch (family_) {
    case Family::fixed: return 0.0;
    case Family::uniform: return (p_.b - p_.a) * (p_.b - p_.a) / 12.0;
    case Family::normal: return p_.b * p_.b;
    case Family::truncated_normal: return p_.b * p_.b * detail::truncated_normal_variance(aux_.truncated);
    case Family::lognormal: {
      const double s2 = p_.b * p_.b;
      return std::expm1(s2) * std::exp(2.0 * p_.a + s2);
    }
    case Family::gamma: return p_.a * p_.b * p_.b;
    case Family::beta:
    case Family::pert: {
      const double a = aux_.alpha, b = aux_.beta;
      const double range = family_ == Family::beta ? p_.d - p_.c : p_.c - p_.a;
      return range * range * a * b / ((a + b) * (a + b) * (a + b + 1.0));
    }
    case Family::triangular: {
      const double a = p_.a, c = p_.b, b = p_.c;
      return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
    }
    case Family::poisson: return p_.a;
    case Family::negative_binomial: return p_.a + p_.a * p_.a / p_.b;
    case Family::bernoulli: return p_.a * (1.0 - p_.a);
    case Family::discrete:
    case Family::empirical: {
      // Two passes: the sum of squares about the mean does not cancel.
      const auto& t = *table_;
      const double m = mean();
      double sum = 0.0, prev = 0.0;
      for (std::size_t i = 0; i < t.sorted_values.size(); ++i) {
        const double d = t.sorted_values[i] - m;
        sum += d * d * (t.cumulative[i] - prev);
        prev = t.cumulative[i];
      }
      return sum;
    }
  }
  return 0.0;
}

double Distribution::cdf(double x) const {
  if (std::isnan(x)) throw InternalError("Distribution::cdf of NaN");
  if (x < support_min()) return 0.0;
  if (x >= support_max()) return 1.0;
  namespace bm = boost::math;
  switch (family_) {
    case Family::fixed: return 1.0;  // x >= value was handled above
    case Family::uniform: return bm::cdf(bm::uniform_distribution<double, BoostPolicy>(p_.a, p_.b), x);
    case Family::normal: return bm::cdf(bm::normal_distribution<double, BoostPolicy>(p_.a, p_.b), x);
    case Family::truncated_normal: return detail::truncated_normal_cdf(aux_.truncated, (x - p_.a) / p_.b);
    case Family::lognormal: return bm::cdf(bm::lognormal_distribution<double, BoostPolicy>(p_.a, p_.b), x);
    case Family::gamma: return bm::cdf(bm::gamma_distribution<double, BoostPolicy>(p_.a, p_.b), x);
    case Family::beta: return bm::cdf(beta_of(p_.a, p_.b), (x - p_.c) / (p_.d - p_.c));
    case Family::pert: return bm::cdf(beta_of(aux_.alpha, aux_.beta), (x - p_.a) / (p_.c - p_.a));
    case Family::triangular:
      return bm::cdf(bm::triangular_distribution<double, BoostPolicy>(p_.a, p_.b, p_.c), x);
    // The integer families step at integers; Boost would interpolate.
    case Family::poisson:
      return bm::cdf(bm::poisson_distribution<double, BoostPolicy>(p_.a), std::floor(x));
    case Family::negative_binomial: return bm::cdf(negative_binomial_of(p_.a, p_.b), std::floor(x));
    case Family::bernoulli: return 1.0 - p_.a;  // 0 <= x < 1
    case Family::discrete:
    case Family::empirical: {
      const auto& t = *table_;
      const auto it = std::upper_bound(t.sorted_values.begin(), t.sorted_values.end(), x);
      return t.cumulative[static_cast<std::size_t>(it - t.sorted_values.begin()) - 1];
    }
  }
  return 0.0;
}

double Distribution::quantile(double p) const {
  if (!(p >= 0.0 && p <= 1.0)) throw InternalError("Distribution::quantile needs p in [0, 1]");
  namespace bm = boost::math;
  switch (family_) {
    case Family::fixed: return p_.a;
    case Family::uniform: return bm::quantile(bm::uniform_distribution<double, BoostPolicy>(p_.a, p_.b), p);
    case Family::normal: return bm::quantile(bm::normal_distribution<double, BoostPolicy>(p_.a, p_.b), p);
    case Family::truncated_normal:
      return std::clamp(p_.a + p_.b * detail::truncated_normal_quantile(aux_.truncated, p), p_.c, p_.d);
    case Family::lognormal:
      return bm::quantile(bm::lognormal_distribution<double, BoostPolicy>(p_.a, p_.b), p);
    case Family::gamma: return bm::quantile(bm::gamma_distribution<double, BoostPolicy>(p_.a, p_.b), p);
    case Family::beta: return p_.c + (p_.d - p_.c) * bm::quantile(beta_of(p_.a, p_.b), p);
    case Family::pert: return p_.a + (p_.c - p_.a) * bm::quantile(beta_of(aux_.alpha, aux_.beta), p);
    case Family::triangular:
      return bm::quantile(bm::triangular_distribution<double, BoostPolicy>(p_.a, p_.b, p_.c), p);
    case Family::poisson:
    case Family::negative_binomial: {
      if (p_.a == 0.0 || p == 0.0) return 0.0;
      if (p == 1.0) return inf;
      // Start from the normal approximation, in steps of a quarter sd.
      const double sd = std::sqrt(variance());
      const double z = bm::quantile(bm::normal_distribution<double, BoostPolicy>(), p);
      return integer_quantile([this](double x) { return cdf(x); }, p, p_.a + z * sd,
                              std::max(1.0, std::floor(sd / 4.0)));
    }
    case Family::bernoulli: return p > 1.0 - p_.a || p_.a == 1.0 ? 1.0 : 0.0;
    case Family::discrete:
    case Family::empirical: {
      const auto& t = *table_;
      const auto it = std::lower_bound(t.cumulative.begin(), t.cumulative.end(), p);
      const auto i = std::min<std::size_t>(static_cast<std::size_t>(it - t.cumulative.begin()),
                                           t.sorted_values.size() - 1);
      return t.sorted_values[i];
    }
  }
  return p_.a;
}

double Distribution::from_normal_score(double x) const {
  if (family_ == Family::normal) return p_.a + p_.b * x;
  if (family_ == Family::lognormal) return std::exp(p_.a + p_.b * x);
  constexpr double kLow = 1e-300;
  constexpr double kHigh = 1.0 - 1.0 / 9007199254740992.0;  // the largest double below 1
  return quantile(std::clamp(0.5 * std::erfc(-x / std::numbers::sqrt2), kLow, kHigh));
}

}  // namespace samdsim
