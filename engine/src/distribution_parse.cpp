// The YAML vocabulary of distributions (SPEC, "Config"): each family's
// alternative parameterisations, resolved to its one canonical form, with
// located errors for everything a user can get wrong.

#include <boost/math/distributions/normal.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <set>

#include "distribution_detail.hpp"
#include "samdsim/distribution.hpp"
#include "samdsim/numbers.hpp"
#include "samdsim/yaml_util.hpp"

namespace samdsim {

using Family = Distribution::Family;
using Params = Distribution::Params;

namespace {

constexpr const char* kPercentile = "pNN";  // stands for any percentile key: p95, p2.5, ...
constexpr const char* kExample = "{dist: normal, mean: 0, sd: 1}";

// Each family's alternative forms (sets of keys that determine it) and the
// keys it accepts in any form.
struct Syntax {
  std::vector<std::vector<std::string>> forms;
  std::vector<std::string> optional;
};

const Syntax& syntax_of(Family f) {
  static const std::vector<Syntax> table = {
      /* fixed */ {{{"value"}}, {}},
      /* uniform */ {{{"min", "max"}}, {}},
      /* normal */ {{{"mean", "sd"}}, {}},
      /* truncated_normal */ {{{"mean", "sd"}}, {"min", "max"}},
      /* lognormal */ {{{"mu", "sigma"}, {"median", kPercentile}, {"mean", "sd"}}, {}},
      /* gamma */ {{{"shape", "scale"}, {"shape", "rate"}, {"mean", "sd"}}, {}},
      /* beta */ {{{"alpha", "beta"}, {"mean", "sd"}}, {"min", "max"}},
      /* triangular */ {{{"min", "mode", "max"}}, {}},
      /* pert */ {{{"min", "mode", "max"}}, {"lambda"}},
      /* poisson */ {{{"mean"}}, {}},
      /* negative_binomial */ {{{"mean", "size"}, {"mean", "sd"}}, {}},
      /* bernoulli */ {{{"p"}}, {}},
      /* discrete */ {{{"values"}}, {"weights"}},
      /* empirical */ {{{"values"}}, {}},
  };
  return table[static_cast<std::size_t>(f)];
}

std::string join(const std::vector<std::string>& words, const std::string& last_sep) {
  std::string s;
  for (std::size_t i = 0; i < words.size(); ++i)
    s += (i == 0 ? "" : (i + 1 == words.size() ? last_sep : ", ")) + words[i];
  return s;
}

std::string form_text(const std::vector<std::string>& keys) { return "{" + join(keys, ", ") + "}"; }

std::string forms_text(const Syntax& syntax) {
  std::vector<std::string> forms;
  for (const auto& f : syntax.forms) forms.push_back(form_text(f));
  return join(forms, " or ");
}

// "p95" -> 95, "p2.5" -> 2.5; nullopt when the key is not p<number>.
std::optional<double> percentile_of(const std::string& key) {
  if (key.size() < 2 || key[0] != 'p' || !(std::isdigit(static_cast<unsigned char>(key[1])))) return {};
  const char* begin = key.c_str() + 1;
  char* end = nullptr;
  const double q = std::strtod(begin, &end);
  if (*end != '\0' || !std::isfinite(q)) return {};
  return q;
}

// A distribution map being read: its keys by canonical name, and located
// errors naming a key's value (or the map itself for what is missing).
class MapReader {
 public:
  MapReader(const YAML::Node& map, std::string path, std::string file, Family family)
      : map_(map), path_(std::move(path)), file_(std::move(file)), family_(family) {}

  std::string family_name() const { return distribution_family_names()[static_cast<std::size_t>(family_)]; }

  [[noreturn]] void fail_at(const YAML::Node& node, const std::string& key, const std::string& message) const {
    throw InputError(location_of(node, file_), key.empty() ? path_ : child_path(path_, key), message);
  }
  [[noreturn]] void fail_map(const std::string& message) const { fail_at(map_, "", message); }
  // On a key's value when given; a derived parameter is reported on the map.
  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    const std::string real = key == kPercentile ? percentile_key_ : key;
    if (map_[real]) fail_at(map_[real], real, message);
    fail_map(fmt::format("{} ({} is derived from the keys given)", message, key));
  }
  detail::ParamFailure failure() const {
    return [this](const std::string& key, const std::string& message) { fail(key, message); };
  }

