// Simulated studies reject as often as the analytic power says they should,
// and no more often than alpha when the true effect sits at the null.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <vector>

#include <boost/math/distributions/students_t.hpp>

#include "samdsim/random.hpp"
#include "us_pathway/design.hpp"
#include "us_pathway/study_tests.hpp"

using namespace samdsim;
using namespace samdsim::us_pathway;

namespace {

constexpr std::uint64_t kSeed = 20261121;
constexpr int kReplicates = 20000;

// Share of replicates whose study succeeds; replicate i uses stream
// (seed, scenario, i) as the model does.
double success_rate(std::uint64_t scenario, const std::function<bool(Stream&)>& study) {
  int successes = 0;
  for (int i = 0; i < kReplicates; ++i) {
    Stream stream(kSeed, scenario, static_cast<std::uint64_t>(i));
    successes += study(stream) ? 1 : 0;
  }
  return static_cast<double>(successes) / kReplicates;
}

// Four Monte Carlo standard errors of a rate whose true value is p.
double tolerance(double p) { return 4.0 * std::sqrt(p * (1.0 - p) / kReplicates); }

}  // namespace

TEST_CASE("Simulated exact binomial studies succeed at the exact power") {
  struct Setting {
    std::int64_t n;
    double p0, p_true;
  };
  const Setting settings[] = {{78, 0.10, 0.20}, {40, 0.70, 0.85}, {150, 0.90, 0.95}};
  std::uint64_t scenario = 0;
  for (const auto& s : settings) {
    const double power = exact_power(s.n, s.p0, s.p_true, 0.05);
    const double rate = success_rate(scenario++, [&](Stream& st) {
      return simulate_single_proportion(st, s.n, s.p_true, s.p0, 0.05, ProportionMethod::exact)
          .success;
    });
    INFO("n = " << s.n << ", p0 = " << s.p0 << ", p_true = " << s.p_true);
    CHECK(rate == Approx(power).margin(tolerance(power)));
  }
}

TEST_CASE("Simulated exact binomial studies at the performance goal reject at most alpha") {
  const double size = exact_power(78, 0.10, 0.10, 0.05);  // 0.0453 < 0.05
  const double rate = success_rate(10, [](Stream& st) {
    return simulate_single_proportion(st, 78, 0.10, 0.10, 0.05, ProportionMethod::exact).success;
  });
  CHECK(rate == Approx(size).margin(tolerance(size)));
  CHECK(rate <= 0.05 + tolerance(0.05));
}

TEST_CASE("Simulated z-test studies succeed at the z-test's exact rejection probability") {
  for (double p_true : {0.10, 0.18, 0.22}) {
    const double expected = ztest_rejection_probability(100, 0.10, p_true, 0.025);
    const double rate = success_rate(20, [&](Stream& st) {
      return simulate_single_proportion(st, 100, p_true, 0.10, 0.025, ProportionMethod::normal)
          .success;
    });
    INFO("p_true = " << p_true);
    CHECK(rate == Approx(expected).margin(tolerance(expected)));
  }
}

TEST_CASE("Standalone studies succeed when both endpoints do, at the product of their powers") {
  StandaloneDesign d;
  d.sensitivity_goal = 0.80;
  d.specificity_goal = 0.85;
  d.alpha = 0.025;
  const double power = exact_power(120, 0.80, 0.90, 0.025) * exact_power(150, 0.85, 0.92, 0.025);
  const double rate = success_rate(
      30, [&](Stream& st) { return simulate_standalone(st, 120, 150, 0.90, 0.92, d).success; });
  CHECK(rate == Approx(power).margin(tolerance(power)));
}

TEST_CASE("Simulated continuous RCTs succeed at the non-central t power") {
  struct Setting {
    std::int64_t n_c, n_t;
    double delta, sd;
  };
  const Setting settings[] = {{64, 64, 0.5, 1.0}, {23, 23, 1.0, 1.0}, {30, 60, 0.6, 1.2}};
  std::uint64_t scenario = 40;
  for (const auto& s : settings) {
    const double power = two_sample_t_power(s.n_c, s.n_t, s.delta, s.sd, 0.05);
    const double rate = success_rate(scenario++, [&](Stream& st) {
      return simulate_rct_continuous(st, s.n_c, s.n_t, s.delta, s.sd, 0.05).success;
    });
    INFO("n = " << s.n_c << "/" << s.n_t << ", delta = " << s.delta);
    CHECK(rate == Approx(power).margin(tolerance(power)));
  }
}

