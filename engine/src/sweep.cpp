// Sweep points: `sweep:` read from the config (a grid and explicit points),
// each point keyed by a hash of its values. Choosing among the points is in
// sweep_choice.cpp.
#include "samdsim/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "samdsim/error.hpp"
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
