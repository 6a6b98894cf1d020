#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "samdsim/stats.hpp"

using namespace samdsim;

namespace {

constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_value = std::numeric_limits<double>::infinity();

Moments moments_of(const std::vector<double>& values) {
  Moments m;
  for (double v : values) m.add(v);
  return m;
}

// Deterministic data for property tests; std::mt19937_64's output sequence is
// fixed by the standard, unlike the distributions.
std::vector<double> noisy_values(std::size_t n, std::uint64_t seed, double offset) {
  std::mt19937_64 rng(seed);
  std::vector<double> v(n);
  for (auto& x : v) x = offset + static_cast<double>(rng() >> 11) * 0x1p-53 * 10.0;
  return v;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST_CASE("Welford moments match the textbook values of a small data set") {
  const Moments m = moments_of({2, 4, 4, 4, 5, 5, 7, 9});
  CHECK(m.n == 8);
  CHECK(m.mean == 5.0);
  CHECK(m.variance() == Approx(32.0 / 7.0).epsilon(1e-15));
  CHECK(m.sd() == Approx(std::sqrt(32.0 / 7.0)).epsilon(1e-15));
  CHECK(m.se() == Approx(std::sqrt(32.0 / 7.0) / std::sqrt(8.0)).epsilon(1e-15));
  CHECK(m.min == 2.0);
  CHECK(m.max == 9.0);
}

TEST_CASE("Welford moments stay accurate on data with a large offset") {
  // Subtracting the offset is exact here (Sterbenz), so a two-pass computation
  // on the shifted data is an accurate reference; naive sums of squares
  // would lose every digit at this offset.
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const auto values = noisy_values(10000, seed, 1e9);
    double mean = 0;
    for (double v : values) mean += v - 1e9;
    mean /= static_cast<double>(values.size());
    double ss = 0;
    for (double v : values) ss += (v - 1e9 - mean) * (v - 1e9 - mean);
    const Moments m = moments_of(values);
    CHECK(m.mean == Approx(1e9 + mean).epsilon(1e-14));
    CHECK(m.variance() == Approx(ss / static_cast<double>(values.size() - 1)).epsilon(1e-7));
  }
}

TEST_CASE("Merging block moments matches adding every value in sequence") {
  const auto values = noisy_values(5000, 7, -3.0);
  const Moments sequential = moments_of(values);
  for (std::size_t block : {1u, 7u, 128u, 1000u, 4999u}) {
    Moments merged;
    for (std::size_t i = 0; i < values.size(); i += block) {
      Moments b;
      for (std::size_t j = i; j < std::min(values.size(), i + block); ++j) b.add(values[j]);
      merged.merge(b);
    }
    CHECK(merged.n == sequential.n);
    CHECK(merged.mean == Approx(sequential.mean).epsilon(1e-13));
    CHECK(merged.variance() == Approx(sequential.variance()).epsilon(1e-12));
    CHECK(merged.min == sequential.min);
    CHECK(merged.max == sequential.max);
  }
}

TEST_CASE("Merging the same blocks in the same order is bitwise reproducible") {
  const auto values = noisy_values(4096, 11, 250.0);
  const std::size_t block = 100;
  const std::size_t blocks = (values.size() + block - 1) / block;
  // Blocks finish in different orders on different thread counts; only the
  // merge order (block index) must matter.
  auto reduce = [&](bool reverse_completion) {
    std::vector<Moments> partial(blocks);
    for (std::size_t step = 0; step < blocks; ++step) {
      const std::size_t b = reverse_completion ? blocks - 1 - step : step;
      for (std::size_t j = b * block; j < std::min(values.size(), (b + 1) * block); ++j) partial[b].add(values[j]);
    }
    Moments total;
    for (const auto& p : partial) total.merge(p);
    return total;
  };
  const Moments a = reduce(false);
  const Moments b = reduce(true);
  CHECK(same_bits(a.mean, b.mean));
  CHECK(same_bits(a.m2, b.m2));
  CHECK(a.n == b.n);
}

TEST_CASE("Block moments in two passes agree with Welford's updates and with the textbook formulas") {
  // Against Welford's value-by-value updates, on noisy values with a large
  // offset (cancellation) and with NaNs among them.
  for (const double offset : {0.0, -3.0, 1e9}) {
    auto values = noisy_values(1024, 17, offset);
    for (std::size_t i = 5; i < values.size(); i += 97) values[i] = nan_value;
    const Moments block = Moments::of(values);
    const Moments welford = moments_of(values);
    INFO(offset);
    CHECK(block.n == welford.n);
    CHECK(block.missing == welford.missing);
    CHECK(block.min == welford.min);
    CHECK(block.max == welford.max);
    // The reference: two passes in long double (64-bit significand).
    long double sum = 0, squares = 0;
    for (const double v : values)
      if (!std::isnan(v)) sum += v;
    const long double mean = sum / static_cast<long double>(block.n);
    for (const double v : values)
      if (!std::isnan(v)) squares += (v - mean) * (v - mean);
    // Measured: the two passes are within 2e-15 of the reference; Welford's
    // updates 1.4e-9 at the offset 1e9.
    CHECK(block.mean == Approx(welford.mean).epsilon(1e-13));
    CHECK(block.mean == Approx(static_cast<double>(mean)).epsilon(1e-13));
    CHECK(block.m2 == Approx(static_cast<double>(squares)).epsilon(1e-13));
    CHECK(welford.m2 == Approx(static_cast<double>(squares)).epsilon(1e-8));
  }
  // Exact cases: the textbook example (mean 5, sum of squares 32), equal values (no spread at all).
  const std::vector<double> textbook = {2, 4, 4, 4, 5, 5, 7, 9};
  CHECK(Moments::of(textbook).mean == 5.0);
  CHECK(Moments::of(textbook).m2 == 32.0);
  CHECK(Moments::of(std::vector<double>(1000, 0.1)).m2 == 0.0);
  // An output that never varies keeps its exact mean and no spread, block
  // after merged block (1024 sums of 0.1 divided by 1024 miss 0.1).
  Moments constant;
  for (int b = 0; b < 5; ++b) constant.merge(Moments::of(std::vector<double>(1024, 0.1)));
  CHECK(constant.mean == 0.1);
  CHECK(constant.m2 == 0.0);
  CHECK(constant.n == 5 * 1024);
  std::vector<double> with_missing(1024, 0.7711916093063799);
  with_missing[3] = nan_value;
  CHECK(Moments::of(with_missing).mean == 0.7711916093063799);
  CHECK(Moments::of(with_missing).m2 == 0.0);
  // No values, and only NaNs.
  CHECK(Moments::of(std::vector<double>{}).n == 0);
  const Moments missing = Moments::of(std::vector<double>{nan_value, nan_value});
  CHECK((missing.n == 0 && missing.missing == 2));
  // A sum past the largest double falls back to Welford's update.
  const Moments huge = Moments::of(std::vector<double>{1.5e308, 1.7e308, 1.6e308});
  CHECK(std::isfinite(huge.mean));
  CHECK(huge.mean == Approx(1.6e308));
}

TEST_CASE("NaN values count as missing and leave the moments unchanged") {
  const Moments with_nan = moments_of({1.0, nan_value, 3.0, nan_value, 8.0});
  const Moments without = moments_of({1.0, 3.0, 8.0});
  CHECK(with_nan.n == 3);
  CHECK(with_nan.missing == 2);
  CHECK(same_bits(with_nan.mean, without.mean));
  CHECK(same_bits(with_nan.m2, without.m2));
}

TEST_CASE("Merging with empty accumulators keeps the data and sums the missing counts") {
  Moments empty_with_missing;
  empty_with_missing.add(nan_value);
  Moments data = moments_of({4.0, 6.0});

  Moments left = empty_with_missing;
  left.merge(data);
  CHECK(left.n == 2);
  CHECK(left.mean == 5.0);
  CHECK(left.missing == 1);

  data.merge(empty_with_missing);
  CHECK(data.n == 2);
  CHECK(data.mean == 5.0);
  CHECK(data.variance() == 2.0);
  CHECK(data.missing == 1);
}

TEST_CASE("Variance, sd and se are NaN with fewer than two values") {
  CHECK(std::isnan(Moments{}.variance()));
  const Moments one = moments_of({3.0});
  CHECK(std::isnan(one.variance()));
  CHECK(std::isnan(one.sd()));
  CHECK(std::isnan(one.se()));
  CHECK(one.mean == 3.0);
}

TEST_CASE("Type-7 quantiles match hand-computed values") {
  const std::vector<double> four = {1, 2, 3, 4};
  CHECK(quantile_sorted(four, 0.25) == 1.75);
  CHECK(quantile_sorted(four, 0.5) == 2.5);
  CHECK(quantile_sorted(four, 0.75) == 3.25);
  CHECK(quantile_sorted(four, 0.0) == 1.0);
  CHECK(quantile_sorted(four, 1.0) == 4.0);
  const std::vector<double> five = {10, 20, 30, 40, 50};
  CHECK(quantile_sorted(five, 0.05) == Approx(12.0).epsilon(1e-15));
  CHECK(quantile_sorted(five, 0.95) == Approx(48.0).epsilon(1e-15));
  CHECK(quantile_sorted(std::vector<double>{7.5}, 0.3) == 7.5);
  CHECK(std::isnan(quantile_sorted(std::vector<double>{}, 0.5)));
}

TEST_CASE("Quantiles between equal infinite neighbours stay infinite rather than NaN") {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> v = {1.0, inf, inf};
  CHECK(quantile_sorted(v, 0.75) == inf);
}

TEST_CASE("Standard quantiles ignore NaN and do not depend on input order") {
  auto values = noisy_values(1001, 5, 0.0);
  values[3] = nan_value;
  values[500] = nan_value;
  values[17] = 0.0;
  values[18] = -0.0;
  std::vector<double> sorted;
  for (double v : values)
    if (!std::isnan(v)) sorted.push_back(v + 0.0);
  std::sort(sorted.begin(), sorted.end());
  std::array<double, 5> expected;
  for (std::size_t k = 0; k < 5; ++k) expected[k] = quantile_sorted(sorted, standard_probabilities[k]);

  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 20; ++trial) {
    std::shuffle(values.begin(), values.end(), rng);
    auto scratch = values;
    const auto q = standard_quantiles(scratch);
    for (std::size_t k = 0; k < 5; ++k) CHECK(same_bits(q[k], expected[k]));
  }
}

