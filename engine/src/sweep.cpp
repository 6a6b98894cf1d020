#include "samdsim/sweep.hpp"

#include <fmt/format.h>

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "samdsim/error.hpp"
#include "samdsim/results.hpp"
#include "samdsim/stats.hpp"
#include "samdsim/yaml_util.hpp"

namespace samdsim {

namespace {

std::string canonical(const YAML::Node& value) {
  YAML::Emitter out;
  out << YAML::Flow << value;
  return out.c_str();
}

void finish_point(SweepPoint& p, const Sweep& s) {
  std::string key_text;
  for (std::size_t c = 0; c < s.columns.size(); ++c) {
    p.texts.push_back(canonical(p.values[c]));
    key_text += s.columns[c] + "=" + p.texts.back() + "\n";
  }
  p.key = hash_text(key_text);
}

}  // namespace

SweepChoice::Requirement parse_requirement(const YAML::Node& r, const std::string& path, const std::string& file) {
  if (!r.IsMap()) throw InputError(location_of(r, file), path, "expected {output: NAME, at_least: X} or at_most:");
  refuse_unknown_keys(r, {"output", "at_least", "at_most"}, path, file);
  SweepChoice::Requirement q;
  const Location at = location_of(r, file);
  q.line = at.line;
  q.column = at.column;
  if (!r["output"]) throw InputError(at, path, "missing output:");
  q.output = read_string(r["output"], path + ".output", file);
  if (!r["at_least"] && !r["at_most"]) throw InputError(at, path, "needs at_least: and/or at_most:");
  if (r["at_least"]) q.at_least = read_number(r["at_least"], path + ".at_least", file);
  if (r["at_most"]) q.at_most = read_number(r["at_most"], path + ".at_most", file);
  return q;
}

std::vector<SweepChoice::Requirement> parse_requirements(const YAML::Node& req, const std::string& path,
                                                         const std::string& file) {
  if (!req.IsSequence()) throw InputError(location_of(req, file), path, "expected a list of requirements");
  std::vector<SweepChoice::Requirement> out;
  for (std::size_t i = 0; i < req.size(); ++i) out.push_back(parse_requirement(req[i], fmt::format("{}[{}]", path, i), file));
  return out;
}

void read_judging(const YAML::Node& node, const std::string& path, const std::string& file, SweepChoice& c) {
  if (node["confidence"]) {
    c.confidence = read_number(node["confidence"], path + ".confidence", file);
    if (!(c.confidence >= 0.0 && c.confidence < 1.0))
      throw InputError(location_of(node["confidence"], file), path + ".confidence",
                       fmt::format("expected a confidence level in [0, 1) (0: judge the point estimates), got {:g}",
                                   c.confidence));
  }
  if (node["include_biased"]) c.include_biased = read_bool(node["include_biased"], path + ".include_biased", file);
  if (node["require"]) c.requirements = parse_requirements(node["require"], path + ".require", file);
}

namespace {

SweepChoice parse_choice(const YAML::Node& node, const std::string& file) {
  const std::string path = "sweep.choose";
  if (!node.IsMap()) throw InputError(location_of(node, file), path, "expected a mapping with minimize: or maximize:");
  refuse_unknown_keys(node, {"minimize", "maximize", "require", "confidence", "include_biased"}, path, file);
  SweepChoice c;
  const Location at = location_of(node, file);
  c.line = at.line;
  c.column = at.column;
  if (node["minimize"] && node["maximize"])
    throw InputError(at, path, "give either minimize: or maximize:, not both");
  if (!node["minimize"] && !node["maximize"])
    throw InputError(at, path, "needs minimize: OUTPUT or maximize: OUTPUT");
  c.maximize = static_cast<bool>(node["maximize"]);
  c.objective = read_string(node[c.maximize ? "maximize" : "minimize"], path, file);
  read_judging(node, path, file, c);
  return c;
}

}  // namespace

std::string SweepChoice::describe() const {
  if (objective.empty()) return "";
  std::string s = first_qualifying ? "smallest " + objective : (maximize ? "maximize " : "minimize ") + objective;
  for (std::size_t i = 0; i < requirements.size(); ++i) {
    const auto& r = requirements[i];
    s += i == 0 ? " subject to " : ", ";
    if (std::isfinite(r.at_least)) s += fmt::format("{} >= {:g}", r.output, r.at_least);
    if (std::isfinite(r.at_least) && std::isfinite(r.at_most)) s += " and ";
    if (std::isfinite(r.at_most)) s += fmt::format("{} <= {:g}", r.output, r.at_most);
  }
  if (!requirements.empty())
    s += confidence > 0.0 ? fmt::format(", each met with {:g} % confidence", 100.0 * confidence)
                          : ", judged on the point estimates";
  if (include_biased) s += "; points with biased estimates included";
  return s;
}

void check_choice(const SweepChoice& choice, const std::vector<std::string>& outputs, const std::string& file) {
  if (choice.objective.empty()) return;
  auto known = [&](const std::string& name, int line, int column, const std::string& path) {
    if (std::find(outputs.begin(), outputs.end(), name) == outputs.end())
      throw InputError(Location{file, line, column}, path,
                       "unknown output '" + name + "'" + did_you_mean(name, outputs));
  };
  if (!choice.first_qualifying) known(choice.objective, choice.line, choice.column, "sweep.choose");
  for (std::size_t i = 0; i < choice.requirements.size(); ++i)
    known(choice.requirements[i].output, choice.requirements[i].line, choice.requirements[i].column,
          fmt::format("sweep.choose.require[{}]", i));
}

namespace {

// The two-sided interval of an output's mean (Wilson's for a proportion,
// which stays inside [0, 1] and holds its level near 0 and 1).
std::pair<double, double> interval(const Summary& x, double z) {
  if (z == 0.0) {
    const double v = x.type == ValueType::Boolean ? x.probability : x.mean;
    return {v, v};
  }
  if (x.type == ValueType::Boolean) {
    const double n = static_cast<double>(x.n), p = x.probability;
    if (!(n > 0)) return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
    const double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
    const double half = z / (1 + z * z / n) * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n));
    return {centre - half, centre + half};
  }
  const double se = std::isfinite(x.se) ? x.se : 0.0;
  return {x.mean - z * se, x.mean + z * se};
}

}  // namespace

