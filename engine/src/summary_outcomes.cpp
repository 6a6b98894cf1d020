#include "samdsim/summary_outcomes.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "samdsim/summary_format.hpp"

namespace samdsim {

namespace {

std::string share_text(double p) { return format_percent(p, 1); }

// "head: a, b, c" in lines of at most `width` characters, items never split,
// continuation lines indented under the first item.
std::string wrapped(const std::string& indent, const std::string& head, const std::vector<std::string>& items) {
  constexpr std::size_t width = 100;
  std::string out = indent + head + ":";
  std::size_t line = out.size();
  const std::size_t hang = std::min<std::size_t>(indent.size() + 4, 24);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string item = items[i] + (i + 1 < items.size() ? "," : "");
    if (line > hang && line + 1 + item.size() > width) {
      out += "\n" + std::string(hang, ' ');
      line = hang;
    } else {
      out += ' ';
      ++line;
    }
    out += item;
    line += item.size();
  }
  return out + "\n";
}

std::string outcome_lines(const std::vector<Summary>& summaries, const std::string& indent) {
  std::string out;
  for (const Summary& s : summaries) {
    if (!s.labels.empty()) {
      std::vector<std::string> items;
      // Categories that never occurred are left out, except the first.
      for (std::size_t c = 0; c < s.labels.size() && c < s.shares.size(); ++c)
        if (c == 0 || s.shares[c] != 0.0) items.push_back(s.labels[c] + " " + share_text(s.shares[c]));
      out += wrapped(indent, s.name, items);
    }
    if (!s.per_event.empty())
      out += wrapped(indent, s.name + " per " + s.per_event,
                     {format_number(s.mean_per_event) + (s.unit.empty() ? "" : " " + s.unit)});
    if (!s.event_probability.empty()) {
      std::vector<std::string> items;
      for (double m : printed_event_months)
        items.push_back(fmt::format("{}{:g}: {}", items.empty() ? "by month " : "", m, share_text(s.event_by(m))));
      out += wrapped(indent, s.name, items);
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
  return body.empty() ? ""
                      : "\noutcomes (shares of all replicates; a time to an event: the share with the event by each "
                        "month;\n          x per an event: E[x] / P(event), over all replicates)\n" +
                            body;
}

}  // namespace samdsim
