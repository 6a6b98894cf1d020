// Random streams: the reproducibility contract and every sampler's law.
// Statistical checks use fixed seeds and bounds of about 5 standard errors
// (or chi-square / Kolmogorov–Smirnov at a 1e-4..1e-6 level): they pass for a
// correct sampler and fail for a wrong one, never at random.

#include <catch2/catch.hpp>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/negative_binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/poisson.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "samdsim/random.hpp"

using samdsim::PoissonConstants;
using samdsim::Stream;

namespace {

constexpr std::size_t kDraws = 200000;

struct Moments {
  double mean = 0.0, variance = 0.0, fourth = 0.0;
};

Moments moments_of(const std::vector<double>& xs) {
  Moments m;
  for (double x : xs) m.mean += x;
  m.mean /= static_cast<double>(xs.size());
  for (double x : xs) {
    const double d = (x - m.mean) * (x - m.mean);
    m.variance += d;
    m.fourth += d * d;
  }
  m.variance /= static_cast<double>(xs.size() - 1);
  m.fourth /= static_cast<double>(xs.size());
  return m;
}

// Sample mean within 5 SE of `mean`, sample variance within 5 SE (from the
// sample fourth moment) of `variance`.
void check_moments(const std::vector<double>& xs, double mean, double variance) {
  const Moments m = moments_of(xs);
  const double n = static_cast<double>(xs.size());
  CHECK(std::fabs(m.mean - mean) <= 5.0 * std::sqrt(variance / n));
  const double var_se = std::sqrt(std::max(m.fourth - m.variance * m.variance, 0.0) / n);
  CHECK(std::fabs(m.variance - variance) <= 5.0 * var_se + 1e-12);
}

// Kolmogorov–Smirnov: sqrt(n) * D below 2.2 (P(K > 2.2) ~ 1e-4).
void check_ks(std::vector<double> xs, const std::function<double(double)>& cdf) {
  std::sort(xs.begin(), xs.end());
  const double n = static_cast<double>(xs.size());
  double d = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double f = cdf(xs[i]);
    d = std::max({d, std::fabs(f - static_cast<double>(i) / n), std::fabs(static_cast<double>(i + 1) / n - f)});
  }
  CHECK(std::sqrt(n) * d < 2.2);
}

// Pearson chi-square of integer draws against `pmf`, cells with expected
// count below 5 pooled with their neighbours; statistic below the chi-square
// 1 - 1e-6 quantile.
void check_chi_square(const std::vector<std::uint64_t>& xs, const std::function<double(std::uint64_t)>& pmf) {
  const std::uint64_t top = *std::max_element(xs.begin(), xs.end());
  std::vector<double> observed(top + 2, 0.0);
  for (auto x : xs) observed[x] += 1.0;
  const double n = static_cast<double>(xs.size());
  double stat = 0.0, obs_cell = 0.0, exp_cell = 0.0, mass = 0.0;
  int cells = 0;
  for (std::uint64_t k = 0; k <= top; ++k) {
    obs_cell += observed[k];
    exp_cell += n * pmf(k);
    mass += pmf(k);
    if (exp_cell >= 5.0) {
      stat += (obs_cell - exp_cell) * (obs_cell - exp_cell) / exp_cell;
      ++cells;
      obs_cell = exp_cell = 0.0;
    }
  }
  // Everything above the largest draw, plus any unfinished cell.
  exp_cell += n * std::max(0.0, 1.0 - mass);
  if (exp_cell > 0.0) {
    stat += (obs_cell - exp_cell) * (obs_cell - exp_cell) / exp_cell;
    ++cells;
  } else {
    CHECK(obs_cell == 0.0);  // draws where the law puts no mass
  }
  REQUIRE(cells >= 2);
  const boost::math::chi_squared_distribution<double> chi2(cells - 1);
  CHECK(stat < boost::math::quantile(boost::math::complement(chi2, 1e-6)));
}

