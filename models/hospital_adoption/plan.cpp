// Turns validated parameters into a Plan: reads the parameter handles, lays
// the hospitals of every stratum out in one population, and checks what the
// schema's ranges cannot (population size, budget months, the horizon).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "hospital_adoption/hospital_adoption.hpp"

namespace samdsim::hospital_adoption {

namespace {

// "4" or "4, 10" -> the calendar months (0-11) in which hospitals decide.
std::array<bool, 12> parse_budget_months(const Group& a) {
  std::array<bool, 12> months{};
  const std::string& text = a.text("budget_months");
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t end = text.find(',', i);
    std::string item = text.substr(i, end == std::string::npos ? std::string::npos : end - i);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    const bool digits = !item.empty() && item.size() <= 2 && item.find_first_not_of("0123456789") == std::string::npos;
    const int month = digits ? std::stoi(item) : 0;
    if (month < 1 || month > 12)
      a.fail("budget_months", "expected calendar months 1-12 separated by commas (e.g. \"4\" or \"4,10\"), got '" +
                                  text + "'");
    months[static_cast<std::size_t>(month - 1)] = true;
    if (end == std::string::npos) break;
    i = end + 1;
    if (i == text.size()) a.fail("budget_months", "a comma must be followed by a month, got '" + text + "'");
  }
  return months;
}

// Decisions in a budget month cover the hazard of the months since the
// previous budget month, so a yearly budget round does not slow adoption
// twelvefold, it bunches it.
void set_decision_windows(Plan& plan, const Group& a) {
  const std::array<bool, 12> budget = parse_budget_months(a);
  plan.budget_gated = false;
  for (bool b : budget) plan.budget_gated = plan.budget_gated || b;
  for (std::size_t m = 0; m < 12; ++m) {
    if (!plan.budget_gated) {
      plan.decision_window[m] = 1;
      continue;
    }
    if (!budget[m]) {
      plan.decision_window[m] = 0;
      continue;
    }
    int back = 1;
    while (!budget[(m + 12 - static_cast<std::size_t>(back)) % 12]) ++back;
    plan.decision_window[m] = back;  // 12 when it is the only budget month
  }
  plan.usual_window = 0;
  for (int window : plan.decision_window) {
    if (window == 0) continue;
    if (plan.usual_window == 0) plan.usual_window = window;
    if (window != plan.usual_window) {
      plan.usual_window = 0;
      break;
    }
  }
}

StratumPlan read_stratum(const Group& g, std::size_t index) {
  StratumPlan s;
  s.name = g.text("name").empty() ? "stratum " + std::to_string(index) : g.text("name");
  s.count = static_cast<std::size_t>(g.fixed("count"));
  s.annual_cases = &g.distribution("annual_cases");
  s.staff_fte = &g.distribution("staff_fte");
  s.hours_per_fte_month = g.number("hours_per_fte_month");
  s.wage_per_hour = g.number("wage_per_hour");
  s.overtime_premium = g.number("overtime_premium");
  s.reimbursement_per_case = g.number("reimbursement_per_case");
  s.eligible_share = g.number("eligible_share");
  s.addon_billing_share = g.number("addon_billing_share");
  s.licence_per_month = g.number("licence_per_month");
  s.backlog_share = g.number("backlog_share");
  s.procedure_uplift = g.peek("procedure_uplift");
  return s;
}

void read_adoption(Plan& plan, const Group& a) {
  plan.bass_p = a.number("bass_p_per_year");
  plan.bass_q = a.number("bass_q_per_year");
  plan.imitation = a.choice("imitation") == "stratum" ? Imitation::stratum : Imitation::overall;
  set_decision_windows(plan, a);
  const std::string& kind = a.choice("attractiveness");
  plan.attractiveness = kind == "payback" ? Attractiveness::payback
                        : kind == "roi"   ? Attractiveness::roi
                                          : Attractiveness::none;
  if (plan.attractiveness != Attractiveness::none) plan.attractiveness_floor = a.number("attractiveness_floor");
  if (plan.attractiveness == Attractiveness::payback) {
    plan.payback_threshold = a.number("payback_threshold_months");
    plan.payback_scale = a.number("payback_scale_months");
  } else if (plan.attractiveness == Attractiveness::roi) {
    plan.roi_threshold = a.number("roi_threshold");
    plan.roi_scale = a.number("roi_scale");
    plan.roi_horizon = a.number("roi_horizon_months");
  }
  plan.implementation_lag = &a.distribution("implementation_lag_months");
}

Conversion read_conversion(const std::string& scenario, const std::string& vendor) {
  if (vendor == "same" || vendor == scenario) return Conversion::none;
  return vendor == "USD" ? Conversion::usd_to_jpy : Conversion::jpy_to_usd;
}

}  // namespace

