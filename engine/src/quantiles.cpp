// Quantiles of type 7 (R's default, NumPy's 'linear'): of sorted values, and
// the five standard ones of a column by selection, without sorting it.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>

#include "samdsim/numbers.hpp"
#include "samdsim/stats.hpp"

namespace samdsim {

namespace {
// NumPy's two-sided lerp: exact at both ends and monotone in t, so results
// match numpy.quantile(..., method='linear') bit for bit.
double lerp(double a, double b, double t) {
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

// Where each standard quantile falls among n sorted values: the order
// statistic `at` (counted from 0) and the weight `t` of the next one.
struct QuantilePlaces {
  std::size_t n = 0;
  std::array<std::size_t, 5> at{};
  std::array<double, 5> t{};

  explicit QuantilePlaces(std::size_t count) : n(count) {
    for (std::size_t k = 0; k < at.size(); ++k) {
      const double h = static_cast<double>(n - 1) * standard_probabilities[k];
      at[k] = static_cast<std::size_t>(std::floor(h));
      t[k] = h - std::floor(h);
    }
  }
  // Whether quantile k needs the order statistic after `at` too.
  bool between(std::size_t k) const { return at[k] + 1 < n && t[k] != 0.0; }
  // Quantile k from its order statistic and the next one (when between).
  double value(std::size_t k, double lower, double upper) const {
    // Equal neighbours (also infinities) need no interpolation, and inf - inf would give NaN.
    return !between(k) || lower == upper ? lower : lerp(lower, upper, t[k]);
  }
};

// Columns of a few distinct values (flags, counts, categories): the order
// statistics from a count of each value, in one pass. Nothing when the
// column holds more than `most` distinct values.
std::optional<std::array<double, 5>> quantiles_by_counting(const std::vector<double>& values,
                                                           const QuantilePlaces& places) {
  constexpr std::size_t most = 16;
  std::array<double, most> distinct{};  // ascending
  std::array<std::uint64_t, most> counts{};
  std::size_t found = 0;
  for (const double v : values) {
    std::size_t rank = 0;  // distinct values below v: no branch to mispredict
    for (std::size_t j = 0; j < found; ++j) rank += static_cast<std::size_t>(v > distinct[j]);
    if (rank < found && distinct[rank] == v) {
      ++counts[rank];
      continue;
    }
    if (found == most) return std::nullopt;
    std::copy_backward(distinct.begin() + static_cast<std::ptrdiff_t>(rank),
                       distinct.begin() + static_cast<std::ptrdiff_t>(found),
                       distinct.begin() + static_cast<std::ptrdiff_t>(found + 1));
    std::copy_backward(counts.begin() + static_cast<std::ptrdiff_t>(rank), counts.begin() + static_cast<std::ptrdiff_t>(found),
                       counts.begin() + static_cast<std::ptrdiff_t>(found + 1));
    distinct[rank] = v;
    counts[rank] = 1;
    ++found;
  }
  const auto statistic = [&](std::size_t r) {  // the r-th smallest value
    std::uint64_t below = 0;
    for (std::size_t i = 0; i + 1 < found; ++i) {
      below += counts[i];
      if (below > r) return distinct[i];
    }
    return distinct[found - 1];
  };
  std::array<double, 5> q{};
  for (std::size_t k = 0; k < q.size(); ++k)
    q[k] = places.value(k, statistic(places.at[k]), places.between(k) ? statistic(places.at[k] + 1) : 0.0);
  return q;
}

// Large columns: a sorted sample of `sample_size` evenly spaced values
// brackets each quantile's order statistics between two sample values,
// wide enough (four standard deviations of a sample rank, plus two) that
// in a column in random order the bracket misses with a probability of
// about 1e-4. Brackets that meet (ties) become one. One pass counts the
// values below each bracket and gathers those inside, unless a bracket is
// a single value (a mass of ties, e.g. zero delays), which is only counted;
// each order statistic is then selected among its bracket's values only
// (about a fifth of the column in all). Nothing when a bracket missed (a
// column in a systematic order) or holds far more values than expected:
// the caller then selects in the whole column.
std::optional<std::array<double, 5>> quantiles_by_brackets(const std::vector<double>& values,
                                                           const QuantilePlaces& places) {
  constexpr std::size_t sample_size = 4096;
  const std::size_t n = values.size();
  std::vector<double> sample(sample_size);
  for (std::size_t i = 0; i < sample_size; ++i) sample[i] = values[i * n / sample_size];
  std::sort(sample.begin(), sample.end());

  // Bracket b holds the values v with low[b] <= v <= high[b]; unused ones
  // have NaN bounds, which no value passes.
  constexpr std::size_t most = 5;
  constexpr double infinity = std::numeric_limits<double>::infinity();
  std::array<double, most> low, high;
  low.fill(nan);
  high.fill(nan);
  std::array<double, most> expected{};  // values in bracket b, about
  std::array<std::size_t, 5> bracket_of{};
  std::size_t brackets = 0;
  const double scale = static_cast<double>(sample_size) / static_cast<double>(n);
  for (std::size_t k = 0; k < places.at.size(); ++k) {
    const std::size_t first = places.at[k], last = first + (places.between(k) ? 1 : 0);
    const double p = static_cast<double>(first) / static_cast<double>(n);
    const double margin = 4.0 * std::sqrt(static_cast<double>(sample_size) * p * (1.0 - p)) + 2.0;
    const double from = std::floor(static_cast<double>(first) * scale - margin);
    const double to = std::ceil(static_cast<double>(last) * scale + margin);
    const double lo = from < 0.0 ? -infinity : sample[static_cast<std::size_t>(from)];
    const double hi = to >= static_cast<double>(sample_size) ? infinity : sample[static_cast<std::size_t>(to)];
    const double count = (std::min(to, static_cast<double>(sample_size)) - std::max(from, 0.0)) / scale;
    if (brackets > 0 && lo <= high[brackets - 1]) {
      high[brackets - 1] = std::max(high[brackets - 1], hi);
      expected[brackets - 1] += count;
    } else {
      low[brackets] = lo;
      high[brackets] = hi;
      expected[brackets] = count;
      ++brackets;
    }
    bracket_of[k] = brackets - 1;
  }

  // A value's place among the bounds: 2b + 1 inside bracket b, 2b between
  // bracket b - 1 and bracket b. Every value is written where its place's
  // cursor points, which moves on inside a gathering bracket only (all
  // other cursors point at one discarded slot): no branch to mispredict.
  // A bracket has room for its expected values, an eighth more, and one
  // more pass of `pass` values, checked before each pass.
  constexpr std::size_t pass = 4096;
  constexpr std::size_t place_count = 2 * most + 1;
  std::array<std::size_t, most> room{};
  std::size_t total = 1;
  for (std::size_t b = 0; b < brackets; ++b)
    if (low[b] != high[b])
      total += room[b] = static_cast<std::size_t>(std::min(expected[b] * 1.125, static_cast<double>(n))) + pass;
  const auto gathered = std::make_unique_for_overwrite<double[]>(total);
  std::array<double*, most> start{};
  std::array<double*, place_count> cursor{};
  std::array<std::size_t, place_count> step{};
  double* next = gathered.get();
  for (std::size_t at = 0; at < place_count; ++at) {
    cursor[at] = gathered.get() + total - 1;
    const std::size_t b = at / 2;
    if (at % 2 == 1 && room[b] > 0) {
      start[b] = cursor[at] = next;
      step[at] = 1;
      next += room[b];
    }
  }
  std::array<std::uint64_t, place_count> placed{};
  const auto [l0, l1, l2, l3, l4] = low;
  const auto [h0, h1, h2, h3, h4] = high;
  for (std::size_t from = 0; from < n; from += pass) {
    const std::size_t to = std::min(n, from + pass);
    for (std::size_t b = 0; b < brackets; ++b)
      if (room[b] > 0 && static_cast<std::size_t>(cursor[2 * b + 1] - start[b]) + (to - from) > room[b])
        return std::nullopt;
    for (std::size_t i = from; i < to; ++i) {
      const double v = values[i];
      const auto at = static_cast<std::size_t>(int{v >= l0} + int{v > h0} + int{v >= l1} + int{v > h1} +
                                               int{v >= l2} + int{v > h2} + int{v >= l3} + int{v > h3} +
                                               int{v >= l4} + int{v > h4});
      ++placed[at];
      *cursor[at] = v;
      cursor[at] += step[at];
    }
  }

  std::array<std::uint64_t, most> below{};  // values below bracket b
  for (std::size_t b = 0, sum = 0; b < brackets; ++b) {
    sum += placed[2 * b];
    below[b] = sum;
    sum += placed[2 * b + 1];
  }
  std::array<double, 5> q{};
  for (std::size_t k = 0; k < q.size(); ++k) {
    const std::size_t b = bracket_of[k];
    const std::size_t first = places.at[k], last = first + (places.between(k) ? 1 : 0);
    if (first < below[b] || last - below[b] >= placed[2 * b + 1]) return std::nullopt;
    if (room[b] == 0) {  // every value of the bracket is the same
      q[k] = low[b];
      continue;
    }
    double* const begin = start[b];
    double* const end = begin + placed[2 * b + 1];
    double* const lower = begin + (first - below[b]);
    std::nth_element(begin, lower, end);
    q[k] = places.value(k, *lower, last > first ? *std::min_element(lower + 1, end) : *lower);
  }
  return q;
}

// Any column: the median by selection first, then each quartile within its
// half, then each outer quantile within its quarter. A selection leaves
// every value before its place no greater and every value after no
// smaller, so each one searches only between the places already fixed
// (about 2.5 n steps where selecting from left to right takes 3.5 n).
std::array<double, 5> quantiles_by_selection(std::vector<double>& values, const QuantilePlaces& places) {
  const std::size_t n = values.size();
  const auto begin = values.begin();
  const auto& at = places.at;
  // The fixed places around place i: the half-open range [lo, hi) that
  // holds every value of rank i, given the places of `done` quantiles.
  constexpr std::array<std::size_t, 5> order = {2, 1, 3, 0, 4};
  const auto neighbours = [&](std::size_t i, std::size_t done) {
    std::size_t lo = 0, hi = n;
    for (std::size_t m = 0; m < done; ++m) {
      const std::size_t j = at[order[m]];
      if (j < i) lo = std::max(lo, j + 1);
      if (j > i) hi = std::min(hi, j);
    }
    return std::pair{lo, hi};
  };
  for (std::size_t o = 0; o < order.size(); ++o) {
    const std::size_t i = at[order[o]];
    bool fixed = false;
    for (std::size_t m = 0; m < o; ++m) fixed = fixed || at[order[m]] == i;
    if (fixed) continue;
    const auto [lo, hi] = neighbours(i, o);
    std::nth_element(begin + static_cast<std::ptrdiff_t>(lo), begin + static_cast<std::ptrdiff_t>(i),
                     begin + static_cast<std::ptrdiff_t>(hi));
  }
  std::array<double, 5> q{};
  for (std::size_t k = 0; k < q.size(); ++k) {
    const double lower = values[at[k]];
    if (!places.between(k)) {
      q[k] = lower;
      continue;
    }
    // The next order statistic: the least value up to the next fixed place
    // (included), since every value past it is no smaller than it.
    const std::size_t next = neighbours(at[k], order.size()).second;
    const auto stop = begin + static_cast<std::ptrdiff_t>(next < n ? next + 1 : n);
    q[k] = places.value(k, lower, *std::min_element(begin + static_cast<std::ptrdiff_t>(at[k] + 1), stop));
  }
  return q;
}
}  // namespace

double quantile_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty() || std::isnan(p)) return nan;
  p = std::clamp(p, 0.0, 1.0);
  const double h = static_cast<double>(sorted.size() - 1) * p;
  const double lo = std::floor(h);
  const auto i = static_cast<std::size_t>(lo);
  if (i + 1 >= sorted.size()) return sorted.back();
  const double t = h - lo;
  // Equal neighbours (also infinities) need no interpolation, and inf - inf would give NaN.
  if (t == 0.0 || sorted[i] == sorted[i + 1]) return sorted[i];
  return lerp(sorted[i], sorted[i + 1], t);
}

std::array<double, 5> standard_quantiles(std::vector<double>& values) {
  // NaN dropped; -0.0 and 0.0 compare equal, so selection could return
  // either depending on input order: adding +0.0 makes every zero positive.
  std::size_t kept = 0;
  for (const double v : values) {
    values[kept] = v + 0.0;
    kept += static_cast<std::size_t>(!std::isnan(v));
  }
  values.resize(kept);
  if (values.empty()) {
    std::array<double, 5> q;
    q.fill(nan);
    return q;
  }
  const QuantilePlaces places(values.size());
  // Each way gives the same order statistics, hence the same bits.
  if (auto q = quantiles_by_counting(values, places)) return *q;
  if (values.size() >= 8 * 4096)
    if (auto q = quantiles_by_brackets(values, places)) return *q;
  return quantiles_by_selection(values, places);
}

}  // namespace samdsim
