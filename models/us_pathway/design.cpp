// Single proportion vs a performance goal, the standalone sensitivity /
// specificity study, and dropout inflation. See design.hpp for conventions.

#include "us_pathway/design.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <tuple>

#include <boost/math/distributions/normal.hpp>

#include "us_pathway/binomial_tail.hpp"
#include "us_pathway/design_checks.hpp"

namespace samdsim::us_pathway {

namespace {

using namespace design_detail;

// Above this an exact search is no longer a study design but a typo.
constexpr std::int64_t kMaxSampleSize = 10'000'000;
// The exact search walks n one by one (about 1.5 n steps of BinomialTail):
// 2e5 subjects take about 10 ms. Larger exact designs differ from the
// normal-approximation n by well under 1 %, and a goal that close to the
// planning rate is more often a typo than a design.
constexpr std::int64_t kMaxExactSampleSize = 200'000;

void check_goal_and_planning(const char* where, double p0, double p1) {
  require_open_unit(where, "performance goal p0", p0);
  require_open_unit(where, "planning value p1", p1);
  if (!(p1 > p0))
    fail(where, fmt::format("planning value p1 ({}) must be better than the performance goal "
                            "p0 ({}): H1 is p > p0",
                            p1, p0));
}

// Fleming (1982), Biometrics 38:143-151, single-stage n:
// n = ((z_{1-a} sqrt(p0 q0) + z_{1-b} sqrt(p1 q1)) / (p1 - p0))^2.
double normal_n_single_proportion(double p0, double p1, double alpha, double power) {
  const double num = z_quantile(1.0 - alpha) * std::sqrt(p0 * (1.0 - p0)) +
                     z_quantile(power) * std::sqrt(p1 * (1.0 - p1));
  const double ratio = num / (p1 - p0);
  return ratio * ratio;
}

// Exact-test n. Exact power is a saw-tooth in n: the critical value k(n)
// steps up by 0 or 1 from n to n + 1 (P(X_{n+1} >= k+1) <= P(X_n >= k)), and
// each step up can drop power by P(X_n = k)(1 - p1). So the search walks n
// upward with k and both tails updated incrementally (BinomialTail's
// recurrences, a few operations per step) and records every n whose power
// is below target.
std::int64_t exact_n_single_proportion(double p0, double p1, double alpha, double power,
                                       ExactSearch search) {
  const double n_approx = normal_n_single_proportion(p0, p1, alpha, power);
  // Refuse designs whose size is a typo (p1 a hair above p0) before walking.
  if (!(n_approx <= static_cast<double>(kMaxExactSampleSize)))
    fail("sample_size_single_proportion",
         fmt::format("the exact test needs about {:.0f} subjects (normal approximation; p0 = {}, p1 = {}), above "
                     "the {} that an exact search covers: check the planning value against the goal, or use "
                     "method: normal",
                     n_approx, p0, p1, kMaxExactSampleSize));
  const auto n_normal = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(n_approx)));
  // Exact n is usually above the normal-approximation n (the discrete test
  // spends less than alpha); start at half of it, and lower the start while it
  // already has the power, so the first n reaching power is never skipped.
  std::int64_t n = std::max<std::int64_t>(1, n_normal / 2);
  while (n > 1 && exact_power(n, p0, p1, alpha) >= power) n = std::max<std::int64_t>(1, n / 2);

  const std::int64_t k = exact_critical_value(n, p0, alpha);
  BinomialTail null_tail(n, p0, k), power_tail(n, p1, k);
  std::int64_t first_reaching = -1;
  std::int64_t last_below = n - 1;
  for (;; ++n, null_tail.next_n(), power_tail.next_n()) {
    if (n > kMaxSampleSize)
      fail("sample_size_single_proportion",
           fmt::format("exact sample size exceeds {} (p0 = {}, p1 = {})", kMaxSampleSize, p0, p1));
    if (null_tail.k() <= n && null_tail.above(alpha)) {  // k(n) is k(n-1) or k(n-1) + 1
      null_tail.next_k();
      power_tail.next_k();
    }
    if (power_tail.k() <= n && power_tail.at_least(power)) {
      if (first_reaching < 0) {
        first_reaching = n;
        if (search == ExactSearch::first_reaching) return n;
      }
    } else {
      last_below = n;
    }
    // Teeth shrink as n grows (their depth is a binomial pmf, O(n^-1/2)), so
    // once power has held from last_below + 1 up to twice that, a later dip
    // below target would need a tooth deeper than those already passed.
    if (first_reaching >= 0 && n >= 2 * (last_below + 1) + 10) break;
  }
  return last_below + 1;
}