// A correlations: block over per-unit parameters is drawn here when its
// parameters are what each hospital draws together: one stratum's
// annual_cases and staff_fte (then only that stratum's hospitals draw it),
// money.integration_cost and workflow.minutes_per_case (every hospital's,
// when the block names no stratum).
void claim_unit_correlations(const Group& p, Plan& plan) {
  using Field = StratumPlan::UnitCorrelation::Field;
  const ParameterTable& table = p.table();
  if (table.unit_copulas().empty()) return;
  const auto& strata = p.list("strata");
  const std::uint32_t integration = p.group("money").peek("integration_cost").slot;
  const std::uint32_t minutes = p.group("workflow").peek("minutes_per_case").slot;
  for (const ParameterTable::UnitCopula& c : table.unit_copulas()) {
    std::optional<std::size_t> stratum;
    std::vector<Field> fields;
    std::string foreign;  // a parameter no hospital draws with the others
    for (const std::uint32_t slot : c.slots) {
      if (slot == integration) {
        fields.push_back(Field::integration_cost);
        continue;
      }
      if (slot == minutes) {
        fields.push_back(Field::minutes_per_case);
        continue;
      }
      std::optional<std::size_t> owner;
      for (std::size_t k = 0; k < strata.size() && !owner; ++k) {
        if (slot == strata[k].peek("annual_cases").slot) fields.push_back(Field::annual_cases), owner = k;
        if (!owner && slot == strata[k].peek("staff_fte").slot) fields.push_back(Field::staff_fte), owner = k;
      }
      if (!owner) {
        foreign = table.slot(Param{slot}).path;
        continue;
      }
      if (stratum && *stratum != *owner)
        throw InputError(c.where, c.key_path,
                         fmt::format("names the attributes of strata {} and {}: each hospital belongs to one "
                                     "stratum, so a per-hospital block holds one stratum's annual_cases and "
                                     "staff_fte (with money.integration_cost and workflow.minutes_per_case)",
                                     *stratum, *owner));
      stratum = owner;
    }
    if (fields.empty()) continue;  // none of its parameters is drawn here
    if (!foreign.empty())
      throw InputError(c.where, c.key_path,
                       "'" + foreign +
                           "' is not drawn with a hospital's attributes: a per-hospital block holds one stratum's "
                           "annual_cases and staff_fte, money.integration_cost and workflow.minutes_per_case");
    const auto known = std::find(plan.unit_copulas.begin(), plan.unit_copulas.end(), &c);
    const auto stream = static_cast<std::size_t>(known - plan.unit_copulas.begin());
    if (known == plan.unit_copulas.end()) plan.unit_copulas.push_back(&c);
    for (std::size_t k = 0; k < strata.size(); ++k)
      if (!stratum || *stratum == k) plan.strata[k].unit_correlations.push_back({&c, stream, fields});
    c.claimed = true;
  }
}

