#pragma once

// Sample size and power for the evidence studies of the us_pathway model.
//
// Conventions (every function below follows them):
// - Proportions against a performance goal (single-arm study, standalone
//   sensitivity/specificity) are tested ONE-SIDED: H0: p <= p0 vs H1: p > p0,
//   `alpha` is the one-sided level. FDA performance-goal studies usually take
//   one-sided 0.025, the same evidence bar as two-sided 0.05.
// - Two-arm RCTs and the MRMC reader study are tested TWO-SIDED at `alpha`;
//   "power" is the probability of rejecting in the favourable direction (the
//   only rejection that supports authorization), i.e. R's power.t.test with
//   strict = FALSE.
// - Impossible inputs (probabilities outside (0,1), a planning value not
//   better than the goal, non-positive sd...) throw std::invalid_argument
//   naming the argument and the value received.
//
// Equations and sources are in the comments of design.cpp, design_rct.cpp
// and design_mrmc.cpp (for docs/models/us_pathway.md).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace samdsim::us_pathway {

enum class ProportionMethod {
  normal,  // z-test; n from the normal-approximation formula
  exact,   // exact binomial test; n from exact binomial power
};

// How the exact-test sample size treats the saw-tooth of exact power in n.
enum class ExactSearch {
  // The smallest n from which power stays >= target for every larger n. The
  // default: a sponsor who later adds a few patients (over-enrollment is
  // common) must not lose power, and a design whose power dips below target
  // at n + 1 is fragile to the evaluable count the study actually ends with.
  stays_above,
  // The smallest n whose power reaches target (A'Hern 2001 tables).
  first_reaching,
};

// ---- single proportion vs a performance goal (one-sided) -------------------

// Smallest k with P(X >= k | n, p0) <= alpha; n + 1 when even k = n is not
// rare enough (the test can never reject).
std::int64_t exact_critical_value(std::int64_t n, double p0, double alpha);

// exact_critical_value(k, p0, alpha) for k = 0..n_max (entry 0 unused), shared
// between the scenarios (sweep points) that ask for the same table.
std::shared_ptr<const std::vector<std::int64_t>> exact_critical_values(std::int64_t n_max, double p0, double alpha);

// P(X >= k_crit | n, p1): power of the exact binomial test.
double exact_power(std::int64_t n, double p0, double p1, double alpha);

// Power of the one-sided z-test (null standard error) by the normal
// approximation: Phi((sqrt(n)|p1 - p0| - z_{1-a} sqrt(p0 q0)) / sqrt(p1 q1)).
double normal_power_single_proportion(std::int64_t n, double p0, double p1, double alpha);

// z = (x/n - p0) / sqrt(p0 (1 - p0) / n): the one-sample z statistic with the
// null standard error. The z-test rejects when z >= z_{1-alpha}.
double proportion_z_statistic(std::int64_t x, std::int64_t n, double p0);

// Exact rejection probability of that z-test when X ~ Bin(n, p_true).
double ztest_rejection_probability(std::int64_t n, double p0, double p_true, double alpha);

// Evaluable patients (or positives, or negatives) needed.
std::int64_t sample_size_single_proportion(double p0, double p1, double alpha, double power,
                                           ProportionMethod method,
                                           ExactSearch search = ExactSearch::stays_above);

// Buderer (1996): the units (positives for a sensitivity, negatives for a
// specificity) for a two-sided `confidence` Wald interval of half-width
// `half_width` around the planning proportion p: ceil(z^2 p (1 - p) / d^2).
std::int64_t precision_n_single_proportion(double p, double half_width, double confidence);

// ---- standalone performance study (sensitivity and specificity) ----------

struct StandaloneDesign {
  double sensitivity_goal = 0.0;
  double sensitivity_planning = 0.0;
  double specificity_goal = 0.0;
  double specificity_planning = 0.0;
  double prevalence = 0.0;  // share of positives among consecutively collected cases
  double alpha = 0.025;     // one-sided, for each endpoint
  double power = 0.8;       // for each endpoint
  ProportionMethod method = ProportionMethod::exact;
  ExactSearch search = ExactSearch::stays_above;
  bool enriched = false;  // positives and negatives collected separately
  // Sizing for the intervals' precision (Buderer 1996) instead of power: the
  // half-width wanted for both endpoints; 0: size for power.
  double half_width = 0.0;
  double confidence = 0.95;
};

struct StandaloneSampleSize {
  std::int64_t n_positive = 0;
  std::int64_t n_negative = 0;
  std::int64_t n_cases = 0;
};

StandaloneSampleSize sample_size_standalone(const StandaloneDesign& design);

// ---- two-arm RCT ---------------------------------------------------------

struct ArmSizes {
  std::int64_t n_control = 0;
  std::int64_t n_treatment = 0;
  std::int64_t total() const { return n_control + n_treatment; }
};

enum class MeanMethod {
  normal,   // n = (1 + 1/k)(z_{1-a/2} + z_{1-b})^2 sd^2 / delta^2
  t_exact,  // smallest n with non-central-t power >= target
};

struct RctContinuousDesign {
  double delta = 0.0;   // planning difference, treatment - control, favourable > 0
  double sd = 0.0;      // common standard deviation
  double alpha = 0.05;  // two-sided
  double power = 0.8;
  double allocation_ratio = 1.0;  // n_treatment / n_control
  MeanMethod method = MeanMethod::t_exact;
};