std::vector<double> draw(std::uint64_t seed, const std::function<double(Stream&)>& f, std::size_t n = kDraws) {
  Stream s(seed, 0, 0);
  std::vector<double> xs(n);
  for (auto& x : xs) x = f(s);
  return xs;
}

std::vector<std::uint64_t> draw_int(std::uint64_t seed, const std::function<std::uint64_t(Stream&)>& f,
                                    std::size_t n = kDraws) {
  Stream s(seed, 0, 0);
  std::vector<std::uint64_t> xs(n);
  for (auto& x : xs) x = f(s);
  return xs;
}

std::vector<double> as_double(const std::vector<std::uint64_t>& xs) { return {xs.begin(), xs.end()}; }

}  // namespace

TEST_CASE("A stream's first block is Philox4x64-10 of counter zero under key zero (Random123 known answer)") {
  Stream s(0, 0, 0, 0);
  CHECK(s.next_u64() == 0x16554d9eca36314cULL);
  CHECK(s.next_u64() == 0xdb20fe9d672d0fdcULL);
  CHECK(s.next_u64() == 0xd7e772cee186176bULL);
  CHECK(s.next_u64() == 0x7e68b68aec7ba23bULL);
}

TEST_CASE("A stream is keyed by seed and scenario and counts blocks beside replicate and substream") {
  r123::Philox4x64 philox;
  Stream s(11, 13, 5, 7);
  for (std::uint64_t block = 0; block < 3; ++block) {
    const auto out = philox({{block, 5, 7, 0}}, {{11, 13}});
    for (int i = 0; i < 4; ++i) CHECK(s.next_u64() == out.v[i]);
  }
}

TEST_CASE("The same seed, scenario, replicate and substream give the same sequence") {
  Stream a(20261121, 3, 12345, 2), b(20261121, 3, 12345, 2);
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(a.next_u64() == b.next_u64());
    REQUIRE(a.normal() == b.normal());
    REQUIRE(a.gamma(0.7, 2.0) == b.gamma(0.7, 2.0));
    REQUIRE(a.binomial(500, 0.3) == b.binomial(500, 0.3));
  }
}

TEST_CASE("Changing any one of seed, scenario, replicate or substream changes the sequence") {
  const auto first = [](Stream s) {
    std::vector<std::uint64_t> v(8);
    for (auto& x : v) x = s.next_u64();
    return v;
  };
  const auto base = first(Stream(1, 2, 3, 4));
  CHECK(first(Stream(9, 2, 3, 4)) != base);
  CHECK(first(Stream(1, 9, 3, 4)) != base);
  CHECK(first(Stream(1, 2, 9, 4)) != base);
  CHECK(first(Stream(1, 2, 3, 9)) != base);
  CHECK(first(Stream(1, 2, 3)) == first(Stream(1, 2, 3, 0)));
}

TEST_CASE("Uniform draws lie in the open interval (0,1) and are uniform") {
  const auto xs = draw(1, [](Stream& s) { return s.uniform(); });
  CHECK(std::all_of(xs.begin(), xs.end(), [](double x) { return x > 0.0 && x < 1.0; }));
  check_moments(xs, 0.5, 1.0 / 12.0);
  check_ks(xs, [](double x) { return x; });
  const auto ys = draw(2, [](Stream& s) { return s.uniform(-3.0, 5.0); });
  check_moments(ys, 1.0, 64.0 / 12.0);
}

TEST_CASE("Normal draws follow the normal law") {
  const auto xs = draw(3, [](Stream& s) { return s.normal(2.0, 3.0); });
  check_moments(xs, 2.0, 9.0);
  const boost::math::normal_distribution<double> law(2.0, 3.0);
  check_ks(xs, [&](double x) { return boost::math::cdf(law, x); });
}

