#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "portfolio.hpp"
#include "samdsim/error.hpp"
#include "samdsim/knapsack.hpp"
#include "samdsim/output_files.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/yaml_util.hpp"

namespace samdsim::app {

namespace {

constexpr std::uintmax_t max_portfolio_bytes = 1u << 20;
// The frontier solves one knapsack per step: a bound on the work and on the table.
constexpr double max_frontier_steps = 1000;

void check_keys(const YAML::Node& map, const std::vector<std::string>& known, const std::string& path,
                const std::string& file) {
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end())
      throw InputError(location_of(entry.first, file), child_path(path, key),
                       fmt::format("unknown key '{}'{}; expected one of: {}", key, did_you_mean(key, known),
                                   fmt::join(known, ", ")));
  }
}

YAML::Node require_map(const YAML::Node& node, const std::string& path, const std::string& file) {
  if (!node.IsMap()) throw InputError(location_of(node, file), path, "expected a mapping");
  return node;
}

double read_nonnegative(const YAML::Node& node, const std::string& path, const std::string& file) {
  const double v = read_number(node, path, file);
  if (v < 0) throw InputError(location_of(node, file), path, fmt::format("expected a number >= 0, got {}", v));
  return v;
}

// The mean and se of `output` in a result file (or one point of a sweep).
struct OutputMean {
  double mean = 0, se = 0;
  std::string unit;
};

OutputMean read_output_mean(const ResultFileSummary& s, const std::string& file_name, std::optional<std::size_t> point,
                            const std::string& output, const Location& where, const std::string& path) {
  const std::vector<Summary>* summaries = &s.summaries;
  if (!s.scenarios.empty()) {
    if (!point)
      throw InputError(where, path,
                       fmt::format("'{}' is a sweep of {} points: give point: (0 to {})", file_name,
                                   s.scenarios.size(), s.scenarios.size() - 1));
    if (*point >= s.scenarios.size())
      throw InputError(where, path,
                       fmt::format("'{}' has points 0 to {}, not {}", file_name, s.scenarios.size() - 1, *point));
    summaries = &s.scenarios[*point].summaries;
  } else if (point) {
    throw InputError(where, path, fmt::format("'{}' is not a sweep: it has no point {}", file_name, *point));
  }
  std::vector<std::string> names;
  for (const auto& m : *summaries) {
    if (m.name == output) {
      if (!std::isfinite(m.mean))
        throw InputError(where, path, fmt::format("'{}' has no value of '{}' (every replicate missing)", file_name, output));
      return {m.mean, std::isfinite(m.se) ? m.se : 0.0, m.unit};
    }
    names.push_back(m.name);
  }
  throw InputError(where, path,
                   fmt::format("'{}' has no output '{}'{}", file_name, output, did_you_mean(output, names)));
}

Proposal read_proposal(const YAML::Node& node, const std::string& path, const Portfolio& p,
                       const std::filesystem::path& base) {
  const std::string& file = p.file;
  require_map(node, path, file);
  check_keys(node, {"name", "cost", "value", "value_se", "result", "point", "cost_output", "value_output"}, path, file);
  Proposal out;
  if (!node["name"]) throw InputError(location_of(node, file), child_path(path, "name"), "a proposal needs a name");
  out.name = read_string(node["name"], child_path(path, "name"), file);
  if (out.name.empty()) throw InputError(location_of(node["name"], file), child_path(path, "name"), "empty name");
  for (const auto& q : p.proposals)
    if (q.name == out.name)
      throw InputError(location_of(node["name"], file), child_path(path, "name"),
                       fmt::format("the name '{}' is given to two proposals", out.name));

  const auto from_file = [&](const char* key) { return static_cast<bool>(node[key]); };
  if (node["cost"] && from_file("cost_output"))
    throw InputError(location_of(node["cost_output"], file), child_path(path, "cost_output"),
                     "give cost: or cost_output:, not both");
  if (node["value"] && from_file("value_output"))
    throw InputError(location_of(node["value_output"], file), child_path(path, "value_output"),
                     "give value: or value_output:, not both");
  if (!node["cost"] && !from_file("cost_output"))
    throw InputError(location_of(node, file), child_path(path, "cost"),
                     fmt::format("proposal '{}' has no cost: give cost: (a number) or cost_output: (with result:)",
                                 out.name));
  if (!node["value"] && !from_file("value_output"))
    throw InputError(location_of(node, file), child_path(path, "value"),
                     fmt::format("proposal '{}' has no value: give value: (a number) or value_output: (with result:)",
                                 out.name));
  if ((from_file("cost_output") || from_file("value_output") || node["point"]) && !node["result"])
    throw InputError(location_of(node, file), child_path(path, "result"),
                     "cost_output:, value_output: and point: read a result file: give result: FILE.h5");
  if (node["result"] && !from_file("cost_output") && !from_file("value_output"))
    throw InputError(location_of(node["result"], file), child_path(path, "result"),
                     "result: is read only for cost_output: or value_output:");
  if (node["value_se"] && from_file("value_output"))
    throw InputError(location_of(node["value_se"], file), child_path(path, "value_se"),
                     "value_se: is for a value given as a number (a result file's se is used otherwise)");

  out.source = "given";
  if (node["cost"]) out.cost = read_nonnegative(node["cost"], child_path(path, "cost"), file);
  if (node["value"]) out.value = read_number(node["value"], child_path(path, "value"), file);
  if (node["value_se"]) out.value_se = read_nonnegative(node["value_se"], child_path(path, "value_se"), file);
  if (node["result"]) {
    const std::string rpath = child_path(path, "result");
    const std::string name = read_string(node["result"], rpath, file);
    const Location where = location_of(node["result"], file);
    std::optional<std::size_t> point;
    if (node["point"]) {
      const double v = read_nonnegative(node["point"], child_path(path, "point"), file);
      if (v != std::floor(v) || v > 1e9)
        throw InputError(location_of(node["point"], file), child_path(path, "point"), "expected a point index");
      point = static_cast<std::size_t>(v);
    }
    std::filesystem::path rfile = name;
    if (rfile.is_relative()) rfile = base / rfile;
    ResultFileSummary summary;
    try {
      summary = read_result_summary(rfile);
    } catch (const InputError& e) {
      throw InputError(where, rpath, e.what());
    }
    out.source = name + (point ? fmt::format(" point {}", *point) : "");
    if (node["cost_output"]) {
      const std::string key = child_path(path, "cost_output");
      const auto m = read_output_mean(summary, name, point, read_string(node["cost_output"], key, file),
                                      location_of(node["cost_output"], file), key);
      if (m.mean < 0)
        throw InputError(location_of(node["cost_output"], file), key, fmt::format("a negative mean cost ({})", m.mean));
      out.cost = m.mean;
    }
    if (node["value_output"]) {
      const std::string key = child_path(path, "value_output");
      const auto m = read_output_mean(summary, name, point, read_string(node["value_output"], key, file),
                                      location_of(node["value_output"], file), key);
      out.value = m.mean;
      out.value_se = m.se;
    }
  }
  return out;
}

}  // namespace

