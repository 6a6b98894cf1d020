#include "samdsim/summary_format.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>

#include <fmt/format.h>

namespace samdsim {

namespace {

// Count code points, not bytes, so UTF-8 names and units line up.
std::size_t text_width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char ch) { return (ch & 0xC0) != 0x80; }));
}

std::string with_separators(double rounded) {
  const std::string digits = fmt::format("{:.0f}", std::fabs(rounded));
  std::string out = rounded < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::optional<std::uint64_t> parse_uint(const std::string& s) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// Rows of cells printed in columns as wide as their widest cell; the first
// `left` columns are left-aligned (names), the rest right-aligned (numbers).
class TextTable {
 public:
  explicit TextTable(std::size_t left) : left_(left) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  std::string render(const std::string& indent) const {
    std::vector<std::size_t> widths;
    for (const auto& row : rows_) {
      widths.resize(std::max(widths.size(), row.size()), 0);
      for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], text_width(row[c]));
    }
    std::string out;
    for (const auto& row : rows_) {
      std::string line = indent;
      for (std::size_t c = 0; c < row.size(); ++c) {
        const std::string pad(widths[c] - text_width(row[c]), ' ');
        line += c < left_ ? row[c] + pad : pad + row[c];
        if (c + 1 < row.size()) line += "  ";
      }
      line.erase(line.find_last_not_of(' ') + 1);
      out += line + "\n";
    }
    return out;
  }

 private:
  std::size_t left_;
  std::vector<std::vector<std::string>> rows_;
};

std::string attribute(const ResultFileSummary& s, const std::string& key) {
  const auto it = s.attributes.find(key);
  return it == s.attributes.end() ? "" : it->second;
}

std::string header(const ResultFileSummary& s) {
  TextTable t(2);
  const auto add = [&](const std::string& label, const std::string& value) {
    if (!value.empty()) t.add({label, value});
  };
  add("model", attribute(s, "model"));
  add("name", attribute(s, "name"));
  add("sweep point", attribute(s, "sweep_point"));
  const std::string replicates = attribute(s, "replicates");
  const auto count = parse_uint(replicates);
  add("replicates", count ? with_separators(static_cast<double>(*count)) : replicates);
  add("seed", attribute(s, "seed"));
  add("threads", attribute(s, "threads"));
  if (const std::string shards = attribute(s, "shards"); !shards.empty() && shards != "1") add("shards", shards);
  const std::string version = attribute(s, "samdsim_version");
  const std::string revision = attribute(s, "git_revision");
  add("samdsim", version.empty() || revision.empty() ? version : version + " (" + revision + ")");
  add("created", attribute(s, "created_utc"));
  if (const std::string wall = attribute(s, "wall_seconds"); !wall.empty()) {
    char* end = nullptr;
    const double seconds = std::strtod(wall.c_str(), &end);
    add("wall time", end && *end == '\0' ? format_number(seconds) + " s" : wall);
  }
  return t.render("  ");
}

// Table cells: empty for NaN.
std::string percent(double p) { return std::isnan(p) ? "" : format_percent(p, 2); }

std::string outputs_table(const ResultFileSummary& s) {
  TextTable t(2);
  const bool any_boolean =
      std::any_of(s.summaries.begin(), s.summaries.end(), [](const Summary& x) { return x.type == ValueType::Boolean; });
  const bool any_missing = std::any_of(s.summaries.begin(), s.summaries.end(), [](const Summary& x) { return x.missing > 0; });
  std::vector<std::string> head = {"output", "unit", "mean", "sd", "se", "p05", "p50", "p95"};
  if (any_boolean) head.push_back("P(true)");
  if (any_missing) head.push_back("missing");
  t.add(head);
  for (const Summary& x : s.summaries) {
    std::vector<std::string> row = {x.name,
                                    x.unit,
                                    format_number(x.mean),
                                    format_number(x.sd),
                                    format_number(x.se),
                                    format_number(x.p05),
                                    format_number(x.p50),
                                    format_number(x.p95)};
    // A category's code has no mean: its shares are printed with the outcomes.
    if (!x.labels.empty()) row = {x.name, x.unit, "(shares", "below)", "", "", "", ""};
    if (any_boolean) row.push_back(x.type == ValueType::Boolean ? percent(x.probability) : "");
    if (any_missing) row.push_back(with_separators(static_cast<double>(x.missing)));
    t.add(std::move(row));
  }
  return t.render("");
}

