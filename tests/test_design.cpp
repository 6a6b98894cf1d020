// Sample size and power of the us_pathway study designs, checked against
// published worked examples and tables.

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/non_central_f.hpp>
#include <boost/math/distributions/non_central_t.hpp>

#include "us_pathway/binomial_tail.hpp"
#include "us_pathway/design.hpp"

using namespace samdsim::us_pathway;
using Catch::Matchers::Contains;

namespace {

// Van Dyke et al. (1993) cine vs spin-echo MRI, 5 readers, 114 cases: OR
// variance components (jackknife, empirical AUC) as printed by
// MRMCaov::mrmc and RJafroc::UtilORVarComponentsFactorial(dataset02):
// VarTR 0.0002004025, Var 0.0008022883, Cov1 0.0003466137,
// Cov2 0.0003440748, Cov3 0.0002390284; AUC difference 0.04380032.
MrmcVariance van_dyke() {
  constexpr double var = 0.0008022883;
  return {0.0002004025, var, 114.0, 0.0003466137 / var, 0.0003440748 / var, 0.0002390284 / var};
}
constexpr double kVanDykeDelta = 0.04380032;

// P(X >= k) for X ~ Bin(n, p), straight from Boost.
double tail(std::int64_t n, double p, std::int64_t k) {
  if (k <= 0) return 1.0;
  if (k > n) return 0.0;
  const boost::math::binomial_distribution<> bin(static_cast<double>(n), p);
  return boost::math::cdf(boost::math::complement(bin, static_cast<double>(k - 1)));
}

}  // namespace

TEST_CASE("Exact binomial test reproduces A'Hern's design for p0 = 0.10, p1 = 0.20 at n = 78") {
  // Khan et al. (2012), Br J Cancer 107:1801 (PMC3504941): the A'Hern (2001)
  // design for p0 = 10 %, p1 = 20 %, alpha 5 %, power 80 % is n = 78 with
  // exact alpha 4.53 % and power 80.81 %; rejection needs 13 responses.
  CHECK(exact_critical_value(78, 0.10, 0.05) == 13);
  CHECK(exact_power(78, 0.10, 0.10, 0.05) == Approx(0.0453).margin(0.00005));
  // 0.80818 exactly; the paper's 80.81 % is truncated to two decimals.
  CHECK(exact_power(78, 0.10, 0.20, 0.05) == Approx(0.8081).margin(0.0001));
}

TEST_CASE("Precision sizing is Buderer's formula: z^2 p (1 - p) / d^2, totals from the unrounded counts") {
  // 1.959964^2 = 3.841459. Se 0.9, d 0.05: 3.841459 0.09 / 0.0025 = 138.29 -> 139.
  CHECK(precision_n_single_proportion(0.9, 0.05, 0.95) == 139);
  // Se 0.8, d 0.1: 3.841459 0.16 / 0.01 = 61.46 -> 62; at 90 %: 1.644854^2 0.16 / 0.01 = 43.29 -> 44.
  CHECK(precision_n_single_proportion(0.8, 0.10, 0.95) == 62);
  CHECK(precision_n_single_proportion(0.8, 0.10, 0.90) == 44);
  StandaloneDesign d;
  d.sensitivity_planning = 0.9;
  d.specificity_planning = 0.85;  // 3.841459 0.1275 / 0.0025 = 195.91 -> 196
  d.sensitivity_goal = d.specificity_goal = 0.5;
  d.half_width = 0.05;
  d.prevalence = 0.1;
  d.enriched = true;
  const auto enriched = sample_size_standalone(d);
  CHECK(enriched.n_positive == 139);
  CHECK(enriched.n_negative == 196);
  CHECK(enriched.n_cases == 335);
  // Consecutive: max(138.29 / 0.1, 195.91 / 0.9) = max(1382.9, 217.7) -> 1383.
  d.enriched = false;
  CHECK(sample_size_standalone(d).n_cases == 1383);
  CHECK_THROWS(precision_n_single_proportion(0.9, 0.0, 0.95));
  CHECK_THROWS(precision_n_single_proportion(1.0, 0.05, 0.95));
}

TEST_CASE("Exact sample size taking the first n that reaches power matches A'Hern's n = 78") {
  CHECK(sample_size_single_proportion(0.10, 0.20, 0.05, 0.80, ProportionMethod::exact,
                                      ExactSearch::first_reaching) == 78);
}

