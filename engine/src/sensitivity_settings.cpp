#include "samdsim/sensitivity_settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "samdsim/results.hpp"
#include "samdsim/sweep.hpp"
#include "samdsim/yaml_util.hpp"

namespace samdsim {

namespace {

const std::vector<std::string> known_keys = {"method",       "outputs", "months",    "rows",
                                             "max_rows",     "target_width", "groups", "bootstrap",
                                             "tornado_replicates"};

std::uint64_t read_whole(const YAML::Node& node, const std::string& path, const std::string& file, std::uint64_t min,
                         std::uint64_t max) {
  const double v = read_number(node, path, file);
  if (std::floor(v) != v || v < static_cast<double>(min) || v > static_cast<double>(max))
    throw InputError(location_of(node, file), path,
                     fmt::format("expected a whole number from {} to {}, got {}", min, max, node.Scalar()));
  return static_cast<std::uint64_t>(v);
}

// A list, or a single item as a list of one.
std::vector<YAML::Node> items(const YAML::Node& node) {
  std::vector<YAML::Node> out;
  if (node.IsSequence())
    for (const auto& n : node) out.push_back(n);
  else
    out.push_back(node);
  return out;
}

bool valid_label(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

}  // namespace

AnalysedOutput parse_analysed_output(const std::string& text, const std::string& where) {
  AnalysedOutput o{text, text, std::nullopt};
  const auto at = text.rfind('@');
  if (at == std::string::npos) return o;
  o.output = text.substr(0, at);
  const std::string month = text.substr(at + 1);
  if (o.output.empty() || month.empty() || month.size() > 6 ||
      !std::all_of(month.begin(), month.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw InputError(fmt::format("{}: '{}' is not OUTPUT or SERIES@MONTH (a month index from 0)", where, text));
  o.month = std::stoull(month);
  o.name = o.output + "@" + std::to_string(*o.month);
  return o;
}

SensitivitySettings parse_sensitivity_settings(const YAML::Node& node, const std::string& file) {
  const std::string base = "sensitivity";
  SensitivitySettings s;
  s.where = location_of(node, file);
  if (!node.IsMap())
    throw InputError(s.where, base, "expected a mapping (method:, outputs:, rows:, groups:, ...)");
  refuse_unknown_keys(node, known_keys, base, file);
  if (node["method"]) {
    s.method = read_string(node["method"], base + ".method", file);
    if (s.method != "ranks" && s.method != "sobol")
      throw InputError(location_of(node["method"], file), base + ".method",
                       "expected ranks or sobol, got '" + s.method + "'");
  }
  if (const YAML::Node n = node["outputs"]) {
    if (n.IsMap()) throw InputError(location_of(n, file), base + ".outputs", "expected a list of output names");
    const auto list = items(n);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string path = n.IsSequence() ? index_path(base + ".outputs", i) : base + ".outputs";
      std::string name = read_string(list[i], path, file);
      try {
        name = parse_analysed_output(name, path).name;  // a month as written: 012 is 12
      } catch (const InputError& e) {
        throw InputError(location_of(list[i], file), path, e.message());
      }
      for (const auto& before : s.outputs)
        if (before == name)
          throw InputError(location_of(list[i], file), path, "output '" + name + "' is listed twice");
      s.outputs.push_back(name);
      s.output_at.push_back(location_of(list[i], file));
    }
  }
  if (const YAML::Node n = node["months"]) {
    if (n.IsMap()) throw InputError(location_of(n, file), base + ".months", "expected a list of month indexes");
    s.months_at = location_of(n, file);
    const auto list = items(n);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string path = n.IsSequence() ? index_path(base + ".months", i) : base + ".months";
      const std::uint64_t m = read_whole(list[i], path, file, 0, 100'000);
      if (std::find(s.months.begin(), s.months.end(), m) != s.months.end())
        throw InputError(location_of(list[i], file), path, fmt::format("month {} is listed twice", m));
      s.months.push_back(m);
    }
  }
  if (s.method != "sobol")
    for (const char* key : {"rows", "max_rows", "target_width", "groups"})
      if (node[key])
        throw InputError(location_of(node[key], file), child_path(base, key),
                         std::string(key) + " sets up the Saltelli design: it needs method: sobol");
  if (node["rows"]) s.rows = read_whole(node["rows"], base + ".rows", file, 3, max_sobol_rows);
  if (node["max_rows"]) s.max_rows = read_whole(node["max_rows"], base + ".max_rows", file, 3, max_sobol_rows);
  if (node["target_width"]) {
    const double w = read_number(node["target_width"], base + ".target_width", file);
    if (!(w >= 1e-6 && w <= 1.0))
      throw InputError(location_of(node["target_width"], file), base + ".target_width",
                       fmt::format("expected a width of the 95% intervals from 1e-6 to 1, got {}",
                                   node["target_width"].Scalar()));
    s.target_width = w;
  }
  if (s.rows && s.max_rows && *s.max_rows < *s.rows)
    throw InputError(location_of(node["max_rows"], file), base + ".max_rows",
                     fmt::format("max_rows {} is below rows {}", *s.max_rows, *s.rows));
  if (s.max_rows && !s.target_width)
    throw InputError(location_of(node["max_rows"], file), base + ".max_rows",
                     "max_rows bounds the growth of the design towards target_width: give target_width too");
  if (const YAML::Node n = node["groups"]) {
    if (!n.IsMap())
      throw InputError(location_of(n, file), base + ".groups", "expected a mapping LABEL: [parameter, parameter, ...]");
    for (auto it = n.begin(); it != n.end(); ++it) {
      SensitivityGroupSetting g;
      g.label = it->first.Scalar();
      const std::string path = child_path(base + ".groups", g.label);
      g.where = location_of(it->first, file);
      if (!valid_label(g.label))
        throw InputError(g.where, path, "a group label is letters, digits, '_' and '-', got '" + g.label + "'");
      if (it->second.IsMap() || it->second.IsNull())
        throw InputError(location_of(it->second, file), path, "expected a list of parameter key paths");
      const auto list = items(it->second);
      for (std::size_t i = 0; i < list.size(); ++i)
        g.parameters.push_back(read_string(list[i], it->second.IsSequence() ? index_path(path, i) : path, file));
      s.groups.push_back(std::move(g));
    }
  }
  if (node["bootstrap"]) s.bootstrap = read_whole(node["bootstrap"], base + ".bootstrap", file, 0, 100'000);
  if (node["tornado_replicates"])
    s.tornado_replicates = read_whole(node["tornado_replicates"], base + ".tornado_replicates", file, 0, 100'000'000);
  if (s.target_width && s.bootstrap && *s.bootstrap == 0)
    throw InputError(location_of(node["bootstrap"], file), base + ".bootstrap",
                     "target_width is a width of the bootstrap intervals: bootstrap must be at least 1");
  return s;
}

void check_sensitivity_outputs(const SensitivitySettings& s, const std::vector<OutputSpec>& outputs) {
  std::vector<std::string> names;
  for (const auto& o : outputs) names.push_back(o.name);
  std::vector<const OutputSpec*> series_named;  // series listed without a month
  for (std::size_t i = 0; i < s.outputs.size(); ++i) {
    const std::string path = index_path("sensitivity.outputs", i);
    const AnalysedOutput a = parse_analysed_output(s.outputs[i], path);
    const auto it = std::find_if(outputs.begin(), outputs.end(), [&](const OutputSpec& o) { return o.name == a.output; });
    if (it == outputs.end())
      throw InputError(s.output_at[i], path, "unknown output '" + a.output + "'" + did_you_mean(a.output, names));
    if (a.month && !it->is_series())
      throw InputError(s.output_at[i], path, "'" + a.output + "' is not a series: it has no months");
    if (a.month && *a.month >= it->length)
      throw InputError(s.output_at[i], path,
                       fmt::format("'{}' has months 0..{}, not {}", a.output, it->length - 1, *a.month));
    if (!a.month && it->is_series()) {
      if (s.months.empty())
        throw InputError(s.output_at[i], path,
                         fmt::format("'{}' is a series: name a month as {}@MONTH (from 0) or give months:", a.output,
                                     a.output));
      series_named.push_back(&*it);
    }
  }
  if (s.months.empty()) return;
  // The months apply to the series listed without one, or to every series.
  if (series_named.empty())
    for (const auto& o : outputs)
      if (o.is_series()) series_named.push_back(&o);
  if (series_named.empty())
    throw InputError(s.months_at, "sensitivity.months", "the model has no series output: months do not apply");
  for (const OutputSpec* o : series_named)
    for (const std::uint64_t m : s.months)
      if (m >= o->length)
        throw InputError(s.months_at, "sensitivity.months",
                         fmt::format("month {} is past the series '{}', which has months 0..{}", m, o->name,
                                     o->length - 1));
}

void emit_sensitivity_settings(YAML::Emitter& out, const SensitivitySettings& s) {
  out << YAML::BeginMap;
  out << YAML::Key << "method" << YAML::Value << s.method;
  if (!s.outputs.empty()) out << YAML::Key << "outputs" << YAML::Value << YAML::Flow << s.outputs;
  if (!s.months.empty()) out << YAML::Key << "months" << YAML::Value << YAML::Flow << s.months;
  if (s.rows) out << YAML::Key << "rows" << YAML::Value << *s.rows;
  if (s.max_rows) out << YAML::Key << "max_rows" << YAML::Value << *s.max_rows;
  if (s.target_width) out << YAML::Key << "target_width" << YAML::Value << *s.target_width;
  if (!s.groups.empty()) {
    out << YAML::Key << "groups" << YAML::Value << YAML::BeginMap;
    for (const auto& g : s.groups) out << YAML::Key << g.label << YAML::Value << YAML::Flow << g.parameters;
    out << YAML::EndMap;
  }
  if (s.bootstrap) out << YAML::Key << "bootstrap" << YAML::Value << *s.bootstrap;
  if (s.tornado_replicates) out << YAML::Key << "tornado_replicates" << YAML::Value << *s.tornado_replicates;
  out << YAML::EndMap;
}

}  // namespace samdsim