TEST_CASE("The ziggurat's regions all have the area of the base strip and its tail") {
  namespace d = samdsim::detail;
  const auto f = [](long double x) { return std::exp(-x * x / 2.0L); };
  // v = r f(r) + the tail beyond r, sqrt(pi/2) erfc(r / sqrt 2), from Boost.
  const long double r = d::kZigguratR;
  const long double tail = std::sqrt(std::acos(-1.0L) / 2.0L) * boost::math::erfc(r / std::sqrt(2.0L));
  const long double v = r * f(r) + tail;
  CHECK(d::kZigguratX[1] == d::kZigguratR);
  CHECK(d::kZigguratX[256] == 0.0);
  CHECK(d::kZigguratF[256] == 1.0);
  CHECK(std::fabs(static_cast<long double>(d::kZigguratX[0]) * f(r) - v) <= 1e-15L * v);
  for (std::size_t i = 1; i < 256; ++i) {
    INFO("region " << i);
    REQUIRE(d::kZigguratX[i + 1] < d::kZigguratX[i]);
    // F is f at the exact x; the rounding of x moves f by up to x^2 ulp.
    CHECK(std::fabs(d::kZigguratF[i] - f(d::kZigguratX[i])) <= 2e-15L * f(d::kZigguratX[i]));
    const long double area = static_cast<long double>(d::kZigguratX[i]) * (f(d::kZigguratX[i + 1]) - f(d::kZigguratX[i]));
    CHECK(std::fabs(area - v) <= 1e-12L * v);
  }
}

TEST_CASE("Normal draws fill a hundred equally likely cells evenly, tail and wedges included") {
  // 4e6 draws: the wedges (1.5 % of draws) and the tail beyond r = 3.654
  // (2.6e-4 of draws, about 1,000) are visible. Few cells concentrate a
  // wedge's error (a wrong height range or density shifts the variance by
  // about 0.5 %, 7 standard errors here); the count below x[255] sees the
  // top region accepted without its wedge test.
  constexpr std::size_t n = 4000000;
  constexpr std::size_t cells = 100;
  namespace d = samdsim::detail;
  const boost::math::normal_distribution<double> law;
  std::vector<double> edges(cells - 1);
  for (std::size_t k = 0; k + 1 < cells; ++k)
    edges[k] = boost::math::quantile(law, static_cast<double>(k + 1) / static_cast<double>(cells));
  Stream s(31, 0, 0);
  std::vector<double> counts(cells, 0.0), xs(n);
  double beyond = 0.0, beyond_far = 0.0, negative = 0.0, top = 0.0;
  for (double& z : xs) {
    z = s.normal();
    counts[static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), z) - edges.begin())] += 1.0;
    if (std::fabs(z) > d::kZigguratR) beyond += 1.0;
    if (std::fabs(z) > 4.5) beyond_far += 1.0;
    if (std::fabs(z) < d::kZigguratX[255]) top += 1.0;
    if (z < 0.0) negative += 1.0;
  }
  const double expected = static_cast<double>(n) / static_cast<double>(cells);
  double stat = 0.0;
  for (double c : counts) stat += (c - expected) * (c - expected) / expected;
  const boost::math::chi_squared_distribution<double> chi2(static_cast<double>(cells - 1));
  CHECK(stat < boost::math::quantile(boost::math::complement(chi2, 1e-6)));
  check_moments(xs, 0.0, 1.0);
  const auto check_count = [&](double observed, double p) {
    const double mean = static_cast<double>(n) * p;
    CHECK(std::fabs(observed - mean) <= 5.0 * std::sqrt(mean * (1.0 - p)));
  };
  check_count(beyond, 2.0 * boost::math::cdf(boost::math::complement(law, d::kZigguratR)));
  check_count(beyond_far, 2.0 * boost::math::cdf(boost::math::complement(law, 4.5)));
  check_count(top, 2.0 * boost::math::cdf(law, d::kZigguratX[255]) - 1.0);
  check_count(negative, 0.5);

  // The tail's own law: |z| given |z| > r, from about 16,000 tail draws.
  const double r = d::kZigguratR;
  const double q_r = boost::math::cdf(boost::math::complement(law, r));
  std::vector<double> tail;
  for (std::size_t i = 0; i < 16 * n; ++i) {
    const double z = std::fabs(s.normal());
    if (z > r) tail.push_back(z);
  }
  REQUIRE(tail.size() > 12000);
  check_ks(tail, [&](double z) { return 1.0 - boost::math::cdf(boost::math::complement(law, z)) / q_r; });
}