std::pair<double, double> estimate_interval(const Summary& x, double confidence) {
  return interval(x, confidence > 0.0 ? boost::math::quantile(boost::math::normal(), 0.5 + confidence / 2.0) : 0.0);
}

namespace {

double estimate_of(const Summary& x) { return x.type == ValueType::Boolean ? x.probability : x.mean; }

double standard_error_of(const Summary& x) {
  if (x.type != ValueType::Boolean) return x.se;
  const double n = static_cast<double>(x.n);
  return n > 0 ? std::sqrt(x.probability * (1 - x.probability) / n) : std::numeric_limits<double>::quiet_NaN();
}

const Summary* find_summary(const std::vector<Summary>& summaries, const std::string& name) {
  for (const Summary& x : summaries)
    if (x.name == name) return &x;
  return nullptr;
}

}  // namespace

ChoiceReport choose_point(const SweepChoice& choice, const std::vector<std::vector<Summary>>& points,
                          const std::vector<OutputSpec>& outputs) {
  ChoiceReport report;
  if (choice.objective.empty()) return report;
  report.points.resize(points.size());
  // z of the two-sided interval; 0: point estimates.
  const double z = choice.confidence > 0.0
                       ? boost::math::quantile(boost::math::normal(), 0.5 + choice.confidence / 2.0)
                       : 0.0;
  double best_value = 0.0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    PointJudgement& j = report.points[i];
    for (const OutputSpec& o : outputs)
      if (o.marks_bias)
        if (const Summary* x = find_summary(points[i], o.name); x && x->probability > 0.0) j.biased = true;
    bool ok = true;
    j.margin = std::numeric_limits<double>::infinity();
    for (const auto& r : choice.requirements) {
      const Summary* x = find_summary(points[i], r.output);
      if (!x) {
        ok = false;
        continue;
      }
      const double v = estimate_of(*x), se = standard_error_of(*x);
      // "True in every replicate" (at_least 1, at_most 0 for a Boolean) is a
      // statement about the replicates run, not an estimate: no interval.
      const bool every = x->type == ValueType::Boolean && (r.at_least >= 1.0 || r.at_most <= 0.0);
      const auto [low, high] = interval(*x, every ? 0.0 : z);
      ok = ok && low >= r.at_least && high <= r.at_most;  // NaN never qualifies
      const auto side = [&](double threshold, double sign) {
        if (!std::isfinite(threshold)) return;
        const double gap = sign * (v - threshold);
        j.margin = std::min(j.margin, se > 0.0 ? gap / se : (gap >= 0 ? std::numeric_limits<double>::infinity()
                                                                      : -std::numeric_limits<double>::infinity()));
        if (!every && std::fabs(v - threshold) < std::max(z, 1.96) * se) j.near_threshold = true;
      };
      side(r.at_least, 1.0);
      side(r.at_most, -1.0);
    }
    const Summary* objective = find_summary(points[i], choice.objective);
    // In order: the earliest qualifying point wins, as the smallest index.
    const double v = choice.first_qualifying ? static_cast<double>(i)
                     : objective            ? estimate_of(*objective)
                                            : std::numeric_limits<double>::quiet_NaN();
    j.qualifies = ok && !std::isnan(v) && (!j.biased || choice.include_biased);
    if (!j.qualifies) continue;
    // Ties go to the earlier point, so the choice does not depend on anything but the values.
    if (!report.chosen || (choice.maximize ? v > best_value : v < best_value)) {
      report.chosen = i;
      best_value = v;
    }
  }
  if (report.chosen)
    for (std::size_t i = 0; i < points.size(); ++i) {
      PointJudgement& j = report.points[i];
      const Summary* objective = find_summary(points[i], choice.objective);
      // In order, there is no objective to be near.
      j.near_best = !choice.first_qualifying && j.qualifies && objective &&
                    std::fabs(estimate_of(*objective) - best_value) <= 0.05 * std::fabs(best_value);
    }
  return report;
}