  // Checks the keys against the family's forms; returns the form in use.
  std::size_t match_form() {
    const Syntax& syntax = syntax_of(family_);
    std::vector<std::string> allowed;
    for (const auto& form : syntax.forms)
      for (const auto& k : form)
        if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) allowed.push_back(k);
    allowed.insert(allowed.end(), syntax.optional.begin(), syntax.optional.end());
    std::vector<std::string> candidates = allowed;
    if (family_ == Family::lognormal) candidates.insert(candidates.end(), {"p90", "p95", "p99", "p5", "p10"});
    const auto is_allowed = [&](const std::string& k) {
      return std::find(allowed.begin(), allowed.end(), k) != allowed.end();
    };

    for (auto it = map_.begin(); it != map_.end(); ++it) {
      const std::string key = read_string(it->first, path_, file_);
      if (key == "dist") continue;
      std::string canonical = key;
      if (family_ == Family::lognormal) {
        if (const auto q = percentile_of(key)) {
          if (!(*q > 0.0 && *q < 100.0))
            fail_at(it->first, key, fmt::format("a percentile key names a percentile strictly between 0 and 100 "
                                                "(p95, p2.5, ...), got '{}'", key));
          if (*q == 50.0) fail_at(it->first, key, "p50 is the median; give the median and another percentile");
          if (!percentile_key_.empty())
            fail_at(it->first, key, fmt::format("give one percentile with the median, got both '{}' and '{}'",
                                                percentile_key_, key));
          percentile_key_ = key;
          percentile_ = *q;
          canonical = kPercentile;
        }
      }
      if (!is_allowed(canonical))
        fail_at(it->first, key, fmt::format("unknown key '{}' in a {} distribution{}; expected {}", key,
                                            family_name(), did_you_mean(key, candidates), join(allowed, " or ")));
      present_.insert(canonical);
    }

    std::vector<std::size_t> complete;
    for (std::size_t i = 0; i < syntax.forms.size(); ++i)
      if (std::all_of(syntax.forms[i].begin(), syntax.forms[i].end(), [&](const auto& k) { return has(k); }))
        complete.push_back(i);
    if (complete.empty())
      fail_map(fmt::format("missing keys: a {} distribution needs {}; got {}", family_name(), forms_text(syntax),
                           present_.empty() ? "none" : form_text({present_.begin(), present_.end()})));
    if (complete.size() > 1)
      fail_map(fmt::format("conflicting forms for a {} distribution: {} and {} are both given; give only one",
                           family_name(), form_text(syntax.forms[complete[0]]),
                           form_text(syntax.forms[complete[1]])));
    const auto& form = syntax.forms[complete[0]];
    for (const auto& k : present_) {
      const bool in_form = std::find(form.begin(), form.end(), k) != form.end();
      const bool optional = std::find(syntax.optional.begin(), syntax.optional.end(), k) != syntax.optional.end();
      if (!in_form && !optional)
        fail(k, fmt::format("'{}' conflicts with the form {} also given; a {} distribution takes {}, only one",
                            k == kPercentile ? percentile_key_ : k, form_text(form), family_name(),
                            forms_text(syntax)));
    }
    return complete[0];
  }

  bool has(const std::string& key) const { return present_.count(key) > 0; }
  double number(const std::string& key) const {
    const std::string real = key == kPercentile ? percentile_key_ : key;
    return read_number(map_[real], child_path(path_, real), file_);
  }
  double number_or(const std::string& key, double fallback) const { return has(key) ? number(key) : fallback; }
  double positive(const std::string& key) const {
    const double v = number(key);
    if (!(v > 0.0)) fail(key, fmt::format("{} must be > 0, got {}", key, detail::number_text(v)));
    return v;
  }

