// Parameters from the config: each group's fields resolved against the
// model's schema (numbers, distributions, defaults, bounds), and written
// back out. The table they fill is in parameter_table.cpp.
#include "samdsim/parameters.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include "samdsim/yaml_util.hpp"

namespace samdsim {

namespace {
// No quantity in these models (money in yen included) comes near 10^15 in its
// unit; beyond it, costs summed over months and squared in variances lose
// their meaning or overflow. Distributions are held to it at their 10^-12 tails.
constexpr double max_parameter_magnitude = 1e15;
constexpr double magnitude_tail = 1e-12;

// A schema's distribution defaults are YAML text: parsed once per process, as
// every sweep point resolves the same defaults again.
Distribution default_distribution(const std::string& text, const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, Distribution> parsed;
  const std::lock_guard lock(mutex);
  auto it = parsed.find(text);
  if (it == parsed.end())
    it = parsed.emplace(text, Distribution::from_yaml(YAML::Load(text), path, "(default of " + path + ")")).first;
  return it->second;
}
}  // namespace

// --- Group ------------------------------------------------------------------------

const Group::Entry& Group::entry(const std::string& name, Field::Kind kind) const {
  auto it = entries_.find(name);
  const bool numeric = kind == Field::Kind::Number || kind == Field::Kind::Integer;
  if (it == entries_.end() ||
      (it->second.kind != kind &&
       !(numeric && (it->second.kind == Field::Kind::Number || it->second.kind == Field::Kind::Integer))))
    throw std::logic_error("model reads undeclared parameter '" + path_of(name) + "'");
  return it->second;
}

Param Group::number(const std::string& name) const {
  const Param p = peek(name);
  table_->mark_used(p);
  return p;
}

Param Group::peek(const std::string& name) const {
  const Entry& e = entry(name, Field::Kind::Number);
  if (e.absent) throw std::logic_error("model reads absent optional parameter '" + path_of(name) + "'");
  return e.param;
}

double Group::fixed(const std::string& name) const {
  const Distribution& d = distribution(name);
  if (!d.is_fixed())
    fail(name, "must be a single fixed value here (it shapes the plan), not a distribution (" + d.describe() + ")");
  return d.mean();
}

const Distribution& Group::distribution(const std::string& name) const {
  return table_->slot(number(name)).distribution;
}

bool Group::flag(const std::string& name) const { return entry(name, Field::Kind::Flag).flag; }
const std::string& Group::choice(const std::string& name) const { return entry(name, Field::Kind::Choice).text; }
const std::string& Group::text(const std::string& name) const { return entry(name, Field::Kind::Text).text; }
const Group& Group::group(const std::string& name) const { return *entry(name, Field::Kind::Group).group; }
const std::vector<Group>& Group::list(const std::string& name) const { return entry(name, Field::Kind::List).items; }

void Group::set_stream_stage(std::uint64_t stage) const {
  if (!owns_stream_) throw std::logic_error("group '" + path_ + "' has no stream of its own");
  table_->set_stream_stage(stream_, stage);
}

bool Group::given(const std::string& name) const {
  auto it = entries_.find(name);
  return it != entries_.end() && it->second.given;
}

Location Group::location(const std::string& name) const {
  auto it = entries_.find(name);
  return it != entries_.end() && it->second.given ? it->second.location : location_;
}

std::string Group::path_of(const std::string& name) const { return child_path(path_, name); }

void Group::fail(const std::string& name, const std::string& message) const {
  throw InputError(location(name), path_of(name), message);
}

// --- resolving -------------------------------------------------------------------

class ParameterResolver {
 public:
  ParameterResolver(std::string file, std::shared_ptr<ParameterTable> table)
      : file_(std::move(file)), table_(std::move(table)) {}

