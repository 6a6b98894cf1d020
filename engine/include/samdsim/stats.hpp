#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "samdsim/results.hpp"

namespace samdsim {

// Streaming count, mean, sum of squared deviations, min and max of a stream of
// doubles. Results are a pure function of the sequence of add/merge calls, so
// a runner that accumulates fixed blocks of replicates and merges them in
// index order gets the same bits for any thread count.
struct Moments {
  std::uint64_t n = 0;
  double mean = 0.0;
  double m2 = 0.0;  // sum of squared deviations from the mean
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::uint64_t missing = 0;  // NaN values seen, not part of the moments

  // Welford's update; NaN counts as missing.
  void add(double x);
  // The moments of a block of values at once (NaN missing): the sum, then
  // the squared deviations from its mean with the correction of Chan, Golub
  // & LeVeque (1983), in two passes without a division per value. Values
  // whose sum leaves the double range fall back to Welford's update. Every
  // reduction of a run's blocks (the runner, a resume's and a merge's
  // checks) uses this, so their results agree bit for bit.
  static Moments of(std::span<const double> values);
  // Chan, Golub & LeVeque (1979) pairwise combination: `other` is the later
  // part of the stream.
  void merge(const Moments& other);

  double variance() const;  // sample variance (n - 1); NaN when n < 2
  double sd() const;        // NaN when n < 2
  double se() const;        // sd / sqrt(n); NaN when n < 2
};

// Quantile of already sorted, NaN-free data by Hyndman & Fan's type 7 (R's
// default, NumPy's 'linear'). NaN for empty data.
double quantile_sorted(std::span<const double> sorted, double p);

inline constexpr std::array<double, 5> standard_probabilities = {0.05, 0.25, 0.50, 0.75, 0.95};

// p05, p25, p50, p75, p95 of the non-NaN values (type 7). `values` is used as
// scratch: it is reordered and NaNs are dropped. The result depends only on
// the multiset of values, not on their order. All NaN when no value is left.
std::array<double, 5> standard_quantiles(std::vector<double>& values);

std::string_view type_name(ValueType type);  // "real", "integer", "boolean"
std::optional<ValueType> parse_type_name(std::string_view name);

// What a result file reports about one scalar output.
struct Summary {
  std::string name;
  std::string unit;
  ValueType type = ValueType::Real;
  std::uint64_t n = 0;
  std::uint64_t missing = 0;
  double mean = 0, sd = 0, se = 0, min = 0, p05 = 0, p25 = 0, p50 = 0, p75 = 0, p95 = 0, max = 0;
  double probability = std::numeric_limits<double>::quiet_NaN();  // share true for Boolean outputs
  // Categorical outputs: the share of all replicates in each category.
  std::vector<std::string> labels;
  std::vector<double> shares;
  // Time-to-event outputs: P(event by month t) for t = 0, 1, ..., counting
  // replicates without the event (NaN) as never.
  std::vector<double> event_probability;
  // Outputs with OutputSpec::per_event: that Boolean output's name and this
  // mean divided by its probability (NaN when it is 0 or unknown).
  std::string per_event;
  double mean_per_event = std::numeric_limits<double>::quiet_NaN();

  // P(event by `month`) read off the curve (the last month's value beyond
  // it; NaN without a curve).
  double event_by(double month) const;
};

// The shares and the event curve of `output` from all its stored values
// (NaN included), for categorical and time-to-event outputs.
void add_distribution_summaries(Summary& summary, const OutputSpec& output, std::span<const double> values);

// Fills mean_per_event of every summary naming a per_event output from that
// output's probability among `summaries`.
void add_means_per_event(std::vector<Summary>& summaries);

// The months the event curve of a time-to-event output runs to at most.
inline constexpr std::size_t max_event_months = 1200;

// Combines the runner's moments with quantiles from standard_quantiles().
// Statistics that are undefined for the given n (mean/min/max for n = 0,
// sd/se for n < 2) are NaN.
Summary make_summary(const OutputSpec& output, const Moments& moments, const std::array<double, 5>& quantiles);

}  // namespace samdsim
