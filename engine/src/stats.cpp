#include "samdsim/stats.hpp"

#include <algorithm>
#include <cmath>

#include "samdsim/numbers.hpp"

namespace samdsim {

void Moments::add(double x) {
  if (std::isnan(x)) {
    ++missing;
    return;
  }
  ++n;
  const double delta = x - mean;
  mean += delta / static_cast<double>(n);
  m2 += delta * (x - mean);
  min = std::min(min, x);
  max = std::max(max, x);
}

Moments Moments::of(std::span<const double> values) {
  Moments m;
  double sum = 0.0;
  for (const double x : values) {
    if (std::isnan(x)) {
      ++m.missing;
      continue;
    }
    ++m.n;
    sum += x;
    m.min = std::min(m.min, x);
    m.max = std::max(m.max, x);
  }
  if (m.n == 0) return m;
  if (!std::isfinite(sum)) {
    Moments w;
    for (const double x : values) w.add(x);
    return w;
  }
  // Values that never vary: their mean exactly, no spread at all (sum / n
  // may miss it by a few units in the last place).
  if (m.min == m.max) {
    m.mean = m.min;
    return m;
  }
  const double count = static_cast<double>(m.n);
  const double first = sum / count;
  double squares = 0.0, deviations = 0.0;
  for (const double x : values) {
    if (std::isnan(x)) continue;
    const double d = x - first;
    squares += d * d;
    deviations += d;
  }
  // The deviations sum to zero but for the first mean's rounding, which
  // both corrections remove.
  m.mean = std::clamp(first + deviations / count, m.min, m.max);
  const double m2 = squares - deviations * deviations / count;
  m.m2 = m2 > 0.0 ? m2 : (std::isnan(m2) ? m2 : 0.0);
  return m;
}

void Moments::merge(const Moments& other) {
  missing += other.missing;
  if (other.n == 0) return;
  if (n == 0) {
    const std::uint64_t keep_missing = missing;
    *this = other;
    missing = keep_missing;
    return;
  }
  const double na = static_cast<double>(n);
  const double nb = static_cast<double>(other.n);
  const double total = na + nb;
  const double delta = other.mean - mean;
  // Weighting the correction by nb / total keeps it small when one side
  // dominates, which is the common case of merging a block into a long run.
  mean += delta * (nb / total);
  m2 += other.m2 + delta * delta * (na * nb / total);
  n += other.n;
  min = std::min(min, other.min);
  max = std::max(max, other.max);
}

double Moments::variance() const {
  if (n < 2) return nan;
  return m2 / static_cast<double>(n - 1);
}

double Moments::sd() const { return std::sqrt(variance()); }

double Moments::se() const {
  if (n < 2) return nan;
  return sd() / std::sqrt(static_cast<double>(n));
}

std::string_view type_name(ValueType type) {
  switch (type) {
    case ValueType::Real:
      return "real";
    case ValueType::Integer:
      return "integer";
    case ValueType::Boolean:
      return "boolean";
  }
  return "real";
}

std::optional<ValueType> parse_type_name(std::string_view name) {
  for (ValueType t : {ValueType::Real, ValueType::Integer, ValueType::Boolean})
    if (type_name(t) == name) return t;
  return std::nullopt;
}

Summary make_summary(const OutputSpec& output, const Moments& moments, const std::array<double, 5>& quantiles) {
  Summary s;
  s.name = output.name;
  s.unit = output.unit;
  s.type = output.type;
  s.per_event = output.per_event;
  s.n = moments.n;
  s.missing = moments.missing;
  const bool any = moments.n > 0;
  s.mean = any ? moments.mean : nan;
  s.min = any ? moments.min : nan;
  s.max = any ? moments.max : nan;
  s.sd = moments.sd();
  s.se = moments.se();
  s.p05 = quantiles[0];
  s.p25 = quantiles[1];
  s.p50 = quantiles[2];
  s.p75 = quantiles[3];
  s.p95 = quantiles[4];
  if (output.type == ValueType::Boolean) s.probability = s.mean;
  return s;
}

double Summary::event_by(double month) const {
  if (event_probability.empty() || !(month >= 0.0)) return std::numeric_limits<double>::quiet_NaN();
  const auto t = static_cast<std::size_t>(std::floor(month));
  return event_probability[std::min(t, event_probability.size() - 1)];
}

void add_means_per_event(std::vector<Summary>& summaries) {
  for (Summary& s : summaries) {
    if (s.per_event.empty()) continue;
    const auto event = std::ranges::find(summaries, s.per_event, &Summary::name);
    // A mean over some replicates only would not be E[x]: no value then.
    const bool defined = event != summaries.end() && event->type == ValueType::Boolean && s.missing == 0 &&
                         event->probability > 0.0;
    s.mean_per_event = defined ? s.mean / event->probability : std::numeric_limits<double>::quiet_NaN();
  }
}

void add_distribution_summaries(Summary& s, const OutputSpec& o, std::span<const double> values) {
  const auto total = static_cast<double>(values.size());
  if (!o.labels.empty()) {
    s.labels = o.labels;
    std::vector<std::uint64_t> counts(o.labels.size(), 0);
    for (double v : values)
      if (v >= 0.0 && v < static_cast<double>(counts.size()) && v == std::floor(v)) ++counts[static_cast<std::size_t>(v)];
    s.shares.clear();
    for (auto c : counts) s.shares.push_back(values.empty() ? std::numeric_limits<double>::quiet_NaN()
                                                            : static_cast<double>(c) / total);
  }
  if (o.time_to_event && !values.empty()) {
    // Events at month t count from month ceil(t) on: "by month 24" includes t = 24.
    double last = 0.0;
    for (double v : values)
      if (std::isfinite(v)) last = std::max(last, v);
    const std::size_t months = std::min<std::size_t>(static_cast<std::size_t>(std::ceil(last)), max_event_months);
    std::vector<std::uint64_t> at(months + 1, 0);
    for (double v : values)
      if (std::isfinite(v) && v <= static_cast<double>(months)) ++at[static_cast<std::size_t>(std::ceil(std::max(v, 0.0)))];
    s.event_probability.assign(months + 1, 0.0);
    std::uint64_t running = 0;
    for (std::size_t t = 0; t <= months; ++t) {
      running += at[t];
      s.event_probability[t] = static_cast<double>(running) / total;
    }
  }
}

}  // namespace samdsim
