// Parameter declarations of the demonstration model; the equations behind
// them are in docs/models/demonstration.md.
#include <limits>

#include "demonstration/demonstration.hpp"
#include "samdsim/numbers.hpp"

namespace samdsim::demonstration {

namespace {


void declare_design(Field& d) {
  d.choice("type", {"parallel", "stepped_wedge", "pre_post"},
           "parallel cluster-randomized, stepped-wedge, or pre–post in the same hospitals (period and treatment "
           "effects confounded)")
      .default_value("stepped_wedge");
  d.integer("clusters", "hospital", Range::between(1, 100000), "parallel and pre_post: hospitals in the trial")
      .optional();
  // Keys of one design type are optional without a declared default, so that
  // a resolved config (which writes every declared default) names only the
  // keys its type uses; the defaults are in their docs and in design.cpp.
  d.number("allocation_ratio", "ratio", Range::between(0.01, 100),
           "parallel: treated : control hospitals, the treated count rounded (default 1)")
      .optional();
  d.integer("baseline_periods", "period", Range::between(0, 1000),
            "periods before any hospital uses the SaMD (default: 0 parallel, 1 stepped_wedge and pre_post)")
      .optional();
  d.integer("periods", "period", Range::between(1, 1000),
            "parallel and pre_post: periods after the baseline (default 1)")
      .optional();
  d.integer("steps", "step", Range::between(1, 1000), "stepped_wedge staircase: crossover steps").optional();
  d.integer("clusters_per_step", "hospital", Range::between(1, 100000),
            "stepped_wedge staircase: hospitals crossing over at each step (default 1)")
      .optional();
  d.integer("periods_per_step", "period", Range::between(1, 1000),
            "stepped_wedge staircase: measurement periods between two steps (default 1)")
      .optional();
  d.integer("extra_periods", "period", Range::between(0, 1000),
            "stepped_wedge staircase: periods after the last step, every hospital treated (default 0)")
      .optional();
  Field& s =
      d.records("sequences", "stepped_wedge: explicit sequence matrix, one record per row, instead of the staircase");
  s.text("pattern", "one character per period: 0 control, 1 SaMD in use, . not measured (e.g. \"0011\")");
  s.integer("clusters", "hospital", Range::between(1, 100000), "hospitals following this sequence").default_value(1.0);
  d.number("period_months", "month", Range{0.0, 120.0, true, false}, "length of one measurement period")
      .default_value(1.0);
  d.integer("cases_per_period", "case", Range::nonnegative(),
            "measured cases m per hospital and period; a distribution is drawn per cluster-period (0: not "
            "measured)")
      .per_unit()
      .default_value(20.0);
}

void declare_outcome(Field& o) { declare_endpoint(o, false); }

void declare_analysis(Field& a) {
  a.choice("variance", {"known", "estimated"},
           "GLS with the true variance components (Hussey & Hughes), or with REML estimates from each trial's data")
      .default_value("estimated");
  a.choice("test", {"z", "t"}, "Wald test against the normal, or Student's t with the `df` rule").default_value("t");
  a.choice("df", {"auto", "clusters_minus_2", "within_clusters"},
           "t test degrees of freedom: hospitals - 2, or cluster-periods - hospitals - period effects; auto: "
           "hospitals - 2 for parallel designs, within_clusters otherwise")
      .default_value("auto");
  a.number("alpha", "probability", Range::between(1e-6, 0.5), "two-sided significance level").default_value(0.05);
}

void declare_costs(Field& c) {
  c.text("currency", "currency of every cost, used as the unit of the cost outputs").default_value("JPY");
  c.number("fixed", "currency", Range::nonnegative(), "programme overhead: protocol, statistics, management")
      .default_value(0.0);
  c.number("per_hospital", "currency", Range::nonnegative(), "per hospital: set-up, contracts, SaMD integration")
      .default_value(0.0);
  c.number("per_hospital_period", "currency", Range::nonnegative(),
           "per scheduled hospital-period: data collection and monitoring")
      .default_value(0.0);
  c.number("per_case", "currency", Range::nonnegative(), "per measured case").default_value(0.0);
  c.number("budget", "currency", Range{0.0, inf, false, false},
           "budget the total is held against (default: none, every design is within it)")
      .optional();
}

}  // namespace

void declare(Schema& s) {
  declare_design(s.group("design", "the trial design: type, hospitals, periods, measured cases"));
  declare_outcome(s.group("outcome", "the workflow outcome, the SaMD's effect and the variance components"));
  declare_analysis(s.group("analysis", "how each simulated trial is analysed and tested"));
  declare_costs(s.group("costs", "what the trial costs"));
  declare_decision(s.group("decision", "the roll-out decision the trial informs, for its value of information"));
  // Last, so that its parameters are drawn after every other: a config
  // without it draws exactly what it drew before the second endpoint existed.
  declare_second_outcome(s.group("second_outcome",
                                 "an optional second endpoint on the same cases (e.g. net revenue per case), "
                                 "correlated with the first, for co-primary power; switched on by its effect"));
}

}  // namespace samdsim::demonstration
