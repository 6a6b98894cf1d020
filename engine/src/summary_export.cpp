// Exports of a result file's summaries for scripts (JSON, RFC 4180 CSV) and
// the views `summarize` selects (one sweep point, some outputs); the tables
// for people are in summary_format.cpp.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "samdsim/error.hpp"
#include "samdsim/summary_format.hpp"

namespace samdsim {

namespace {

// Keys in the order written: the run's record first, as the table prints it.
using Json = nlohmann::ordered_json;

// JSON has no NaN or infinity: null stands for them (nlohmann writes them so).
Json json_numbers(const std::vector<double>& values) { return Json(values); }

Json json_summary(const Summary& x) {
  Json j = {{"name", x.name}, {"unit", x.unit}, {"type", std::string(type_name(x.type))}, {"n", x.n},
            {"missing", x.missing}};
  const std::pair<const char*, double> fields[] = {{"mean", x.mean}, {"sd", x.sd},   {"se", x.se},   {"min", x.min},
                                                   {"p05", x.p05},   {"p25", x.p25}, {"p50", x.p50}, {"p75", x.p75},
                                                   {"p95", x.p95},   {"max", x.max}, {"probability", x.probability}};
  for (const auto& [key, value] : fields) j[key] = value;
  if (!x.labels.empty()) {
    Json shares = Json::object();
    for (std::size_t c = 0; c < x.labels.size() && c < x.shares.size(); ++c) shares[x.labels[c]] = x.shares[c];
    j["shares"] = std::move(shares);
  }
  if (!x.event_probability.empty()) j["probability_by_month"] = json_numbers(x.event_probability);
  if (!x.per_event.empty()) {
    j["per_event"] = x.per_event;
    j["mean_per_event"] = x.mean_per_event;
  }
  return j;
}

Json json_band(const Band& b) {
  Json j = {{"name", b.name}, {"unit", b.unit}, {"axis", b.axis}, {"length", b.length}};
  const char* keys[] = {"p05", "p25", "p50", "p75", "p95"};
  for (std::size_t q = 0; q < 5; ++q) j[keys[q]] = json_numbers(b.quantiles[q]);
  if (!b.mean.empty()) j["mean"] = json_numbers(b.mean);
  return j;
}

Json json_list(const std::vector<Summary>& summaries) {
  Json out = Json::array();
  for (const Summary& x : summaries) out.push_back(json_summary(x));
  return out;
}

Json json_list(const std::vector<Band>& bands) {
  Json out = Json::array();
  for (const Band& b : bands) out.push_back(json_band(b));
  return out;
}

Json json_list(const std::vector<StoredSensitivity>& analyses) {
  Json out = Json::array();
  for (const StoredSensitivity& x : analyses) {
    Json parameters = Json::array();
    for (std::size_t i = 0; i < x.parameters.size(); ++i)
      parameters.push_back({{"name", x.parameters[i]},
                            {"spearman", x.spearman[i]},
                            {"spearman_low", x.spearman_low[i]},
                            {"spearman_high", x.spearman_high[i]},
                            {"prcc", x.prcc[i]},
                            {"prcc_low", x.prcc_low[i]},
                            {"prcc_high", x.prcc_high[i]},
                            {"first_order", x.first_order[i]},
                            {"first_order_low", x.first_order_low[i]},
                            {"first_order_high", x.first_order_high[i]},
                            {"tornado_change", x.tornado_change[i]}});
    out.push_back({{"output", x.output},
                   {"unit", x.unit},
                   {"ranked", x.ranked},
                   {"rows_used", x.rows_used},
                   {"bootstrap", x.bootstrap},
                   {"bootstrap_rows", x.bootstrap_rows},
                   {"tornado_replicates", x.tornado_replicates},
                   {"tornado_base_mean", x.tornado_base_mean},
                   {"parameters", std::move(parameters)}});
    if (!x.sobol.groups.empty()) {
      const auto& so = x.sobol;
      Json groups = Json::array();
      for (std::size_t i = 0; i < so.groups.size(); ++i)
        groups.push_back({{"name", so.groups[i]},
                          {"members", so.members[i]},
                          {"first_order", so.first[i]},
                          {"first_order_low", so.first_low[i]},
                          {"first_order_high", so.first_high[i]},
                          {"total", so.total[i]},
                          {"total_low", so.total_low[i]},
                          {"total_high", so.total_high[i]}});
      out.back()["sobol"] = {{"rows", so.rows},         {"rows_used", so.rows_used},
                             {"variance", so.variance}, {"target_width", so.target_width},
                             {"groups", std::move(groups)}};
    }
    if (!x.series.empty()) {
      out.back()["series"] = x.series;
      out.back()["month"] = x.month;
    }
  }
  return out;
}

// RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

// Full precision (shortest round trip); empty for NaN.
std::string csv_number(double x) { return std::isnan(x) ? "" : fmt::format("{}", x); }

std::string csv_row(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_field(fields[i]);
  return out + "\r\n";
}

std::vector<std::string> csv_statistics(const Summary& x) {
  return {x.name,          x.unit,          std::string(type_name(x.type)), std::to_string(x.n),
          std::to_string(x.missing), csv_number(x.mean), csv_number(x.sd), csv_number(x.se),
          csv_number(x.min), csv_number(x.p05), csv_number(x.p25), csv_number(x.p50),
          csv_number(x.p75), csv_number(x.p95), csv_number(x.max), csv_number(x.probability),
          csv_number(x.mean_per_event)};
}

const std::vector<std::string> csv_statistics_head = {"output", "unit", "type", "n",   "missing", "mean", "sd",  "se",
                                                      "min",    "p05",  "p25",  "p50", "p75",     "p95",  "max", "probability",
                                                      "mean_per_event"};

}  // namespace

std::string format_summary_json(const ResultFileSummary& summary) {
  Json j;
  j["attributes"] = Json::object();
  for (const auto& [key, value] : summary.attributes) j["attributes"][key] = value;
  j["config_yaml"] = summary.config_yaml;
  j["summaries"] = json_list(summary.summaries);
  j["bands"] = json_list(summary.bands);
  if (!summary.sensitivity.empty()) j["sensitivity"] = json_list(summary.sensitivity);
  if (!summary.scenarios.empty()) {
    j["sweep_columns"] = summary.sweep_columns;
    Json points = Json::array();
    for (const ScenarioSummary& p : summary.scenarios) {
      // The key is a 64-bit hash: as a string, so that no JSON reader rounds it.
      Json point = {{"index", p.index},
                    {"key", std::to_string(p.key)},
                    {"values", p.values},
                    {"summaries", json_list(p.summaries)},
                    {"bands", json_list(p.bands)}};
      if (!p.sensitivity.empty()) point["sensitivity"] = json_list(p.sensitivity);
      points.push_back(std::move(point));
    }
    j["scenarios"] = std::move(points);
    if (!summary.choose_rule.empty()) {
      j["choose_rule"] = summary.choose_rule;
      j["chosen"] = summary.chosen ? Json(*summary.chosen) : Json(nullptr);
    }
    if (const auto& r = summary.solve)
      j["solve"] = {{"rule", r->rule},
                    {"vary", r->vary},
                    {"output", r->output},
                    {"analytic_size", r->analytic_size},
                    {"analytic_value", r->analytic_value},
                    {"evaluations", r->evaluations},
                    {"sizes", r->sizes},
                    {"planning_values", r->planning_values},
                    {"estimates", r->estimates},
                    {"interval_low", r->interval_low},
                    {"interval_high", r->interval_high},
                    {"reason", r->reason}};
  }
  // Names and texts come from the file: bytes that are not UTF-8 become U+FFFD.
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string format_summary_csv(const ResultFileSummary& summary) {
  std::string out;
  if (summary.scenarios.empty()) {
    out += csv_row(csv_statistics_head);
    for (const Summary& x : summary.summaries) out += csv_row(csv_statistics(x));
    return out;
  }
  std::vector<std::string> head = {"point"};
  head.insert(head.end(), summary.sweep_columns.begin(), summary.sweep_columns.end());
  head.insert(head.end(), csv_statistics_head.begin(), csv_statistics_head.end());
  out += csv_row(head);
  for (const ScenarioSummary& p : summary.scenarios)
    for (const Summary& x : p.summaries) {
      std::vector<std::string> row = {std::to_string(p.index)};
      row.insert(row.end(), p.values.begin(), p.values.end());
      const auto stats = csv_statistics(x);
      row.insert(row.end(), stats.begin(), stats.end());
      out += csv_row(row);
    }
  return out;
}

ResultFileSummary point_summary(const ResultFileSummary& summary, std::size_t index, const std::string& file_name) {
  if (summary.scenarios.empty())
    throw InputError(fmt::format("--point {}: '{}' is not a sweep (it has no points)", index, file_name));
  if (index >= summary.scenarios.size())
    throw InputError(fmt::format("--point {}: '{}' has points 0..{}", index, file_name, summary.scenarios.size() - 1));
  const ScenarioSummary& p = summary.scenarios[index];
  ResultFileSummary r;
  r.attributes = summary.attributes;
  r.config_yaml = summary.config_yaml;
  r.summaries = p.summaries;
  r.bands = p.bands;
  r.sensitivity = p.sensitivity;
  std::string point = fmt::format("{} of {}", p.index, summary.scenarios.size());
  for (std::size_t c = 0; c < summary.sweep_columns.size() && c < p.values.size(); ++c)
    point += (c ? ", " : ": ") + summary.sweep_columns[c] + " = " + p.values[c];
  if (summary.chosen && *summary.chosen == index) point += " (the chosen point)";
  r.attributes["sweep_point"] = point;
  return r;
}

ResultFileSummary only_outputs(const ResultFileSummary& summary, const std::vector<std::string>& names) {
  const std::vector<Summary>& summaries = summary.scenarios.empty() ? summary.summaries : summary.scenarios.front().summaries;
  const std::vector<Band>& bands = summary.scenarios.empty() ? summary.bands : summary.scenarios.front().bands;
  std::vector<std::string> known;
  for (const Summary& x : summaries) known.push_back(x.name);
  for (const Band& b : bands) known.push_back(b.name);
  for (const std::string& name : names)
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw InputError(fmt::format("--outputs: the file has no output '{}'{}", name, did_you_mean(name, known)));
  const auto wanted = [&](const std::string& name) { return std::find(names.begin(), names.end(), name) != names.end(); };
  const auto keep = [&](auto& list) {
    list.erase(std::remove_if(list.begin(), list.end(), [&](const auto& x) { return !wanted(x.name); }), list.end());
  };
  const auto keep_analyses = [&](std::vector<StoredSensitivity>& list) {
    std::erase_if(list, [&](const StoredSensitivity& x) { return !wanted(x.output); });
  };
  ResultFileSummary r = summary;
  keep(r.summaries);
  keep(r.bands);
  keep_analyses(r.sensitivity);
  for (ScenarioSummary& p : r.scenarios) {
    keep(p.summaries);
    keep(p.bands);
    keep_analyses(p.sensitivity);
  }
  return r;
}

}  // namespace samdsim