// Outputs named "<group>.<name>" that several groups share (a model's
// alternatives, each with the same outputs) read best side by side: one row
// per name, one column per group. Names with a further dot (a group's
// nested parts) stay in the full table only.
std::string grouped_table(const ResultFileSummary& s) {
  std::vector<std::string> groups, names;
  std::map<std::pair<std::string, std::string>, const Summary*> cells;
  for (const Summary& x : s.summaries) {
    const auto dot = x.name.find('.');
    if (dot == std::string::npos || dot == 0 || x.name.find('.', dot + 1) != std::string::npos) continue;
    const std::string group = x.name.substr(0, dot), name = x.name.substr(dot + 1);
    if (name.empty()) continue;
    if (std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    cells[{group, name}] = &x;
  }
  if (groups.size() < 2) return "";
  TextTable t(1);
  std::vector<std::string> head = {"output"};
  head.insert(head.end(), groups.begin(), groups.end());
  t.add(head);
  for (const std::string& name : names) {
    std::vector<std::string> row = {name};
    for (const std::string& group : groups) {
      const auto it = cells.find({group, name});
      const Summary* x = it == cells.end() ? nullptr : it->second;
      row.push_back(!x                                 ? ""
                    : x->type == ValueType::Boolean    ? percent(x->probability)
                    : std::isfinite(x->se) && x->se > 0 ? format_number(x->mean) + " ± " + format_number(1.96 * x->se)
                                                        : format_number(x->mean));
    }
    t.add(std::move(row));
  }
  return "\nby group (outputs <group>.<output>): mean ± 1.96 se, P(true) for true/false outputs\n" + t.render("");
}

std::string band_view(const Band& b) {
  std::string out = fmt::format("{}{} by {} ({} values)\n", b.name, b.unit.empty() ? "" : " [" + b.unit + "]",
                                b.axis.empty() ? "index" : b.axis, b.length);
  if (b.length == 0) return out;
  // First, quartile positions and last: enough to see the curve's shape.
  std::vector<std::size_t> at;
  for (std::size_t quarter = 0; quarter <= 4; ++quarter) at.push_back((b.length - 1) * quarter / 4);
  at.erase(std::unique(at.begin(), at.end()), at.end());
  TextTable t(0);
  std::vector<std::string> head = {b.axis.empty() ? "index" : b.axis, "p05", "p50", "p95"};
  if (!b.mean.empty()) head.push_back("mean");
  t.add(head);
  for (std::size_t i : at) {
    std::vector<std::string> row = {std::to_string(i), format_number(b.quantiles[0][i]), format_number(b.quantiles[2][i]),
                                    format_number(b.quantiles[4][i])};
    if (!b.mean.empty()) row.push_back(format_number(b.mean[i]));
    t.add(std::move(row));
  }
  return out + t.render("  ");
}

}  // namespace

std::string format_number(double x) {
  if (std::isnan(x)) return "n/a";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  const double ax = std::fabs(x);
  if (ax == 0.0) return "0";
  if (ax >= 1e15 || ax < 1e-4) return fmt::format("{:.4e}", x);
  if (ax >= 1e4) return with_separators(std::round(x));
  return fmt::format("{:.5g}", x);
}

std::string format_percent(double p, int decimals) {
  return std::isnan(p) ? "n/a" : fmt::format("{:.{}f} %", 100.0 * p, decimals);
}