TEST_CASE(
    "Exact sample size that keeps power for every larger n lies past the last saw-tooth dip") {
  // Power at n = 78 is 0.808, but 80 -> 0.753 and 88 -> 0.793: the
  // critical value steps up and power drops. From 89 on it stays >= 0.80.
  const auto n = sample_size_single_proportion(0.10, 0.20, 0.05, 0.80, ProportionMethod::exact);
  CHECK(n == 89);
  CHECK(exact_power(88, 0.10, 0.20, 0.05) < 0.80);
  for (std::int64_t m = n; m <= 400; ++m) REQUIRE(exact_power(m, 0.10, 0.20, 0.05) >= 0.80);
}

TEST_CASE("Power-holding exact n is never below the first-reaching n and both have the power") {
  for (double p0 : {0.05, 0.3, 0.5, 0.8, 0.9}) {
    for (double diff : {0.05, 0.1, 0.15}) {
      const double p1 = p0 + diff;
      if (p1 >= 1.0) continue;
      const auto first = sample_size_single_proportion(p0, p1, 0.025, 0.9, ProportionMethod::exact,
                                                       ExactSearch::first_reaching);
      const auto stays = sample_size_single_proportion(p0, p1, 0.025, 0.9, ProportionMethod::exact);
      INFO("p0 = " << p0 << ", p1 = " << p1);
      CHECK(stays >= first);
      CHECK(exact_power(first, p0, p1, 0.025) >= 0.9);
      CHECK(exact_power(first - 1, p0, p1, 0.025) < 0.9);
      CHECK(exact_power(stays - 1, p0, p1, 0.025) < 0.9);
    }
  }
}

TEST_CASE("Exact critical value is the smallest count whose null tail is at most alpha") {
  for (std::int64_t n : {5, 17, 60, 250, 1000}) {
    for (double p0 : {0.05, 0.5, 0.93}) {
      const auto k = exact_critical_value(n, p0, 0.025);
      INFO("n = " << n << ", p0 = " << p0 << ", k = " << k);
      CHECK(tail(n, p0, k) <= 0.025);
      CHECK(tail(n, p0, k - 1) > 0.025);
      CHECK(exact_power(n, p0, p0, 0.025) == Approx(tail(n, p0, k)));  // size <= alpha
    }
  }
  // Too few patients to ever reject: P(X = 3 | 3, 0.5) = 0.125 > 0.05.
  CHECK(exact_critical_value(3, 0.5, 0.05) == 4);
  CHECK(exact_power(3, 0.5, 0.9, 0.05) == 0.0);
}

TEST_CASE("Normal-approximation n for one proportion follows Fleming's single-stage formula") {
  // Fleming (1982), Biometrics 38:143: n = ((z_.95 sqrt(.1 .9) + z_.8 sqrt(.2 .8)) / .1)^2
  // = ((1.64485 * 0.3 + 0.84162 * 0.4) / 0.1)^2 = 8.3011^2 = 68.9 -> 69.
  CHECK(sample_size_single_proportion(0.10, 0.20, 0.05, 0.80, ProportionMethod::normal) == 69);
  // At that n the normal-approximation power reaches the target, below it not.
  CHECK(normal_power_single_proportion(69, 0.10, 0.20, 0.05) >= 0.80);
  CHECK(normal_power_single_proportion(68, 0.10, 0.20, 0.05) < 0.80);
}

TEST_CASE(
    "Standalone study needs max(n_pos / prevalence, n_neg / (1 - prevalence)) consecutive cases") {
  StandaloneDesign d;
  d.sensitivity_goal = 0.80;
  d.sensitivity_planning = 0.90;
  d.specificity_goal = 0.85;
  d.specificity_planning = 0.93;
  d.prevalence = 0.20;
  d.alpha = 0.025;
  d.power = 0.80;
  const auto n_pos =
      sample_size_single_proportion(0.80, 0.90, 0.025, 0.80, ProportionMethod::exact);
  const auto n_neg =
      sample_size_single_proportion(0.85, 0.93, 0.025, 0.80, ProportionMethod::exact);
  const auto s = sample_size_standalone(d);
  CHECK(s.n_positive == n_pos);
  CHECK(s.n_negative == n_neg);
  CHECK(s.n_cases ==
        std::max<std::int64_t>(static_cast<std::int64_t>(std::ceil(n_pos / 0.20 - 1e-9)),
                               static_cast<std::int64_t>(std::ceil(n_neg / 0.80 - 1e-9))));
  d.enriched = true;
  CHECK(sample_size_standalone(d).n_cases == n_pos + n_neg);
}

