// Simulated study data and the planned test. See study_tests.hpp.

#include "us_pathway/study_tests.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "us_pathway/design_checks.hpp"

namespace samdsim::us_pathway {

namespace {

using namespace design_detail;

// Critical values of t in double precision: the decisions check a band of
// 1e-9 around each (rejects()), far wider than this quantile's error of a
// few units in the last place, and without promotion to long double the
// tables take about half the time to build.
using CriticalPolicy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

double t_critical(double df, double alpha) {
  return boost::math::quantile(
      boost::math::complement(boost::math::students_t_distribution<double, CriticalPolicy>(df), alpha / 2.0));
}

double t_two_sided_p(double t, double df) {
  return 2.0 * boost::math::cdf(boost::math::complement(boost::math::students_t_distribution<>(df),
                                                        std::fabs(t)));
}

// z_{1-a} of the last level asked for on this thread: studies decide at a
// fixed alpha, so the quantile is computed once, not per replicate.
double z_critical(double one_minus_alpha) {
  thread_local double level = std::numeric_limits<double>::quiet_NaN(), z = 0.0;
  if (one_minus_alpha != level) {
    z = z_quantile(one_minus_alpha);
    level = one_minus_alpha;
  }
  return z;
}

std::int64_t draw_binomial(Stream& stream, std::int64_t n, double p) {
  return static_cast<std::int64_t>(stream.binomial(static_cast<std::uint64_t>(n), p));
}

}  // namespace

TestOutcome simulate_single_proportion(Stream& stream, std::int64_t n, double p_true, double p0,
                                       double alpha, ProportionMethod method) {
  constexpr const char* where = "simulate_single_proportion";
  require_count(where, "n", n, 1);
  require_unit_closed(where, "p_true", p_true);
  require_open_unit(where, "p0", p0);
  require_open_unit(where, "alpha", alpha);
  const std::int64_t x = draw_binomial(stream, n, p_true);
  TestOutcome out;
  out.estimate = static_cast<double>(x) / static_cast<double>(n);
  if (method == ProportionMethod::exact) {
    // P(X' >= x | p0) is decreasing in x, so p <= alpha exactly when
    // x >= k_crit: the decision agrees with exact_power().
    const boost::math::binomial_distribution<> null_dist(static_cast<double>(n), p0);
    out.statistic = static_cast<double>(x);
    out.p_value =
        x <= 0 ? 1.0
               : boost::math::cdf(boost::math::complement(null_dist, static_cast<double>(x - 1)));
    out.success = out.p_value <= alpha;
  } else {
    // Decide on z against z_{1-alpha}, as ztest_rejection_probability() does.
    // The p-value is not computed: the decision needs only z.
    const double z = proportion_z_statistic(x, n, p0);
    out.statistic = z;
    out.p_value = std::numeric_limits<double>::quiet_NaN();
    out.success = z >= z_critical(1.0 - alpha);
  }
  return out;
}

bool simulate_exact_success(Stream& stream, std::int64_t n, double p_true, std::int64_t critical) {
  return draw_binomial(stream, n, p_true) >= critical;
}

StandaloneOutcome simulate_standalone(Stream& stream, std::int64_t n_positive,
                                      std::int64_t n_negative, double sensitivity_true,
                                      double specificity_true, const StandaloneDesign& design) {
  StandaloneOutcome out;
  out.sensitivity = simulate_single_proportion(
      stream, n_positive, sensitivity_true, design.sensitivity_goal, design.alpha, design.method);
  out.specificity = simulate_single_proportion(
      stream, n_negative, specificity_true, design.specificity_goal, design.alpha, design.method);
  out.success = out.sensitivity.success && out.specificity.success;
  return out;
}

TTestCritical::TTestCritical(double alpha, std::int64_t max_nu) : alpha_(alpha) {
  require_open_unit("TTestCritical", "alpha", alpha);
  critical_.assign(static_cast<std::size_t>(std::max<std::int64_t>(max_nu, 0)) + 1, 0.0);
  for (std::size_t nu = 1; nu < critical_.size(); ++nu) critical_[nu] = t_critical(static_cast<double>(nu), alpha);
}

bool TTestCritical::rejects(double t, std::int64_t nu) const {
  const auto k = static_cast<std::size_t>(nu);
  const double a = std::fabs(t);
  if (nu < 1 || k >= critical_.size() || std::fabs(a - critical_[k]) <= 1e-9 * critical_[k])
    return t_two_sided_p(t, static_cast<double>(nu)) <= alpha_;
  return a > critical_[k];
}

TTestCriticalGrid::TTestCriticalGrid(double alpha, double min_df)
    : alpha_(alpha), min_df_(min_df), per_log_step_(1.0 / std::log(1.01)) {
  require_open_unit("TTestCriticalGrid", "alpha", alpha);
  require_positive("TTestCriticalGrid", "min_df", min_df);
  for (double df = min_df; df <= 1e5 * min_df; df *= 1.01) {
    df_.push_back(df);
    critical_.push_back(t_critical(df, alpha));
  }
}

bool TTestCriticalGrid::rejects(double t, double df) const {
  const double a = std::fabs(t);
  if (df >= min_df_ && df < df_.back()) {
    // The grid interval [df_[i], df_[i + 1]) holding df: its index from the
    // logarithm, then checked against the stored points.
    auto i = static_cast<std::size_t>(std::log(df / min_df_) * per_log_step_);
    i = std::min(i, df_.size() - 2);
    while (i > 0 && df_[i] > df) --i;
    while (i + 2 < df_.size() && df_[i + 1] <= df) ++i;
    if (df_[i] <= df && df < df_[i + 1]) {
      if (a > critical_[i] * (1.0 + 1e-9)) return true;        // above c(df_i) >= c(df)
      if (a < critical_[i + 1] * (1.0 - 1e-9)) return false;  // below c(df_i+1) <= c(df)
    }
  }
  return t_two_sided_p(t, df) <= alpha_;
}

TestOutcome simulate_rct_continuous(Stream& stream, std::int64_t n_control,
                                    std::int64_t n_treatment, double delta_true, double sd_true,
                                    double alpha, bool higher_is_better, const TTestCritical* critical) {
  constexpr const char* where = "simulate_rct_continuous";
  require_count(where, "n_control", n_control, 1);
  require_count(where, "n_treatment", n_treatment, 1);
  require_count(where, "n_control + n_treatment", n_control + n_treatment, 3);
  require_positive(where, "sd_true", sd_true);
  require_open_unit(where, "alpha", alpha);
  if (!std::isfinite(delta_true))
    fail(where, fmt::format("delta_true must be finite, got {}", delta_true));
  const double nu = static_cast<double>(n_control + n_treatment - 2);
  const double se_unit =
      std::sqrt(1.0 / static_cast<double>(n_control) + 1.0 / static_cast<double>(n_treatment));
  // Sufficient statistics of two normal samples: the mean difference and,
  // independent of it, the pooled variance s^2 ~ sd^2 chi2(nu) / nu, where
  // chi2(nu) / nu = Gamma(shape nu/2, scale 2/nu).
  const double diff = stream.normal(delta_true, sd_true * se_unit);
  const double pooled_var = sd_true * sd_true * stream.gamma(nu / 2.0, 2.0 / nu);
  TestOutcome out;
  out.estimate = diff;
  out.statistic = diff / (std::sqrt(pooled_var) * se_unit);
  const bool favourable = higher_is_better ? out.statistic > 0.0 : out.statistic < 0.0;
  if (critical) {
    out.p_value = std::numeric_limits<double>::quiet_NaN();
    out.success = favourable && critical->rejects(out.statistic, n_control + n_treatment - 2);
  } else {
    out.p_value = t_two_sided_p(out.statistic, nu);
    out.success = favourable && out.p_value <= alpha;
  }
  return out;
}

TestOutcome simulate_rct_binary(Stream& stream, std::int64_t n_control, std::int64_t n_treatment,
                                double p_control_true, double p_treatment_true, double alpha,
                                bool higher_is_better) {
  constexpr const char* where = "simulate_rct_binary";
  require_count(where, "n_control", n_control, 1);
  require_count(where, "n_treatment", n_treatment, 1);
  require_unit_closed(where, "p_control_true", p_control_true);
  require_unit_closed(where, "p_treatment_true", p_treatment_true);
  require_open_unit(where, "alpha", alpha);
  const std::int64_t x_c = draw_binomial(stream, n_control, p_control_true);
  const std::int64_t x_t = draw_binomial(stream, n_treatment, p_treatment_true);
  TestOutcome out;
  out.estimate = static_cast<double>(x_t) / static_cast<double>(n_treatment) -
                 static_cast<double>(x_c) / static_cast<double>(n_control);
  out.statistic = two_proportion_z_statistic(x_c, n_control, x_t, n_treatment);
  out.p_value = std::numeric_limits<double>::quiet_NaN();  // not needed: z decides
  // Decide on z against z_{1-a/2}, as two_proportion_power_exact() does.
  const double signed_z = higher_is_better ? out.statistic : -out.statistic;
  out.success = signed_z >= z_critical(1.0 - alpha / 2.0);
  return out;
}

// With t = 2 modalities, everything the OR analysis uses is a function of the
// per-reader differences D_j = theta_1j - theta_2j. Under the OR model they
// are equicorrelated normal: Var(D_j) = 2 s2TR + 2 s2e (1 - r1) = a,
// Cov(D_j, D_k) = 2 s2e (r2 - r3) = b. Hence the mean D has variance
// (a + (r - 1) b) / r, and independently of it the sample variance of the D_j
// is (a - b) chi2(r-1)/(r-1); MS(TR) is half that sample variance and
// MS(T) = r D^2 / 2 (Obuchowski & Rockette 1995; Hillis 2007).
TestOutcome simulate_mrmc(Stream& stream, std::int64_t readers, double cases, double delta_true,
                          const MrmcVariance& v, double alpha, const TTestCriticalGrid* critical) {
  constexpr const char* where = "simulate_mrmc";
  // Validates the variance structure, readers and cases.
  (void)mrmc_variance_of_difference(v, readers, cases);
  require_open_unit(where, "alpha", alpha);
  if (!std::isfinite(delta_true))
    fail(where, fmt::format("delta_true must be finite, got {}", delta_true));
  const double r = static_cast<double>(readers);
  const double s2e = mrmc_var_error(v, cases);
  if (const std::string problem = mrmc_readers_problem(v, readers); !problem.empty())
    fail(where, problem);
  const double var_mean = 2.0 / r * (v.var_tr + s2e * ((1.0 - v.r1) + (r - 1.0) * (v.r2 - v.r3)));
  const double expected_ms_tr = v.var_tr + s2e * ((1.0 - v.r1) - (v.r2 - v.r3));

  const double mean_diff = stream.normal(delta_true, std::sqrt(var_mean));
  const double ms_tr = expected_ms_tr * stream.gamma((r - 1.0) / 2.0, 2.0 / (r - 1.0));

  // The Hillis analysis, with Cov2 - Cov3 at its true value.
  const double denominator = ms_tr + r * s2e * std::fmax(v.r2 - v.r3, 0.0);
  const double ddf = denominator * denominator / (ms_tr * ms_tr / (r - 1.0));
  TestOutcome out;
  out.estimate = mean_diff;
  out.statistic = mean_diff / std::sqrt(2.0 * denominator / r);  // signed sqrt of F_OR
  if (critical) {
    out.p_value = std::numeric_limits<double>::quiet_NaN();
    out.success = out.statistic > 0.0 && critical->rejects(out.statistic, ddf);
  } else {
    out.p_value = t_two_sided_p(out.statistic, ddf);
    out.success = out.statistic > 0.0 && out.p_value <= alpha;
  }
  return out;
}

}  // namespace samdsim::us_pathway