TEST_CASE("Exponential draws follow the exponential law") {
  const auto xs = draw(4, [](Stream& s) { return s.exponential(2.5); });
  check_moments(xs, 0.4, 0.16);
  check_ks(xs, [](double x) { return -std::expm1(-2.5 * x); });
}

TEST_CASE("Gamma draws follow the gamma law for shapes below, at and above 1") {
  std::uint64_t seed = 10;
  for (double shape : {0.05, 0.3, 1.0, 2.5, 40.0}) {
    INFO("shape " << shape);
    const auto xs = draw(seed++, [&](Stream& s) { return s.gamma(shape, 1.7); });
    check_moments(xs, shape * 1.7, shape * 1.7 * 1.7);
    const boost::math::gamma_distribution<double> law(shape, 1.7);
    check_ks(xs, [&](double x) { return boost::math::cdf(law, x); });
  }
}

TEST_CASE("Beta draws follow the beta law") {
  std::uint64_t seed = 20;
  for (auto [a, b] : {std::pair{2.0, 5.0}, std::pair{0.5, 0.5}, std::pair{30.0, 3.0}}) {
    INFO("alpha " << a << " beta " << b);
    const auto xs = draw(seed++, [&](Stream& s) { return s.beta(a, b); });
    check_moments(xs, a / (a + b), a * b / ((a + b) * (a + b) * (a + b + 1.0)));
    const boost::math::beta_distribution<double> law(a, b);
    check_ks(xs, [&](double x) { return boost::math::cdf(law, x); });
  }
}

TEST_CASE("Lognormal draws follow the lognormal law") {
  const auto xs = draw(30, [](Stream& s) { return s.lognormal(1.0, 0.5); });
  const boost::math::lognormal_distribution<double> law(1.0, 0.5);
  check_moments(xs, boost::math::mean(law), boost::math::variance(law));
  check_ks(xs, [&](double x) { return boost::math::cdf(law, x); });
}

TEST_CASE("Poisson draws follow the Poisson pmf for small and large means") {
  std::uint64_t seed = 40;
  // 9.99 and 10 straddle the switch from inversion to PTRS.
  for (double mean : {0.01, 0.7, 3.5, 9.99, 10.0, 47.3, 1234.5}) {
    INFO("mean " << mean);
    const auto xs = draw_int(seed++, [&](Stream& s) { return s.poisson(mean); });
    check_moments(as_double(xs), mean, mean);
    const boost::math::poisson_distribution<double> law(mean);
    check_chi_square(xs, [&](std::uint64_t k) { return boost::math::pdf(law, static_cast<double>(k)); });
  }
}

TEST_CASE("A Poisson draw with mean 0 is 0") {
  Stream s(1, 0, 0);
  for (int i = 0; i < 100; ++i) REQUIRE(s.poisson(0.0) == 0);
}

TEST_CASE("Binomial draws follow the binomial pmf for small and large n*p, on both sides of p = 1/2") {
  std::uint64_t seed = 50;
  for (auto [n, p] : {std::pair<std::uint64_t, double>{20, 0.2}, {20, 0.85}, {3, 0.5}, {1000, 0.004},
                      {1000, 0.3}, {500, 0.9}, {100000, 0.5}, {60, 0.2}}) {
    INFO("n " << n << " p " << p);
    const auto xs = draw_int(seed++, [&](Stream& s) { return s.binomial(n, p); });
    const double dn = static_cast<double>(n);
    CHECK(*std::max_element(xs.begin(), xs.end()) <= n);
    check_moments(as_double(xs), dn * p, dn * p * (1.0 - p));
    const boost::math::binomial_distribution<double> law(dn, p);
    check_chi_square(xs, [&](std::uint64_t k) { return boost::math::pdf(law, static_cast<double>(k)); });
  }
}