// A sweep's table fits a terminal: one row per sweep point (its swept values,
// `*` at the chosen point), then the mean (or P(true)) of each scalar output,
// in blocks of as many output columns as fit in `sweep_table_width`
// characters; the per-point tables are in --json, --csv and --point.
namespace {

constexpr std::size_t sweep_table_width = 100;

std::string scenarios_table(const ResultFileSummary& s) {
  std::vector<std::vector<std::string>> left;  // per row: point and swept values
  std::vector<std::string> head = {"point"};
  head.insert(head.end(), s.sweep_columns.begin(), s.sweep_columns.end());
  left.push_back(head);
  for (std::size_t i = 0; i < s.scenarios.size(); ++i) {
    const ScenarioSummary& p = s.scenarios[i];
    std::vector<std::string> row = {std::to_string(p.index) + (s.chosen && *s.chosen == i ? " *" : "")};
    row.insert(row.end(), p.values.begin(), p.values.end());
    left.push_back(std::move(row));
  }
  std::size_t left_width = 0;
  for (std::size_t c = 0; c < head.size(); ++c) {
    std::size_t w = 0;
    for (const auto& row : left) w = std::max(w, c < row.size() ? text_width(row[c]) : 0);
    left_width += w + 2;
  }
  // Output columns: header and one cell per point.
  std::vector<std::vector<std::string>> columns;
  for (std::size_t k = 0; k < s.scenarios.front().summaries.size(); ++k) {
    const Summary& x = s.scenarios.front().summaries[k];
    std::vector<std::string> column = {x.type == ValueType::Boolean ? "P(" + x.name + ")"
                                                                    : x.name + (x.unit.empty() ? "" : " [" + x.unit + "]")};
    for (const ScenarioSummary& p : s.scenarios) {
      const Summary* y = k < p.summaries.size() ? &p.summaries[k] : nullptr;
      column.push_back(!y ? "" : y->type == ValueType::Boolean ? percent(y->probability) : format_number(y->mean));
    }
    columns.push_back(std::move(column));
  }
  std::string out;
  std::size_t k = 0;
  do {
    TextTable t(head.size());
    std::size_t width = left_width, end = k;
    while (end < columns.size()) {
      std::size_t w = 0;
      for (const auto& cell : columns[end]) w = std::max(w, text_width(cell));
      if (end > k && width + w > sweep_table_width) break;
      width += w + 2;
      ++end;
    }
    for (std::size_t r = 0; r < left.size(); ++r) {
      std::vector<std::string> row = left[r];
      for (std::size_t c = k; c < end; ++c) row.push_back(columns[c][r]);
      t.add(std::move(row));
    }
    out += (k ? "\n" : "") + t.render("");
    k = end;
  } while (k < columns.size());
  if (s.chosen) out += "* the chosen point\n";
  return out;
}

}  // namespace

std::string format_summary_table(const ResultFileSummary& summary) {
  std::string out = "samdsim result\n" + header(summary);
  if (!summary.scenarios.empty()) {
    out += fmt::format("\nsweep: {} points (means; booleans as P(true))\n", summary.scenarios.size());
    out += scenarios_table(summary);
    if (!summary.choose_rule.empty()) {
      out += "\nchosen: ";
      if (summary.chosen) {
        const ScenarioSummary& p = summary.scenarios.at(*summary.chosen);
        out += "point " + std::to_string(p.index);
        for (std::size_t c = 0; c < summary.sweep_columns.size(); ++c)
          out += (c ? ", " : " (") + summary.sweep_columns[c] + " = " + p.values[c] + (c + 1 == p.values.size() ? ")" : "");
      } else {
        out += "no point meets the requirements";
      }
      out += "\n  rule: " + summary.choose_rule + "\n";
      const auto listed = [&](auto pick) {
        std::string text;
        for (const ScenarioSummary& p : summary.scenarios)
          if (p.judgement && pick(*p.judgement)) text += (text.empty() ? "" : ", ") + std::to_string(p.index);
        return text;
      };
      const std::string near = listed([](const PointJudgement& j) { return j.near_threshold; });
      const std::string best = listed([](const PointJudgement& j) { return j.near_best; });
      const std::string biased = listed([](const PointJudgement& j) { return j.biased; });
      if (!best.empty()) out += "  within 5 % of the chosen point's objective: points " + best + "\n";
      if (!near.empty())
        out += "  within Monte Carlo error of a requirement (estimate less than 1.96 se from a threshold): points " + near + "\n";
      if (!biased.empty())
        out += "  left out, their estimates are biased (e.g. the effect confounded with time): points " + biased +
               (summary.choose_rule.find("biased estimates included") != std::string::npos ? " (included by the rule)"
                                                                                             : "") +
               "\n";
    }
    if (summary.solve) out += format_solve_record(*summary.solve, summary.chosen);
    return out;
  }
  if (!summary.summaries.empty()) out += "\n" + outputs_table(summary) + grouped_table(summary);
  if (!summary.bands.empty()) {
    out += "\nseries (quantiles over replicates)\n";
    for (const Band& b : summary.bands) out += band_view(b);
  }
  return out;
}

}  // namespace samdsim
