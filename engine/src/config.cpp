#include "samdsim/summary_format.hpp"
#include "samdsim/config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "samdsim/correlation.hpp"
#include "samdsim/output_files.hpp"
#include "samdsim/sweep.hpp"
#include "samdsim/yaml_util.hpp"

namespace samdsim {

namespace {
const std::vector<std::string> top_level_keys = {"model",      "name",       "description",
                                                 "replicates", "seed",       "parameters", "correlations",
                                                 "sweep",      "solve",      "sensitivity"};

std::uint64_t read_count(const YAML::Node& node, const std::string& path, const std::string& file,
                         std::uint64_t min, std::uint64_t max) {
  const std::string text = read_string(node, path, file);
  try {
    return parse_count(text, "", min, max);
  } catch (const InputError& e) {
    throw InputError(location_of(node, file), path, e.message());
  }
}

std::vector<std::string> scalar_outputs(const Simulation& simulation) {
  std::vector<std::string> names;
  for (const auto& o : simulation.outputs())
    if (!o.is_series()) names.push_back(o.name);
  return names;
}

// Reads solve:, searches the model's planning values for the answer and
// returns the sweep of candidates that confirms it by simulation.
Sweep solve_sweep(Scenario& s, const YAML::Node& root, const std::string& file) {
  const Solve solve = parse_solve(root["solve"], file);
  const std::vector<std::string> outputs = scalar_outputs(*s.simulation);
  std::vector<std::string> catalogue;
  for (const auto& o : s.model->output_catalogue()) catalogue.push_back(o.name);
  const auto check_output = [&](const std::string& name, const Location& at, const std::string& path) {
    if (std::find(outputs.begin(), outputs.end(), name) != outputs.end()) return;
    if (std::find(catalogue.begin(), catalogue.end(), name) != catalogue.end())
      throw InputError(at, path,
                       "this scenario has no output '" + name + "': " + s.model->name() +
                           " produces it only with other settings (docs/models/" + s.model->name() + ".md)");
    throw InputError(at, path, "unknown output '" + name + "'" + did_you_mean(name, outputs));
  };
  const std::string goal_path = solve.maximize ? "solve.maximize" : "solve.target.output";
  check_output(solve.searched_output(), solve.goal_at, goal_path);
  for (std::size_t i = 0; i < solve.requirements.size(); ++i) {
    const auto& r = solve.requirements[i];
    check_output(r.output, Location{file, r.line, r.column}, fmt::format("solve.require[{}]", i));
  }
  if (!s.simulation->planning_value(solve.searched_output())) {
    std::string with;
    for (const auto& name : outputs)
      if (s.simulation->planning_value(name)) with += (with.empty() ? "" : ", ") + name;
    throw InputError(solve.goal_at, goal_path,
                     "the model computes no planning value of '" + solve.searched_output() +
                         "' to search with; it does for: " + (with.empty() ? "none" : with));
  }
  const auto planning_value = [&](std::int64_t size) {
    const Sweep one = sweep_over(solve.vary, {YAML::Node(size)}, solve.vary_at.line, solve.vary_at.column);
    try {
      const YAML::Node parameters = apply_sweep_point(root["parameters"], one, one.points.front(), file);
      const ResolvedParameters resolved =
          resolve_parameters(s.model->schema(), parameters, file, location_of(root, file));
      return s.model->prepare(resolved.root)
          ->planning_value(solve.searched_output())
          .value_or(std::numeric_limits<double>::quiet_NaN());
    } catch (const InputError& e) {
      // Values set by the search carry no position of their own: name vary:.
      const Location where = e.where().line > 0 ? e.where() : solve.vary_at;
      throw InputError(where, e.key_path(),
                       fmt::format("{} (with {} = {}, a size solve: evaluates)", e.message(), solve.vary, size));
    }
  };
  const AnalyticAnswer answer = solve_analytic(solve, planning_value);
  if (!answer.index) {
    const std::string why =
        solve.maximize ? fmt::format("the model gives no value of {} for any {} in [{}, {}]", solve.objective,
                                     solve.vary, solve.low, solve.high)
                       : fmt::format("no {} in [{}, {}] reaches {} by the model's planning value (at {}: {}); "
                                     "widen the range",
                                     solve.vary, solve.low, solve.high, solve.target_text(),
                                     solve.high, format_number(answer.value));
    throw InputError(solve.goal_at, goal_path, why);
  }
  s.solve = solve;
  s.solve_record = start_solve_record(solve, answer);
  return confirmation_sweep(solve, *answer.index);
}

}  // namespace

std::uint64_t parse_count(const std::string& text, const std::string& what, std::uint64_t min, std::uint64_t max) {
  const std::string prefix = what.empty() ? "" : what + ": ";
  const std::string range = "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
  const bool digits_only = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  errno = 0;
  char* end = nullptr;
  if (digits_only) {
    const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
    if (errno == ERANGE || v < min || v > max)
      throw InputError(prefix + "'" + text + "' is outside the allowed range " + range);
    return v;
  }
  // Whole numbers in exponent form (1e6) are common for counts.
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(v) || v < 0 || std::floor(v) != v)
    throw InputError(prefix + "expected a whole number, got '" + text + "'");
  if (v >= 18446744073709551616.0 || static_cast<std::uint64_t>(v) < min || static_cast<std::uint64_t>(v) > max)
    throw InputError(prefix + "'" + text + "' is outside the allowed range " + range);
  return static_cast<std::uint64_t>(v);
}