TEST_CASE("Two-sample t power reproduces R's power.t.test(n = 20, delta = 1) = 0.8689528") {
  // R Core, stats::power.t.test help page example (sd = 1, two-sided 0.05).
  CHECK(two_sample_t_power(20, 20, 1.0, 1.0, 0.05) == Approx(0.8689528).margin(5e-7));
}

TEST_CASE(
    "t-based n per arm reproduces R's power.t.test(power = .90, delta = 1): n = 22.02 -> 23") {
  RctContinuousDesign d;
  d.delta = 1.0;
  d.sd = 1.0;
  d.power = 0.90;
  const auto a = sample_size_rct_continuous(d);
  CHECK(a.n_control == 23);
  CHECK(a.n_treatment == 23);
}

TEST_CASE("Effect size 0.5 at two-sided 0.05 and 80 % power needs 63 per arm (normal) and 64 (t)") {
  // Normal: 2 (1.95996 + 0.84162)^2 / 0.25 = 62.79 -> 63; non-central t: 63.77 -> 64
  // (G*Power and power.t.test give 64).
  RctContinuousDesign d;
  d.delta = 0.5;
  d.sd = 1.0;
  d.method = MeanMethod::normal;
  CHECK(sample_size_rct_continuous(d).n_control == 63);
  d.method = MeanMethod::t_exact;
  CHECK(sample_size_rct_continuous(d).n_control == 64);
}

TEST_CASE("Allocation ratio 2:1 scales the control arm by (1 + 1/k) and the treatment arm by k") {
  // (1 + 1/2) (1.95996 + 0.84162)^2 / 0.25 = 47.09 -> 48 control, 96 treatment.
  RctContinuousDesign d;
  d.delta = 0.5;
  d.sd = 1.0;
  d.method = MeanMethod::normal;
  d.allocation_ratio = 2.0;
  const auto a = sample_size_rct_continuous(d);
  CHECK(a.n_control == 48);
  CHECK(a.n_treatment == 96);
  CHECK(a.total() == 144);
}

TEST_CASE(
    "Fleiss n for 0.10 vs 0.20 is 199 per arm, 219 with continuity correction (Fleiss Table A.3)") {
  // Uncorrected: (1.95996 sqrt(2 .15 .85) + 0.84162 sqrt(.09 + .16))^2 / .01 = 198.96;
  // Fleiss, Tytun & Ury (1980): 198.96/4 (1 + sqrt(1 + 4/(198.96 * .1)))^2 = 218.5.
  RctBinaryDesign d;
  d.p_control = 0.10;
  d.p_treatment = 0.20;
  CHECK(sample_size_rct_binary(d).n_control == 199);
  d.continuity_correction = true;
  CHECK(sample_size_rct_binary(d).n_control == 219);
}

TEST_CASE("Binary-endpoint normal power crosses the target exactly at the Fleiss n") {
  CHECK(two_proportion_power_normal(199, 199, 0.10, 0.20, 0.05) >= 0.80);
  CHECK(two_proportion_power_normal(198, 198, 0.10, 0.20, 0.05) < 0.80);
  // A harmful-outcome endpoint: lower is better, same power by symmetry.
  CHECK(two_proportion_power_normal(199, 199, 0.20, 0.10, 0.05, false) ==
        Approx(two_proportion_power_normal(199, 199, 0.10, 0.20, 0.05)));
}

TEST_CASE(
    "Exact enumeration of the pooled z-test agrees with its normal approximation at n = 199") {
  const double exact = two_proportion_power_exact(199, 199, 0.10, 0.20, 0.05);
  CHECK(exact == Approx(two_proportion_power_normal(199, 199, 0.10, 0.20, 0.05)).margin(0.02));
  // Under H0 the favourable-direction rejection rate is about alpha / 2.
  CHECK(two_proportion_power_exact(150, 150, 0.3, 0.3, 0.05) == Approx(0.025).margin(0.006));
}

TEST_CASE("Dropout inflation rounds up without floating-point overshoot") {
  CHECK(enrollment_n(100, 0.2) == 125);  // 100 / 0.8 is 125.00000000000001 in doubles
  CHECK(enrollment_n(100, 0.15) == 118);
  CHECK(enrollment_n(100, 0.0) == 100);
  CHECK(enrollment_n(0, 0.3) == 0);
}

