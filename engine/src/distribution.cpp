// Construction, checks, sampling and canonical output of Distribution.
// Moments, cdf and quantile are in distribution_math.cpp; the YAML
// vocabulary in distribution_parse.cpp.

#include "samdsim/distribution.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include "distribution_detail.hpp"
#include "samdsim/numbers.hpp"

namespace samdsim {

using Family = Distribution::Family;

const std::vector<std::string>& distribution_family_names() {
  static const std::vector<std::string> names = {
      "fixed", "uniform", "normal",  "truncated_normal", "lognormal", "gamma",    "beta",
      "triangular", "pert", "poisson", "negative_binomial", "bernoulli", "discrete", "empirical"};
  return names;
}

std::string Distribution::family() const {
  return distribution_family_names()[static_cast<std::size_t>(family_)];
}

namespace detail {

std::string number_text(double v) { return fmt::format("{}", v); }

namespace {

void require_finite(const char* key, double v, const ParamFailure& fail) {
  if (!std::isfinite(v)) fail(key, "expected a finite number, got " + number_text(v));
}
void require_positive(const char* key, double v, const ParamFailure& fail) {
  require_finite(key, v, fail);
  if (!(v > 0.0)) fail(key, std::string(key) + " must be > 0, got " + number_text(v));
}
void require_min_below_max(const char* min_key, double lo, const char* max_key, double hi,
                           const ParamFailure& fail) {
  require_finite(min_key, lo, fail);
  require_finite(max_key, hi, fail);
  if (!(lo < hi))
    fail(max_key, fmt::format("{} must be greater than {} ({}), got {}", max_key, min_key, number_text(lo),
                              number_text(hi)));
}
void require_mode_inside(double lo, double mode, double hi, const ParamFailure& fail) {
  require_min_below_max("min", lo, "max", hi, fail);
  require_finite("mode", mode, fail);
  if (mode < lo || mode > hi)
    fail("mode", fmt::format("mode must lie in [min, max] = [{}, {}], got {}", number_text(lo),
                             number_text(hi), number_text(mode)));
}
}  // namespace

void check_params(Family family, const Distribution::Params& p, const ParamFailure& fail) {
  switch (family) {
    case Family::fixed: require_finite("value", p.a, fail); break;
    case Family::uniform: require_min_below_max("min", p.a, "max", p.b, fail); break;
    case Family::normal:
      require_finite("mean", p.a, fail);
      require_positive("sd", p.b, fail);
      break;
    case Family::truncated_normal:
      require_finite("mean", p.a, fail);
      require_positive("sd", p.b, fail);
      if (std::isinf(p.c) && std::isinf(p.d))
        fail("min", "a truncated_normal needs min, max or both (without either it is a normal)");
      // An absent bound is an infinite one, but only on its own side.
      if (std::isnan(p.c) || p.c == inf) fail("min", "expected a finite number, got " + number_text(p.c));
      if (std::isnan(p.d) || p.d == -inf) fail("max", "expected a finite number, got " + number_text(p.d));
      if (!(p.c < p.d))
        fail("max", fmt::format("max must be greater than min ({}), got {}", number_text(p.c), number_text(p.d)));
      break;
    case Family::lognormal:
      require_finite("mu", p.a, fail);
      require_positive("sigma", p.b, fail);
      break;
    case Family::gamma:
      require_positive("shape", p.a, fail);
      require_positive("scale", p.b, fail);
      break;
    case Family::beta:
      require_positive("alpha", p.a, fail);
      require_positive("beta", p.b, fail);
      require_min_below_max("min", p.c, "max", p.d, fail);
      break;
    case Family::triangular: require_mode_inside(p.a, p.b, p.c, fail); break;
    case Family::pert:
      require_mode_inside(p.a, p.b, p.c, fail);
      require_positive("lambda", p.d, fail);
      break;
    case Family::poisson:
      require_finite("mean", p.a, fail);
      if (p.a < 0.0) fail("mean", "mean must be >= 0, got " + number_text(p.a));
      break;
    case Family::negative_binomial:
      require_finite("mean", p.a, fail);
      if (p.a < 0.0) fail("mean", "mean must be >= 0, got " + number_text(p.a));
      require_positive("size", p.b, fail);
      break;
    case Family::bernoulli:
      require_finite("p", p.a, fail);
      if (p.a < 0.0 || p.a > 1.0) fail("p", "p must lie in [0, 1], got " + number_text(p.a));
      break;
    case Family::discrete:
    case Family::empirical: break;
  }
}

void check_table(Family family, const std::vector<double>& values, const std::vector<double>& weights,
                 const ParamFailure& fail) {
  if (values.empty()) fail("values", "expected a non-empty list of numbers, got an empty list");
  for (double v : values) require_finite("values", v, fail);
  if (family == Family::empirical) return;
  if (weights.size() != values.size())
    fail("weights", fmt::format("expected one weight per value ({} values), got {} weights", values.size(),
                                weights.size()));
  double total = 0.0;
  for (double w : weights) {
    require_finite("weights", w, fail);
    if (w < 0.0) fail("weights", "weights must be >= 0, got " + number_text(w));
    total += w;
  }
  if (!(total > 0.0)) fail("weights", "weights must have a positive sum, got all zero");
}

}  // namespace detail

namespace {
[[noreturn]] void fail_unlocated(Family family, const std::string& key, const std::string& message) {
  throw InputError(Location{}, distribution_family_names()[static_cast<std::size_t>(family)] + "." + key,
                   message);
}
}  // namespace

Distribution Distribution::fixed(double value) { return make(Family::fixed, Params{value}); }

Distribution Distribution::make(Family family, Params p) {
  if (family == Family::discrete || family == Family::empirical)
    throw InternalError("Distribution::make: discrete and empirical need make_table");
  detail::check_params(family, p, [family](const std::string& key, const std::string& message) {
    fail_unlocated(family, key, message);
  });
  Distribution d;
  d.family_ = family;
  d.p_ = p;
  d.prepare();
  return d;
}

Distribution Distribution::make_table(Family family, std::vector<double> values, std::vector<double> weights,
                                      bool weights_given) {
  if (family != Family::discrete && family != Family::empirical)
    throw InternalError("Distribution::make_table: only discrete and empirical have tables");
  if (!weights_given || family == Family::empirical) weights.assign(values.size(), 1.0);
  detail::check_table(family, values, weights, [family](const std::string& key, const std::string& message) {
    fail_unlocated(family, key, message);
  });

  std::vector<std::pair<double, double>> pairs;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (weights[i] > 0.0) pairs.emplace_back(values[i], weights[i]);
  std::sort(pairs.begin(), pairs.end());
  auto table = std::make_shared<Table>();
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  double running = 0.0;
  for (const auto& [v, w] : pairs) {
    running += w;
    if (!table->sorted_values.empty() && table->sorted_values.back() == v) {
      table->cumulative.back() = running / total;
    } else {
      table->sorted_values.push_back(v);
      table->cumulative.push_back(running / total);
    }
  }
  // Exactly 1 so that the search in sample() always finds an entry above u < 1.
  table->cumulative.back() = 1.0;
  table->values = std::move(values);
  table->weights = std::move(weights);
  table->weights_given = weights_given && family == Family::discrete;

  Distribution d;
  d.family_ = family;
  d.table_ = std::move(table);
  return d;
}

void Distribution::prepare() {
  switch (family_) {
    case Family::truncated_normal:
      aux_.truncated = detail::make_std_truncated_normal((p_.c - p_.a) / p_.b, (p_.d - p_.a) / p_.b);
      break;
    case Family::beta:
      aux_.alpha = p_.a;
      aux_.beta = p_.b;
      break;
    case Family::pert: {
      // Beta-PERT (Vose 2008, Risk Analysis, 3rd ed., section 9.1.2).
      const double range = p_.c - p_.a;
      aux_.alpha = 1.0 + p_.d * (p_.b - p_.a) / range;
      aux_.beta = 1.0 + p_.d * (p_.c - p_.b) / range;
      break;
    }
    case Family::triangular: aux_.mode_cdf = (p_.b - p_.a) / (p_.c - p_.a); break;
    default: break;
  }
}

double Distribution::sample(Stream& s) const {
  switch (family_) {
    case Family::fixed: return p_.a;
    case Family::uniform: return s.uniform(p_.a, p_.b);
    case Family::normal: return s.normal(p_.a, p_.b);
    case Family::truncated_normal:
      // Clamped because p_.a + p_.b * z can round just past a bound.
      return std::clamp(p_.a + p_.b * detail::truncated_normal_sample(aux_.truncated, s), p_.c, p_.d);
    case Family::lognormal: return finish_deferred(sample_deferred(s));  // exp(mu + sigma z), in its two steps
    case Family::gamma: return s.gamma(p_.a, p_.b);
    case Family::beta:
    case Family::pert: {
      const double lo = family_ == Family::beta ? p_.c : p_.a;
      const double hi = family_ == Family::beta ? p_.d : p_.c;
      return lo + (hi - lo) * s.beta(aux_.alpha, aux_.beta);
    }
    case Family::triangular: {
      // Inverse CDF of the triangle.
      const double u = s.uniform();
      const double range = p_.c - p_.a;
      if (u < aux_.mode_cdf) return p_.a + std::sqrt(u * range * (p_.b - p_.a));
      return p_.c - std::sqrt((1.0 - u) * range * (p_.c - p_.b));
    }
    case Family::poisson: return static_cast<double>(s.poisson(p_.a));
    case Family::negative_binomial: return static_cast<double>(s.negative_binomial(p_.a, p_.b));
    case Family::bernoulli: return s.bernoulli(p_.a) ? 1.0 : 0.0;
    case Family::discrete: {
      const auto& cum = table_->cumulative;
      const auto it = std::upper_bound(cum.begin(), cum.end(), s.uniform());
      return table_->sorted_values[static_cast<std::size_t>(it - cum.begin())];
    }
    case Family::empirical: return table_->values[s.uniform_index(table_->values.size())];
  }
  return p_.a;
}

namespace {
// Named canonical parameters for describe() and emit(); infinite truncation
// bounds and the default beta range [0, 1] are left out.
std::vector<std::pair<const char*, double>> named_params(Family family, const Distribution::Params& p) {
  switch (family) {
    case Family::fixed: return {{"value", p.a}};
    case Family::uniform: return {{"min", p.a}, {"max", p.b}};
    case Family::normal: return {{"mean", p.a}, {"sd", p.b}};
    case Family::truncated_normal: {
      std::vector<std::pair<const char*, double>> r = {{"mean", p.a}, {"sd", p.b}};
      if (std::isfinite(p.c)) r.emplace_back("min", p.c);
      if (std::isfinite(p.d)) r.emplace_back("max", p.d);
      return r;
    }
    case Family::lognormal: return {{"mu", p.a}, {"sigma", p.b}};
    case Family::gamma: return {{"shape", p.a}, {"scale", p.b}};
    case Family::beta: {
      std::vector<std::pair<const char*, double>> r = {{"alpha", p.a}, {"beta", p.b}};
      if (p.c != 0.0 || p.d != 1.0) {
        r.emplace_back("min", p.c);
        r.emplace_back("max", p.d);
      }
      return r;
    }
    case Family::triangular: return {{"min", p.a}, {"mode", p.b}, {"max", p.c}};
    case Family::pert: return {{"min", p.a}, {"mode", p.b}, {"max", p.c}, {"lambda", p.d}};
    case Family::poisson: return {{"mean", p.a}};
    case Family::negative_binomial: return {{"mean", p.a}, {"size", p.b}};
    case Family::bernoulli: return {{"p", p.a}};
    case Family::discrete:
    case Family::empirical: return {};
  }
  return {};
}

std::string short_list(const std::vector<double>& xs) {
  constexpr std::size_t kShown = 8;  // enough to recognise, short enough for a log line
  std::string s = "[";
  for (std::size_t i = 0; i < xs.size() && i < kShown; ++i) s += (i ? ", " : "") + fmt::format("{:g}", xs[i]);
  if (xs.size() > kShown) s += fmt::format(", ... ({} in all)", xs.size());
  return s + "]";
}

void emit_list(YAML::Emitter& out, const std::vector<double>& xs) {
  out << YAML::Flow << YAML::BeginSeq;
  for (double x : xs) out << detail::number_text(x);
  out << YAML::EndSeq;
}
}  // namespace

std::string Distribution::describe() const {
  if (family_ == Family::discrete) {
    std::string s = "discrete(values=" + short_list(table_->values);
    if (table_->weights_given) s += ", weights=" + short_list(table_->weights);
    return s + ")";
  }
  if (family_ == Family::empirical)
    return fmt::format("empirical(n={}, min={:g}, max={:g})", table_->values.size(), support_min(),
                       support_max());
  std::string s = family() + "(";
  bool first = true;
  for (const auto& [name, v] : named_params(family_, p_)) {
    s += fmt::format("{}{}={:g}", first ? "" : ", ", name, v);
    first = false;
  }
  return s + ")";
}

void Distribution::emit(YAML::Emitter& out) const {
  if (family_ == Family::fixed) {
    out << detail::number_text(p_.a);
    return;
  }
  out << YAML::Flow << YAML::BeginMap << YAML::Key << "dist" << YAML::Value << family();
  if (table_) {
    out << YAML::Key << "values" << YAML::Value;
    emit_list(out, table_->values);
    if (table_->weights_given) {
      out << YAML::Key << "weights" << YAML::Value;
      emit_list(out, table_->weights);
    }
  }
  for (const auto& [name, v] : named_params(family_, p_))
    out << YAML::Key << name << YAML::Value << detail::number_text(v);
  out << YAML::EndMap;
}

bool operator==(const Distribution& a, const Distribution& b) {
  if (a.family_ != b.family_) return false;
  if (a.table_ || b.table_) {
    if (!a.table_ || !b.table_) return false;
    return a.table_->values == b.table_->values && a.table_->weights == b.table_->weights &&
           a.table_->weights_given == b.table_->weights_given;
  }
  return a.p_.a == b.p_.a && a.p_.b == b.p_.b && a.p_.c == b.p_.c && a.p_.d == b.p_.d;
}

}  // namespace samdsim
