// Poisson-gamma recruitment through staggered sites (Anisimov & Fedorov 2007).

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <boost/math/distributions/poisson.hpp>

#include "samdsim/random.hpp"
#include "us_pathway/enrollment.hpp"

using namespace samdsim;
using namespace samdsim::us_pathway;
using Catch::Matchers::Contains;

namespace {

constexpr std::uint64_t kSeed = 424242;
constexpr int kReplicates = 20000;
constexpr double kNever = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("Poisson-gamma enrollment time with all sites open at 0 matches the closed-form mean") {
  struct Setting {
    std::uint64_t n, sites;
    double shape, rate;
  };
  // E[T] = n beta / (N alpha - 1); E[T^2] = n (n + 1) beta^2 / ((N alpha - 1)(N alpha - 2)).
  const Setting settings[] = {{50, 10, 2.0, 2.0}, {20, 3, 1.5, 0.5}};
  std::uint64_t scenario = 0;
  for (const auto& s : settings) {
    const std::vector<double> activation(s.sites, 0.0);
    std::vector<double> rates(s.sites);
    std::vector<SiteEvent> scratch(s.sites);
    double sum = 0.0;
    for (int i = 0; i < kReplicates; ++i) {
      Stream st(kSeed, scenario, static_cast<std::uint64_t>(i));
      for (double& r : rates) r = st.gamma(s.shape, 1.0 / s.rate);
      sum +=
          simulate_enrollment(st, activation, rates, s.n, 0.0, scratch).months_to_full_enrollment;
    }
    ++scenario;
    const double mean = expected_enrollment_time_all_active(s.n, s.sites, s.shape, s.rate);
    const double total_shape = static_cast<double>(s.sites) * s.shape;
    const double dn = static_cast<double>(s.n);
    const double second =
        dn * (dn + 1.0) * s.rate * s.rate / ((total_shape - 1.0) * (total_shape - 2.0));
    const double se = std::sqrt((second - mean * mean) / kReplicates);
    INFO("n = " << s.n << ", sites = " << s.sites);
    CHECK(sum / kReplicates == Approx(mean).margin(4.0 * se));
  }
  CHECK(expected_enrollment_time_all_active(50, 10, 2.0, 2.0) == Approx(100.0 / 19.0));
}

TEST_CASE(
    "Staggered-activation enrollment time matches brute-force simulation of individual arrivals") {
  const std::vector<double> activation = {0.0, 1.5, 3.0, 3.0, 6.0, kNever};
  const std::vector<double> rates = {0.8, 2.0, 0.5, 1.2, 3.0, 5.0};
  constexpr std::uint64_t screened = 40;
  std::vector<SiteEvent> scratch(activation.size());
  std::vector<double> arrivals;
  arrivals.reserve(activation.size() * screened);

  const double checkpoints[] = {6.0, 8.0, 10.0};
  double sum_alg = 0.0, sum2_alg = 0.0, sum_bf = 0.0, sum2_bf = 0.0;
  int below_alg[3] = {0, 0, 0};
  int below_bf[3] = {0, 0, 0};
  for (int i = 0; i < kReplicates; ++i) {
    Stream st(kSeed, 10, static_cast<std::uint64_t>(i));
    const double t =
        time_to_screen(st, activation, rates, screened, scratch).months_to_full_enrollment;
    // Brute force: each open site's own Poisson arrivals (no site can supply
    // more than `screened` of the first `screened`), then the 40th overall.
    Stream bf(kSeed, 11, static_cast<std::uint64_t>(i));
    arrivals.clear();
    for (std::size_t j = 0; j < activation.size(); ++j) {
      if (!std::isfinite(activation[j])) continue;
      double clock = activation[j];
      for (std::uint64_t k = 0; k < screened; ++k)
        arrivals.push_back(clock += bf.exponential(rates[j]));
    }
    std::nth_element(arrivals.begin(), arrivals.begin() + (screened - 1), arrivals.end());
    const double t_bf = arrivals[screened - 1];
    sum_alg += t;
    sum2_alg += t * t;
    sum_bf += t_bf;
    sum2_bf += t_bf * t_bf;
    for (int c = 0; c < 3; ++c) {
      below_alg[c] += t <= checkpoints[c] ? 1 : 0;
      below_bf[c] += t_bf <= checkpoints[c] ? 1 : 0;
    }
  }
  const double n = kReplicates;
  const double var_alg = sum2_alg / n - (sum_alg / n) * (sum_alg / n);
  const double var_bf = sum2_bf / n - (sum_bf / n) * (sum_bf / n);
  CHECK(sum_alg / n == Approx(sum_bf / n).margin(4.0 * std::sqrt((var_alg + var_bf) / n)));
  for (int c = 0; c < 3; ++c) {
    // P(T <= t) = P(N(t) >= 40), N(t) ~ Poisson(Lambda(t)), Lambda(t) = sum rate_j (t - a_j)+.
    double lambda = 0.0;
    for (std::size_t j = 0; j < activation.size(); ++j)
      if (std::isfinite(activation[j]))
        lambda += rates[j] * std::max(0.0, checkpoints[c] - activation[j]);
    const double exact = boost::math::cdf(boost::math::complement(
        boost::math::poisson_distribution<>(lambda), static_cast<double>(screened - 1)));
    const double tol = 4.0 * std::sqrt(exact * (1.0 - exact) / n);
    INFO("t = " << checkpoints[c]);
    CHECK(below_alg[c] / n == Approx(exact).margin(tol));
    CHECK(below_bf[c] / n == Approx(exact).margin(tol));
  }
}

TEST_CASE("Screen failure scales the number screened to n / (1 - sf) on average") {
  const std::vector<double> activation = {0.0, 2.0};
  const std::vector<double> rates = {3.0, 4.0};
  std::vector<SiteEvent> scratch(2);
  // Failures before the 30th enrollment ~ NegBin(30, 0.6): mean 20, variance 30 * 0.4 / 0.36.
  double sum = 0.0;
  for (int i = 0; i < kReplicates; ++i) {
    Stream st(kSeed, 20, static_cast<std::uint64_t>(i));
    const auto r = simulate_enrollment(st, activation, rates, 30, 0.4, scratch);
    REQUIRE(r.screened >= 30);
    sum += static_cast<double>(r.screened);
  }
  const double se = std::sqrt(30.0 * 0.4 / (0.6 * 0.6) / kReplicates);
  CHECK(sum / kReplicates == Approx(50.0).margin(4.0 * se));

  Stream st(kSeed, 21, 0);
  CHECK(simulate_enrollment(st, activation, rates, 30, 0.0, scratch).screened == 30);
}

TEST_CASE("A site with zero rate never changes the enrollment time but still counts as activated") {
  const std::vector<double> activation = {0.0, 2.0};
  const std::vector<double> rates = {1.0, 2.0};
  const std::vector<double> activation_z = {0.0, 2.0, 0.5};
  const std::vector<double> rates_z = {1.0, 2.0, 0.0};
  std::vector<SiteEvent> scratch(3);
  for (std::uint64_t i = 0; i < 200; ++i) {
    Stream a(kSeed, 30, i);
    Stream b(kSeed, 30, i);
    const auto without = simulate_enrollment(a, activation, rates, 25, 0.3, scratch);
    const auto with = simulate_enrollment(b, activation_z, rates_z, 25, 0.3, scratch);
    REQUIRE(with.months_to_full_enrollment == without.months_to_full_enrollment);
    REQUIRE(with.screened == without.screened);
    REQUIRE(with.sites_activated ==
            without.sites_activated + 1);  // opened at 0.5, before completion
  }
}

TEST_CASE("Enrollment never completes when no open site screens anyone") {
  const std::vector<double> activation = {0.0, 3.0, kNever};
  const std::vector<double> rates = {0.0, 0.0, 4.0};
  std::vector<SiteEvent> scratch(3);
  Stream st(kSeed, 40, 0);
  const auto r = simulate_enrollment(st, activation, rates, 10, 0.0, scratch);
  CHECK(r.never_completes);
  CHECK(std::isinf(r.months_to_full_enrollment));
  CHECK(r.sites_activated == 2);  // the third site never opens
}

TEST_CASE("Sites opening after enrollment completes are not counted as activated") {
  const std::vector<double> activation = {0.0, 100.0};
  const std::vector<double> rates = {10.0, 10.0};
  std::vector<SiteEvent> scratch(2);
  for (std::uint64_t i = 0; i < 100; ++i) {
    Stream st(kSeed, 50, i);
    const auto r = simulate_enrollment(st, activation, rates, 5, 0.0, scratch);
    REQUIRE(r.months_to_full_enrollment < 100.0);
    REQUIRE(r.sites_activated == 1);
  }
}

TEST_CASE("Site-months add each open site's time up to the end month") {
  // (6 - 0) + (6 - 2.5) + 0 (opens at 7) + 0 (never opens) = 9.5
  const std::vector<double> activation = {0.0, 2.5, 7.0, kNever};
  CHECK(site_months(activation, 6.0) == Approx(9.5));
  CHECK(site_months(activation, 0.0) == 0.0);
  CHECK(std::isinf(site_months(activation, kNever)));
}

TEST_CASE("Enrollment functions reject inconsistent inputs") {
  const std::vector<double> activation = {0.0, 1.0};
  const std::vector<double> rates = {1.0};
  std::vector<SiteEvent> scratch(2);
  std::vector<SiteEvent> small(1);
  const std::vector<double> rates2 = {1.0, -2.0};
  const std::vector<double> ok = {1.0, 2.0};
  Stream st(kSeed, 60, 0);
  CHECK_THROWS_WITH(simulate_enrollment(st, activation, rates, 10, 0.1, scratch),
                    Contains("rates"));
  CHECK_THROWS_WITH(simulate_enrollment(st, activation, ok, 10, 0.1, small), Contains("scratch"));
  CHECK_THROWS_WITH(simulate_enrollment(st, activation, rates2, 10, 0.1, scratch),
                    Contains("rate of site 1"));
  CHECK_THROWS_WITH(simulate_enrollment(st, activation, ok, 10, 1.0, scratch),
                    Contains("screen_failure"));
  CHECK_THROWS_WITH(expected_enrollment_time_all_active(10, 1, 0.8, 1.0),
                    Contains("must exceed 1"));
}

TEST_CASE("The time of the S-th screening inverts the cumulative intensity, sites in any order") {
  // Random site sets, some never opening and some never screening; the
  // answer T must satisfy Lambda(T) = G, with Lambda summed directly and G
  // the same stream's Gamma(S, 1), and must equal the segment-by-segment
  // walk over the sites sorted by opening month.
  Stream sites(kSeed, 20, 0);
  std::size_t checked = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    const std::size_t n = 1 + sites.uniform_index(30);
    std::vector<double> activation(n), rates(n);
    for (std::size_t j = 0; j < n; ++j) {
      activation[j] = sites.bernoulli(0.1) ? kNever : 24.0 * sites.uniform();
      rates[j] = sites.bernoulli(0.15) ? 0.0 : sites.gamma(1.5, 2.0);
    }
    const std::uint64_t screened = 1 + sites.uniform_index(300);
    std::vector<SiteEvent> scratch(n);
    Stream st(kSeed, 21, static_cast<std::uint64_t>(trial)), copy = st;
    const EnrollmentResult r = time_to_screen(st, activation, rates, screened, scratch);
    const double target = copy.gamma(static_cast<double>(screened), 1.0);

    std::vector<std::pair<double, double>> open;
    for (std::size_t j = 0; j < n; ++j)
      if (std::isfinite(activation[j]) && rates[j] > 0.0) open.emplace_back(activation[j], rates[j]);
    if (open.empty()) {
      CHECK(r.never_completes);
      continue;
    }
    double lambda = 0.0;
    for (const auto& [a, rate] : open) lambda += rate * std::max(0.0, r.months_to_full_enrollment - a);
    CHECK(lambda == Approx(target).epsilon(1e-12));
    std::sort(open.begin(), open.end());
    double month = open[0].first, cumulative = 0.0, rate = 0.0, walk = std::numeric_limits<double>::quiet_NaN();
    for (const auto& [a, site_rate] : open) {
      if (rate > 0.0 && target <= cumulative + rate * (a - month)) {
        walk = month + (target - cumulative) / rate;
        break;
      }
      cumulative += rate * (a - month);
      month = a;
      rate += site_rate;
    }
    if (std::isnan(walk)) walk = month + (target - cumulative) / rate;
    CHECK(r.months_to_full_enrollment == Approx(walk).epsilon(1e-12));
    std::uint64_t by_then = 0;
    for (const double a : activation) by_then += std::isfinite(a) && a <= r.months_to_full_enrollment ? 1 : 0;
    CHECK(r.sites_activated == by_then);
    ++checked;
  }
  CHECK(checked > 1500);
}