// Exact sizes and critical values are pure functions of their inputs, and a
// sweep prepares every point with the same planning values (10^4 points would
// repeat one search 10^4 times): remember the recent ones.
template <class Key, class Value>
class Memo {
 public:
  template <class F>
  Value get(const Key& key, F&& compute) {
    {
      const std::lock_guard lock(mutex_);
      if (const auto it = values_.find(key); it != values_.end()) return it->second;
    }
    const Value v = compute();  // throws for designs that cannot be sized: nothing is remembered
    const std::lock_guard lock(mutex_);
    if (values_.size() >= capacity) values_.clear();
    values_.emplace(key, v);
    return v;
  }

 private:
  static constexpr std::size_t capacity = 1 << 16;
  std::mutex mutex_;
  std::map<Key, Value> values_;
};

}  // namespace

std::int64_t exact_critical_value(std::int64_t n, double p0, double alpha) {
  constexpr const char* where = "exact_critical_value";
  require_count(where, "n", n, 1);
  require_open_unit(where, "p0", p0);
  require_open_unit(where, "alpha", alpha);
  // Start near the normal-approximation critical value, then settle on the
  // smallest k whose upper tail is <= alpha.
  const double dn = static_cast<double>(n);
  const double guess = dn * p0 + z_quantile(1.0 - alpha) * std::sqrt(dn * p0 * (1.0 - p0));
  std::int64_t k = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(guess)), 1, n + 1);
  while (k <= n && binomial_upper_tail(n, p0, k) > alpha) ++k;
  while (k > 1 && binomial_upper_tail(n, p0, k - 1) <= alpha) --k;
  return k;
}

std::shared_ptr<const std::vector<std::int64_t>> exact_critical_values(std::int64_t n_max, double p0, double alpha) {
  static Memo<std::tuple<std::int64_t, double, double>, std::shared_ptr<const std::vector<std::int64_t>>> memo;
  return memo.get(std::tuple{n_max, p0, alpha}, [&] {
    auto table = std::make_shared<std::vector<std::int64_t>>(static_cast<std::size_t>(n_max) + 1, 0);
    // k(n) is k(n-1) or k(n-1) + 1 (see exact_n_single_proportion).
    BinomialTail null_tail(1, p0, exact_critical_value(1, p0, alpha));
    for (std::int64_t n = 1; n <= n_max; ++n, null_tail.next_n()) {
      if (null_tail.k() <= n && null_tail.above(alpha)) null_tail.next_k();
      (*table)[static_cast<std::size_t>(n)] = null_tail.k();
    }
    return std::shared_ptr<const std::vector<std::int64_t>>(std::move(table));
  });
}

double exact_power(std::int64_t n, double p0, double p1, double alpha) {
  require_open_unit("exact_power", "p1", p1);
  const std::int64_t k = exact_critical_value(n, p0, alpha);
  return binomial_upper_tail(n, p1, k);
}

double normal_power_single_proportion(std::int64_t n, double p0, double p1, double alpha) {
  constexpr const char* where = "normal_power_single_proportion";
  require_count(where, "n", n, 1);
  require_open_unit(where, "p0", p0);
  require_open_unit(where, "p1", p1);
  require_open_unit(where, "alpha", alpha);
  const double dn = static_cast<double>(n);
  const double x =
      (std::sqrt(dn) * (p1 - p0) - z_quantile(1.0 - alpha) * std::sqrt(p0 * (1.0 - p0))) /
      std::sqrt(p1 * (1.0 - p1));
  return std_normal_cdf(x);
}

double proportion_z_statistic(std::int64_t x, std::int64_t n, double p0) {
  const double dn = static_cast<double>(n);
  return (static_cast<double>(x) / dn - p0) / std::sqrt(p0 * (1.0 - p0) / dn);
}

double ztest_rejection_probability(std::int64_t n, double p0, double p_true, double alpha) {
  constexpr const char* where = "ztest_rejection_probability";
  require_count(where, "n", n, 1);
  require_open_unit(where, "p0", p0);
  require_unit_closed(where, "p_true", p_true);
  require_open_unit(where, "alpha", alpha);
  // The z statistic increases in x, so the rejection region is x >= k_z;
  // find k_z with the very expression the simulated test uses.
  const double z_crit = z_quantile(1.0 - alpha);
  const double dn = static_cast<double>(n);
  auto k = std::clamp<std::int64_t>(
      static_cast<std::int64_t>(std::floor(dn * p0 + z_crit * std::sqrt(dn * p0 * (1.0 - p0)))), 0,
      n + 1);
  while (k > 0 && proportion_z_statistic(k - 1, n, p0) >= z_crit) --k;
  while (k <= n && proportion_z_statistic(k, n, p0) < z_crit) ++k;
  if (p_true <= 0.0) return k <= 0 ? 1.0 : 0.0;
  if (p_true >= 1.0) return k <= n ? 1.0 : 0.0;
  return binomial_upper_tail(n, p_true, k);
}