namespace {

// BTRS as Stream had it before it kept its constants per thread (Hörmann
// 1993), computing everything on every call: the reference the kept
// constants must reproduce draw for draw.
std::uint64_t reference_btrs(Stream& stream, std::uint64_t n, double p) {
  const double dn = static_cast<double>(n);
  const double q = 1.0 - p;
  const double spq = std::sqrt(dn * p * q);
  const double b = 1.15 + 2.53 * spq;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = dn * p + 0.5;
  const double alpha = (2.83 + 5.1 / b) * spq;
  const double v_r = 0.92 - 4.2 / b;
  const double u_rv_r = 0.86 * v_r;
  const double m = std::floor((dn + 1.0) * p);
  const auto lf = samdsim::detail::log_factorial;
  for (;;) {
    double v = stream.uniform();
    double u;
    if (v <= u_rv_r) {
      u = v / v_r - 0.43;
      return static_cast<std::uint64_t>(std::floor((2.0 * a / (0.5 - std::fabs(u)) + b) * u + c));
    }
    if (v >= v_r) {
      u = stream.uniform() - 0.5;
    } else {
      u = v / v_r - 0.93;
      u = std::copysign(0.5, u) - u;
      v = stream.uniform() * v_r;
    }
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + c);
    if (k < 0.0 || k > dn) continue;
    v = v * alpha / (a / (us * us) + b);
    const double log_ratio = lf(m) + lf(dn - m) - lf(k) - lf(dn - k) + (k - m) * std::log(p / q);
    if (std::log(v) <= log_ratio) return static_cast<std::uint64_t>(k);
  }
}

// Pairs that reach BTRS: the same n with other p (0.25; 0.3 and 1 - 0.7 differ in
// the last bit), p above 1/2 (drawn as n minus BTRS at 1 - p), large n.
struct Pair {
  std::uint64_t n;
  double p;
};
const Pair btrs_pairs[] = {{100, 0.3}, {100, 1.0 - 0.7}, {100, 0.7}, {100, 0.25}, {60, 0.45}, {61, 0.45}, {5000, 0.01}, {100, 0.3}};

std::vector<std::uint64_t> pair_draws(std::uint64_t seed, std::size_t rounds) {
  Stream s(seed, 0, 0);
  std::vector<std::uint64_t> xs;
  for (std::size_t r = 0; r < rounds; ++r)
    for (const Pair& d : btrs_pairs) xs.push_back(s.binomial(d.n, d.p));
  return xs;
}

}  // namespace

TEST_CASE("Binomial draws equal BTRS computed afresh, whatever (n, p) the thread drew before") {
  // Through Stream (constants kept for the two most recent pairs) and the
  // reference (computed every call), on two copies of one stream.
  Stream a(41, 0, 0), b(41, 0, 0);
  std::size_t draws = 0;
  for (int round = 0; round < 400; ++round)
    for (const Pair& d : btrs_pairs) {
      const std::uint64_t expected = d.p > 0.5 ? d.n - reference_btrs(b, d.n, 1.0 - d.p) : reference_btrs(b, d.n, d.p);
      REQUIRE(a.binomial(d.n, d.p) == expected);
      ++draws;
    }
  CHECK(draws == 3200);
  CHECK(a.next_u64() == b.next_u64());  // both consumed the same words

  // Pairs drawn again and again, as a study's two arms are, keep their
  // ratios f(k)/f(m); the last one's spread reaches past the kept k.
  const Pair arms[] = {{100, 0.3}, {100, 0.5}, {2000, 0.01}, {1000000, 0.3}};
  for (std::size_t i = 0; i < 4; i += 2)
    for (int trial = 0; trial < 4000; ++trial)
      for (std::size_t j = i; j < i + 2; ++j)
        REQUIRE(a.binomial(arms[j].n, arms[j].p) == reference_btrs(b, arms[j].n, arms[j].p));
  CHECK(a.next_u64() == b.next_u64());

  // Threads drawing at the same time keep their own constants.
  const auto alone = pair_draws(43, 300), other = pair_draws(44, 300);
  std::vector<std::uint64_t> x, y;
  std::thread t1([&] { x = pair_draws(43, 300); }), t2([&] { y = pair_draws(44, 300); });
  t1.join();
  t2.join();
  CHECK(x == alone);
  CHECK(y == other);
}

