#pragma once

// Argument checks and standard-normal helpers shared by design*.cpp,
// study_tests.cpp and enrollment.cpp.
// Internal to the us_pathway model: they throw std::invalid_argument whose
// message names the function, the argument and the value received, so a
// config error deep in a sweep still says which number was wrong.

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <boost/math/distributions/normal.hpp>
#include <fmt/format.h>

namespace samdsim::us_pathway::design_detail {

[[noreturn]] inline void fail(const char* where, const std::string& what) {
  throw std::invalid_argument(fmt::format("{}: {}", where, what));
}

inline void require_open_unit(const char* where, const char* name, double x) {
  if (!(x > 0.0 && x < 1.0)) fail(where, fmt::format("{} must be in (0, 1), got {}", name, x));
}

inline void require_unit_closed(const char* where, const char* name, double x) {
  if (!(x >= 0.0 && x <= 1.0)) fail(where, fmt::format("{} must be in [0, 1], got {}", name, x));
}

inline void require_positive(const char* where, const char* name, double x) {
  if (!(x > 0.0 && std::isfinite(x)))
    fail(where, fmt::format("{} must be positive and finite, got {}", name, x));
}

inline void require_nonnegative(const char* where, const char* name, double x) {
  if (!(x >= 0.0 && std::isfinite(x)))
    fail(where, fmt::format("{} must be non-negative and finite, got {}", name, x));
}

inline void require_count(const char* where, const char* name, std::int64_t n, std::int64_t min) {
  if (n < min) fail(where, fmt::format("{} must be at least {}, got {}", name, min, n));
}

// alpha and power as used in sample-size formulas: both strictly in (0, 1),
// and power above alpha (a test cannot be designed to reject less often
// under H1 than under H0).
inline void require_alpha_power(const char* where, double alpha, double power) {
  require_open_unit(where, "alpha", alpha);
  require_open_unit(where, "power", power);
  if (!(power > alpha)) fail(where, fmt::format("power ({}) must exceed alpha ({})", power, alpha));
}

// ceil(x) for a count computed by division: 100 / (1 - 0.2) evaluates to
// 125.00000000000001 in binary floating point and must give 125, not 126.
// A relative slack of 1e-9 is far below any meaningful fraction of a patient.
// Counts beyond 2^53 are not whole numbers in double and beyond any study.
inline std::int64_t ceil_count(double x) {
  if (!(std::fabs(x) <= 9007199254740992.0)) fail("ceil_count", fmt::format("a count of {} is beyond any study", x));
  const double slack = 1e-9 * std::fmax(1.0, std::fabs(x));
  return static_cast<std::int64_t>(std::ceil(x - slack));
}

inline double z_quantile(double p) { return boost::math::quantile(boost::math::normal_distribution<>(), p); }

inline double std_normal_cdf(double x) { return boost::math::cdf(boost::math::normal_distribution<>(), x); }

}  // namespace samdsim::us_pathway::design_detail