  Group resolve_group(const Field& decl, const YAML::Node& node, const std::string& path, const Location& where,
                      const std::string& skip_key = "") {
    if (node && !node.IsNull() && !node.IsMap())
      throw InputError(location_of(node, file_), path, "expected a mapping of parameters (key: value)");
    Group g;
    g.path_ = path;
    g.location_ = node && !node.IsNull() ? location_of(node, file_) : where;
    g.table_ = table_.get();
    const std::uint32_t outer_stream = stream_;
    if (decl.stream_stage()) {
      stream_ = table_->add_stream(*decl.stream_stage(), path);
      g.owns_stream_ = true;
    }
    g.stream_ = stream_;
    if (node && node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string key = it->first.Scalar();
        if (key == skip_key) continue;
        if (!decl.find(key)) {
          std::vector<std::string> names = decl.field_names();
          std::string hint = did_you_mean(key, names);
          // A parameter written one level too high (icc: beside outcome: rather than in it).
          for (const auto& f : decl.fields())
            if (hint.empty() && f->kind() == Field::Kind::Group && f->find(key))
              hint = "; it belongs in '" + f->name() + "' (" + child_path(path, f->name() + "." + key) + ")";
          throw InputError(location_of(it->first, file_), child_path(path, key),
                           "unknown parameter '" + key + "'" + hint);
        }
      }
    }
    for (const auto& f : decl.fields()) {
      const YAML::Node child = node && node.IsMap() ? node[f->name()] : YAML::Node();
      const bool given = child.IsDefined() && !child.IsNull();
      Group::Entry e{f->kind(), {}, false, "", nullptr, {}, given ? location_of(child, file_) : g.location_, given};
      resolve_field(*f, child, given, child_path(path, f->name()), g.location_, e);
      g.entries_.emplace(f->name(), std::move(e));
    }
    stream_ = outer_stream;
    return g;
  }

 private:
  [[noreturn]] void missing(const Field& f, const std::string& path, const Location& where) {
    std::string what = f.kind_name();
    if (!f.unit().empty()) what += " in " + f.unit();
    throw InputError(where, path, "missing required parameter '" + f.name() + "' (" + what + "): " + f.doc());
  }

  void resolve_field(const Field& f, const YAML::Node& node, bool given, const std::string& path,
                     const Location& parent, Group::Entry& e) {
    switch (f.kind()) {
      case Field::Kind::Number:
      case Field::Kind::Integer: {
        if (!given && f.is_optional() && !f.number_default() && !f.distribution_default()) {
          e.absent = true;
          break;
        }
        if (!given && !f.number_default() && !f.distribution_default()) missing(f, path, parent);
        Distribution d = given                   ? Distribution::from_yaml(node, path, file_)
                         : f.number_default()    ? Distribution::fixed(*f.number_default())
                                                 : default_distribution(*f.distribution_default(), path);
        if (given) check_numeric(f, d, node, path);
        e.param = table_->add(
            {path, f.unit(), std::move(d), f.kind() == Field::Kind::Integer, f.is_per_unit(), stream_});
        break;
      }
      case Field::Kind::Flag:
        if (!given && !f.flag_default()) missing(f, path, parent);
        e.flag = given ? read_bool(node, path, file_) : *f.flag_default();
        break;
      case Field::Kind::Choice:
      case Field::Kind::Text:
        if (!given && !f.text_default()) missing(f, path, parent);
        e.text = given ? read_string(node, path, file_) : *f.text_default();
        if (f.kind() == Field::Kind::Choice && given) check_choice(f, e.text, node, path);
        break;
      case Field::Kind::Group:
        e.group = std::make_shared<Group>(resolve_group(f, given ? node : YAML::Node(), path, parent));
        break;
      case Field::Kind::List: resolve_list(f, node, given, path, parent, e); break;
    }
  }

  void check_choice(const Field& f, const std::string& value, const YAML::Node& node, const std::string& path) {
    for (const auto& c : f.choices())
      if (c == value) return;
    std::string all;
    for (const auto& c : f.choices()) all += (all.empty() ? "" : ", ") + c;
    throw InputError(location_of(node, file_), path,
                     "'" + value + "' is not one of: " + all + did_you_mean(value, f.choices()));
  }