TEST_CASE(
    "Continuous RCTs with no true effect reject at alpha, half of it in the favourable direction") {
  int favourable = 0;
  int any = 0;
  for (int i = 0; i < kReplicates; ++i) {
    Stream st(kSeed, 50, static_cast<std::uint64_t>(i));
    const auto out = simulate_rct_continuous(st, 40, 40, 0.0, 2.0, 0.05);
    favourable += out.success ? 1 : 0;
    any += out.p_value <= 0.05 ? 1 : 0;
  }
  CHECK(favourable / double(kReplicates) == Approx(0.025).margin(tolerance(0.025)));
  CHECK(any / double(kReplicates) == Approx(0.05).margin(tolerance(0.05)));
}

TEST_CASE("A lower-is-better continuous endpoint succeeds only when treatment lowers it") {
  const double power = two_sample_t_power(50, 50, 0.6, 1.0, 0.05);
  const double lowered = success_rate(51, [](Stream& st) {
    return simulate_rct_continuous(st, 50, 50, -0.6, 1.0, 0.05, false).success;
  });
  const double raised = success_rate(52, [](Stream& st) {
    return simulate_rct_continuous(st, 50, 50, 0.6, 1.0, 0.05, false).success;
  });
  CHECK(lowered == Approx(power).margin(tolerance(power)));
  CHECK(raised < 0.001);
}

TEST_CASE("Simulated binary RCTs succeed at the exactly enumerated z-test power") {
  struct Setting {
    std::int64_t n_c, n_t;
    double p_c, p_t;
    bool higher_is_better;
  };
  const Setting settings[] = {
      {199, 199, 0.10, 0.20, true}, {100, 150, 0.30, 0.45, true}, {80, 80, 0.50, 0.30, false}};
  std::uint64_t scenario = 60;
  for (const auto& s : settings) {
    const double power =
        two_proportion_power_exact(s.n_c, s.n_t, s.p_c, s.p_t, 0.05, s.higher_is_better);
    const double rate = success_rate(scenario++, [&](Stream& st) {
      return simulate_rct_binary(st, s.n_c, s.n_t, s.p_c, s.p_t, 0.05, s.higher_is_better).success;
    });
    INFO("n = " << s.n_c << "/" << s.n_t << ", p = " << s.p_c << " vs " << s.p_t);
    CHECK(rate == Approx(power).margin(tolerance(power)));
  }
}

TEST_CASE(
    "Binary RCTs with equal true rates reject in the favourable direction at about alpha / 2") {
  const double size = two_proportion_power_exact(150, 150, 0.3, 0.3, 0.05);
  const double rate = success_rate(
      70, [](Stream& st) { return simulate_rct_binary(st, 150, 150, 0.3, 0.3, 0.05).success; });
  CHECK(rate == Approx(size).margin(tolerance(size)));
  CHECK(rate <= 0.025 + tolerance(0.025) + 0.005);  // pooled z is close to nominal here
}

TEST_CASE(
    "Simulated MRMC studies without between-reader case correlation match the analytic power "
    "exactly") {
  // r2 = r3: the Hillis F is the square of a paired t on r - 1 df, so the
  // non-central t power is exact, not an approximation.
  const MrmcVariance v{0.0002, 0.0008, 114.0, 0.43, 0.30, 0.30};
  struct Setting {
    std::int64_t readers;
    double cases, delta;
  };
  const Setting settings[] = {{6, 251.0, 0.0438}, {5, 100.0, 0.03}, {10, 60.0, 0.05}};
  std::uint64_t scenario = 80;
  for (const auto& s : settings) {
    const double power = mrmc_power(v, s.readers, s.cases, s.delta, 0.05).power_favourable;
    const double rate = success_rate(scenario++, [&](Stream& st) {
      return simulate_mrmc(st, s.readers, s.cases, s.delta, v, 0.05).success;
    });
    INFO("readers = " << s.readers << ", cases = " << s.cases);
    CHECK(rate == Approx(power).margin(tolerance(power)));
  }
}

TEST_CASE(
    "Simulated MRMC studies with Van Dyke's variance structure match Hillis power within its "
    "approximation") {
  // With Cov2 > Cov3 the Hillis ddf is a Satterthwaite approximation; Hillis,
  // Obuchowski & Berbaum (2011) find the resulting power close to the true
  // power. Allowance: 0.01 on top of Monte Carlo error (200k-replicate runs
  // of this simulation differ from the formula by at most 0.007 here).
  constexpr double var = 0.0008022883;
  const MrmcVariance v{0.0002004025,      var, 114.0, 0.0003466137 / var, 0.0003440748 / var,
                       0.0002390284 / var};
  struct Setting {
    std::int64_t readers;
    double cases, delta;
  };
  const Setting settings[] = {{6, 251.0, 0.0438}, {10, 163.0, 0.0438}, {4, 100.0, 0.05}};
  std::uint64_t scenario = 90;
  for (const auto& s : settings) {
    const double power = mrmc_power(v, s.readers, s.cases, s.delta, 0.05).power_favourable;
    const double rate = success_rate(scenario++, [&](Stream& st) {
      return simulate_mrmc(st, s.readers, s.cases, s.delta, v, 0.05).success;
    });
    INFO("readers = " << s.readers << ", cases = " << s.cases);
    CHECK(rate == Approx(power).margin(tolerance(power) + 0.01));
  }
  const double null_rate = success_rate(
      99, [&](Stream& st) { return simulate_mrmc(st, 5, 114.0, 0.0, v, 0.05).success; });
  CHECK(null_rate == Approx(0.025).margin(tolerance(0.025) + 0.005));
}