TEST_CASE("Standard quantiles are those of the sorted values for every size, with ties") {
  std::mt19937_64 rng(2026);
  std::vector<std::size_t> sizes;
  for (std::size_t n = 1; n <= 64; ++n) sizes.push_back(n);
  for (std::size_t n : {99u, 100u, 101u, 1000u, 4097u, 20001u}) sizes.push_back(n);
  for (const std::size_t n : sizes) {
    for (const int distinct : {2, 7, 1 << 30}) {
      INFO("n = " << n << ", distinct values " << distinct);
      std::uniform_int_distribution<int> pick(0, distinct - 1);
      std::vector<double> values(n);
      for (double& v : values) v = pick(rng) * 0.37 - 1.0;
      std::vector<double> sorted = values;
      std::sort(sorted.begin(), sorted.end());
      const auto q = standard_quantiles(values);
      for (std::size_t k = 0; k < 5; ++k) CHECK(same_bits(q[k], quantile_sorted(sorted, standard_probabilities[k])));
    }
  }
}

TEST_CASE("Standard quantiles of large columns are those of the sorted values in any order and with any ties") {
  // Columns of 32,768 values and more are bracketed by a sample, columns of
  // at most 16 distinct values counted: both must give the order statistics
  // that sorting gives, also where the sample misleads (values in a
  // systematic order) or the brackets meet (heavy ties).
  std::mt19937_64 rng(2027);
  std::normal_distribution<double> normal(0.0, 1.0);
  const auto check = [](std::vector<double> values, const char* what) {
    INFO(what << ", n = " << values.size());
    std::vector<double> sorted = values;
    std::erase_if(sorted, [](double v) { return std::isnan(v); });
    for (double& v : sorted) v += 0.0;
    std::sort(sorted.begin(), sorted.end());
    const auto q = standard_quantiles(values);
    for (std::size_t k = 0; k < 5; ++k) CHECK(same_bits(q[k], quantile_sorted(sorted, standard_probabilities[k])));
  };
  for (const std::size_t n : {32767u, 32768u, 32769u, 40001u, 150000u}) {
    std::vector<double> values(n);
    for (double& v : values) v = normal(rng);
    check(values, "normal");
    std::vector<double> heavy = values;  // a mass at zero, as in delays that are mostly none
    for (std::size_t i = 0; i < n; i += 3) heavy[i] = -0.0;
    check(heavy, "a third zero");
    std::vector<double> missing = values;
    for (std::size_t i = 0; i < n; i += 5) missing[i] = nan_value;
    check(missing, "a fifth NaN");
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    check(sorted, "ascending");
    check(std::vector<double>(sorted.rbegin(), sorted.rend()), "descending");
    // The places a sample of 4,096 evenly spaced values reads hold the smallest values.
    std::vector<char> sampled(n, 0);
    for (std::size_t i = 0; i < 4096; ++i) sampled[i * n / 4096] = 1;
    std::vector<double> fooled(n);
    std::size_t next = 0;
    for (const char pass : {1, 0})
      for (std::size_t i = 0; i < n; ++i)
        if (sampled[i] == pass) fooled[i] = sorted[next++];
    check(fooled, "sampled places smallest");
    for (const int distinct : {2, 16, 17, 100, 5000}) {
      std::uniform_int_distribution<int> pick(0, distinct - 1);
      std::vector<double> ties(n);
      for (double& v : ties) v = pick(rng) * 0.37 - 1.0;
      check(ties, "ties");
    }
    std::vector<double> infinite = values;
    for (std::size_t i = 0; i < n; i += 7) infinite[i] = i % 2 ? inf_value : -inf_value;
    check(infinite, "infinities");
  }
}