  void check_numeric(const Field& f, const Distribution& d, const YAML::Node& node, const std::string& path) {
    const Location where = location_of(node, file_);
    const Range& r = f.range();
    const std::string unit = f.unit().empty() ? "" : " " + f.unit();
    if (d.is_fixed()) {
      const double v = d.mean();
      if (!r.contains(v))
        throw InputError(where, path, fmt::format("value {:g}{} is outside the allowed range {}", v, unit, r.str()));
      if (std::fabs(v) > max_parameter_magnitude)
        throw InputError(where, path,
                         fmt::format("value {:g}{} is beyond the largest magnitude a parameter may have ({:g}): the "
                                     "model's sums and products of it would overflow",
                                     v, unit, max_parameter_magnitude));
      if (f.kind() == Field::Kind::Integer && std::floor(v) != v)
        throw InputError(where, path, fmt::format("expected a whole number, got {:g}", v));
      return;
    }
    if (f.kind() == Field::Kind::Integer && !d.is_integer_valued())
      throw InputError(where, path,
                       "a whole-number parameter needs an integer-valued distribution (poisson, negative_binomial, "
                       "bernoulli, or discrete/empirical with whole values), got " + d.family());
    // A continuous distribution never takes its support's end points, so an
    // open range end may coincide with them (lognormal for a positive value).
    const bool continuous = !d.is_integer_valued() && d.family() != "discrete" && d.family() != "empirical";
    const bool low_ok = continuous ? d.support_min() >= r.min : r.contains(d.support_min());
    const bool high_ok = continuous ? d.support_max() <= r.max : r.contains(d.support_max());
    if (!low_ok || !high_ok)
      throw InputError(where, path,
                       fmt::format("{} can take values outside the allowed range {}{} (its support is [{:g}, {:g}]); "
                                   "{}",
                                   d.describe(), r.str(), unit, d.support_min(), d.support_max(),
                                   f.kind() == Field::Kind::Integer
                                       ? "give the possible counts with discrete {values, weights}"
                                       : "bound it (beta or triangular with min/max, truncated_normal, or lognormal "
                                         "or gamma for positive quantities)"));
    check_magnitude(d, where, path, unit);
  }

  // Far tails of a distribution must stay within the magnitude limit, so that
  // no draw in any run length overflows the model's arithmetic.
  void check_magnitude(const Distribution& d, const Location& where, const std::string& path,
                       const std::string& unit) {
    // Chebyshev: at most 1e-12 of the mass lies beyond 10^6 sd of the mean,
    // so most distributions pass without computing far-tail quantiles.
    const double chebyshev_reach = std::fabs(d.mean()) + 1e6 * std::sqrt(d.variance());
    if (chebyshev_reach <= max_parameter_magnitude) return;
    double lo = 0.0, hi = 0.0;
    try {
      lo = d.quantile(magnitude_tail);
      hi = d.quantile(1.0 - magnitude_tail);
    } catch (const std::exception&) {
      // Quantiles of extreme parameters (a Poisson mean of 1e12) may not
      // converge: 8 standard deviations bound the same tails.
      const double reach = 8.0 * std::sqrt(d.variance());
      lo = d.mean() - reach;
      hi = d.mean() + reach;
    }
    if (!(std::fabs(lo) <= max_parameter_magnitude && std::fabs(hi) <= max_parameter_magnitude))
      throw InputError(where, path,
                       fmt::format("{} reaches {:g}{} one draw in 10^12, beyond the largest magnitude a parameter "
                                   "may have ({:g}): the model's sums and products of it would overflow",
                                   d.describe(), std::fabs(lo) > std::fabs(hi) ? lo : hi, unit,
                                   max_parameter_magnitude));
  }

