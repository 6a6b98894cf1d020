// Two-arm RCT sample size and power: continuous endpoint (normal formula and
// non-central t) and binary endpoint (pooled-variance z-test, Fleiss).
// Two-sided alpha; power counts rejections in the favourable direction only.

#include <algorithm>
#include <cmath>
#include <vector>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/non_central_f.hpp>
#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "us_pathway/design.hpp"
#include "us_pathway/design_checks.hpp"

namespace samdsim::us_pathway {

namespace {

using namespace design_detail;

constexpr std::int64_t kMaxArmSize = 10'000'000;

void check_allocation(const char* where, double k) {
  require_positive(where, "allocation_ratio", k);
}

// n_treatment follows from n_control and the ratio k = n_treatment / n_control,
// rounded up so the treatment arm never falls short of the ratio.
ArmSizes arms_from_control(std::int64_t n_control, double k) {
  return {n_control, std::max<std::int64_t>(1, ceil_count(k * static_cast<double>(n_control)))};
}

// Beyond this noncentrality Boost's noncentral F and t series overflow their
// term counter. There the numerator chi-square(df1, lambda) / df1 is
// (lambda + df1) / df1 to a relative 2 / sqrt(lambda) < 1e-4, so power is the
// chance that the denominator chi-square(df2) / df2 falls below it divided by
// the critical value. A noncentrality that overflows to infinity (an effect
// of 1e200 standard deviations) gives certain power.
constexpr double kLargeNoncentrality = 1e9;

double large_noncentrality_power(double df1, double df2, double lambda, double f_crit) {
  const double x = df2 * (lambda + df1) / (df1 * f_crit);
  if (std::isinf(x)) return 1.0;
  return boost::math::cdf(boost::math::chi_squared_distribution<>(df2), x);
}

}  // namespace

double noncentral_t_upper(double df, double delta, double t_crit) {
  if (delta * delta > kLargeNoncentrality) {
    // (Z + delta)^2 / (W / df) with Z + delta of delta's sign for sure.
    if (delta < 0.0) return 0.0;
    return t_crit <= 0.0 ? 1.0 : large_noncentrality_power(1.0, df, delta * delta, t_crit * t_crit);
  }
  return boost::math::cdf(boost::math::complement(boost::math::non_central_t_distribution<>(df, delta), t_crit));
}

double noncentral_f_upper(double df1, double df2, double lambda, double f_crit) {
  if (lambda > kLargeNoncentrality) return large_noncentrality_power(df1, df2, lambda, f_crit);
  return boost::math::cdf(boost::math::complement(boost::math::non_central_f_distribution<>(df1, df2, lambda), f_crit));
}

double two_sample_t_power(std::int64_t n_control, std::int64_t n_treatment, double delta, double sd,
                          double alpha) {
  constexpr const char* where = "two_sample_t_power";
  require_count(where, "n_control", n_control, 1);
  require_count(where, "n_treatment", n_treatment, 1);
  require_count(where, "n_control + n_treatment", n_control + n_treatment, 3);
  require_positive(where, "sd", sd);
  require_open_unit(where, "alpha", alpha);
  if (!std::isfinite(delta)) fail(where, fmt::format("delta must be finite, got {}", delta));
  const double df = static_cast<double>(n_control + n_treatment - 2);
  const double se_unit =
      std::sqrt(1.0 / static_cast<double>(n_control) + 1.0 / static_cast<double>(n_treatment));
  const double ncp = delta / (sd * se_unit);
  const double t_crit =
      boost::math::quantile(boost::math::students_t_distribution<>(df), 1.0 - alpha / 2.0);
  if (ncp == 0.0) return alpha / 2.0;
  return noncentral_t_upper(df, ncp, t_crit);
}

ArmSizes sample_size_rct_continuous(const RctContinuousDesign& d) {
  constexpr const char* where = "sample_size_rct_continuous";
  require_positive(where, "delta (planning difference, favourable > 0)", d.delta);
  require_positive(where, "sd", d.sd);
  require_alpha_power(where, d.alpha, d.power);
  check_allocation(where, d.allocation_ratio);
  const double k = d.allocation_ratio;
  // Normal formula (Chow, Shao & Wang 2008, Sample Size Calculations in
  // Clinical Research, 2nd ed., two-sample parallel design) with ratio k:
  // n_control = (1 + 1/k) (z_{1-a/2} + z_{1-b})^2 sd^2 / delta^2.
  const double z_sum = z_quantile(1.0 - d.alpha / 2.0) + z_quantile(d.power);
  const double raw = (1.0 + 1.0 / k) * z_sum * z_sum * d.sd * d.sd / (d.delta * d.delta);
  if (!(raw <= static_cast<double>(kMaxArmSize)))
    fail(where, fmt::format("n per arm would be about {:.3g}, above {} (delta = {}, sd = {})", raw, kMaxArmSize,
                            d.delta, d.sd));
  std::int64_t n = std::max<std::int64_t>(1, ceil_count(raw));
  if (d.method == MeanMethod::normal) return arms_from_control(n, k);

  // Non-central t power increases with n; the t-based n is at or a little
  // above the normal one, so walk down while power holds, then up to target.
  auto power_at = [&](std::int64_t nc) {
    const ArmSizes a = arms_from_control(nc, k);
    if (a.total() < 3) return 0.0;
    return two_sample_t_power(a.n_control, a.n_treatment, d.delta, d.sd, d.alpha);
  };
  while (n > 1 && power_at(n - 1) >= d.power) --n;
  while (power_at(n) < d.power) {
    if (++n > kMaxArmSize)
      fail(where,
           fmt::format("n per arm exceeds {} (delta = {}, sd = {})", kMaxArmSize, d.delta, d.sd));
  }
  return arms_from_control(n, k);
}

double two_proportion_z_statistic(std::int64_t x_control, std::int64_t n_control,
                                  std::int64_t x_treatment, std::int64_t n_treatment) {
  const double nc = static_cast<double>(n_control);
  const double nt = static_cast<double>(n_treatment);
  const double pooled = static_cast<double>(x_control + x_treatment) / (nc + nt);
  const double var = pooled * (1.0 - pooled) * (1.0 / nc + 1.0 / nt);
  if (!(var > 0.0)) return 0.0;
  return (static_cast<double>(x_treatment) / nt - static_cast<double>(x_control) / nc) /
         std::sqrt(var);
}

double two_proportion_power_normal(std::int64_t n_control, std::int64_t n_treatment,
                                   double p_control, double p_treatment, double alpha,
                                   bool higher_is_better) {
  constexpr const char* where = "two_proportion_power_normal";
  require_count(where, "n_control", n_control, 1);
  require_count(where, "n_treatment", n_treatment, 1);
  require_open_unit(where, "p_control", p_control);
  require_open_unit(where, "p_treatment", p_treatment);
  require_open_unit(where, "alpha", alpha);
  const double nc = static_cast<double>(n_control);
  const double nt = static_cast<double>(n_treatment);
  const double pooled = (nc * p_control + nt * p_treatment) / (nc + nt);
  const double se0 = std::sqrt(pooled * (1.0 - pooled) * (1.0 / nc + 1.0 / nt));
  const double se1 =
      std::sqrt(p_control * (1.0 - p_control) / nc + p_treatment * (1.0 - p_treatment) / nt);
  const double diff = (higher_is_better ? 1.0 : -1.0) * (p_treatment - p_control);
  return std_normal_cdf((diff - z_quantile(1.0 - alpha / 2.0) * se0) / se1);
}

double two_proportion_power_exact(std::int64_t n_control, std::int64_t n_treatment,
                                  double p_control, double p_treatment, double alpha,
                                  bool higher_is_better) {
  constexpr const char* where = "two_proportion_power_exact";
  require_count(where, "n_control", n_control, 1);
  require_count(where, "n_treatment", n_treatment, 1);
  require_open_unit(where, "p_control", p_control);
  require_open_unit(where, "p_treatment", p_treatment);
  require_open_unit(where, "alpha", alpha);
  const double z_crit = z_quantile(1.0 - alpha / 2.0);
  const double sign = higher_is_better ? 1.0 : -1.0;
  const boost::math::binomial_distribution<> bin_c(static_cast<double>(n_control), p_control);
  const boost::math::binomial_distribution<> bin_t(static_cast<double>(n_treatment), p_treatment);
  std::vector<double> pmf_t(static_cast<std::size_t>(n_treatment + 1));
  for (std::int64_t x = 0; x <= n_treatment; ++x)
    pmf_t[static_cast<std::size_t>(x)] = boost::math::pdf(bin_t, static_cast<double>(x));
  double power = 0.0;
  for (std::int64_t xc = 0; xc <= n_control; ++xc) {
    double row = 0.0;
    for (std::int64_t xt = 0; xt <= n_treatment; ++xt)
      if (sign * two_proportion_z_statistic(xc, n_control, xt, n_treatment) >= z_crit)
        row += pmf_t[static_cast<std::size_t>(xt)];
    power += boost::math::pdf(bin_c, static_cast<double>(xc)) * row;
  }
  return power;
}

ArmSizes sample_size_rct_binary(const RctBinaryDesign& d) {
  constexpr const char* where = "sample_size_rct_binary";
  require_open_unit(where, "p_control", d.p_control);
  require_open_unit(where, "p_treatment", d.p_treatment);
  if (d.p_treatment == d.p_control)
    fail(where, fmt::format("planning p_treatment equals p_control ({}): no difference to detect",
                            d.p_control));
  require_alpha_power(where, d.alpha, d.power);
  check_allocation(where, d.allocation_ratio);
  const double k = d.allocation_ratio;
  const double pc = d.p_control;
  const double pt = d.p_treatment;
  const double diff = std::fabs(pt - pc);
  // Fleiss, Levin & Paik (2003), Statistical Methods for Rates and
  // Proportions, 3rd ed., ch. 4 (pooled variance under H0, unpooled under
  // H1), with n_treatment = k n_control:
  // n_c = [z_{1-a/2} sqrt((1 + 1/k) pbar qbar) + z_{1-b} sqrt(pc qc + pt qt / k)]^2 / diff^2,
  // pbar = (pc + k pt) / (1 + k).
  const double pbar = (pc + k * pt) / (1.0 + k);
  const double num =
      z_quantile(1.0 - d.alpha / 2.0) * std::sqrt((1.0 + 1.0 / k) * pbar * (1.0 - pbar)) +
      z_quantile(d.power) * std::sqrt(pc * (1.0 - pc) + pt * (1.0 - pt) / k);
  double n = num * num / (diff * diff);
  if (d.continuity_correction) {
    // Fleiss, Tytun & Ury (1980), Biometrics 36:343-346:
    // n' = (n/4) [1 + sqrt(1 + 2(k + 1) / (k n diff))]^2.
    const double root = 1.0 + std::sqrt(1.0 + 2.0 * (k + 1.0) / (k * n * diff));
    n = n / 4.0 * root * root;
  }
  if (!(n <= static_cast<double>(kMaxArmSize)))
    fail(where, fmt::format("n per arm would be about {:.3g}, above {} (p_control = {}, p_treatment = {})", n,
                            kMaxArmSize, pc, pt));
  return arms_from_control(std::max<std::int64_t>(1, ceil_count(n)), k);
}

}  // namespace samdsim::us_pathway
