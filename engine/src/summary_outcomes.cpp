#include "samdsim/summary_outcomes.hpp"

#include <cmath>

#include <fmt/format.h>

namespace samdsim {

namespace {

std::string percent(double p) { return std::isnan(p) ? "n/a" : fmt::format("{:.1f} %", 100.0 * p); }

std::string outcome_lines(const std::vector<Summary>& summaries, const std::string& indent) {
  std::string out;
  for (const Summary& s : summaries) {
    if (!s.labels.empty()) {
      std::string line;
      for (std::size_t c = 0; c < s.labels.size() && c < s.shares.size(); ++c)
        line += fmt::format("{}{} {}", c ? ", " : "", s.labels[c], percent(s.shares[c]));
      out += fmt::format("{}{}: {}\n", indent, s.name, line);
    }
    if (!s.event_probability.empty()) {
      std::string line;
      for (double m : printed_event_months)
        line += fmt::format("{}{:g}: {}", line.empty() ? "by month " : ", ", m, percent(s.event_by(m)));
      out += fmt::format("{}{}: {}\n", indent, s.name, line);
    }
  }
  return out;
}

}  // namespace

std::string format_outcomes(const ResultFileSummary& summary) {
  std::string body = outcome_lines(summary.summaries, "  ");
  for (const ScenarioSummary& p : summary.scenarios) {
    const std::string lines = outcome_lines(p.summaries, "    ");
    if (lines.empty()) continue;
    std::string label;
    for (std::size_t c = 0; c < summary.sweep_columns.size() && c < p.values.size(); ++c)
      label += fmt::format("{}{}={}", c ? ", " : "", summary.sweep_columns[c], p.values[c]);
    body += fmt::format("  point {} ({})\n", p.index, label) + lines;
  }
  return body.empty() ? "" : "\noutcomes (shares of all replicates; for a time to an event, the share with the event by each month)\n" + body;
}

}  // namespace samdsim