  void resolve_list(const Field& f, const YAML::Node& node, bool given, const std::string& path,
                    const Location& parent, Group::Entry& e) {
    if (!given) {
      if (f.min_items() > 0) missing(f, path, parent);
      return;
    }
    if (!node.IsSequence()) throw InputError(location_of(node, file_), path, "expected a list (- item)");
    if (node.size() < f.min_items() || node.size() > f.max_items())
      throw InputError(location_of(node, file_), path,
                       fmt::format("expected {} to {} items, got {}", f.min_items(), f.max_items(), node.size()));
    for (std::size_t i = 0; i < node.size(); ++i) {
      const YAML::Node item = node[i];
      const std::string ipath = index_path(path, i);
      if (!item.IsMap()) throw InputError(location_of(item, file_), ipath, "expected a mapping for each item");
      if (f.discriminator().empty()) {  // records: one schema for every item
        e.items.push_back(resolve_group(*f.fields().front(), item, ipath, location_of(item, file_)));
        continue;
      }
      const YAML::Node d = item[f.discriminator()];
      std::vector<std::string> names = f.field_names();
      if (!d) {
        std::string all;
        for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
        throw InputError(location_of(item, file_), ipath, "missing '" + f.discriminator() + "' (one of: " + all + ")");
      }
      const std::string variant = read_string(d, child_path(ipath, f.discriminator()), file_);
      const Field* v = f.find(variant);
      if (!v)
        throw InputError(location_of(d, file_), child_path(ipath, f.discriminator()),
                         "unknown " + f.discriminator() + " '" + variant + "'" + did_you_mean(variant, names));
      Group g = resolve_group(*v, item, ipath, location_of(item, file_), f.discriminator());
      g.variant_ = variant;
      e.items.push_back(std::move(g));
    }
  }

  std::string file_;
  std::shared_ptr<ParameterTable> table_;
  std::uint32_t stream_ = 0;  // the parameter stream of the group being resolved
};

ResolvedParameters resolve_parameters(const Field& schema, const YAML::Node& node, const std::string& file,
                                      const Location& parent_location) {
  auto table = std::make_shared<ParameterTable>();
  ParameterResolver resolver(file, table);
  Group root = resolver.resolve_group(schema, node, "parameters", parent_location);
  return ResolvedParameters{std::move(root), std::move(table)};
}

namespace {
// `lead` is written first inside the map: a list item's discriminator.
void emit_group(YAML::Emitter& out, const Field& decl, const Group& g, const ParameterTable& table,
                const std::string& lead_key = "", const std::string& lead_value = "") {
  out << YAML::BeginMap;
  if (!lead_key.empty()) out << YAML::Key << lead_key << YAML::Value << lead_value;
  for (const auto& f : decl.fields()) {
    const std::string& n = f->name();
    out << YAML::Key << n << YAML::Value;
    switch (f->kind()) {
      case Field::Kind::Number:
      case Field::Kind::Integer:
        if (g.given(n) || f->number_default() || f->distribution_default()) {
          table.slot(g.peek(n)).distribution.emit(out);
        } else {
          out << YAML::Null;  // optional and left out: the model derives it
        }
        break;
      case Field::Kind::Flag: out << g.flag(n); break;
      case Field::Kind::Choice: out << g.choice(n); break;
      case Field::Kind::Text: out << YAML::DoubleQuoted << g.text(n); break;
      case Field::Kind::Group: emit_group(out, *f, g.group(n), table); break;
      case Field::Kind::List:
        out << YAML::BeginSeq;
        for (const Group& item : g.list(n)) {
          if (f->discriminator().empty())
            emit_group(out, *f->fields().front(), item, table);
          else
            emit_group(out, *f->find(item.variant()), item, table, f->discriminator(), item.variant());
        }
        out << YAML::EndSeq;
        break;
    }
  }
  out << YAML::EndMap;
}
}  // namespace

void emit_parameters(YAML::Emitter& out, const Field& schema, const Group& group) {
  emit_group(out, schema, group, group.table());
}

}  // namespace samdsim
