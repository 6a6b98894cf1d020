#pragma once

// Simulating one study's outcome: given the replicate's TRUE effect (drawn by
// the model from its prior) and the study's evaluable sample size, draw the
// study's sufficient statistics from the replicate's Stream and apply the
// planned test. Nothing here allocates; each call draws a fixed pattern of
// numbers from the stream (rejection samplers aside), so a replicate's
// outcome depends only on its own stream.
//
// Conventions follow design.hpp: proportions vs goal one-sided at alpha; RCT
// and MRMC two-sided at alpha, and "success" needs the estimate in the
// favourable direction as well as p <= alpha.

#include <cstdint>
#include <vector>

#include "samdsim/random.hpp"
#include "us_pathway/design.hpp"

namespace samdsim::us_pathway {

struct TestOutcome {
  bool success = false;
  double estimate = 0.0;   // observed proportion / difference
  double statistic = 0.0;  // z, t (signed) or the count X for the exact test
  double p_value = 1.0;    // one-sided for proportions, two-sided otherwise; NaN where
                           // a critical value decides (z tests, t tests given one)
};

// X ~ Bin(n, p_true); H0: p <= p0. Exact: p = P(X' >= X | p0), which is
// <= alpha exactly when X >= exact_critical_value(n, p0, alpha). Normal:
// one-sided z-test with the null standard error, decided by z_{1-alpha}
// (p_value NaN).
TestOutcome simulate_single_proportion(Stream& stream, std::int64_t n, double p_true, double p0,
                                       double alpha, ProportionMethod method);

struct StandaloneOutcome {
  bool success = false;  // both endpoints met their goals
  TestOutcome sensitivity;
  TestOutcome specificity;
};

// X_pos ~ Bin(n_pos, sens_true), X_neg ~ Bin(n_neg, spec_true), each tested
// one-sided at alpha against its goal.
// The exact test's decision alone, from its precomputed critical value
// (exact_critical_value(n, p0, alpha)): X >= critical. It draws X exactly as
// simulate_single_proportion does, so both decide alike on the same stream,
// without a binomial tail per replicate.
bool simulate_exact_success(Stream& stream, std::int64_t n, double p_true, std::int64_t critical);

StandaloneOutcome simulate_standalone(Stream& stream, std::int64_t n_positive,
                                      std::int64_t n_negative, double sensitivity_true,
                                      double specificity_true, const StandaloneDesign& design);

// The two-sided t-test's decision p <= alpha as |t| >= c(nu), with the
// critical values c(nu) = t_{1 - alpha/2, nu} for nu = 1..max_nu computed once
// (when the study is sized): no p-value per replicate. A statistic within
// 1e-9 (relative) of c(nu), and any nu beyond the table, is decided by its
// p-value as before, so the decision is the p-value rule's bit for bit.
class TTestCritical {
 public:
  TTestCritical(double alpha, std::int64_t max_nu);
  bool rejects(double t, std::int64_t nu) const;  // two-sided p <= alpha
  double alpha() const { return alpha_; }

 private:
  double alpha_;
  std::vector<double> critical_;  // by nu; [0] unused
};

// The same decision for degrees of freedom that are not whole numbers (the
// Hillis ddf of a reader study, drawn per replicate): critical values on a
// geometric grid of df from min_df, 1 % apart, up to 10^5 min_df. The
// critical value falls as df grows, so |t| above the grid point below df
// rejects and |t| below the point above accepts (each with a 1e-9 margin);
// between them, and off the grid, the p-value decides as before.
class TTestCriticalGrid {
 public:
  TTestCriticalGrid(double alpha, double min_df);
  bool rejects(double t, double df) const;  // two-sided p <= alpha

 private:
  double alpha_, min_df_;
  double per_log_step_;                // 1 / log(1.01): a grid index from log(df / min_df)
  std::vector<double> df_, critical_;  // grid points and their critical values
};

// Mean difference (treatment - control) ~ N(delta_true, sd_true sqrt(1/n_c + 1/n_t)),
// pooled variance ~ sd_true^2 chi2(nu)/nu (drawn as a gamma), nu = n_c + n_t - 2;
// two-sided Student t test. Favourable = positive difference when
// higher_is_better. With `critical` (at the same alpha) the decision comes
// from its critical values and p_value is not computed (NaN).
TestOutcome simulate_rct_continuous(Stream& stream, std::int64_t n_control,
                                    std::int64_t n_treatment, double delta_true, double sd_true,
                                    double alpha, bool higher_is_better = true,
                                    const TTestCritical* critical = nullptr);

// X_c ~ Bin(n_c, p_control_true), X_t ~ Bin(n_t, p_treatment_true); two-sided
// pooled z-test (two_proportion_z_statistic), decided by z_{1-alpha/2}
// (p_value NaN).
TestOutcome simulate_rct_binary(Stream& stream, std::int64_t n_control, std::int64_t n_treatment,
                                double p_control_true, double p_treatment_true, double alpha,
                                bool higher_is_better = true);

// OR-model reader study with `readers` readers and `cases` cases, both
// modalities read by every reader (see study_tests.cpp for the derivation):
// the reader-averaged AUC difference D ~ N(delta_true, mrmc_variance_of_difference),
// and, independently, MS(TR) ~ E[MS(TR)] chi2(r-1)/(r-1). The Hillis test is
// then applied as analysed: F = MS(T) / (MS(TR) + r max(Cov2 - Cov3, 0)) with
// ddf from the observed MS(TR). Approximation: Cov2 - Cov3 is taken at its
// true value (an analysis estimates it from the cases; that estimate's noise
// is not simulated). Favourable = aided better (D > 0).
// With `critical` (at the same alpha, min_df readers - 1) the decision comes
// from its grid and p_value is not computed (NaN).
TestOutcome simulate_mrmc(Stream& stream, std::int64_t readers, double cases, double delta_true,
                          const MrmcVariance& variance, double alpha, const TTestCriticalGrid* critical = nullptr);

}  // namespace samdsim::us_pathway