  std::vector<double> numbers(const std::string& key) const {
    const YAML::Node seq = map_[key];
    const std::string path = child_path(path_, key);
    if (!seq.IsSequence()) fail_at(seq, key, "expected a list of numbers such as [1, 2, 3]");
    std::vector<double> xs;
    for (std::size_t i = 0; i < seq.size(); ++i) xs.push_back(read_number(seq[i], index_path(path, i), file_));
    return xs;
  }
  const YAML::Node node(const std::string& key) const { return map_[key]; }
  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }
  const std::string& percentile_key() const { return percentile_key_; }
  double percentile() const { return percentile_; }

 private:
  const YAML::Node map_;
  std::string path_, file_;
  Family family_;
  std::set<std::string> present_;
  std::string percentile_key_;
  double percentile_ = 0.0;
};

Params parse_lognormal(const MapReader& r, std::size_t form) {
  if (form == 0) return {r.number("mu"), r.number("sigma")};
  if (form == 1) {
    const double median = r.positive("median");
    const double value = r.positive(kPercentile);
    const double q = r.percentile();
    const std::string& key = r.percentile_key();
    if (q > 50.0 && !(value > median))
      r.fail(kPercentile, fmt::format("{} must be greater than the median ({}), got {}", key,
                                      detail::number_text(median), detail::number_text(value)));
    if (q < 50.0 && !(value < median))
      r.fail(kPercentile, fmt::format("{} must be less than the median ({}), got {}", key,
                                      detail::number_text(median), detail::number_text(value)));
    const double z = boost::math::quantile(boost::math::normal_distribution<double, detail::BoostPolicy>(), q / 100.0);
    const double mu = std::log(median);
    return {mu, (std::log(value) - mu) / z};
  }
  // Moments of the lognormal: mean = exp(mu + sigma^2/2), cv^2 = exp(sigma^2) - 1.
  const double mean = r.positive("mean");
  const double sd = r.positive("sd");
  const double cv = sd / mean;
  const double sigma2 = std::log1p(cv * cv);
  return {std::log(mean) - 0.5 * sigma2, std::sqrt(sigma2)};
}

Params parse_gamma(const MapReader& r, std::size_t form) {
  if (form == 0) return {r.number("shape"), r.number("scale")};
  if (form == 1) return {r.number("shape"), 1.0 / r.positive("rate")};
  const double mean = r.positive("mean");
  const double sd = r.positive("sd");
  return {(mean / sd) * (mean / sd), sd * sd / mean};
}

Params parse_beta(const MapReader& r, std::size_t form) {
  const double lo = r.number_or("min", 0.0);
  const double hi = r.number_or("max", 1.0);
  if (!(lo < hi))
    r.fail(r.has("max") ? "max" : "min", fmt::format("max must be greater than min ({}), got {}",
                                                     detail::number_text(lo), detail::number_text(hi)));
  if (form == 0) return {r.number("alpha"), r.number("beta"), lo, hi};
  // Method of moments on the unit scale: alpha + beta = m(1-m)/s^2 - 1.
  const double mean = r.number("mean");
  const double sd = r.positive("sd");
  if (!(mean > lo && mean < hi))
    r.fail("mean", fmt::format("mean must lie strictly between min and max ({}, {}), got {}", detail::number_text(lo),
                               detail::number_text(hi), detail::number_text(mean)));
  const double range = hi - lo;
  const double m = (mean - lo) / range;
  const double s = sd / range;
  const double largest_sd = std::sqrt(m * (1.0 - m)) * range;
  if (!(s * s < m * (1.0 - m)))
    r.fail("sd", fmt::format("sd too large for a beta with mean {}: sd must be less than {:.6g} "
                             "(sqrt(mean*(1-mean)) on the [min, max] scale), got {}",
                             detail::number_text(mean), largest_sd, detail::number_text(sd)));
  const double k = m * (1.0 - m) / (s * s) - 1.0;
  return {m * k, (1.0 - m) * k, lo, hi};
}

Params parse_negative_binomial(const MapReader& r, std::size_t form) {
  if (form == 0) return {r.number("mean"), r.number("size")};
  // var = mean + mean^2/size, so size = mean^2 / (sd^2 - mean).
  const double mean = r.positive("mean");
  const double sd = r.positive("sd");
  if (!(sd * sd > mean))
    r.fail("sd", fmt::format("a negative binomial is overdispersed: sd^2 must exceed the mean, so sd must be "
                             "greater than sqrt({}) = {:.6g}, got {} (a Poisson has sd^2 = mean)",
                             detail::number_text(mean), std::sqrt(mean), detail::number_text(sd)));
  return {mean, mean * mean / (sd * sd - mean)};
}