Scenario parse_scenario(const std::string& text, const std::string& file) {
  const YAML::Node root = load_yaml(text, file);
  if (!root || root.IsNull()) throw InputError(Location{file}, "", "the config is empty; it needs at least 'model:'");
  if (!root.IsMap())
    throw InputError(location_of(root, file), "", "the config must be a mapping with 'model:' and 'parameters:'");

  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
    if (std::find(top_level_keys.begin(), top_level_keys.end(), key) == top_level_keys.end())
      throw InputError(location_of(it->first, file), key,
                       "unknown key '" + key + "'" + did_you_mean(key, top_level_keys));
  }

  Scenario s;
  s.file = file;
  const YAML::Node model = root["model"];
  if (!model) {
    std::string names;
    for (const Model* m : all_models()) names += (names.empty() ? "" : ", ") + m->name();
    throw InputError(location_of(root, file), "model", "missing 'model:' (one of: " + names + ")");
  }
  const std::string model_name = read_string(model, "model", file);
  s.model = find_model(model_name);
  if (!s.model) {
    std::vector<std::string> names;
    std::string list;
    for (const Model* m : all_models()) {
      names.push_back(m->name());
      list += (list.empty() ? "" : ", ") + m->name();
    }
    throw InputError(location_of(model, file), "model",
                     "unknown model '" + model_name + "'" + did_you_mean(model_name, names) + "; models: " + list);
  }
  if (root["name"]) s.name = read_string(root["name"], "name", file);
  if (root["description"]) s.description = read_string(root["description"], "description", file);
  if (root["replicates"]) s.replicates = read_count(root["replicates"], "replicates", file, 1, max_replicates);
  if (root["seed"]) s.seed = read_count(root["seed"], "seed", file, 0, UINT64_MAX);

  s.correlations = parse_correlations(root["correlations"], file, s.warnings);
  if (root["sensitivity"]) s.sensitivity = parse_sensitivity_settings(root["sensitivity"], file);
  s.parameters = resolve_parameters(s.model->schema(), root["parameters"], file, location_of(root, file));
  const bool single = !root["sweep"] && !root["solve"];
  if (single) link_unit_correlations(*s.parameters.table, s.correlations);
  s.simulation = s.model->prepare(s.parameters.root);
  s.parameters.table->finalize();
  // A sweep's points are linked one by one below: a swept value may make a
  // correlated parameter a distribution only there.
  if (single) correlate_parameters(*s.parameters.table, s.correlations);
  if (s.sensitivity) check_sensitivity_outputs(*s.sensitivity, s.simulation->outputs());

  if (root["sweep"] && root["solve"])
    throw InputError(location_of(root["solve"], file), "solve",
                     "give either sweep: (sizes listed) or solve: (a size searched for), not both");
  if (!root["sweep"] && !root["solve"]) {
    s.points.push_back(ScenarioPoint{0, {}, s.parameters, s.simulation});
    return s;
  }
  YAML::Emitter section_text;
  section_text << (root["sweep"] ? root["sweep"] : root["solve"]);
  Sweep sweep;
  if (root["sweep"]) {
    sweep = parse_sweep(root["sweep"], file);
    s.sweep_yaml = section_text.c_str();
  } else {
    sweep = solve_sweep(s, root, file);
    s.solve_yaml = section_text.c_str();
  }
  s.sweep_columns = sweep.columns;
  // A typo in `choose` is found before the points are prepared (10^5 of them take minutes).
  const auto scalar_outputs = [](const Simulation& simulation) {
    std::vector<std::string> names;
    for (const auto& o : simulation.outputs())
      if (!o.is_series()) names.push_back(o.name);
    return names;
  };
  check_choice(sweep.choice, scalar_outputs(*s.simulation), file);
  for (std::size_t i = 0; i < sweep.points.size(); ++i) {
    const SweepPoint& sp = sweep.points[i];
    const Location at{file, sp.line, sp.column};
    ScenarioPoint p;
    p.key = sp.key;
    p.values = sp.texts;
    try {
      const YAML::Node parameters = apply_sweep_point(root["parameters"], sweep, sp, file);
      p.parameters = resolve_parameters(s.model->schema(), parameters, file, location_of(root, file));
      link_unit_correlations(*p.parameters.table, s.correlations);
      p.simulation = s.model->prepare(p.parameters.root);
      p.parameters.table->finalize();
      correlate_parameters(*p.parameters.table, s.correlations);
    } catch (const InputError& e) {
      std::string point;
      for (std::size_t c = 0; c < sweep.columns.size(); ++c)
        point += (point.empty() ? "" : ", ") + sweep.columns[c] + "=" + sp.texts[c];
      // Values set by the sweep carry no position of their own: name the point.
      const Location where = e.where().line > 0 ? e.where() : at;
      throw InputError(where, e.key_path(), e.message() + " (in sweep point " + std::to_string(i) + ": " + point + ")");
    }
    s.points.push_back(std::move(p));
  }
  s.sweep_choice = sweep.choice;
  check_choice(sweep.choice, scalar_outputs(*s.points.front().simulation), file);
  if (s.solve) {
    std::vector<double> sizes, planning_values;
    for (const ScenarioPoint& p : s.points) {
      sizes.push_back(std::strtod(p.values.front().c_str(), nullptr));
      planning_values.push_back(p.simulation->planning_value(s.solve->searched_output())
                                    .value_or(std::numeric_limits<double>::quiet_NaN()));
    }
    s.solve_record.sizes = sizes;
    s.solve_record.planning_values = planning_values;
  }
  return s;
}

