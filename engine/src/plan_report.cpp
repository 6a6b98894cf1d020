#include "samdsim/plan_report.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "samdsim/parameters.hpp"
#include "samdsim/summary_format.hpp"

namespace samdsim {

PlanSection& PlanSection::add(std::string key, double value, std::string unit, std::string doc) {
  return add(std::move(key), std::vector<double>{value}, std::move(unit), std::move(doc));
}

PlanSection& PlanSection::add(std::string key, std::vector<double> numbers, std::string unit, std::string doc) {
  values.push_back(PlanValue{std::move(key), std::move(numbers), std::move(unit), "", std::move(doc)});
  return *this;
}

PlanSection& PlanSection::add_text(std::string key, std::string text, std::string doc) {
  values.push_back(PlanValue{std::move(key), {}, "", std::move(text), std::move(doc)});
  return *this;
}

PlanSection& PlanReport::section(std::string key, std::string title) {
  sections.push_back(PlanSection{std::move(key), std::move(title), {}});
  return sections.back();
}

void PlanReport::warn(const Group& g, const std::string& key, std::string message) {
  warnings.push_back(PlanWarning{g.location(key), g.path_of(key), std::move(message)});
}

std::string PlanWarning::str() const {
  std::string s = where.str();
  if (!key_path.empty()) s += (s.empty() ? "" : ": ") + key_path;
  return s.empty() ? message : s + ": " + message;
}

namespace {

std::string value_text(const PlanValue& v) {
  if (!v.text.empty() || v.values.empty()) return v.text;
  std::string s;
  for (double x : v.values) s += (s.empty() ? "" : ", ") + format_number(x);
  return s;
}

}  // namespace

std::string format_plan(const PlanReport& plan, const std::string& indent) {
  std::string out;
  for (const PlanSection& s : plan.sections) {
    out += s.title + "\n";
    std::size_t name_width = 0, value_width = 0;
    for (const PlanValue& v : s.values) {
      name_width = std::max(name_width, v.name.size());
      value_width = std::max(value_width, value_text(v).size() + (v.unit.empty() ? 0 : v.unit.size() + 1));
    }
    for (const PlanValue& v : s.values) {
      const std::string value = value_text(v) + (v.unit.empty() ? "" : " " + v.unit);
      std::string line = fmt::format("{}{:<{}}  {:<{}}  {}", indent, v.name, name_width, value, value_width, v.doc);
      line.erase(line.find_last_not_of(' ') + 1);
      out += line + "\n";
    }
  }
  return out;
}

std::string format_plan_warnings(const PlanReport& plan, const std::string& context) {
  std::string out;
  for (const PlanWarning& w : plan.warnings)
    out += "samdsim: warning: " + w.str() + (context.empty() ? "" : " (" + context + ")") + "\n";
  return out;
}

}  // namespace samdsim