Distribution parse_table(const MapReader& r, Family family) {
  std::vector<double> values = r.numbers("values");
  std::vector<double> weights;
  const bool weights_given = r.has("weights");
  if (weights_given) {
    weights = r.numbers("weights");
    for (std::size_t i = 0; i < weights.size(); ++i)
      if (weights[i] < 0.0)
        throw InputError(location_of(r.node("weights")[i], r.file()),
                         index_path(child_path(r.path(), "weights"), i),
                         "weights must be >= 0, got " + detail::number_text(weights[i]));
  } else {
    weights.assign(values.size(), 1.0);
  }
  detail::check_table(family, values, weights, r.failure());
  return Distribution::make_table(family, std::move(values), std::move(weights), weights_given);
}

Family family_from_map(const YAML::Node& node, const std::string& key_path, const std::string& file) {
  const auto& names = distribution_family_names();
  if (!node["dist"]) {
    std::string hint;
    for (auto it = node.begin(); it != node.end(); ++it)
      if (it->first.IsScalar() && closest_match(it->first.Scalar(), {"dist"}) == "dist")
        hint = " ('" + it->first.Scalar() + "' looks like a misspelt 'dist')";
    throw InputError(location_of(node, file), key_path,
                     "a distribution map needs a 'dist' key naming its family, one of " + join(names, " or ") + hint);
  }
  const std::string name = read_string(node["dist"], child_path(key_path, "dist"), file);
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end())
    throw InputError(location_of(node["dist"], file), child_path(key_path, "dist"),
                     fmt::format("unknown distribution '{}'{}; expected one of {}", name, did_you_mean(name, names),
                                 join(names, ", ")));
  return static_cast<Family>(it - names.begin());
}

}  // namespace

Distribution Distribution::from_yaml(const YAML::Node& node, const std::string& key_path, const std::string& file) {
  if (node.IsScalar()) {
    try {
      return fixed(read_number(node, key_path, file));
    } catch (const InputError& e) {
      throw InputError(e.where(), key_path, e.message() + "; a parameter is a number or a distribution map such as " +
                                                kExample);
    }
  }
  if (!node.IsMap()) {
    const char* got = node.IsSequence() ? "a list" : "nothing (null)";
    throw InputError(location_of(node, file), key_path,
                     fmt::format("expected a number or a distribution map such as {}, got {}", kExample, got));
  }

  const Family family = family_from_map(node, key_path, file);
  MapReader r(node, key_path, file, family);
  const std::size_t form = r.match_form();
  if (family == Family::discrete || family == Family::empirical) return parse_table(r, family);

  Params p;
  switch (family) {
    case Family::fixed: p = {r.number("value")}; break;
    case Family::uniform: p = {r.number("min"), r.number("max")}; break;
    case Family::normal: p = {r.number("mean"), r.number("sd")}; break;
    case Family::truncated_normal:
      if (!r.has("min") && !r.has("max"))
        r.fail_map("a truncated_normal needs min, max or both (without either it is a normal)");
      p = {r.number("mean"), r.number("sd"), r.number_or("min", -inf), r.number_or("max", inf)};
      break;
    case Family::lognormal: p = parse_lognormal(r, form); break;
    case Family::gamma: p = parse_gamma(r, form); break;
    case Family::beta: p = parse_beta(r, form); break;
    case Family::triangular: p = {r.number("min"), r.number("mode"), r.number("max")}; break;
    // lambda = 4 is the classic PERT weight on the mode (Vose 2008, Risk
    // Analysis, 3rd ed., section 9.1.2).
    case Family::pert: p = {r.number("min"), r.number("mode"), r.number("max"), r.number_or("lambda", 4.0)}; break;
    case Family::poisson: p = {r.number("mean")}; break;
    case Family::negative_binomial: p = parse_negative_binomial(r, form); break;
    case Family::bernoulli: p = {r.number("p")}; break;
    case Family::discrete:
    case Family::empirical: break;
  }
  detail::check_params(family, p, r.failure());
  return make(family, p);
}

}  // namespace samdsim
