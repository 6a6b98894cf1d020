// The sequence matrix of a design, from the staircase, the parallel
// allocation, the pre–post split or explicit sequences, with the checks that
// make the treatment effect estimable.
#include "demonstration/design.hpp"

#include <fmt/format.h>

#include <Eigen/LU>
#include <cmath>
#include <string>

namespace samdsim::demonstration {

namespace {

// A trial's cells are held per thread; designs beyond these limits, far
// larger than any hospital study, are refused rather than exhausting memory.
// Periods also set the cost of the analysis, O(periods^3) per fit: 400
// periods (daily for more than a year, weekly for seven) are planned in
// tens of milliseconds, where 1000 took most of a second to plan and
// seconds for each replicate's REML fit.
constexpr std::size_t max_periods = 400;
constexpr std::size_t max_cluster_periods = 1'000'000;

void check_periods(const Group& g, const char* key, std::size_t periods) {
  if (periods > max_periods)
    g.fail(key, fmt::format("the design has {} periods; at most {} are supported", periods, max_periods));
}

std::size_t count_of(const Group& g, const std::string& name) { return static_cast<std::size_t>(g.fixed(name)); }

std::size_t count_or(const Group& g, const std::string& name, std::size_t otherwise) {
  return g.given(name) ? count_of(g, name) : otherwise;
}

std::string row(std::size_t control, std::size_t treated) {
  return std::string(control, control_cell) + std::string(treated, treated_cell);
}

// Explicit sequences: a non-empty list (a resolved config writes an absent
// list as []).
bool has_sequences(const Group& g) { return !g.list("sequences").empty(); }

// Keys that belong to other design types are errors, not silently ignored.
void refuse_unless(const Group& g, const char* key, bool applies, const char* types) {
  const bool present = std::string(key) == "sequences" ? has_sequences(g) : g.given(key);
  if (present && !applies) g.fail(key, fmt::format("'{}' applies to {} designs only", key, types));
}

void add_sequence(Design& d, const std::string& pattern, std::size_t clusters) {
  for (std::size_t s = 0; s < d.sequences.size(); ++s)
    if (d.sequences[s] == pattern) {
      d.sequence_clusters[s] += clusters;
      return;
    }
  d.sequences.push_back(pattern);
  d.sequence_clusters.push_back(clusters);
}

void parallel(Design& d, const Group& g) {
  if (!g.given("clusters")) g.fail("clusters", "a parallel design needs 'clusters', the number of hospitals");
  const std::size_t clusters = count_of(g, "clusters");
  const double ratio = g.given("allocation_ratio") ? g.fixed("allocation_ratio") : 1.0;
  const auto treated = static_cast<std::size_t>(std::llround(static_cast<double>(clusters) * ratio / (1.0 + ratio)));
  if (treated < 1 || treated + 1 > clusters)
    g.fail(g.given("allocation_ratio") ? "allocation_ratio" : "clusters",
           fmt::format("{} clusters at allocation ratio {:g} give {} treated and {} control clusters; each arm "
                       "needs at least one",
                       clusters, ratio, treated, clusters - treated));
  const std::size_t baseline = count_or(g, "baseline_periods", 0);
  const std::size_t periods = count_or(g, "periods", 1);
  check_periods(g, "periods", baseline + periods);
  add_sequence(d, row(baseline + periods, 0), clusters - treated);
  add_sequence(d, row(baseline, periods), treated);
}

void pre_post(Design& d, const Group& g) {
  if (!g.given("clusters")) g.fail("clusters", "a pre_post design needs 'clusters', the number of hospitals");
  const std::size_t baseline = count_or(g, "baseline_periods", 1);
  if (baseline < 1) g.fail("baseline_periods", "a pre_post design needs at least one period before the SaMD");
  const std::size_t periods = count_or(g, "periods", 1);
  check_periods(g, "periods", baseline + periods);
  add_sequence(d, row(baseline, periods), count_of(g, "clusters"));
  d.period_effects = false;
}

void staircase(Design& d, const Group& g) {
  if (!g.given("steps"))
    g.fail("steps", "a stepped_wedge design needs 'steps' (with clusters_per_step) or explicit 'sequences'");
  const std::size_t steps = count_of(g, "steps");
  const std::size_t per_step = count_or(g, "clusters_per_step", 1);
  const std::size_t periods_per_step = count_or(g, "periods_per_step", 1);
  const std::size_t baseline = count_or(g, "baseline_periods", 1);
  if (baseline < 1)
    g.fail("baseline_periods",
           "a stepped-wedge staircase needs at least one baseline period: with none, the first step's clusters "
           "are treated in every period");
  const std::size_t periods = baseline + steps * periods_per_step + count_or(g, "extra_periods", 0);
  check_periods(g, "steps", periods);
  for (std::size_t s = 0; s < steps; ++s) {
    const std::size_t start = baseline + s * periods_per_step;
    add_sequence(d, row(start, periods - start), per_step);
  }
}

// Explicit sequences: one record per row of the sequence matrix.
void explicit_sequences(Design& d, const Group& g) {
  for (const char* key : {"steps", "clusters_per_step", "periods_per_step", "baseline_periods", "extra_periods"})
    if (g.given(key))
      g.fail(key, fmt::format("give either explicit 'sequences' or the staircase ('{}' and the like), not both", key));
  const auto& items = g.list("sequences");
  for (const Group& item : items) {
    const std::string& pattern = item.text("pattern");
    if (pattern.empty()) item.fail("pattern", "expected one character per period (0 control, 1 SaMD, . not measured)");
    check_periods(item, "pattern", pattern.size());
    for (std::size_t j = 0; j < pattern.size(); ++j)
      if (pattern[j] != control_cell && pattern[j] != treated_cell && pattern[j] != unmeasured_cell)
        item.fail("pattern", fmt::format("'{}' has '{}' in period {}; expected 0 (control), 1 (SaMD) or . (not "
                                         "measured)",
                                         pattern, pattern[j], j + 1));
    if (!d.sequences.empty() && pattern.size() != d.sequences.front().size())
      item.fail("pattern", fmt::format("'{}' has {} periods but the first sequence has {}; every sequence covers "
                                       "the same periods",
                                       pattern, pattern.size(), d.sequences.front().size()));
    const auto first_treated = pattern.find(treated_cell);
    if (pattern.find_first_of("01") == std::string::npos)
      item.fail("pattern", fmt::format("'{}' is never measured", pattern));
    if (first_treated == std::string::npos)
      item.fail("pattern", fmt::format("'{}' is never treated: in a stepped-wedge design every cluster crosses over "
                                       "to the SaMD (use type: parallel for control clusters)",
                                       pattern));
    if (pattern.find(control_cell) == std::string::npos)
      item.fail("pattern", fmt::format("'{}' is treated in every measured period: in a stepped-wedge design every "
                                       "cluster has a control period before it crosses over",
                                       pattern));
    const auto withdrawn = pattern.find(control_cell, first_treated);
    if (withdrawn != std::string::npos)
      item.fail("pattern", fmt::format("'{}' returns to control in period {} after the SaMD started: a stepped-wedge "
                                       "cluster stays treated once it crosses over",
                                       pattern, withdrawn + 1));
    add_sequence(d, pattern, count_of(item, "clusters"));
  }
}

// The treatment effect must be estimable beside the design's fixed effects:
// the distinct rows of the fixed-effect matrix must have full column rank.
void check_estimable(const Design& d, const Group& g, const char* key) {
  for (std::size_t j = 0; j < d.periods; ++j) {
    bool measured = false;
    for (const auto& s : d.sequences) measured = measured || s[j] != unmeasured_cell;
    if (!measured) g.fail(key, fmt::format("period {} is measured in no cluster", j + 1));
  }
  // rank(F) = rank(F'F), and F'F is p x p however many rows F has.
  const auto p = static_cast<Eigen::Index>(d.fixed_effects());
  Eigen::MatrixXd ftf = Eigen::MatrixXd::Zero(p, p);
  for (const auto& s : d.sequences)
    for (std::size_t j = 0; j < d.periods; ++j) {
      if (s[j] == unmeasured_cell) continue;
      const auto c = static_cast<Eigen::Index>(d.period_effects ? j : 0);
      const double x = s[j] == treated_cell ? 1.0 : 0.0;
      ftf(c, c) += 1.0;
      ftf(c, p - 1) += x;
      ftf(p - 1, c) += x;
      ftf(p - 1, p - 1) += x;
    }
  if (Eigen::FullPivLU<Eigen::MatrixXd>(ftf).rank() < p)
    g.fail(key,
           "the treatment effect cannot be separated from the period effects: in this sequence matrix the "
           "treatment indicator is a combination of the period indicators (for example, every cluster "
           "crosses over in the same period); stagger the crossovers, or use type: pre_post to analyse "
           "without period effects");
}

}  // namespace

Design make_design(const Group& g) {
  Design d;
  const std::string& type = g.choice("type");
  d.type = type == "parallel"   ? DesignType::parallel
           : type == "pre_post" ? DesignType::pre_post
                                : DesignType::stepped_wedge;
  const bool sw = d.type == DesignType::stepped_wedge;
  refuse_unless(g, "clusters", !sw, "parallel and pre_post");
  refuse_unless(g, "periods", !sw, "parallel and pre_post");
  refuse_unless(g, "allocation_ratio", d.type == DesignType::parallel, "parallel");
  for (const char* key : {"steps", "clusters_per_step", "periods_per_step", "extra_periods", "sequences"})
    refuse_unless(g, key, sw, "stepped_wedge");
  d.period_months = g.fixed("period_months");

  if (d.type == DesignType::parallel) parallel(d, g);
  if (d.type == DesignType::pre_post) pre_post(d, g);
  if (sw) has_sequences(g) ? explicit_sequences(d, g) : staircase(d, g);

  d.periods = d.sequences.front().size();
  for (std::size_t s = 0; s < d.sequences.size(); ++s) {
    d.clusters += d.sequence_clusters[s];
    for (char c : d.sequences[s])
      if (c != unmeasured_cell) d.scheduled_cells += d.sequence_clusters[s];
  }
  const char* key = sw ? (has_sequences(g) ? "sequences" : "steps") : "clusters";
  if (d.clusters * d.periods > max_cluster_periods)
    g.fail(key, fmt::format("the design has {} hospitals x {} periods = {} cluster-periods; at most {} are supported",
                            d.clusters, d.periods, d.clusters * d.periods, max_cluster_periods));
  check_estimable(d, g, key);
  return d;
}

}  // namespace samdsim::demonstration