TEST_CASE("MRMC case counts for Van Dyke's OR components reproduce RJafroc's power table") {
  // RJafroc vignette "ROC sample size" (Chakraborty), SsPowerTable(dataset02,
  // RRRC, desired power 0.8, effect = observed 0.0438), Hillis et al. (2011)
  // method: 4 readers 1089 cases, 5: 344, 6: 251, 7: 211, 8: 188, 9: 173, 10: 163.
  const std::pair<std::int64_t, std::int64_t> table[] = {{4, 1089}, {5, 344}, {6, 251}, {7, 211},
                                                         {8, 188},  {9, 173}, {10, 163}};
  for (auto [readers, cases] : table) {
    MrmcDesign d;
    d.readers = readers;
    d.delta_auc = kVanDykeDelta;
    d.variance = van_dyke();
    INFO("readers = " << readers);
    CHECK(mrmc_cases_for_power(d) == cases);
  }
}

TEST_CASE("MRMC power at the tabulated case count reaches 0.8 and one case fewer does not") {
  const auto at = mrmc_power(van_dyke(), 10, 163, kVanDykeDelta, 0.05);
  CHECK(at.power >= 0.80);
  CHECK(at.power == Approx(0.802).margin(0.0005));  // RJafroc prints 0.802
  CHECK(mrmc_power(van_dyke(), 10, 162, kVanDykeDelta, 0.05).power < 0.80);
  CHECK(at.f_critical > 1.0);
}

TEST_CASE("Non-central F power reproduces Moore et al. IPS Example 12.28 (power 0.3486)") {
  // Three groups of 10, means 41, 47, 44, sigma 7: lambda = 3.67, df 2 and 27.
  CHECK(noncentral_f_power(2.0, 27.0, 3.67, 0.05) == Approx(0.3486).margin(0.0005));
}

TEST_CASE("Non-central F and t power past Boost's series limit continue its values and never throw") {
  // Above 1e9 the large-noncentrality limit; Boost's series still works a
  // little past it, so the two are compared at the same noncentrality.
  const double lambda = 1.5e9;
  for (const double df2 : {1.0, 4.0, 50.0})
    for (const double alpha : {1e-6, 0.05}) {
      const double f_crit = boost::math::quantile(boost::math::fisher_f_distribution<>(1.0, df2), 1.0 - alpha);
      const double boost_value = boost::math::cdf(
          boost::math::complement(boost::math::non_central_f_distribution<>(1.0, df2, lambda), f_crit));
      INFO("df2 " << df2 << " alpha " << alpha);
      CHECK(noncentral_f_power(1.0, df2, lambda, alpha) == Approx(boost_value).margin(1e-3));
      CHECK(noncentral_f_power(1.0, df2, 1e300, alpha) == 1.0);
    }
  for (const double df : {1.0, 3.0, 100.0})
    for (const double t_crit : {1.0, 12.7, 1e3, 3e4, 5e4}) {
      const double delta = std::sqrt(lambda);
      const double boost_value =
          boost::math::cdf(boost::math::complement(boost::math::non_central_t_distribution<>(df, delta), t_crit));
      INFO("df " << df << " t " << t_crit);
      CHECK(noncentral_t_upper(df, delta, t_crit) == Approx(boost_value).margin(1e-3));
      CHECK(noncentral_t_upper(df, -delta, t_crit) == 0.0);
    }
  // A standard deviation of 1e-6 against an effect of 0.4: certain power, no error.
  CHECK(two_sample_t_power(20, 20, 0.4, 1e-6, 0.05) == Approx(1.0));
  // 1e-300: the noncentrality's square overflows to infinity; still certain
  // power, and the t-based size is two per arm, the smallest 1:1 design with
  // a degree of freedom.
  CHECK(two_sample_t_power(20, 20, 0.4, 1e-300, 0.05) == 1.0);
  CHECK(noncentral_t_upper(10.0, 1e200, 2.0) == 1.0);
  CHECK(noncentral_f_upper(1.0, 10.0, std::numeric_limits<double>::infinity(), 4.96) == 1.0);
  RctContinuousDesign tiny_sd;
  tiny_sd.delta = 0.4;
  tiny_sd.sd = 1e-300;
  CHECK(sample_size_rct_continuous(tiny_sd).total() == 4);
  // Two readers at alpha 1e-6 (critical F about 4e11): lambda 1e9 is far from certain.
  CHECK(noncentral_f_power(1.0, 1.0, 1.001e9, 1e-6) < 0.1);
  // The 4e297 noncentrality of an MRMC plan with var_tr = 1e-300 sizes without error.
  MrmcDesign d;
  d.variance = {1e-300, 0.0008023, 114.0, 0.4320, 0.4289, 0.2979};
  d.readers = 10;
  d.delta_auc = 0.05;
  CHECK(mrmc_cases_for_power(d) > 0);
}