namespace {
// Statistics around a critical value c: +-c, c's two neighbouring doubles,
// +-c (1 +- r) for every relative step r, then `random` values uniform on
// (-spread c, spread c).
std::vector<double> boundary_statistics(double c, std::initializer_list<double> steps, Stream& draws, int random,
                                        double spread) {
  std::vector<double> statistics = {c, -c, std::nextafter(c, 0.0), std::nextafter(c, 2 * c)};
  for (const double r : steps)
    for (const double sign : {1.0, -1.0}) {
      statistics.push_back(sign * c * (1.0 + r));
      statistics.push_back(sign * c * (1.0 - r));
    }
  for (int k = 0; k < random; ++k) statistics.push_back((draws.uniform() * (2.0 * spread) - spread) * c);
  return statistics;
}
}  // namespace

TEST_CASE("Critical values decide the t-test as its p-value does, at the boundary too") {
  // The p-value rule, computed as before the critical values: 2 P(T_nu >= |t|) <= alpha.
  const auto p_rule = [](double t, std::int64_t nu, double alpha) {
    const boost::math::students_t_distribution<> dist(static_cast<double>(nu));
    return 2.0 * boost::math::cdf(boost::math::complement(dist, std::fabs(t))) <= alpha;
  };
  Stream draws(kSeed, 77, 0);
  std::int64_t checked = 0, near = 0;
  for (const double alpha : {0.2, 0.1, 0.05, 0.025, 0.01, 0.001}) {
    const TTestCritical critical(alpha, 300);
    for (std::int64_t nu = 1; nu <= 320; ++nu) {  // beyond 300: the p-value decides
      const double c = boost::math::quantile(
          boost::math::complement(boost::math::students_t_distribution<>(static_cast<double>(nu)), alpha / 2.0));
      std::vector<double> statistics =
          boundary_statistics(c, {1e-15, 1e-13, 1e-11, 1e-10, 1e-9, 2e-9, 1e-8, 1e-6, 1e-3}, draws, 40, 3.0);
      statistics.push_back(0.0);
      for (const double t : statistics) {
        INFO("alpha " << alpha << ", nu " << nu << ", t " << t << ", critical " << c);
        REQUIRE(critical.rejects(t, nu) == p_rule(t, nu, alpha));
        ++checked;
        near += std::fabs(std::fabs(t) - c) <= 1e-9 * c ? 1 : 0;
      }
    }
  }
  CHECK(checked > 100000);
  CHECK(near > 10000);  // the boundary itself was exercised
  // Whole studies: the same outcome with and without the critical values.
  const TTestCritical critical(0.05, 400);
  for (int i = 0; i < 5000; ++i) {
    Stream a(kSeed, 78, static_cast<std::uint64_t>(i)), b(kSeed, 78, static_cast<std::uint64_t>(i));
    const std::int64_t n = 2 + i % 150;
    const TestOutcome by_p = simulate_rct_continuous(a, n, n + i % 3, 0.3, 1.0, 0.05);
    const TestOutcome by_c = simulate_rct_continuous(b, n, n + i % 3, 0.3, 1.0, 0.05, true, &critical);
    REQUIRE(by_p.success == by_c.success);
    REQUIRE(by_p.statistic == by_c.statistic);
    CHECK(std::isnan(by_c.p_value));
  }
}