// Configs are hand-written: even a large sweep fits in far less.
constexpr std::uintmax_t max_config_bytes = 16u << 20;

Scenario load_scenario(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw InputError(Location{file.string()}, "", "is a directory, not a config file");
  if (std::filesystem::exists(file, ec)) {
    // A FIFO, a device or a huge file is refused before it is read.
    try {
      files::require_regular_input(file, "config file", max_config_bytes);
    } catch (const InputError& e) {
      throw InputError(Location{file.string()}, "", e.what());
    }
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(Location{file.string()}, "", "cannot open the config file (does it exist?)");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  if (content.find('\0') != std::string::npos)
    throw InputError(Location{file.string()}, "", "not a text file (it contains NUL bytes); expected YAML or JSON");
  return parse_scenario(content, file.string());
}

std::string plan_warnings(const Scenario& s, std::size_t limit) {
  std::string out;
  for (const std::string& w : s.warnings) out += "samdsim: warning: " + w + "\n";
  std::size_t printed = 0, more = 0;
  for (std::size_t i = 0; i < s.points.size(); ++i) {
    const ScenarioPoint& p = s.points[i];
    std::string context;
    if (s.is_sweep()) {
      context = "sweep point " + std::to_string(i) + ":";
      for (std::size_t c = 0; c < s.sweep_columns.size(); ++c)
        context += (c ? ", " : " ") + s.sweep_columns[c] + "=" + p.values[c];
    }
    PlanReport plan = p.simulation->plan_report();
    for (const PlanWarning& w : plan.warnings) {
      if (s.is_sweep() && !w.in_sweeps) continue;
      if (printed == limit) {
        ++more;
        continue;
      }
      out += format_plan_warnings(PlanReport{{}, {w}}, context);
      ++printed;
    }
  }
  if (more > 0) out += fmt::format("samdsim: warning: ... and {} more warnings like these\n", more);
  return out;
}

std::string Scenario::resolved_yaml() const {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "model" << YAML::Value << model->name();
  if (!name.empty()) out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << name;
  if (!description.empty()) out << YAML::Key << "description" << YAML::Value << YAML::DoubleQuoted << description;
  out << YAML::Key << "replicates" << YAML::Value << replicates;
  out << YAML::Key << "seed" << YAML::Value << seed;
  out << YAML::Key << "parameters" << YAML::Value;
  emit_parameters(out, model->schema(), parameters.root);
  if (!correlations.empty()) {
    out << YAML::Key << "correlations" << YAML::Value;
    emit_correlations(out, correlations);
  }
  if (sensitivity) {
    out << YAML::Key << "sensitivity" << YAML::Value;
    emit_sensitivity_settings(out, *sensitivity);
  }
  if (solve)
    out << YAML::Key << "solve" << YAML::Value << YAML::Load(solve_yaml);
  else if (is_sweep())
    out << YAML::Key << "sweep" << YAML::Value << YAML::Load(sweep_yaml);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace samdsim