TEST_CASE("MRMC with no between-reader case correlation reduces to a paired t test on r - 1 df") {
  // r2 = r3: D = s2TR + s2e (1 - r1), ddf = r - 1 exactly, and
  // Var(mean difference) = (2/r) D.
  MrmcVariance v{0.001, 0.002, 100.0, 0.5, 0.3, 0.3};
  const auto p = mrmc_power(v, 6, 200.0, 0.05, 0.05);
  CHECK(p.ddf == Approx(5.0).epsilon(1e-12));
  const double s2e = 0.002 * 100.0 / 200.0;
  const double d = 0.001 + s2e * 0.5;
  CHECK(mrmc_variance_of_difference(v, 6, 200.0) == Approx(2.0 / 6.0 * d).epsilon(1e-12));
  CHECK(p.noncentrality == Approx(6.0 * 0.05 * 0.05 / (2.0 * d)).epsilon(1e-12));
  CHECK(p.power_favourable <= p.power);
}

TEST_CASE("MRMC target beyond the reader-limited power ceiling is reported, not searched forever") {
  MrmcDesign d;
  d.readers = 3;
  d.delta_auc = kVanDykeDelta;
  d.variance = van_dyke();
  const double limit = mrmc_power_limit(d.variance, 3, kVanDykeDelta, 0.05);
  CHECK(limit < 0.8);  // RJafroc: "> 2000" cases for 3 readers
  CHECK_THROWS_WITH(mrmc_cases_for_power(d), Contains("add readers"));
}

TEST_CASE("Design functions reject impossible inputs with a message naming the argument") {
  CHECK_THROWS_WITH(sample_size_single_proportion(0.9, 0.85, 0.025, 0.8, ProportionMethod::exact),
                    Contains("must be better than the performance goal"));
  CHECK_THROWS_AS(sample_size_single_proportion(0.9, 0.9, 0.025, 0.8, ProportionMethod::normal),
                  std::invalid_argument);
  CHECK_THROWS_WITH(sample_size_single_proportion(0.5, 0.6, 1.2, 0.8, ProportionMethod::normal),
                    Contains("alpha"));
  CHECK_THROWS_WITH(sample_size_single_proportion(0.5, 0.6, 0.05, 0.04, ProportionMethod::normal),
                    Contains("must exceed alpha"));
  CHECK_THROWS_WITH(sample_size_rct_continuous({0.5, 0.0}), Contains("sd"));
  CHECK_THROWS_WITH(sample_size_rct_continuous({-0.5, 1.0}), Contains("delta"));
  RctBinaryDesign b;
  b.p_control = 0.3;
  b.p_treatment = 0.3;
  CHECK_THROWS_WITH(sample_size_rct_binary(b), Contains("no difference"));
  CHECK_THROWS_WITH(enrollment_n(100, 1.0), Contains("dropout"));
  StandaloneDesign s{0.8, 0.9, 0.85, 0.93, 0.0};
  CHECK_THROWS_WITH(sample_size_standalone(s), Contains("prevalence"));
  MrmcVariance bad{0.0, 0.001, 100.0, 0.9, 0.6, 0.1};  // 1 - r1 < r2 - r3
  CHECK_THROWS_WITH(mrmc_power(bad, 5, 100.0, 0.05, 0.05), Contains("negative variance"));
  CHECK_THROWS_WITH(mrmc_power(van_dyke(), 1, 100.0, 0.05, 0.05), Contains("readers"));
  // (1 - r1) + (r - 1)(r2 - r3): 0.568 - 0.2979 (r - 1) changes sign between
  // 2 and 3 readers, so 2 readers are a valid design and 3 are not.
  MrmcVariance crossed{0.0002, 0.0008, 114.0, 0.432, 0.0, 0.2979};
  CHECK(mrmc_readers_problem(crossed, 2).empty());
  CHECK_THAT(mrmc_readers_problem(crossed, 3), Contains("too negative for 3 readers"));
  CHECK(mrmc_readers_problem(van_dyke(), 100).empty());
}