Plan make_plan(const Group& p) {
  Plan plan;
  plan.currency = p.choice("currency");
  plan.horizon = static_cast<std::size_t>(p.fixed("horizon_months"));
  plan.start_calendar_month = static_cast<int>(p.fixed("start_calendar_month"));
  plan.launch_month = p.number("launch_month");
  plan.discount_rate = p.number("discount_rate_per_year");

  const auto& strata = p.list("strata");
  double total = 0.0;
  for (std::size_t i = 0; i < strata.size(); ++i) {
    StratumPlan s = read_stratum(strata[i], i);
    s.first = plan.hospitals;
    plan.hospitals += s.count;
    total += static_cast<double>(s.count);
    plan.strata.push_back(std::move(s));
  }
  if (total > max_hospitals)
    p.fail("strata", "the strata hold " + std::to_string(plan.hospitals) + " hospitals in total; at most " +
                         std::to_string(static_cast<long>(max_hospitals)) + " are allowed");
  if (plan.hospitals == 0) p.fail("strata", "the strata hold no hospitals: give at least one stratum a count above 0");

  read_adoption(plan, p.group("adoption"));

  const Group& c = p.group("churn");
  plan.churn_base = c.number("base_per_month");
  plan.churn_negative = c.number("negative_benefit_per_month");
  plan.minimum_term = static_cast<int>(c.fixed("minimum_term_months"));

  const Group& w = p.group("workflow");
  plan.negative_binomial = w.choice("case_counts") == "negative_binomial";
  if (plan.negative_binomial) plan.overdispersion_size = w.number("overdispersion_size");
  plan.seasonality_amplitude = w.number("seasonality_amplitude");
  plan.seasonality_peak = static_cast<int>(w.fixed("seasonality_peak_month"));
  plan.minutes_per_case = &w.distribution("minutes_per_case");
  plan.minutes_per_case_cv = w.number("minutes_per_case_cv");
  plan.effect = w.number("effect");
  plan.effect_concentration = w.number("effect_concentration");
  plan.max_utilisation = w.number("max_utilisation");

  const Group& m = p.group("money");
  plan.addon_per_case = m.number("addon_per_case");
  plan.addon_until = m.given("addon_until_month") ? static_cast<int>(m.fixed("addon_until_month"))
                                                  : static_cast<int>(plan.horizon);
  plan.margin_share = m.number("contribution_margin_share");
  plan.integration_cost = &m.distribution("integration_cost");
  plan.training_hours_per_fte = m.number("training_hours_per_fte");

  const Group& v = p.group("vendor");
  plan.conversion = read_conversion(plan.currency, v.choice("currency"));
  if (plan.conversion != Conversion::none) plan.jpy_per_usd = p.number("jpy_per_usd");
  plan.licence_per_case = v.number("licence_per_case");
  plan.cost_to_serve_per_site_month = v.number("cost_to_serve_per_site_month");
  plan.cost_to_serve_per_case = v.number("cost_to_serve_per_case");

  // Downstream procedures are read only where a stratum can have them, so
  // a scenario without them draws exactly what it drew before.
  for (std::size_t i = 0; i < strata.size(); ++i) {
    const Distribution& uplift = strata[i].distribution("procedure_uplift");
    if (uplift.is_fixed() && uplift.mean() == 0.0) continue;
    plan.procedures = true;
    plan.strata[i].procedure_uplift = strata[i].number("procedure_uplift");
  }
  const auto warn = [&](const Group& g, const std::string& key, const std::string& message) {
    plan.warnings.push_back(PlanWarning{g.location(key), g.path_of(key), message});
  };
  if (plan.procedures) {
    plan.procedure_payment = m.number("procedure_payment");
    plan.procedure_margin_share = m.number("procedure_margin_share");
    const Distribution& payment = m.distribution("procedure_payment");
    if (payment.is_fixed() && payment.mean() == 0.0)
      warn(m, "procedure_payment", "is 0: the extra procedures are counted but bring no revenue");
  } else {
    for (const char* key : {"procedure_payment", "procedure_margin_share"})
      if (m.given(key)) warn(m, key, "read only where a stratum has a procedure_uplift above 0: not used here");
  }

  const Group& t = p.group("triage");
  plan.triage = t.flag("enabled");
  if (plan.triage || plan.procedures) {
    plan.sensitivity = t.number("sensitivity");
    plan.prevalence = t.number("prevalence");
  }
  if (plan.triage) plan.specificity = t.number("specificity");
  claim_unit_correlations(p, plan);
  return plan;
}

PlanReport describe_plan(const Plan& p) {
  PlanReport report;
  report.warnings = p.warnings;
  PlanSection& market = report.section("market", "market");
  market.add("hospitals", static_cast<double>(p.hospitals), "hospital");
  market.add("horizon_months", static_cast<double>(p.horizon), "month");
  market.add_text("currency", p.currency);
  market.add_text("triage", p.triage ? "yes (flagged cases read first)" : "no");
  PlanSection& strata = report.section("strata", "strata (means of the per-hospital distributions)");
  std::vector<double> counts, cases, fte;
  std::string names;
  for (const StratumPlan& s : p.strata) {
    names += (names.empty() ? "" : ", ") + s.name;
    counts.push_back(static_cast<double>(s.count));
    cases.push_back(s.annual_cases->mean());
    fte.push_back(s.staff_fte->mean());
  }
  strata.add_text("names", names);
  strata.add("hospitals", counts, "hospital");
  strata.add("annual_cases", cases, "case/year", "mean per hospital");
  strata.add("staff_fte", fte, "FTE", "mean per hospital");
  return report;
}

}  // namespace samdsim::hospital_adoption