std::int64_t sample_size_single_proportion(double p0, double p1, double alpha, double power,
                                           ProportionMethod method, ExactSearch search) {
  constexpr const char* where = "sample_size_single_proportion";
  check_goal_and_planning(where, p0, p1);
  require_alpha_power(where, alpha, power);
  if (method == ProportionMethod::normal) {
    const double n = normal_n_single_proportion(p0, p1, alpha, power);
    if (!(n <= static_cast<double>(kMaxSampleSize)))
      fail(where, fmt::format("sample size would be about {:.3g}, above {} (p0 = {}, p1 = {})", n, kMaxSampleSize,
                              p0, p1));
    return std::max<std::int64_t>(1, ceil_count(n));
  }
  static Memo<std::tuple<double, double, double, double, ExactSearch>, std::int64_t> memo;
  return memo.get(std::tuple{p0, p1, alpha, power, search},
                  [&] { return exact_n_single_proportion(p0, p1, alpha, power, search); });
}

namespace {

// z^2 p (1 - p) / d^2 before rounding: Buderer's totals divide it by the
// prevalence first.
double precision_units(double p, double half_width, double confidence) {
  constexpr const char* where = "precision_n_single_proportion";
  require_open_unit(where, "planning proportion", p);
  if (!(half_width > 0.0 && half_width < 0.5)) fail(where, fmt::format("half-width {} must be in (0, 0.5)", half_width));
  require_open_unit(where, "confidence", confidence);
  const double z = z_quantile(0.5 + confidence / 2.0);
  return z * z * p * (1.0 - p) / (half_width * half_width);
}

std::int64_t count_at_most_max(const char* where, double n) {
  if (!(n <= static_cast<double>(kMaxSampleSize)))
    fail(where, fmt::format("sample size would be about {:.3g}, above {}", n, kMaxSampleSize));
  return std::max<std::int64_t>(1, ceil_count(n));
}

}  // namespace

std::int64_t precision_n_single_proportion(double p, double half_width, double confidence) {
  return count_at_most_max("precision_n_single_proportion", precision_units(p, half_width, confidence));
}

StandaloneSampleSize sample_size_standalone(const StandaloneDesign& d) {
  constexpr const char* where = "sample_size_standalone";
  StandaloneSampleSize out;
  // Positives and negatives before rounding: Buderer's consecutive total
  // divides the unrounded counts by the prevalence; counts sized for power
  // are whole already.
  double positives = 0.0, negatives = 0.0;
  if (d.half_width > 0.0) {
    positives = precision_units(d.sensitivity_planning, d.half_width, d.confidence);
    negatives = precision_units(d.specificity_planning, d.half_width, d.confidence);
    out.n_positive = count_at_most_max(where, positives);
    out.n_negative = count_at_most_max(where, negatives);
  } else {
    out.n_positive = sample_size_single_proportion(d.sensitivity_goal, d.sensitivity_planning, d.alpha, d.power,
                                                   d.method, d.search);
    out.n_negative = sample_size_single_proportion(d.specificity_goal, d.specificity_planning, d.alpha, d.power,
                                                   d.method, d.search);
    positives = static_cast<double>(out.n_positive);
    negatives = static_cast<double>(out.n_negative);
  }
  if (d.enriched) {
    out.n_cases = out.n_positive + out.n_negative;
  } else {
    // Consecutive collection: enough cases that the expected number of
    // positives and of negatives both reach what their endpoint needs.
    require_open_unit(where, "prevalence", d.prevalence);
    out.n_cases = std::max(count_at_most_max(where, positives / d.prevalence),
                           count_at_most_max(where, negatives / (1.0 - d.prevalence)));
  }
  return out;
}

std::int64_t enrollment_n(std::int64_t n_evaluable, double dropout) {
  constexpr const char* where = "enrollment_n";
  require_count(where, "n_evaluable", n_evaluable, 0);
  if (!(dropout >= 0.0 && dropout < 1.0))
    fail(where, fmt::format("dropout must be in [0, 1), got {}", dropout));
  return ceil_count(static_cast<double>(n_evaluable) / (1.0 - dropout));
}

}  // namespace samdsim::us_pathway