TEST_CASE("BTRS's kept ratios f(k)/f(m) accept and reject as the exact test in logs, at its boundary too") {
  // For every k of each pair, values of v around exp(log(f(k)/f(m))): a few
  // ulps either side (where the logarithm's rounding decides) and further
  // out, once before the ratios are kept and then with them.
  const Pair pairs[] = {{100, 0.3}, {100, 0.5}, {61, 0.45}, {2000, 0.01}, {5000, 0.2}};
  std::size_t compared = 0, accepted = 0, above_accepted = 0;
  for (const Pair& d : pairs) {
    samdsim::detail::BtrsConstants s;
    s.set(static_cast<double>(d.n), d.p);
    for (int pass = 0; pass < 2; ++pass)
      for (std::uint64_t ki = 0; ki <= d.n; ++ki) {
        const double k = static_cast<double>(ki);
        const double lr = s.log_ratio(k);
        const double r = std::exp(lr);
        if (!(r > 0.0)) continue;
        std::vector<double> vs = {r, r * (1.0 - 1e-13), r * (1.0 + 1e-13), r * (1.0 - 1e-9), r * (1.0 + 1e-9),
                                  r * 0.5, r * 2.0};
        double below = r, above = r;
        for (int ulp = 0; ulp < 4; ++ulp) {
          below = std::nextafter(below, 0.0);
          above = std::nextafter(above, 2.0);
          vs.push_back(below);
          vs.push_back(above);
        }
        for (const double v : vs) {
          const bool exact = std::log(v) <= lr;
          REQUIRE(s.accepts(k, v) == exact);
          accepted += exact ? 1 : 0;
          above_accepted += exact && v > r ? 1 : 0;
          ++compared;
        }
      }
    CHECK(s.have_ratios);
  }
  CHECK(accepted > compared / 3);
  CHECK(accepted < compared * 9 / 10);
  // The logarithm's rounding: v above the kept ratio that the exact test
  // still accepts (a comparison with the ratio alone would reject them).
  CHECK(above_accepted > compared / 20);
}

TEST_CASE("Binomial draws by inversion equal a fresh stream's, whatever p the stream drew before") {
  // The stream keeps log(1 - p) of its last inversion. Each draw is
  // compared with the same draw from a new stream moved to the same word,
  // which has kept nothing: repeated, changed and mirrored (p > 1/2)
  // probabilities.
  const Pair pairs[] = {{20, 0.1}, {20, 0.1}, {50, 0.02}, {30, 0.3}, {30, 0.3}, {7, 0.5}, {40, 0.85}, {20, 0.1}};
  Stream a(47, 0, 0);
  std::uint64_t total = 0;
  for (int round = 0; round < 60; ++round)
    for (const Pair& d : pairs) {
      Stream fresh(47, 0, 0);
      for (std::uint64_t k = a.words_used(); k > 0; --k) fresh.next_u64();
      const std::uint64_t expected = fresh.binomial(d.n, d.p);
      const std::uint64_t got = a.binomial(d.n, d.p);
      REQUIRE(got == expected);
      REQUIRE(a.words_used() == fresh.words_used());
      total += got;
    }
  // The mean number per round: 2 + 2 + 1 + 9 + 9 + 3.5 + 34 + 2 = 62.5.
  CHECK(static_cast<double>(total) / 60.0 == Approx(62.5).margin(1.5));
}