struct RctBinaryDesign {
  double p_control = 0.0;
  double p_treatment = 0.0;  // planning value; differs from p_control
  double alpha = 0.05;       // two-sided
  double power = 0.8;
  double allocation_ratio = 1.0;  // n_treatment / n_control
  bool continuity_correction = false;
};

ArmSizes sample_size_rct_continuous(const RctContinuousDesign& design);
ArmSizes sample_size_rct_binary(const RctBinaryDesign& design);

// P(reject in the favourable direction) of the two-sided pooled-variance
// Student t test: P(T' > t_{1-a/2, n1+n2-2}), T' non-central t.
// P(T > t_crit) for T noncentral t with `df` degrees of freedom and
// noncentrality `delta`: Boost's series, or past its limit (|delta| > 3e4)
// the large-noncentrality limit.
double noncentral_t_upper(double df, double delta, double t_crit);

// P(F > f_crit) for F noncentral F(df1, df2, lambda), the same way.
double noncentral_f_upper(double df1, double df2, double lambda, double f_crit);

double two_sample_t_power(std::int64_t n_control, std::int64_t n_treatment, double delta, double sd,
                          double alpha);

// Pooled two-proportion z statistic, treatment minus control:
// (x_t/n_t - x_c/n_c) / sqrt(pbar (1 - pbar) (1/n_c + 1/n_t)); 0 when pbar is
// 0 or 1 (no evidence either way).
double two_proportion_z_statistic(std::int64_t x_control, std::int64_t n_control,
                                  std::int64_t x_treatment, std::int64_t n_treatment);

// Probability that the two-sided pooled z-test rejects in the favourable
// direction (treatment higher when higher_is_better), by the normal
// approximation (the Fleiss, Levin & Paik 2003 ch. 4 formula solved for power).
double two_proportion_power_normal(std::int64_t n_control, std::int64_t n_treatment,
                                   double p_control, double p_treatment, double alpha,
                                   bool higher_is_better = true);

// The same probability computed exactly by summing the two binomial pmfs
// over the rejection region (for checking the approximation and simulations).
double two_proportion_power_exact(std::int64_t n_control, std::int64_t n_treatment,
                                  double p_control, double p_treatment, double alpha,
                                  bool higher_is_better = true);

// ---- dropout ----------------------------------------------------------------

// ceil(n_evaluable / (1 - dropout)), dropout in [0, 1).
std::int64_t enrollment_n(std::int64_t n_evaluable, double dropout);

// ---- MRMC reader study (Obuchowski-Rockette, Hillis ddf) -----------------

// OR variance structure for the reader-performance measure (AUC) of each
// reader-modality pair, in the correlation parameterization of Hillis,
// Obuchowski & Berbaum (2011).
struct MrmcVariance {
  double var_tr = 0.0;         // sigma^2_TR, modality-by-reader variance
  double var_error_ref = 0.0;  // sigma^2_eps at cases_ref cases
  double cases_ref = 0.0;      // number of cases behind var_error_ref
  double r1 = 0.0;             // corr, same reader, different modality
  double r2 = 0.0;             // corr, different reader, same modality
  double r3 = 0.0;             // corr, different reader, different modality
};

struct MrmcDesign {
  std::int64_t readers = 0;
  double delta_auc = 0.0;  // planning difference, aided - unaided
  MrmcVariance variance;
  double alpha = 0.05;  // two-sided
  double power = 0.8;
};

struct MrmcPower {
  double power = 0.0;             // P(F > F_crit), both directions: Hillis et al. 2011
  double power_favourable = 0.0;  // P(T' > t_{1-a/2, ddf}), T' non-central t, sqrt(lambda)
  double noncentrality = 0.0;     // lambda of the non-central F(1, ddf)
  double ddf = 0.0;               // Hillis (2007) denominator degrees of freedom
  double f_critical = 0.0;        // F_{1-alpha}(1, ddf)
};

// sigma^2_eps for `cases` cases: var_error_ref * cases_ref / cases.
double mrmc_var_error(const MrmcVariance& v, double cases);

// Variance of the reader-averaged AUC difference:
// (2/r)(sigma^2_TR + sigma^2_eps((1 - r1) + (r - 1) max(r2 - r3, 0))).
double mrmc_variance_of_difference(const MrmcVariance& v, std::int64_t readers, double cases);

MrmcPower mrmc_power(const MrmcVariance& v, std::int64_t readers, double cases, double delta_auc,
                     double alpha);

// Empty when the OR error covariance of `readers` readers is valid; otherwise
// why not. Its eigenvalue along the all-readers direction is
// (1 - r1) + (r - 1)(r2 - r3), so a negative r2 - r3 bounds the reader count.
std::string mrmc_readers_problem(const MrmcVariance& v, std::int64_t readers);

// Power as cases -> infinity (reader variability alone); a target at or above
// it cannot be reached with this many readers.
double mrmc_power_limit(const MrmcVariance& v, std::int64_t readers, double delta_auc,
                        double alpha);

// Smallest case count with power >= design.power for design.readers.
std::int64_t mrmc_cases_for_power(const MrmcDesign& design);

// Power of the F(df1, df2) test at level alpha when the statistic is
// non-central F with non-centrality lambda.
double noncentral_f_power(double df1, double df2, double lambda, double alpha);

}  // namespace samdsim::us_pathway