Portfolio load_portfolio(const std::string& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw InputError(Location{file}, "", "is a directory, not a portfolio file");
  try {
    files::require_regular_input(file, "portfolio file", max_portfolio_bytes);
  } catch (const InputError& e) {
    throw InputError(Location{file}, "", e.what());
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(Location{file}, "", "cannot open the portfolio file");
  std::ostringstream text;
  text << in.rdbuf();
  Portfolio p;
  p.file = file;
  p.yaml = text.str();
  if (p.yaml.find('\0') != std::string::npos) throw InputError(Location{file}, "", "not a text file (it contains NUL bytes)");
  const YAML::Node root = load_yaml(p.yaml, file);
  if (!root.IsMap()) throw InputError(location_of(root, file), "", "expected a mapping with the key portfolio:");
  check_keys(root, {"portfolio"}, "", file);
  if (!root["portfolio"]) throw InputError(Location{file}, "portfolio", "no portfolio: key");
  const YAML::Node top = require_map(root["portfolio"], "portfolio", file);
  check_keys(top, {"budget", "currency", "step", "proposals", "mutually_exclusive"}, "portfolio", file);

  if (!top["budget"]) throw InputError(location_of(top, file), "portfolio.budget", "the programme needs a budget:");
  p.budget = read_nonnegative(top["budget"], "portfolio.budget", file);
  p.currency = top["currency"] ? read_string(top["currency"], "portfolio.currency", file) : "";
  p.step = p.budget / 10;
  if (top["step"]) {
    p.step = read_number(top["step"], "portfolio.step", file);
    if (!(p.step > 0)) throw InputError(location_of(top["step"], file), "portfolio.step", "expected a number > 0");
  }
  if (p.budget > 0 && p.budget / p.step > max_frontier_steps)
    throw InputError(location_of(top["step"] ? top["step"] : top, file), "portfolio.step",
                     fmt::format("the frontier would have more than {:g} steps: give a larger step", max_frontier_steps));

  if (!top["proposals"]) throw InputError(location_of(top, file), "portfolio.proposals", "no proposals: list");
  const YAML::Node list = top["proposals"];
  if (!list.IsSequence() || list.size() == 0)
    throw InputError(location_of(list, file), "portfolio.proposals", "expected a list of one or more proposals");
  if (list.size() > knapsack_max_items)
    throw InputError(location_of(list, file), "portfolio.proposals",
                     fmt::format("{} proposals: at most {} (the exact search is exponential in the worst case)",
                                 list.size(), knapsack_max_items));
  const std::filesystem::path base = std::filesystem::path(file).parent_path();
  for (std::size_t i = 0; i < list.size(); ++i)
    p.proposals.push_back(read_proposal(list[i], index_path("portfolio.proposals", i), p, base));

  if (top["mutually_exclusive"]) {
    const YAML::Node groups = top["mutually_exclusive"];
    if (!groups.IsSequence())
      throw InputError(location_of(groups, file), "portfolio.mutually_exclusive", "expected a list of lists of names");
    std::vector<std::string> names;
    for (const auto& q : p.proposals) names.push_back(q.name);
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const std::string gpath = index_path("portfolio.mutually_exclusive", g);
      if (!groups[g].IsSequence() || groups[g].size() < 2)
        throw InputError(location_of(groups[g], file), gpath, "expected a list of two or more proposal names");
      std::vector<std::size_t> members;
      std::vector<std::string> member_names;
      for (std::size_t k = 0; k < groups[g].size(); ++k) {
        const std::string kpath = index_path(gpath, k);
        const std::string name = read_string(groups[g][k], kpath, file);
        const auto at = std::find(names.begin(), names.end(), name);
        if (at == names.end())
          throw InputError(location_of(groups[g][k], file), kpath,
                           fmt::format("no proposal is named '{}'{}", name, did_you_mean(name, names)));
        const auto index = static_cast<std::size_t>(at - names.begin());
        if (std::find(members.begin(), members.end(), index) != members.end())
          throw InputError(location_of(groups[g][k], file), kpath, fmt::format("'{}' is named twice", name));
        members.push_back(index);
        member_names.push_back(name);
      }
      p.exclusive.push_back(members);
      p.exclusive_text.push_back(fmt::format("{}", fmt::join(member_names, " | ")));
    }
  }
  return p;
}

}  // namespace samdsim::app
