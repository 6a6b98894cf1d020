#pragma once

// What a model derived from its config before simulating: the sample sizes,
// critical values, designs and planning power behind every number of a
// run, and the warnings a valid but implausible config deserves (a study of
// 125 years, a performance goal mistyped). `samdsim validate` prints it and
// every result file stores it under /plan (a sweep: under each point).

#include <string>
#include <vector>

#include "samdsim/error.hpp"

namespace samdsim {

class Group;

// One derived quantity: numbers (one, or one per attempt, arm, stratum...)
// or a text.
struct PlanValue {
  std::string name;
  std::vector<double> values;
  std::string unit;
  std::string text;  // non-empty: a text value instead of numbers
  std::string doc;   // what it is, in a few words
};

// A group of values, stored as /plan/<name> ("studies/pivotal", "design").
struct PlanSection {
  std::string name;
  std::string title;  // the printed heading
  std::vector<PlanValue> values;

  PlanSection& add(std::string key, double value, std::string unit, std::string doc = "");
  PlanSection& add(std::string key, std::vector<double> numbers, std::string unit, std::string doc = "");
  PlanSection& add_text(std::string key, std::string text, std::string doc = "");
};

// A plan that runs but that no sponsor would run as written, with where it
// comes from in the config.
struct PlanWarning {
  Location where;
  std::string key_path;
  std::string message;
  // False for what a sweep or solve: explores on purpose (a design's power or
  // cost across sizes): reported for a single run only.
  bool in_sweeps = true;
  std::string str() const;  // "file:line:col: key.path: message"
};

struct PlanReport {
  std::vector<PlanSection> sections;
  std::vector<PlanWarning> warnings;

  PlanSection& section(std::string key, std::string title);
  // A warning located at `key` of the parameter group `g`.
  void warn(const Group& g, const std::string& key, std::string message);
  bool empty() const { return sections.empty() && warnings.empty(); }
};

// Text for people: a heading per section, a row per value ("name  value
// unit  doc"), numbers as format_number gives them (warnings apart).
std::string format_plan(const PlanReport& plan, const std::string& indent = "  ");

// The warnings as printed at validate and run: "samdsim: warning: <where>: ..."
std::string format_plan_warnings(const PlanReport& plan, const std::string& context = "");

}  // namespace samdsim
