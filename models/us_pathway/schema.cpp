// Parameter declarations of the us_pathway model. Defaults carry their
// sources; docs/models/us_pathway.md gives the equations behind each one.
#include "us_pathway/us_pathway.hpp"

namespace samdsim::us_pathway {

namespace {

void declare_failure_policy(Field& s) {
  s.choice("on_failure", {"abandon", "repeat", "redesign"},
           "what the sponsor does when the study misses its endpoint: stop the plan, run it again, or run it again "
           "with a larger sample")
      .default_value("abandon");
  s.integer("max_attempts", "count", Range::between(1, 10), "attempts allowed in total, the first included")
      .default_value(2.0);
  s.number("redesign_factor", "ratio", Range::between(1, 10), "sample-size multiplier for each redesigned attempt")
      .default_value(1.5);
}

void declare_common(Field& s) {
  s.text("name", "label of the study in reports").default_value("");
  s.choice("start", {"after_previous", "with_previous"},
           "sequential (starts when the previous study ends) or parallel (starts with the previous study)")
      .default_value("after_previous");
  s.number("fixed_cost_usd", "USD", Range::nonnegative(), "fixed cost per attempt: protocol, CRO set-up, statistics")
      .default_value(0.0);
  s.number("monthly_cost_usd", "USD/month", Range::nonnegative(),
           "project management and CRO cost per month the attempt runs")
      .default_value(0.0);
  s.number("max_recruitment_months", "month", Range::between(1, 1200),
           "recruitment of patients or cases still short of its target after this many months is stopped, and "
           "the attempt fails")
      .default_value(120.0);
  declare_failure_policy(s);
}

void declare_proportion_test(Field& s, const char* what) {
  s.number("alpha", "probability", Range::between(1e-6, 0.5), std::string("one-sided significance level of ") + what)
      .default_value(0.025);
  s.number("power", "probability", Range::between(0.5, 0.9999), "target power used to size the study")
      .default_value(0.8);
  s.choice("method", {"exact", "normal"},
           "exact binomial test and sizing, or the normal approximation (z-test)")
      .default_value("exact");
  s.choice("exact_rule", {"stable_n", "first_n"},
           "exact sizing: the smallest n from which power stays at target for every larger n (stable_n), or the "
           "first n that reaches it (first_n, as A'Hern 2001 tabulates); exact power saw-tooths in n")
      .default_value("stable_n");
}

// Sites that open over time and recruit as a Poisson–gamma process
// (Anisimov & Fedorov 2007), with screening and follow-up.
void declare_enrollment(Field& s) {
  Field& e = s.group("enrollment", "sites, activation and recruitment (Poisson–gamma)");
  e.integer("sites", "count", Range::between(1, 5000), "sites initiated").default_value(10.0);
  e.number("site_activation_months", "month", Range::nonnegative(),
           "months from study start to a site's activation (about 31 weeks median, Lamberti 2018)")
      .per_unit()
      .default_distribution("{dist: lognormal, median: 7.2, p90: 12}");
  e.number("never_enroll_share", "probability", Range::probability(),
           "share of activated sites that enroll nobody (10–33 %)")
      .default_value(0.2);
  e.number("screening_rate_per_site_month", "patient/month", Range::positive(),
           "mean rate of patients screened per active site and month")
      .default_value(2.0);
  e.number("rate_shape", "", Range::positive(),
           "gamma shape of the between-site variation of rates (smaller: more heterogeneous sites)")
      .default_value(1.5);
  e.number("screen_failure", "probability", Range::between(0, 0.99), "share of screened patients not eligible")
      .default_value(0.3);
  e.number("dropout", "probability", Range::between(0, 0.9), "share of enrolled patients without an evaluable endpoint")
      .default_value(0.1);
  e.number("follow_up_months", "month", Range::nonnegative(), "follow-up of the last enrolled patient")
      .default_value(1.0);
  e.number("closeout_months", "month", Range::nonnegative(), "database lock, analysis and clinical study report")
      .default_value(3.0);
  Field& i = e.group("interim", "a look at enrollment: when the projected duration is too long, close the study or "
                                "add sites (20–25 % of studies close for poor enrollment)");
  i.number("look_month", "month", Range::between(0.1, 1200),
           "months from the start of site activation to the look (absent: no look)")
      .optional();
  i.number("max_projected_months", "month", Range::between(0.1, 1200),
           "act when the projected months from the start of site activation to full enrollment exceed this")
      .optional();
  i.choice("action", {"close", "add_sites"}, "close the study (it fails), or open more sites").default_value("close");
  i.integer("added_sites", "site", Range::between(0, 5000), "sites opened at the look with add_sites")
      .default_value(0.0);

  Field& c = s.group("costs", "site and patient costs (Sertkaya et al. 2016 cost skeleton)");
  c.number("site_startup_usd", "USD", Range::nonnegative(), "per activated site: contracts, IRB, training")
      .default_value(30000.0);
  c.number("site_month_usd", "USD/month", Range::nonnegative(), "per active site and month: monitoring, maintenance")
      .default_value(4000.0);
  c.number("per_patient_usd", "USD", Range::nonnegative(), "per enrolled patient (procedures, CRF, visits)")
      .default_value(10000.0);
  c.number("per_screen_failure_usd", "USD", Range::nonnegative(), "per screened patient who is not enrolled")
      .default_value(500.0);
  c.number("site_overhead_share", "ratio", Range::between(0, 2), "site overhead on site and patient costs (20–27 %)")
      .default_value(0.2);

  s.flag("significant_risk", "needs an approved IDE before enrolling (FDA decides within 30 days)").default_value(false);
}

void declare_standalone(Field& v) {
  declare_common(v);
  v.number("sensitivity", "probability", Range::probability(), "true sensitivity of the device (prior)");
  v.number("specificity", "probability", Range::probability(), "true specificity of the device (prior)");
  v.number("sensitivity_goal", "probability", Range::between(0, 0.999), "performance goal for sensitivity");
  v.number("specificity_goal", "probability", Range::between(0, 0.999), "performance goal for specificity");
  v.number("planning_sensitivity", "probability", Range::between(0.001, 0.999),
           "sensitivity assumed for sizing (default: mean of the prior)")
      .optional();
  v.number("planning_specificity", "probability", Range::between(0.001, 0.999),
           "specificity assumed for sizing (default: mean of the prior)")
      .optional();
  v.number("prevalence", "probability", Range::between(0.001, 0.999),
           "share of positive cases among consecutively collected cases")
      .default_value(0.3);
  v.flag("enriched", "positives and negatives collected separately (cases = positives + negatives)")
      .default_value(true);
  declare_proportion_test(v, "each endpoint");
  v.choice("sizing", {"power", "precision"},
           "size for power against the goals, or for the width of the confidence intervals of sensitivity and "
           "specificity (Buderer 1996)")
      .default_value("power");
  v.number("half_width", "probability", Range::between(0.001, 0.5),
           "sizing: precision: the confidence interval half-width wanted for sensitivity and for specificity")
      .default_value(0.05);
  v.number("confidence", "probability", Range::between(0.5, 0.9999),
           "sizing: precision: the two-sided confidence level of those intervals")
      .default_value(0.95);
  v.integer("cases", "case", Range::between(2, 1e7), "total cases, overriding the computed sample size").optional();
  v.number("cost_per_case_usd", "USD", Range::nonnegative(), "case acquisition, de-identification and ground truth")
      .default_value(300.0);
  v.number("cases_per_month", "case/month", Range::positive(), "rate of case collection and truthing")
      .default_value(200.0);
  v.number("analysis_months", "month", Range::nonnegative(), "analysis and report after the last case")
      .default_value(1.0);
}

void declare_mrmc(Field& v) {
  declare_common(v);
  v.integer("readers", "reader", Range::between(2, 500), "readers, each reading every case unaided and aided")
      .default_value(10.0);
  v.number("delta_auc", "AUC", Range::between(-0.5, 0.5), "true AUC gain of aided over unaided reading (prior)");
  v.number("planning_delta_auc", "AUC", Range::between(0.001, 0.5),
           "AUC gain assumed for sizing (default: mean of the prior)")
      .optional();
  v.number("alpha", "probability", Range::between(1e-6, 0.5), "two-sided significance level").default_value(0.05);
  v.number("power", "probability", Range::between(0.5, 0.9999), "target power used to size the case count")
      .default_value(0.8);
  Field& var = v.group("variance", "Obuchowski–Rockette variance components (Hillis et al. 2011)");
  var.number("var_tr", "AUC^2", Range::nonnegative(), "modality-by-reader variance").default_value(0.00025);
  var.number("var_error", "AUC^2", Range::positive(), "error variance of one reader's AUC at reference_cases")
      .default_value(0.0008);
  var.number("reference_cases", "case", Range::positive(), "case count behind var_error").default_value(200.0);
  var.number("r1", "", Range::between(-1, 1), "correlation: same reader, different modality").default_value(0.47);
  var.number("r2", "", Range::between(-1, 1), "correlation: different reader, same modality").default_value(0.35);
  var.number("r3", "", Range::between(-1, 1), "correlation: different reader, different modality")
      .default_value(0.3);
  v.integer("cases", "case", Range::between(10, 1e6), "cases, overriding the computed count").optional();
  v.number("cost_per_case_usd", "USD", Range::nonnegative(), "case acquisition and ground truth")
      .default_value(300.0);
  v.number("cases_per_month", "case/month", Range::positive(), "rate of case collection").default_value(200.0);
  v.number("reading_minutes_per_case", "minute", Range::positive(), "reading time per case and session")
      .default_value(3.0);
  v.number("reader_cost_usd_per_hour", "USD/hour", Range::nonnegative(), "reader fee per hour")
      .default_value(220.0);
  v.number("reader_hours_per_month", "hour/month", Range::positive(), "hours each reader reads per month")
      .default_value(20.0);
  v.number("washout_days", "day", Range::nonnegative(), "washout between the unaided and aided sessions")
      .default_value(28.0);
  v.number("analysis_months", "month", Range::nonnegative(), "analysis and report").default_value(1.0);
}

void declare_single_arm(Field& v) {
  declare_common(v);
  v.number("success_rate", "probability", Range::probability(), "true probability of the primary endpoint (prior)");
  v.number("performance_goal", "probability", Range::between(0.001, 0.999), "performance goal to exceed");
  v.number("planning_success_rate", "probability", Range::between(0.001, 0.999),
           "rate assumed for sizing (default: mean of the prior)")
      .optional();
  declare_proportion_test(v, "the test against the goal");
  v.integer("evaluable_patients", "patient", Range::between(2, 1e6),
            "evaluable patients, overriding the computed sample size")
      .optional();
  declare_enrollment(v);
}

void declare_rct(Field& v) {
  declare_common(v);
  v.choice("endpoint", {"continuous", "binary"}, "primary endpoint type").default_value("continuous");
  v.number("effect", "endpoint unit", Range::any(),
           "continuous: true mean difference, treatment minus control, favourable > 0 (prior)")
      .default_value(0.0);
  v.number("sd", "endpoint unit", Range::positive(), "continuous: standard deviation of the endpoint")
      .default_value(1.0);
  v.number("planning_effect", "endpoint unit", Range::positive(),
           "continuous: difference assumed for sizing (default: mean of the prior)")
      .optional();
  v.number("control_rate", "probability", Range::probability(), "binary: true control-arm response rate (prior)")
      .default_value(0.3);
  v.number("treatment_rate", "probability", Range::probability(), "binary: true treatment-arm response rate (prior)")
      .default_value(0.3);
  v.number("planning_control_rate", "probability", Range::between(0.001, 0.999),
           "binary: control rate assumed for sizing (default: mean of the prior)")
      .optional();
  v.number("planning_treatment_rate", "probability", Range::between(0.001, 0.999),
           "binary: treatment rate assumed for sizing (default: mean of the prior)")
      .optional();
  v.number("alpha", "probability", Range::between(1e-6, 0.5), "two-sided significance level").default_value(0.05);
  v.number("power", "probability", Range::between(0.5, 0.9999), "target power used to size the study")
      .default_value(0.8);
  v.number("allocation_ratio", "ratio", Range::between(0.1, 10), "treatment : control allocation").default_value(1.0);
  v.integer("evaluable_patients", "patient", Range::between(4, 1e6),
            "evaluable patients in both arms, overriding the computed sample size")
      .optional();
  declare_enrollment(v);
}

// FDA review of one pathway. Days are FDA-clock days unless named calendar.
// Defaults of one pathway's review, calibrated to the MDUFA V performance
// report of 20 November 2025 (FY2023 and FY2024 receipt cohorts, CDRH);
// the tables behind each value are in docs/models/us_pathway.md ("Calibration").
struct ReviewDefaults {
  double fee, small_fee, acceptance_days, rta_probability;
  const char* review_days;                  // FDA days with additional-information requests
  const char* review_days_without_request;  // FDA days when the first cycle ends in a decision
  const char* ai_probability;
  double further_ai_probability, max_ai_requests;
  const char* response_days;
  const char* favourable;
  double withdrawn_share;
};

void declare_review(Field& g, const ReviewDefaults& d) {
  g.number("acceptance_review_days", "day", Range::nonnegative(),
           "acceptance (refuse-to-accept) or filing review before substantive review, on the FDA clock")
      .default_value(d.acceptance_days);
  g.number("rta_probability", "probability", Range::probability(),
           "chance the submission is refused at acceptance review and must be resubmitted (MDUFA V FY2024)")
      .default_value(d.rta_probability);
  g.number("rta_response_days", "day", Range::nonnegative(), "sponsor days to fix and resubmit after a refusal")
      .default_value(30.0);
  g.number("review_days", "day", Range::positive(),
           "FDA-clock days from the end of acceptance review to the decision, for a review with "
           "additional-information requests (MDUFA V FY2023-24)")
      .default_distribution(d.review_days);
  g.number("review_days_without_request", "day", Range::positive(),
           "the same for a review whose first cycle ends in a decision, without a request (MDUFA V FY2023-24)")
      .default_distribution(d.review_days_without_request);
  g.number("ai_request_probability", "probability", Range::probability(),
           "chance of an additional-information (major deficiency) request in the first cycle")
      .default_distribution(d.ai_probability);
  g.number("further_ai_probability", "probability", Range::probability(),
           "chance of another request after each response")
      .default_value(d.further_ai_probability);
  g.integer("max_ai_requests", "count", Range::between(0, 10), "additional-information requests at most")
      .default_value(d.max_ai_requests);
  g.number("response_days", "day", Range::nonnegative(),
           "sponsor calendar days to answer a request (capped at the 180 days FDA allows)")
      .per_unit()
      .default_distribution(d.response_days);
  g.number("favourable_probability", "probability", Range::probability(),
           "chance a review ends favourable (cleared, granted, approved), of all endings including withdrawals")
      .default_distribution(d.favourable);
  g.number("user_fee_usd", "USD", Range::nonnegative(), "FDA user fee, standard (FY2025)").default_value(d.fee);
  g.number("small_business_fee_usd", "USD", Range::nonnegative(), "FDA user fee for small businesses (FY2025)")
      .default_value(d.small_fee);
  g.number("withdrawn_share", "probability", Range::probability(),
           "share of the unfavourable endings that are withdrawals (or deletions after an unanswered request) "
           "rather than a negative decision; a withdrawn submission can be resubmitted (resubmission.max)")
      .default_value(d.withdrawn_share);
  g.number("prepared_share", "probability", Range::probability(),
           "share of all submissions that are well prepared (a Q-Sub held and, for De Novo and PMA, a clinical "
           "study): favourable_probability is the average over this mix")
      .default_value(1.0);
  g.number("prepared_odds_ratio", "ratio", Range::between(1, 1000),
           "odds of a favourable decision for a prepared submission over an unprepared one (1: the decision does "
           "not depend on the preparation)")
      .default_value(1.0);
}

}  // namespace

void declare(Field& s) {
  s.choice("pathway", {"510k", "de_novo", "pma"}, "FDA marketing pathway").default_value("510k");
  s.flag("small_business", "qualifies for small-business user fees (gross receipts <= USD 100M)").default_value(false);
  s.number("burn_usd_per_month", "USD/month", Range::nonnegative(),
           "company spending per month while the plan runs, counted until the decision")
      .default_value(0.0);
  s.number("establishment_fee_usd", "USD", Range::nonnegative(),
           "annual establishment registration fee, paid on authorization (FY2025, no discount)")
      .default_value(9280.0);

  Field& q = s.group("presubmission", "Q-Sub meetings with FDA before the studies");
  q.integer("meetings", "count", Range::between(0, 20), "pre-submission meetings held one after another")
      .default_value(1.0);
  q.number("preparation_months", "month", Range::nonnegative(), "sponsor time to prepare each package")
      .default_value(1.0);
  q.number("feedback_days", "day", Range::nonnegative(), "calendar days from submission to FDA feedback (day 60–75)")
      .default_distribution("{dist: uniform, min: 60, max: 75}");
  q.number("cost_usd", "USD", Range::nonnegative(), "cost of each meeting package (consultants, staff)")
      .default_value(20000.0);

  Field& studies = s.list("studies", "type", "evidence studies, run in the order given").items(0, 20);
  declare_standalone(studies.variant("standalone", "retrospective standalone performance (sensitivity/specificity)"));
  declare_mrmc(studies.variant("mrmc", "multi-reader multi-case reader study (Obuchowski–Rockette)"));
  declare_single_arm(studies.variant("single_arm", "prospective single-arm study against a performance goal"));
  declare_rct(studies.variant("rct", "two-arm randomized controlled trial"));

  s.number("ide_review_days", "day", Range::nonnegative(), "FDA decision time on an IDE (21 CFR 812.30)")
      .default_value(30.0);

  Field& sub = s.group("submission", "preparing the marketing submission");
  sub.number("preparation_months", "month", Range::nonnegative(), "from final study report to submission")
      .default_distribution("{dist: triangular, min: 2, mode: 3, max: 6}");
  sub.number("cost_usd", "USD", Range::nonnegative(), "regulatory writing, consultants, eSTAR, testing reports")
      .default_value(75000.0);

  declare_review(s.group("fda_510k", "510(k) review"),
                 {24335, 6084, 15, 0.054, "{dist: triangular, min: 65, mode: 75, max: 75}",
                  "{dist: triangular, min: 15, mode: 45, max: 60}", "{dist: uniform, min: 0.59, max: 0.65}", 0.08, 2,
                  "{dist: lognormal, median: 90, p90: 250}", "{dist: uniform, min: 0.83, max: 0.85}", 0.745});
  declare_review(s.group("fda_de_novo", "De Novo review"),
                 {162235, 40559, 15, 0.143, "{dist: triangular, min: 80, mode: 135, max: 137}",
                  "{dist: triangular, min: 20, mode: 50, max: 80}", "{dist: uniform, min: 0.82, max: 0.90}", 0.0, 2,
                  "{dist: lognormal, median: 200, p90: 400}", "{dist: uniform, min: 0.41, max: 0.45}", 0.59});
  Field& pma = s.group("fda_pma", "PMA review");
  declare_review(pma, {540783, 135196, 45, 0.087, "{dist: triangular, min: 110, mode: 135, max: 135}",
                       "{dist: triangular, min: 60, mode: 135, max: 135}", "{dist: uniform, min: 0.65, max: 0.75}",
                       0.55, 3, "{dist: lognormal, median: 90, p90: 350}", "{dist: uniform, min: 0.75, max: 0.79}",
                       0.32});
  pma.number("panel_probability", "probability", Range::probability(),
             "chance FDA convenes an advisory panel (MDUFA V FY2023-24: 5 of 127 PMA decisions)")
      .default_value(0.04);
  pma.number("panel_days", "day", Range::nonnegative(), "extra FDA days with a panel (goal 320 instead of 180)")
      .default_value(140.0);

  Field& b = s.group("breakthrough", "Breakthrough Devices Program");
  b.flag("designated", "the device holds a Breakthrough designation").default_value(false);
  b.number("review_time_factor", "ratio", Range::between(0.1, 1.5),
           "multiplier on FDA review days from prioritized review (assumption: set from your own data)")
      .default_value(0.8);

  // Declared last: their drawn parameters come after every other in the
  // parameter stream, so turning them on moves no earlier draw.
  Field& r = s.group("resubmission", "submitting again after a withdrawal");
  r.integer("max", "count", Range::between(0, 5), "resubmissions at most in the plan (0: a withdrawal ends it)")
      .default_value(0.0);
  r.number("preparation_months", "month", Range::nonnegative(),
           "from the withdrawal to the new submission: answering the deficiencies (assumption)")
      .default_value(3.0);
  r.number("cost_usd", "USD", Range::nonnegative(),
           "preparing the new submission (assumption: two thirds of a first submission); a new user fee is paid")
      .default_value(50000.0);

  Field& f = s.group("fallback_de_novo",
                     "a 510(k) found not substantially equivalent goes on to a De Novo request (its review "
                     "settings: fda_de_novo)");
  f.flag("enabled", "request De Novo after an NSE decision").default_value(false);
  f.number("preparation_months", "month", Range::nonnegative(),
           "from the NSE letter to the De Novo request (assumption: the 510(k) file is reused)")
      .default_value(3.0);
  f.number("cost_usd", "USD", Range::nonnegative(),
           "preparing the De Novo request: risk/benefit, special controls (assumption: as a submission)")
      .default_value(75000.0);
}

}  // namespace samdsim::us_pathway