TEST_CASE("Standard quantiles of no values or only NaN are NaN") {
  std::vector<double> none;
  std::vector<double> only_nan = {nan_value, nan_value};
  for (double q : standard_quantiles(none)) CHECK(std::isnan(q));
  for (double q : standard_quantiles(only_nan)) CHECK(std::isnan(q));
}

TEST_CASE("A summary reports the share true for Boolean outputs and NaN probability otherwise") {
  const Moments m = moments_of({1, 0, 1, 1, nan_value});
  const std::array<double, 5> q = {0, 0.75, 1, 1, 1};
  OutputSpec boolean{"authorized", "", "", ValueType::Boolean, 0, ""};
  OutputSpec real{"cost_usd", "USD", "", ValueType::Real, 0, ""};
  const Summary b = make_summary(boolean, m, q);
  CHECK(b.probability == 0.75);
  CHECK(b.n == 4);
  CHECK(b.missing == 1);
  CHECK(b.p25 == 0.75);
  const Summary r = make_summary(real, m, q);
  CHECK(std::isnan(r.probability));
  CHECK(r.unit == "USD");
}

TEST_CASE("A summary of an output without values has NaN statistics") {
  Moments m;
  m.add(nan_value);
  std::vector<double> none;
  const Summary s = make_summary(OutputSpec{"x", "", "", ValueType::Real, 0, ""}, m, standard_quantiles(none));
  CHECK(s.n == 0);
  CHECK(s.missing == 1);
  CHECK(std::isnan(s.mean));
  CHECK(std::isnan(s.min));
  CHECK(std::isnan(s.max));
  CHECK(std::isnan(s.sd));
  CHECK(std::isnan(s.p50));
}

TEST_CASE("Value type names round trip and unknown names are rejected") {
  for (ValueType t : {ValueType::Real, ValueType::Integer, ValueType::Boolean}) CHECK(parse_type_name(type_name(t)) == t);
  CHECK_FALSE(parse_type_name("float").has_value());
}