TEST_CASE("A grid of critical values decides the t-test on fractional degrees of freedom as its p-value does") {
  const auto p_rule = [](double t, double df, double alpha) {
    const boost::math::students_t_distribution<> dist(df);
    return 2.0 * boost::math::cdf(boost::math::complement(dist, std::fabs(t))) <= alpha;
  };
  Stream draws(kSeed, 79, 0);
  std::int64_t checked = 0;
  for (const double alpha : {0.1, 0.05, 0.01}) {
    for (const double min_df : {1.0, 4.0, 9.0}) {
      const TTestCriticalGrid grid(alpha, min_df);
      for (int k = 0; k < 400; ++k) {
        // Degrees of freedom spread over the grid and beyond it, on grid points too.
        double df = min_df * std::exp(draws.uniform() * std::log(2e5));
        if (k % 10 == 0) df = min_df * std::pow(1.01, std::floor(draws.uniform() * 1100));
        if (k == 1) df = min_df * 0.5;  // below the grid
        const double c = boost::math::quantile(
            boost::math::complement(boost::math::students_t_distribution<>(df), alpha / 2.0));
        const std::vector<double> statistics =
            boundary_statistics(c, {1e-14, 1e-11, 1e-9, 1e-7, 1e-5, 1e-3, 1e-2}, draws, 10, 2.0);
        for (const double t : statistics) {
          INFO("alpha " << alpha << ", df " << df << ", t " << t << ", critical " << c);
          REQUIRE(grid.rejects(t, df) == p_rule(t, df, alpha));
          ++checked;
        }
      }
    }
  }
  CHECK(checked > 100000);
  // Whole reader studies: the same outcome with and without the grid.
  const MrmcVariance v{0.0001, 0.0004, 100, 0.47, 0.35, 0.30};
  for (const std::int64_t readers : {3, 5, 10}) {
    const TTestCriticalGrid grid(0.05, static_cast<double>(readers - 1));
    for (int i = 0; i < 3000; ++i) {
      Stream a(kSeed, 80, static_cast<std::uint64_t>(i)), b(kSeed, 80, static_cast<std::uint64_t>(i));
      const TestOutcome by_p = simulate_mrmc(a, readers, 200, 0.03, v, 0.05);
      const TestOutcome by_grid = simulate_mrmc(b, readers, 200, 0.03, v, 0.05, &grid);
      REQUIRE(by_p.success == by_grid.success);
      REQUIRE(by_p.statistic == by_grid.statistic);
    }
  }
}

TEST_CASE("The critical-value tables reject where a printed t table says") {
  // Two-sided critical values t_{1 - alpha/2, nu} of the printed tables
  // (e.g. Fisher & Yates, Statistical Tables, table III), to six decimals:
  // the tables reject just above each and accept just below it.
  struct Row {
    double alpha, nu, critical;
  };
  for (const Row r : {Row{0.05, 1, 12.706205}, Row{0.05, 10, 2.228139}, Row{0.10, 20, 1.724718},
                      Row{0.01, 30, 2.749996}, Row{0.05, 120, 1.979930}}) {
    INFO("alpha " << r.alpha << ", nu " << r.nu);
    const TTestCritical table(r.alpha, 200);
    const TTestCriticalGrid grid(r.alpha, 1.0);  // nu 10, 20, 30, 120 lie between grid points
    for (const double side : {-1.0, 1.0}) {
      const double above = side * r.critical * (1.0 + 1e-6), below = side * r.critical * (1.0 - 1e-6);
      CHECK(table.rejects(above, static_cast<std::int64_t>(r.nu)));
      CHECK_FALSE(table.rejects(below, static_cast<std::int64_t>(r.nu)));
      CHECK(grid.rejects(above, r.nu));
      CHECK_FALSE(grid.rejects(below, r.nu));
    }
  }
}

TEST_CASE("The same stream gives the same study outcome") {
  const MrmcVariance v{0.0002, 0.0008, 114.0, 0.43, 0.42, 0.30};
  Stream a(kSeed, 3, 17);
  Stream b(kSeed, 3, 17);
  const auto x = simulate_mrmc(a, 6, 200.0, 0.04, v, 0.05);
  const auto y = simulate_mrmc(b, 6, 200.0, 0.04, v, 0.05);
  CHECK(x.estimate == y.estimate);
  CHECK(x.statistic == y.statistic);
  CHECK(x.success == y.success);
}

TEST_CASE("Study simulations reject impossible inputs") {
  Stream st(kSeed, 0, 0);
  CHECK_THROWS_AS(simulate_single_proportion(st, 0, 0.5, 0.4, 0.05, ProportionMethod::exact),
                  std::invalid_argument);
  CHECK_THROWS_AS(simulate_rct_continuous(st, 10, 10, 0.5, 0.0, 0.05), std::invalid_argument);
  CHECK_THROWS_AS(simulate_rct_binary(st, 10, 10, 1.5, 0.5, 0.05), std::invalid_argument);
  const MrmcVariance v{0.0002, 0.0008, 114.0, 0.43, 0.42, 0.30};
  CHECK_THROWS_AS(simulate_mrmc(st, 1, 100.0, 0.05, v, 0.05), std::invalid_argument);
}