// The recurrences of BinomialTail against Boost's tail at every step of a
// long walk, and its comparisons against thresholds equal to Boost's values.
TEST_CASE("A binomial tail followed by recurrences stays on Boost's values and decides as they do") {
  for (double p : {0.003, 0.1, 0.5, 0.93}) {
    // t meets only thresholds 2e-9 away from the tail, which its own value
    // decides (after up to 1024 steps of recurrences); u meets thresholds
    // within 1e-9, which Boost's value decides.
    BinomialTail t(1, p, 1), u(1, p, 1);
    for (std::int64_t step = 0; step < 6000; ++step) {
      // Keep k near the upper 2.5 % point, as the sample-size searches do.
      if (t.k() <= t.n() && tail(t.n(), p, t.k()) > 0.025) {
        t.next_k();
        u.next_k();
      } else {
        t.next_n();
        u.next_n();
      }
      const double exact = tail(t.n(), p, t.k());
      INFO("p = " << p << ", n = " << t.n() << ", k = " << t.k() << ", exact tail " << exact);
      REQUIRE_FALSE(t.above(exact * (1.0 + 2e-9)));
      if (exact > 0.0) REQUIRE(t.above(exact * (1.0 - 2e-9)));
      REQUIRE_FALSE(u.above(exact * (1.0 + 1e-12)));
      if (exact > 0.0) REQUIRE(u.above(exact * (1.0 - 1e-12)));
      REQUIRE(u.at_least(exact));
      REQUIRE_FALSE(u.above(exact));
    }
  }
}

TEST_CASE("The critical-value table agrees with the critical value searched for each n") {
  for (double p0 : {0.02, 0.5, 0.9}) {
    for (double alpha : {0.025, 1e-4}) {
      const auto table = exact_critical_values(3000, p0, alpha);
      REQUIRE(table->size() == 3001);
      for (std::int64_t n = 1; n <= 3000; ++n) {
        INFO("p0 = " << p0 << ", alpha = " << alpha << ", n = " << n);
        REQUIRE((*table)[static_cast<std::size_t>(n)] == exact_critical_value(n, p0, alpha));
      }
    }
  }
}

// The walk of exact_n_single_proportion against the same search written
// with Boost's tail at every n.
TEST_CASE("Exact sample sizes by the recurrence walk equal those of a search with exact tails at every n") {
  auto brute = [](double p0, double p1, double alpha, double power, ExactSearch search) {
    std::int64_t last_below = 0, first = -1;
    for (std::int64_t n = 1;; ++n) {
      const bool reaches = exact_power(n, p0, p1, alpha) >= power;
      if (reaches && first < 0) {
        first = n;
        if (search == ExactSearch::first_reaching) return n;
      }
      if (!reaches) last_below = n;
      if (first >= 0 && n >= 2 * (last_below + 1) + 10) return last_below + 1;
    }
  };
  for (double p0 : {0.05, 0.5, 0.85}) {
    for (double diff : {0.04, 0.1}) {
      for (double power : {0.8, 0.95}) {
        for (auto search : {ExactSearch::first_reaching, ExactSearch::stays_above}) {
          const double p1 = p0 + diff;
          INFO("p0 = " << p0 << ", p1 = " << p1 << ", power = " << power);
          CHECK(sample_size_single_proportion(p0, p1, 0.025, power, ProportionMethod::exact, search) ==
                brute(p0, p1, 0.025, power, search));
        }
      }
    }
  }
}

TEST_CASE("A 10^5-patient exact design is sized and tabled in well under a second") {
  // p1 - p0 = 0.005 needs about 7.8e4 patients; the walk and a table of
  // 1.5e5 critical values take milliseconds (a Boost tail per step took 3 s).
  const auto n = sample_size_single_proportion(0.5, 0.505, 0.025, 0.8, ProportionMethod::exact);
  CHECK(n > 70000);
  CHECK(n < 90000);
  const auto table = exact_critical_values(150000, 0.5, 0.025);
  CHECK((*table)[150000] == exact_critical_value(150000, 0.5, 0.025));
  CHECK((*table)[77777] == exact_critical_value(77777, 0.5, 0.025));
}
