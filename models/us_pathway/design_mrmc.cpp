// MRMC reader-study power and case count: Obuchowski-Rockette (OR) model
// with Hillis (2007) denominator degrees of freedom, as unified for power by
// Hillis, Obuchowski & Berbaum (2011), "Power estimation for multireader ROC
// methods: an updated and unified approach", Acad Radiol 18:129-142.
//
// OR model for the AUC of reader j in modality i (t = 2 modalities):
//   theta_ij = mu + tau_i + R_j + (tau R)_ij + eps_ij,
// Var(eps) = s2e, corr(eps) r1 (same reader), r2 (same modality), r3 (both
// different). With Cov_k = r_k s2e and tau_1 - tau_2 = delta:
//   E[MS(T)]  = r delta^2 / 2 + s2TR + s2e(1 - r1) + (r - 1) s2e (r2 - r3)
//   E[MS(TR)] = s2TR + s2e(1 - r1) - s2e (r2 - r3)
// The Hillis test F = MS(T) / (MS(TR) + r max(Cov2 - Cov3, 0)) is then
// non-central F(1, ddf) with
//   lambda = r delta^2 / (2 D),  D = s2TR + s2e[(1 - r1) + (r - 1) max(r2 - r3, 0)]
//   ddf    = D^2 / (E[MS(TR)]^2 / (r - 1))
// (Hillis et al. 2011, eqs. for the OR inputs; negative s2TR / Cov2 - Cov3
// truncated at 0 as there). The error variance for c cases is
// s2e(c) = s2e(c_ref) c_ref / c (same normal:abnormal ratio as the
// reference; the correlations do not depend on c).

#include <algorithm>
#include <cmath>

#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "us_pathway/design.hpp"
#include "us_pathway/design_checks.hpp"

