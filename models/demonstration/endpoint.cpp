#include "demonstration/endpoint.hpp"

#include <fmt/format.h>

namespace samdsim::demonstration {

namespace {

void refuse(const Group& g, const char* key, const char* why) {
  if (g.given(key)) g.fail(key, why);
}

}  // namespace

void declare_endpoint(Field& o, bool keys_optional) {
  o.choice("type", {"continuous", "binary"},
           "continuous workflow measure (minutes, hours), or a share (within target time) by normal approximation")
      .default_value("continuous");
  o.text("unit", "unit of the outcome and the effect, for reports (default: none; binary: proportion)")
      .default_value("");
  Field& effect = o.number("effect", "outcome unit", Range::any(),
                           "true effect of the SaMD, treated minus control (binary: risk difference); a distribution "
                           "is its prior");
  if (keys_optional) effect.optional();
  o.number("planning_effect", "outcome unit", Range::any(),
           "effect at which power is computed (default: the mean of `effect`)")
      .optional();
  o.number("sd", "outcome unit", Range::positive(),
           "continuous: total standard deviation of one case's outcome, between hospitals and periods included")
      .optional();
  o.number("control_proportion", "probability", Range{0.0, 1.0, true, true},
           "binary: share of cases reaching the target without the SaMD")
      .optional();
  // Required as the outcome's type says (read_endpoint): the ICC, or for a
  // binary outcome Hussey & Hughes' between-hospital sd instead.
  o.number("icc", "", Range{0.0, 1.0, false, true},
           "intracluster correlation: share of the total variance between hospitals and hospital-periods")
      .optional();
  o.number("between_hospital_sd", "probability", Range::between(0.0, 0.5),
           "binary, instead of icc: sd of the hospitals' proportions (Hussey & Hughes' tau), beside the binomial "
           "p(1 - p) of one case")
      .optional();
  o.number("cac", "", Range::probability(),
           "cluster autocorrelation: share of the between-hospital variance that persists across periods (1: "
           "Hussey & Hughes' model; the default with between_hospital_sd)")
      .optional();
  o.number("trend_per_period", "outcome unit", Range::any(),
           "secular trend of the outcome per period, in every hospital with or without the SaMD")
      .default_value(0.0);
}

Endpoint read_endpoint(const Group& o) {
  Endpoint e;
  e.binary = o.choice("type") == "binary";
  e.effect = o.number("effect");
  e.planning_effect = o.given("planning_effect") ? o.fixed("planning_effect") : o.distribution("effect").mean();
  e.hussey_hughes = o.given("between_hospital_sd");
  if (e.hussey_hughes) {
    if (o.choice("type") != "binary")
      o.fail("between_hospital_sd", "'between_hospital_sd' applies to binary outcomes; give a continuous outcome's "
                                    "'icc'");
    if (o.given("icc"))
      o.fail("icc", "give either 'icc' or 'between_hospital_sd' (Hussey & Hughes' tau), not both");
    e.between_hospital_sd = o.number("between_hospital_sd");
  } else {
    if (!o.given("icc"))
      o.fail("icc", e.binary ? "the outcome needs 'icc', or for a binary outcome 'between_hospital_sd' (Hussey & "
                               "Hughes' tau)"
                             : "the outcome needs 'icc', the intracluster correlation");
    e.icc = o.number("icc");
    if (!o.given("cac")) o.fail("cac", "the outcome needs 'cac', the cluster autocorrelation (1: Hussey & Hughes)");
  }
  e.cac_given = o.given("cac");
  if (e.cac_given) e.cac = o.number("cac");
  e.trend_per_period = o.number("trend_per_period");
  if (e.binary) {
    refuse(o, "sd", "'sd' applies to continuous outcomes; a binary outcome's variance is p(1 - p)");
    if (!o.given("control_proportion"))
      o.fail("control_proportion",
             "a binary outcome needs 'control_proportion', the share reaching the target "
             "without the SaMD");
    e.control_proportion = o.number("control_proportion");
    const Distribution& p = o.distribution("control_proportion");
    const char* at = o.given("planning_effect") ? "planning_effect" : "effect";
    if (p.support_min() + e.planning_effect < 0.0 || p.support_max() + e.planning_effect > 1.0)
      o.fail(at, fmt::format("control proportion {} plus the planning effect {:g} can leave [0, 1]", p.describe(),
                             e.planning_effect));
  } else {
    refuse(o, "control_proportion", "'control_proportion' applies to binary outcomes");
    if (!o.given("sd")) o.fail("sd", "a continuous outcome needs 'sd', the standard deviation of one case's outcome");
    e.sd = o.number("sd");
  }
  e.unit = o.text("unit").empty() && e.binary ? "proportion" : o.text("unit");
  return e;
}

}  // namespace samdsim::demonstration