std::uint64_t hash_text(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h += 0x9E3779B97F4A7C15ULL;
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
  return h ^ (h >> 31);
}

std::string strip_parameters_prefix(const std::string& path) {
  const std::string prefix = "parameters.";
  return path.rfind(prefix, 0) == 0 ? path.substr(prefix.size()) : path;
}

std::vector<std::string> split_key_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string current;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '.') {
      if (current.empty() && (parts.empty() || parts.back()[0] != '['))
        throw InputError("empty name in key path '" + path + "'");
      if (!current.empty()) parts.push_back(current);
      current.clear();
    } else if (c == '[') {
      if (!current.empty()) parts.push_back(current);
      current.clear();
      const std::size_t close = path.find(']', i);
      const std::string digits = close == std::string::npos ? "" : path.substr(i + 1, close - i - 1);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
        throw InputError("malformed index in key path '" + path + "' (expected [number])");
      parts.push_back("[" + digits + "]");
      i = close;
    } else {
      current += c;
    }
  }
  if (!current.empty()) parts.push_back(current);
  if (parts.empty() || parts.front()[0] == '[') throw InputError("malformed key path '" + path + "'");
  return parts;
}

Sweep parse_sweep(const YAML::Node& node, const std::string& file) {
  Sweep s;
  if (!node.IsMap()) throw InputError(location_of(node, file), "sweep", "expected a mapping with grid: and/or points:");
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (k != "grid" && k != "points" && k != "choose")
      throw InputError(location_of(it->first, file), "sweep." + k,
                       "unknown key '" + k + "'" + did_you_mean(k, {"grid", "points", "choose"}));
  }
  std::set<std::string> seen;
  auto add_column = [&](const YAML::Node& key, const std::string& where) {
    const std::string path = strip_parameters_prefix(read_string(key, where, file));
    try {
      split_key_path(path);
    } catch (const InputError& e) {
      throw InputError(location_of(key, file), where, e.message());
    }
    if (!seen.insert(path).second) return;
    s.columns.push_back(path);
  };

  const YAML::Node grid = node["grid"];
  std::vector<std::vector<YAML::Node>> axes;
  if (grid) {
    if (!grid.IsMap() || grid.size() == 0)
      throw InputError(location_of(grid, file), "sweep.grid", "expected a mapping of parameter path: [values]");
    for (auto it = grid.begin(); it != grid.end(); ++it) {
      const std::string where = "sweep.grid." + it->first.Scalar();
      const std::size_t before = s.columns.size();
      add_column(it->first, where);
      if (s.columns.size() == before)
        throw InputError(location_of(it->first, file), where, "this parameter is swept twice in the grid");
      if (!it->second.IsSequence() || it->second.size() == 0)
        throw InputError(location_of(it->second, file), where, "expected a non-empty list of values");
      std::vector<YAML::Node> values;
      const YAML::Node list = it->second;  // a range-for over it->second would outlive the iterator's proxy
      for (const auto& v : list) values.push_back(v);
      axes.push_back(values);
    }
  }
  const YAML::Node points = node["points"];
  if (points) {
    if (!points.IsSequence() || points.size() == 0)
      throw InputError(location_of(points, file), "sweep.points", "expected a non-empty list of points");
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (!points[i].IsMap() || points[i].size() == 0)
        throw InputError(location_of(points[i], file), fmt::format("sweep.points[{}]", i),
                         "expected a mapping of parameter path: value");
      for (auto it = points[i].begin(); it != points[i].end(); ++it)
        add_column(it->first, fmt::format("sweep.points[{}].{}", i, it->first.Scalar()));
    }
  }
  if (!grid && !points) throw InputError(location_of(node, file), "sweep", "a sweep needs grid: or points:");

  // Size check before building anything.
  double total = 1.0;
  for (const auto& a : axes) total *= static_cast<double>(a.size());
  if (!grid) total = 0.0;
  total += points ? static_cast<double>(points.size()) : 0.0;
  if (total > static_cast<double>(max_sweep_points))
    throw InputError(location_of(node, file), "sweep",
                     fmt::format("{:.0f} points is more than the {} a sweep may have", total, max_sweep_points));

  const Location where = location_of(node, file);
  // Grid points; a column the grid does not set keeps the base config's value (null here).
  if (grid) {
    std::size_t count = 1;
    for (const auto& a : axes) count *= a.size();
    for (std::size_t flat = 0; flat < count; ++flat) {
      SweepPoint p;
      p.values.assign(s.columns.size(), YAML::Node());
      std::size_t rest = flat;  // the last axis varies fastest
      for (std::size_t a = axes.size(); a-- > 0;) {
        p.values[a] = axes[a][rest % axes[a].size()];
        rest /= axes[a].size();
      }
      p.line = where.line;
      p.column = where.column;
      s.points.push_back(std::move(p));
    }
  }
  if (points) {
    for (const auto& pn : points) {
      SweepPoint p;
      p.values.assign(s.columns.size(), YAML::Node());
      for (auto it = pn.begin(); it != pn.end(); ++it) {
        const std::string path = strip_parameters_prefix(it->first.Scalar());
        for (std::size_t c = 0; c < s.columns.size(); ++c)
          if (s.columns[c] == path) p.values[c] = it->second;
      }
      const Location at = location_of(pn, file);
      p.line = at.line;
      p.column = at.column;
      s.points.push_back(std::move(p));
    }
  }
  if (node["choose"]) s.choice = parse_choice(node["choose"], file);
  std::set<std::uint64_t> keys;
  for (std::size_t i = 0; i < s.points.size(); ++i) {
    finish_point(s.points[i], s);
    if (!keys.insert(s.points[i].key).second)
      throw InputError(Location{file, s.points[i].line, s.points[i].column}, fmt::format("sweep point {}", i),
                       "this point repeats an earlier one");
  }
  return s;
}