TEST_CASE("Poisson draws with kept constants equal those without, whatever mean they were kept for") {
  // One PoissonConstants serves a run of means: repeated (kept), changed
  // after its exact test's logs were taken, below 10 (inversion), at 10,
  // zero and negative. Each draw is compared with the same draw computing
  // everything afresh, on a copy of the stream.
  const double means[] = {25.0, 25.0, 25.0, 12.5, 3.0, 3.0, 400.0, 25.0, 0.0, 9.99, 10.0, -1.0, 12.5, 1e5};
  Stream a(53, 0, 0), b(53, 0, 0);
  PoissonConstants kept;
  double total = 0.0;
  for (int round = 0; round < 80; ++round)
    for (const double mean : means) {
      const std::uint64_t got = a.poisson(mean, kept);
      REQUIRE(got == b.poisson(mean));
      REQUIRE(a.words_used() == b.words_used());
      total += static_cast<double>(got);
    }
  // The mean per round: 25 x 4 + 12.5 x 2 + 3 x 2 + 400 + 9.99 + 10 + 1e5.
  CHECK(total / 80.0 == Approx(100550.99).margin(150.0));
}

TEST_CASE("Binomial draws with p = 0, p = 1 or n = 0 are certain") {
  Stream s(2, 0, 0);
  for (int i = 0; i < 100; ++i) {
    REQUIRE(s.binomial(50, 0.0) == 0);
    REQUIRE(s.binomial(50, 1.0) == 50);
    REQUIRE(s.binomial(0, 0.4) == 0);
  }
}

TEST_CASE("Negative binomial draws follow the negative binomial pmf with var = mean + mean^2/size") {
  std::uint64_t seed = 60;
  for (auto [mean, size] : {std::pair{4.0, 2.0}, std::pair{30.0, 0.8}, std::pair{200.0, 50.0}}) {
    INFO("mean " << mean << " size " << size);
    const auto xs = draw_int(seed++, [&](Stream& s) { return s.negative_binomial(mean, size); });
    check_moments(as_double(xs), mean, mean + mean * mean / size);
    const boost::math::negative_binomial_distribution<double> law(size, size / (size + mean));
    check_chi_square(xs, [&](std::uint64_t k) { return boost::math::pdf(law, static_cast<double>(k)); });
  }
}

TEST_CASE("Bernoulli draws succeed with probability p, never at 0 and always at 1") {
  const auto xs = draw(70, [](Stream& s) { return s.bernoulli(0.3) ? 1.0 : 0.0; });
  check_moments(xs, 0.3, 0.21);
  Stream s(71, 0, 0);
  for (int i = 0; i < 1000; ++i) {
    REQUIRE_FALSE(s.bernoulli(0.0));
    REQUIRE(s.bernoulli(1.0));
  }
}

TEST_CASE("Uniform indices are unbiased over [0, n)") {
  const auto xs = draw_int(80, [](Stream& s) { return s.uniform_index(7); });
  CHECK(*std::max_element(xs.begin(), xs.end()) == 6);
  check_chi_square(xs, [](std::uint64_t) { return 1.0 / 7.0; });
  Stream s(81, 0, 0);
  for (int i = 0; i < 100; ++i) REQUIRE(s.uniform_index(1) == 0);
  // A range where plain modulo would be visibly biased: n = 3 * 2^62 maps
  // 2^64 words onto it, and modulo would put half again as many in the bottom third.
  const std::uint64_t big = 3ULL << 62;
  const auto ys = draw_int(82, [&](Stream& r) { return r.uniform_index(big); });
  std::size_t bottom = 0;
  for (auto y : ys) {
    REQUIRE(y < big);
    bottom += y < (1ULL << 62) ? 1 : 0;
  }
  const double n = static_cast<double>(ys.size());
  CHECK(std::fabs(static_cast<double>(bottom) / n - 1.0 / 3.0) <= 5.0 * std::sqrt(2.0 / 9.0 / n));
}
