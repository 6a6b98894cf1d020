// Parameter declarations of the hospital_adoption model. Money is in the
// scenario's `currency` unless said otherwise; defaults carry their sources,
// and docs/models/hospital_adoption.md gives the equations behind each one.
#include "hospital_adoption/hospital_adoption.hpp"

namespace samdsim::hospital_adoption {

namespace {

void declare_strata(Field& s) {
  Field& st = s.records("strata", "hospital strata (e.g. by bed size); each hospital draws its own attributes");
  // A scenario without hospitals is refused; at most 100 strata are listed.
  s.fields().back()->items(1, 100);
  st.text("name", "label of the stratum in reports").default_value("");
  st.integer("count", "hospital", Range::between(0, max_hospitals), "hospitals in the stratum");
  st.number("annual_cases", "case/year", Range::nonnegative(),
            "annual volume of the cases the staff read or process (the SaMD's workflow), per hospital")
      .per_unit();
  st.number("staff_fte", "FTE", Range::positive(), "staff doing that work, full-time equivalents, per hospital")
      .per_unit();
  st.number("hours_per_fte_month", "hour/month", Range::positive(),
            "regular hours one FTE spends on that work per month");
  st.number("wage_per_hour", "currency/hour", Range::nonnegative(), "staff cost per regular hour");
  st.number("overtime_premium", "ratio", Range::between(0, 3),
            "extra pay for an overtime hour, as a share of the wage (Japan Labour Standards Act art. 37: at "
            "least 25 %)")
      .default_value(0.25);
  st.number("reimbursement_per_case", "currency/case", Range::nonnegative(),
            "revenue of one more case (fee schedule or payer mix)")
      .default_value(0.0);
  st.number("eligible_share", "probability", Range::probability(), "share of the cases the SaMD applies to")
      .default_value(1.0);
  st.number("addon_billing_share", "probability", Range::probability(),
            "share of eligible cases that meet the criteria for billing the add-on")
      .default_value(1.0);
  st.number("licence_per_month", "vendor currency/month", Range::nonnegative(),
            "licence fee per live hospital and month for this stratum (size tier), in vendor.currency")
      .default_value(0.0);
  st.number("backlog_share", "probability", Range::probability(),
            "demand that waits for staff time, as a share of the month's cases (takes freed capacity)")
      .default_value(0.0);
  st.number("procedure_uplift", "probability", Range::probability(),
            "downstream procedures (e.g. thrombectomies) this hospital gains per truly positive eligible case the "
            "SaMD flags: the rise in the chance such a patient gets the procedure here (0: none; transfers out "
            "earn the sending hospital nothing)")
      .default_value(0.0);
}

void declare_adoption(Field& s) {
  Field& a = s.group("adoption", "Bass diffusion gated by expected return and budget months");
  a.number("bass_p_per_year", "1/year", Range::between(0, 10),
           "coefficient of innovation (mean over 213 diffusion studies 0.03, Sultan, Farley & Lehmann 1990)")
      .default_value(0.03);
  a.number("bass_q_per_year", "1/year", Range::between(0, 10),
           "coefficient of imitation (mean 0.38, Sultan, Farley & Lehmann 1990)")
      .default_value(0.38);
  a.choice("imitation", {"overall", "stratum"},
           "adopted share that drives imitation: of all hospitals, or of the hospital's own stratum")
      .default_value("overall");
  a.text("budget_months",
         "calendar months (1-12) in which hospitals decide, e.g. \"4\" (April, Japan's fiscal year) or \"4,10\"; "
         "empty: every month")
      .default_value("");
  a.choice("attractiveness", {"none", "payback", "roi"},
           "how the expected return scales the hazard: not at all, logistic in payback months, or logistic in ROI")
      .default_value("payback");
  a.number("attractiveness_floor", "probability", Range::probability(),
           "share of the hazard that does not depend on the expected return (adoption for detection quality or "
           "prestige, which the money model does not count)")
      .default_value(0.0);
  a.number("payback_threshold_months", "month", Range::positive(),
           "expected payback at which the hazard is halved (assumption: capital committees ask for about 2 years)")
      .default_value(24.0);
  a.number("payback_scale_months", "month", Range::positive(), "width of the logistic in payback months")
      .default_value(6.0);
  a.number("roi_threshold", "ratio", Range::any(), "expected ROI at which the hazard is halved").default_value(0.0);
  a.number("roi_scale", "ratio", Range::positive(), "width of the logistic in ROI").default_value(0.25);
  a.number("roi_horizon_months", "month", Range::positive(), "appraisal period of the expected ROI")
      .default_value(36.0);
  a.number("implementation_lag_months", "month", Range::nonnegative(),
           "months from the decision to go-live (contract, integration, validation); assumption: median 4")
      .per_unit()
      .default_distribution("{dist: lognormal, median: 4, p90: 9}");
}

void declare_workflow(Field& s) {
  Field& w = s.group("workflow", "cases, staff time and the SaMD's effect");
  w.choice("case_counts", {"poisson", "negative_binomial"}, "distribution of a hospital's monthly case count")
      .default_value("poisson");
  w.number("overdispersion_size", "", Range::positive(),
           "negative binomial size: variance = mean + mean^2 / size").default_value(50.0);
  w.number("seasonality_amplitude", "ratio", Range::between(0, 0.99),
           "relative amplitude of the monthly volume cycle (0: none)").default_value(0.0);
  w.integer("seasonality_peak_month", "month", Range::between(1, 12), "calendar month of the volume peak")
      .default_value(1.0);
  w.number("minutes_per_case", "minute", Range::positive(),
           "a hospital's mean staff working minutes per case without the SaMD, drawn per hospital: reading "
           "speed differs between departments (CT reading about 16-18 min)")
      .per_unit();
  w.number("minutes_per_case_cv", "ratio", Range::between(0, 5),
           "case-to-case coefficient of variation of the working minutes within a hospital (0: every case "
           "takes the hospital's mean)")
      .default_value(0.45);
  w.number("effect", "probability", Range::probability(),
           "product effect: mean share of a case's working time the SaMD saves on eligible cases");
  w.number("effect_concentration", "", Range::positive(),
           "hospital effects ~ Beta(k effect, k (1 - effect)); larger k, less variation between hospitals")
      .default_value(20.0);
  w.number("max_utilisation", "probability", Range::between(0.5, 0.99),
           "busy share of staffed hours staff can sustain; work beyond it is overtime (the 85 % occupancy rule, "
           "Bagust, Place & Posnett 1999, BMJ 319:155)")
      .default_value(0.85);
}

void declare_money(Field& s) {
  Field& m = s.group("money", "hospital revenue and one-time costs");
  m.number("addon_per_case", "currency/case", Range::nonnegative(),
           "reimbursement add-on per billed eligible case (Japan: points x 10 yen; US: a per-use payment)")
      .default_value(0.0);
  m.integer("addon_until_month", "month", Range::between(0, 600),
            "the add-on is paid before this model month (US NTAP: at most 3 years); default: the whole horizon")
      .optional();
  m.number("contribution_margin_share", "probability", Range::probability(),
           "share of an extra case's reimbursement left after its variable costs (assumption)")
      .default_value(0.3);
  m.number("integration_cost", "currency", Range::nonnegative(),
           "one-time integration cost per adopting hospital, paid in the decision month")
      .per_unit()
      .default_value(0.0);
  m.number("training_hours_per_fte", "hour", Range::nonnegative(),
           "training hours per staff FTE at go-live, paid at the regular wage")
      .default_value(0.0);
  m.number("procedure_payment", "currency/procedure", Range::nonnegative(),
           "payment for one downstream procedure (strata procedure_uplift), e.g. the DRG payment of a thrombectomy "
           "admission")
      .default_value(0.0);
  m.number("procedure_margin_share", "probability", Range::probability(),
           "share of that payment left after the procedure's variable costs (assumption)")
      .default_value(0.3);
}

void declare_vendor(Field& s) {
  Field& v = s.group("vendor", "licence revenue and cost to serve");
  v.choice("currency", {"same", "JPY", "USD"},
           "currency of licence fees (also strata licence_per_month) and cost to serve; converted with jpy_per_usd")
      .default_value("same");
  v.number("licence_per_case", "vendor currency/case", Range::nonnegative(), "licence fee per eligible case")
      .default_value(0.0);
  v.number("cost_to_serve_per_site_month", "vendor currency/month", Range::nonnegative(),
           "vendor's cost per live hospital and month (hosting, support)")
      .default_value(0.0);
  v.number("cost_to_serve_per_case", "vendor currency/case", Range::nonnegative(),
           "vendor's cost per eligible case (compute)")
      .default_value(0.0);
}

}  // namespace

void declare(Field& s) {
  s.choice("currency", {"JPY", "USD"}, "currency of money parameters and outputs").default_value("JPY");
  s.number("jpy_per_usd", "JPY/USD", Range::positive(),
           "exchange rate, used where the vendor quotes in the other currency (assumption: about the 2024 "
           "average)")
      .default_value(150.0);
  s.integer("horizon_months", "month", Range::between(1, 600), "months simulated").default_value(60.0);
  s.integer("start_calendar_month", "month", Range::between(1, 12), "calendar month of model month 0")
      .default_value(4.0);
  s.number("launch_month", "month", Range::between(0, 600),
           "model month from which hospitals can adopt (e.g. authorization)")
      .default_value(0.0);
  s.number("discount_rate_per_year", "1/year", Range::between(0, 1),
           "annual discount rate of the NPVs (3 %: Sanders et al. 2016, JAMA 316(10), Second Panel on "
           "Cost-Effectiveness)")
      .default_value(0.03);
  declare_strata(s);
  declare_adoption(s);
  Field& c = s.group("churn", "adopters that stop using the SaMD after go-live");
  c.number("base_per_month", "probability", Range::probability(),
           "monthly probability of stopping (assumption: about 6 % a year)")
      .default_value(0.005);
  c.number("negative_benefit_per_month", "probability", Range::probability(),
           "monthly probability of stopping while the hospital's net benefit since go-live is negative (assumption)")
      .default_value(0.03);
  c.integer("minimum_term_months", "month", Range::between(0, 120),
            "live months before a hospital can stop (assumption: annual licence contracts)")
      .default_value(12.0);
  declare_workflow(s);
  declare_money(s);
  declare_vendor(s);
  Field& t = s.group("triage", "preemptive priority for AI-flagged cases (triage products); its sensitivity and "
                               "prevalence also set the flagged positives of downstream procedures");
  t.flag("enabled", "flagged cases preempt the others in the reading queue").default_value(false);
  t.number("sensitivity", "probability", Range::probability(), "share of truly positive eligible cases flagged")
      .default_value(0.9);
  t.number("specificity", "probability", Range::probability(), "share of truly negative eligible cases not flagged")
      .default_value(0.9);
  t.number("prevalence", "probability", Range::probability(), "share of eligible cases truly positive")
      .default_value(0.1);
}

}  // namespace samdsim::hospital_adoption