Sweep sweep_over(const std::string& column, const std::vector<YAML::Node>& values, int line, int column_number) {
  Sweep s;
  s.columns = {column};
  for (const YAML::Node& v : values) {
    SweepPoint p;
    p.values = {v};
    p.line = line;
    p.column = column_number;
    finish_point(p, s);
    s.points.push_back(std::move(p));
  }
  return s;
}

YAML::Node apply_sweep_point(const YAML::Node& parameters, const Sweep& sweep, const SweepPoint& point,
                             const std::string& file) {
  YAML::Node root = parameters && parameters.IsMap() ? YAML::Clone(parameters) : YAML::Node(YAML::NodeType::Map);
  for (std::size_t c = 0; c < sweep.columns.size(); ++c) {
    if (!point.values[c]) continue;  // not set by this point: the base value stands
    const auto parts = split_key_path(sweep.columns[c]);
    YAML::Node node = root;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const bool last = i + 1 == parts.size();
      const std::string& part = parts[i];
      if (part[0] == '[') {
        const std::size_t index = std::stoul(part.substr(1, part.size() - 2));
        if (!node.IsSequence() || index >= node.size())
          throw InputError(Location{file, point.line, point.column}, "sweep",
                           fmt::format("'{}' names item {} of a list the config does not have", sweep.columns[c],
                                       index));
        if (last) {
          node[index] = YAML::Clone(point.values[c]);
        } else {
          YAML::Node next = node[index];
          node.reset(next);
        }
      } else {
        if (!node.IsMap() && !node.IsNull())
          throw InputError(Location{file, point.line, point.column}, "sweep",
                           "'" + sweep.columns[c] + "' goes through a value that is not a mapping");
        if (last) {
          node[part] = YAML::Clone(point.values[c]);
        } else {
          if (!node[part]) node[part] = YAML::Node(YAML::NodeType::Map);
          YAML::Node next = node[part];
          node.reset(next);
        }
      }
    }
  }
  return root;
}

}  // namespace samdsim