namespace samdsim::us_pathway {

namespace {

using namespace design_detail;

constexpr std::int64_t kMaxCases = 100'000'000;


void check_variance(const char* where, const MrmcVariance& v) {
  require_nonnegative(where, "var_tr", v.var_tr);
  require_positive(where, "var_error_ref", v.var_error_ref);
  require_positive(where, "cases_ref", v.cases_ref);
  for (auto [name, r] : {std::pair{"r1", v.r1}, std::pair{"r2", v.r2}, std::pair{"r3", v.r3}})
    if (!(r > -1.0 && r < 1.0)) fail(where, fmt::format("{} must be in (-1, 1), got {}", name, r));
  // E[MS(TR)] >= 0 needs (1 - r1) >= max(r2 - r3, 0): the variance of a
  // within-reader modality contrast cannot be below the part shared across
  // readers (an eigenvalue of the OR error covariance matrix).
  if ((1.0 - v.r1) - std::max(v.r2 - v.r3, 0.0) < 0.0)
    fail(where, fmt::format("correlations r1 = {}, r2 = {}, r3 = {} give a negative variance: "
                            "need 1 - r1 >= r2 - r3",
                            v.r1, v.r2, v.r3));
  if (v.var_tr == 0.0 && (1.0 - v.r1) - std::max(v.r2 - v.r3, 0.0) == 0.0)
    fail(where, "var_tr = 0 and 1 - r1 = r2 - r3 leave no reader-level variation: ddf undefined");
}

void check_readers_cases(const char* where, std::int64_t readers, double cases) {
  require_count(where, "readers", readers, 2);
  require_positive(where, "cases", cases);
}

struct OrMoments {
  double denominator;  // D = E[MS(TR)] + r max(Cov2 - Cov3, 0)
  double ms_tr;        // E[MS(TR)]
};

OrMoments or_moments(const MrmcVariance& v, std::int64_t readers, double cases) {
  const double s2e = mrmc_var_error(v, cases);
  const double shared = std::max(v.r2 - v.r3, 0.0);
  const double r = static_cast<double>(readers);
  const double ms_tr = v.var_tr + s2e * ((1.0 - v.r1) - shared);
  return {ms_tr + r * s2e * shared, ms_tr};
}

MrmcPower power_from(double lambda, double ddf, double alpha) {
  MrmcPower out;
  out.noncentrality = lambda;
  out.ddf = ddf;
  out.f_critical =
      boost::math::quantile(boost::math::fisher_f_distribution<>(1.0, ddf), 1.0 - alpha);
  out.power = noncentral_f_power(1.0, ddf, lambda, alpha);
  const double t_crit =
      boost::math::quantile(boost::math::students_t_distribution<>(ddf), 1.0 - alpha / 2.0);
  out.power_favourable =
      lambda > 0.0 ? noncentral_t_upper(ddf, std::sqrt(lambda), t_crit) : alpha / 2.0;
  return out;
}

}  // namespace

double noncentral_f_power(double df1, double df2, double lambda, double alpha) {
  constexpr const char* where = "noncentral_f_power";
  require_positive(where, "df1", df1);
  require_positive(where, "df2", df2);
  require_nonnegative(where, "lambda", lambda);
  require_open_unit(where, "alpha", alpha);
  const double f_crit =
      boost::math::quantile(boost::math::fisher_f_distribution<>(df1, df2), 1.0 - alpha);
  if (lambda == 0.0) return alpha;
  return noncentral_f_upper(df1, df2, lambda, f_crit);
}

double mrmc_var_error(const MrmcVariance& v, double cases) {
  return v.var_error_ref * v.cases_ref / cases;
}

double mrmc_variance_of_difference(const MrmcVariance& v, std::int64_t readers, double cases) {
  constexpr const char* where = "mrmc_variance_of_difference";
  check_variance(where, v);
  check_readers_cases(where, readers, cases);
  return 2.0 / static_cast<double>(readers) * or_moments(v, readers, cases).denominator;
}

MrmcPower mrmc_power(const MrmcVariance& v, std::int64_t readers, double cases, double delta_auc,
                     double alpha) {
  constexpr const char* where = "mrmc_power";
  check_variance(where, v);
  check_readers_cases(where, readers, cases);
  require_open_unit(where, "alpha", alpha);
  if (!std::isfinite(delta_auc))
    fail(where, fmt::format("delta_auc must be finite, got {}", delta_auc));
  const OrMoments m = or_moments(v, readers, cases);
  const double r = static_cast<double>(readers);
  const double lambda = r * delta_auc * delta_auc / (2.0 * m.denominator);
  const double ddf = m.denominator * m.denominator / (m.ms_tr * m.ms_tr / (r - 1.0));
  return power_from(lambda, ddf, alpha);
}

std::string mrmc_readers_problem(const MrmcVariance& v, std::int64_t readers) {
  const double along_readers =
      (1.0 - v.r1) + static_cast<double>(readers - 1) * (v.r2 - v.r3);
  if (along_readers < 0.0 || (along_readers == 0.0 && v.var_tr == 0.0))
    return fmt::format("r2 - r3 = {} is too negative for {} readers: the reader-averaged "
                       "difference would have no positive variance; need (1 - r1) + "
                       "(readers - 1)(r2 - r3) > 0, here {}",
                       v.r2 - v.r3, readers, along_readers);
  return {};
}

double mrmc_power_limit(const MrmcVariance& v, std::int64_t readers, double delta_auc,
                        double alpha) {
  constexpr const char* where = "mrmc_power_limit";
  check_variance(where, v);
  require_count(where, "readers", readers, 2);
  require_open_unit(where, "alpha", alpha);
  if (v.var_tr == 0.0) return 1.0;  // case variance alone: enough cases give any power
  // s2e -> 0: D = E[MS(TR)] = s2TR, ddf = r - 1.
  const double r = static_cast<double>(readers);
  return noncentral_f_power(1.0, r - 1.0, r * delta_auc * delta_auc / (2.0 * v.var_tr), alpha);
}

std::int64_t mrmc_cases_for_power(const MrmcDesign& d) {
  constexpr const char* where = "mrmc_cases_for_power";
  check_variance(where, d.variance);
  require_count(where, "readers", d.readers, 2);
  require_positive(where, "|delta_auc|", std::fabs(d.delta_auc));
  require_alpha_power(where, d.alpha, d.power);
  const double limit = mrmc_power_limit(d.variance, d.readers, d.delta_auc, d.alpha);
  if (!(d.power < limit))
    fail(where, fmt::format("power {} is out of reach with {} readers: even infinitely many cases "
                            "give {:.4f} (reader variability dominates); add readers",
                            d.power, d.readers, limit));
  auto power_at = [&](std::int64_t c) {
    return mrmc_power(d.variance, d.readers, static_cast<double>(c), d.delta_auc, d.alpha).power;
  };
  // More cases shrink s2e: lambda grows while ddf falls toward r - 1; lambda
  // dominates, so power rises with c. Bracket by doubling, bisect, then step
  // down in case power is not strictly monotone right at the boundary.
  std::int64_t hi = 1;
  while (power_at(hi) < d.power) {
    hi *= 2;
    if (hi > kMaxCases) fail(where, fmt::format("more than {} cases needed", kMaxCases));
  }
  std::int64_t lo = hi / 2;  // power_at(lo) < target, or lo == 0
  while (hi - lo > 1) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    (power_at(mid) >= d.power ? hi : lo) = mid;
  }
  while (hi > 1 && power_at(hi - 1) >= d.power) --hi;
  return hi;
}

}  // namespace samdsim::us_pathway
