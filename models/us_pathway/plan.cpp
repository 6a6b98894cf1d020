// Turns validated parameters into a Plan: reads the parameter handles and
// sizes each study from its planning values, as the sponsor would before
// the study starts.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "samdsim/summary_format.hpp"
#include "us_pathway/study_tests.hpp"
#include "us_pathway/us_pathway.hpp"

namespace samdsim::us_pathway {

namespace {

double planning_value(const Group& g, const std::string& planning, const std::string& prior) {
  return g.given(planning) ? g.fixed(planning) : g.distribution(prior).mean();
}

// Runs a design function, turning its std::invalid_argument into a located error.
template <class F>
auto sized(const Group& g, const std::string& at, F&& f) {
  try {
    return f();
  } catch (const std::invalid_argument& e) {
    g.fail(at, std::string("cannot size the study: ") + e.what());
  }
}

EnrollmentPlan read_enrollment(const Group& v) {
  const Group& e = v.group("enrollment");
  const Group& c = v.group("costs");
  EnrollmentPlan p;
  p.sites = e.number("sites");
  p.never_enroll_share = e.number("never_enroll_share");
  p.screening_rate = e.number("screening_rate_per_site_month");
  p.rate_shape = e.number("rate_shape");
  p.screen_failure = e.number("screen_failure");
  p.dropout = e.number("dropout");
  p.follow_up_months = e.number("follow_up_months");
  p.closeout_months = e.number("closeout_months");
  p.activation_months = &e.distribution("site_activation_months");
  p.site_startup_usd = c.number("site_startup_usd");
  p.site_month_usd = c.number("site_month_usd");
  p.per_patient_usd = c.number("per_patient_usd");
  p.per_screen_failure_usd = c.number("per_screen_failure_usd");
  p.site_overhead_share = c.number("site_overhead_share");
  p.significant_risk = v.flag("significant_risk");
  p.dropout_planning = e.distribution("dropout").mean();
  p.max_sites = static_cast<std::int64_t>(e.distribution("sites").support_max());
  if (!std::isfinite(e.distribution("sites").support_max())) p.max_sites = 5000;
  const Group& i = e.group("interim");
  InterimLook& look = p.interim;
  look.enabled = i.given("look_month");
  if (!look.enabled) {
    // Judged by value: a resolved config (stored in every result file) writes the defaults out.
    const char* idle = i.given("max_projected_months")       ? "max_projected_months"
                       : i.choice("action") == "add_sites"   ? "action"
                       : i.distribution("added_sites").mean() > 0 ? "added_sites"
                                                                  : nullptr;
    if (idle) i.fail(idle, "an interim look needs its look_month: without it, this setting does nothing");
    return p;
  }
  p.planning_rate = e.distribution("screening_rate_per_site_month").mean();
  p.planning_shape = e.distribution("rate_shape").mean();
  look.look_month = i.fixed("look_month");
  if (!i.given("max_projected_months")) i.fail("look_month", "give the interim's max_projected_months too");
  look.max_projected_months = i.fixed("max_projected_months");
  if (look.max_projected_months <= look.look_month)
    i.fail("max_projected_months", fmt::format("must exceed look_month ({}): the look would always act",
                                               format_number(look.look_month)));
  look.add_sites = i.choice("action") == "add_sites";
  look.added_sites = static_cast<std::int64_t>(i.fixed("added_sites"));
  if (look.add_sites && look.added_sites < 1) i.fail("added_sites", "add_sites needs at least one site to add");
  if (!look.add_sites && look.added_sites > 0)
    i.fail("added_sites", "the look closes the study (action: close): give action: add_sites to add sites");
  p.max_sites += look.added_sites;
  return p;
}

// Sample sizes of every attempt: the redesign policy grows the first one.
template <class F>
void size_attempts(StudyPlan& s, const Group& v, std::int64_t first_a, std::int64_t first_b, F&& critical) {
  const double factor = v.fixed("redesign_factor");
  double scale = 1.0;
  for (int k = 0; k < s.max_attempts; ++k) {
    StudyPlan::Size size;
    size.a = static_cast<std::int64_t>(std::ceil(static_cast<double>(first_a) * scale));
    size.b = static_cast<std::int64_t>(std::ceil(static_cast<double>(first_b) * scale));
    critical(size);
    s.sizes.push_back(size);
    if (s.on_failure == OnFailure::redesign) scale *= factor;
  }
}

ExactSearch exact_search(const Group& v) {
  return v.choice("exact_rule") == "first_n" ? ExactSearch::first_reaching : ExactSearch::stays_above;
}

std::string power_sizing(bool exact, ExactSearch search) {
  if (!exact) return "computed for power at the planning values (normal approximation)";
  return search == ExactSearch::first_reaching
             ? "computed for power at the planning values (exact, the first n reaching it)"
             : "computed for power at the planning values (exact, the n from which it stays reached)";
}

void read_standalone(StudyPlan& s, const Group& v) {
  s.true_a = v.number("sensitivity");
  s.true_b = v.number("specificity");
  s.goal_a = v.fixed("sensitivity_goal");
  s.goal_b = v.fixed("specificity_goal");
  s.alpha = v.fixed("alpha");
  s.exact = v.choice("method") == "exact";
  s.planning_a = planning_value(v, "planning_sensitivity", "sensitivity");
  s.planning_b = planning_value(v, "planning_specificity", "specificity");
  s.target_power = v.fixed("power");
  s.size_given = v.given("cases");
  s.size_key = s.size_given ? "cases" : "sensitivity_goal";
  StandaloneSampleSize n;
  if (v.given("cases")) {
    const auto cases = static_cast<std::int64_t>(v.fixed("cases"));
    const double prevalence = v.fixed("prevalence");
    n.n_positive = std::max<std::int64_t>(1, std::llround(static_cast<double>(cases) * prevalence));
    n.n_negative = std::max<std::int64_t>(1, cases - n.n_positive);
  } else {
    StandaloneDesign d;
    d.sensitivity_goal = s.goal_a;
    d.specificity_goal = s.goal_b;
    d.sensitivity_planning = planning_value(v, "planning_sensitivity", "sensitivity");
    d.specificity_planning = planning_value(v, "planning_specificity", "specificity");
    d.prevalence = v.fixed("prevalence");
    d.alpha = s.alpha;
    d.power = v.fixed("power");
    d.method = s.exact ? ProportionMethod::exact : ProportionMethod::normal;
    d.search = exact_search(v);
    d.enriched = v.flag("enriched");
    if (v.choice("sizing") == "precision") {
      d.half_width = v.fixed("half_width");
      d.confidence = v.fixed("confidence");
      s.size_key = "half_width";
      s.size_for_precision = true;
      s.sizing = fmt::format("computed for {} % confidence intervals of half-width {} (Buderer 1996)",
                             format_number(100.0 * d.confidence), format_number(d.half_width));
    } else {
      s.sizing = power_sizing(s.exact, d.search);
    }
    n = sized(v, s.size_key, [&] { return sample_size_standalone(d); });
    if (!d.enriched) {
      // Consecutive collection: the positives and negatives that the case count brings.
      n.n_positive = std::llround(static_cast<double>(n.n_cases) * d.prevalence);
      n.n_negative = n.n_cases - n.n_positive;
    }
  }
  size_attempts(s, v, n.n_positive, n.n_negative, [&](StudyPlan::Size& z) {
    z.critical_a = exact_critical_value(z.a, s.goal_a, s.alpha);
    z.critical_b = exact_critical_value(z.b, s.goal_b, s.alpha);
  });
  s.cost_per_case_usd = v.number("cost_per_case_usd");
  s.cases_per_month = v.number("cases_per_month");
  s.analysis_months = v.number("analysis_months");
}

void read_mrmc(StudyPlan& s, const Group& v) {
  s.true_a = v.number("delta_auc");
  s.alpha = v.fixed("alpha");
  s.readers = static_cast<std::int64_t>(v.fixed("readers"));
  s.planning_a = planning_value(v, "planning_delta_auc", "delta_auc");
  s.target_power = v.fixed("power");
  s.size_given = v.given("cases");
  s.size_key = s.size_given ? "cases" : "readers";
  const Group& var = v.group("variance");
  s.mrmc = MrmcVariance{var.fixed("var_tr"), var.fixed("var_error"), var.fixed("reference_cases"),
                        var.fixed("r1"),     var.fixed("r2"),        var.fixed("r3")};
  // E[MS(TR)] >= 0 needs 1 - r1 >= max(r2 - r3, 0) (design_mrmc.cpp); checked
  // here too so that the error names the correlations, not the sizing.
  if ((1.0 - s.mrmc.r1) - std::max(s.mrmc.r2 - s.mrmc.r3, 0.0) < 0.0)
    var.fail(var.given("r1") ? "r1" : "r2",
             fmt::format("correlations r1 = {}, r2 = {}, r3 = {} give a negative variance: need 1 - r1 >= r2 - r3",
                         s.mrmc.r1, s.mrmc.r2, s.mrmc.r3));
  if (const std::string problem = mrmc_readers_problem(s.mrmc, s.readers); !problem.empty())
    var.fail(var.given("r2") ? "r2" : "r3", problem);
  std::int64_t cases = 0;
  if (v.given("cases")) {
    cases = static_cast<std::int64_t>(v.fixed("cases"));
  } else {
    MrmcDesign d{s.readers, planning_value(v, "planning_delta_auc", "delta_auc"), s.mrmc, s.alpha, v.fixed("power")};
    cases = sized(v, "readers", [&] { return mrmc_cases_for_power(d); });
  }
  size_attempts(s, v, cases, 0, [](StudyPlan::Size&) {});
  // The Hillis ddf is at least readers - 1.
  s.ddf_critical = std::make_shared<const TTestCriticalGrid>(s.alpha, static_cast<double>(s.readers - 1));
  s.cost_per_case_usd = v.number("cost_per_case_usd");
  s.cases_per_month = v.number("cases_per_month");
  s.analysis_months = v.number("analysis_months");
  s.reading_minutes_per_case = v.number("reading_minutes_per_case");
  s.reader_cost_usd_per_hour = v.number("reader_cost_usd_per_hour");
  s.reader_hours_per_month = v.number("reader_hours_per_month");
  s.washout_days = v.number("washout_days");
}

void read_single_arm(StudyPlan& s, const Group& v) {
  s.true_a = v.number("success_rate");
  s.goal_a = v.fixed("performance_goal");
  s.alpha = v.fixed("alpha");
  s.exact = v.choice("method") == "exact";
  s.planning_a = planning_value(v, "planning_success_rate", "success_rate");
  s.target_power = v.fixed("power");
  s.size_given = v.given("evaluable_patients");
  s.size_key = s.size_given ? "evaluable_patients" : "performance_goal";
  std::int64_t n = 0;
  if (v.given("evaluable_patients")) {
    n = static_cast<std::int64_t>(v.fixed("evaluable_patients"));
  } else {
    const double planning = planning_value(v, "planning_success_rate", "success_rate");
    const ExactSearch search = exact_search(v);
    s.sizing = power_sizing(s.exact, search);
    n = sized(v, "performance_goal", [&] {
      return sample_size_single_proportion(s.goal_a, planning, s.alpha, v.fixed("power"),
                                           s.exact ? ProportionMethod::exact : ProportionMethod::normal, search);
    });
  }
  size_attempts(s, v, n, 0, [&](StudyPlan::Size& z) { z.critical_a = exact_critical_value(z.a, s.goal_a, s.alpha); });
  s.enrollment = read_enrollment(v);
  // Up to 10^5 patients the table costs milliseconds at load; beyond, each
  // replicate computes its exact p-value instead.
  if (s.exact && s.sizes.back().a <= 100000) {
    const double dropout = s.enrollment.dropout_planning;
    const auto most = static_cast<std::int64_t>(std::ceil(static_cast<double>(s.sizes.back().a) / (1.0 - dropout)));
    s.critical_by_n = exact_critical_values(most, s.goal_a, s.alpha);
  }
}

void read_rct(StudyPlan& s, const Group& v) {
  s.binary = v.choice("endpoint") == "binary";
  s.alpha = v.fixed("alpha");
  const double ratio = v.fixed("allocation_ratio");
  s.target_power = v.fixed("power");
  s.size_given = v.given("evaluable_patients");
  s.size_key = s.size_given ? "evaluable_patients" : s.binary ? "treatment_rate" : "effect";
  ArmSizes arms;
  if (s.binary) {
    if (!v.given("control_rate") || !v.given("treatment_rate"))
      v.fail("endpoint", "a binary endpoint needs control_rate and treatment_rate");
    s.true_a = v.number("control_rate");
    s.true_b = v.number("treatment_rate");
    RctBinaryDesign d;
    d.p_control = planning_value(v, "planning_control_rate", "control_rate");
    d.p_treatment = planning_value(v, "planning_treatment_rate", "treatment_rate");
    s.planning_a = d.p_control;
    s.planning_b = d.p_treatment;
    d.alpha = s.alpha;
    d.power = v.fixed("power");
    d.allocation_ratio = ratio;
    if (!v.given("evaluable_patients")) arms = sized(v, "treatment_rate", [&] { return sample_size_rct_binary(d); });
  } else {
    if (!v.given("effect")) v.fail("effect", "a continuous endpoint needs the true effect (its prior)");
    s.true_a = v.number("effect");
    s.sd = v.number("sd");
    RctContinuousDesign d;
    d.delta = planning_value(v, "planning_effect", "effect");
    d.sd = v.distribution("sd").mean();
    s.planning_a = d.delta;
    s.planning_b = d.sd;
    d.alpha = s.alpha;
    d.power = v.fixed("power");
    d.allocation_ratio = ratio;
    if (!v.given("evaluable_patients")) arms = sized(v, "effect", [&] { return sample_size_rct_continuous(d); });
  }
  if (v.given("evaluable_patients")) {
    const auto total = static_cast<std::int64_t>(v.fixed("evaluable_patients"));
    arms.n_control = std::max<std::int64_t>(2, std::llround(static_cast<double>(total) / (1.0 + ratio)));
    arms.n_treatment = std::max<std::int64_t>(2, total - arms.n_control);
  }
  size_attempts(s, v, arms.n_control, arms.n_treatment, [](StudyPlan::Size&) {});
  s.enrollment = read_enrollment(v);
  // The t-test decides by critical values for every degrees of freedom the
  // enrolled patients allow (milliseconds at load up to 10^5 patients).
  const StudyPlan::Size& largest = s.sizes.back();
  const double enrolled = static_cast<double>(largest.a + largest.b) / (1.0 - s.enrollment.dropout_planning) + 2.0;
  if (!s.binary && enrolled <= 100000.0)
    s.t_critical = std::make_shared<const TTestCritical>(s.alpha, static_cast<std::int64_t>(std::ceil(enrolled)));
}

ReviewPlan read_review(const Group& g, bool pma) {
  ReviewPlan r;
  r.acceptance_review_days = g.number("acceptance_review_days");
  r.rta_probability = g.number("rta_probability");
  r.rta_response_days = g.number("rta_response_days");
  r.review_days = g.number("review_days");
  r.review_days_without_request = g.number("review_days_without_request");
  r.ai_request_probability = g.number("ai_request_probability");
  r.further_ai_probability = g.number("further_ai_probability");
  r.max_ai_requests = g.number("max_ai_requests");
  r.response_days = &g.distribution("response_days");
  r.favourable_probability = g.number("favourable_probability");
  r.user_fee_usd = g.number("user_fee_usd");
  r.small_business_fee_usd = g.number("small_business_fee_usd");
  r.withdrawn_share = g.number("withdrawn_share");
  const Distribution& ratio = g.distribution("prepared_odds_ratio");
  r.evidence_dependent = !(ratio.is_fixed() && ratio.mean() == 1.0);
  if (r.evidence_dependent) {
    r.prepared_share = g.number("prepared_share");
    r.prepared_odds_ratio = g.number("prepared_odds_ratio");
  }
  r.pma = pma;
  if (pma) {
    r.panel_probability = g.number("panel_probability");
    r.panel_days = g.number("panel_days");
  }
  return r;
}

}  // namespace

Plan make_plan(const Group& p) {
  Plan plan;
  plan.small_business = p.flag("small_business");
  plan.burn_usd_per_month = p.number("burn_usd_per_month");
  plan.establishment_fee_usd = p.number("establishment_fee_usd");
  const Group& q = p.group("presubmission");
  plan.qsub_meetings = q.number("meetings");
  plan.qsub_preparation_months = q.number("preparation_months");
  plan.qsub_feedback_days = q.number("feedback_days");
  plan.qsub_cost_usd = q.number("cost_usd");

  const auto& studies = p.list("studies");
  for (std::size_t i = 0; i < studies.size(); ++i) {
    const Group& v = studies[i];
    StudyPlan s;
    s.name = v.text("name").empty() ? v.variant() + "[" + std::to_string(i) + "]" : v.text("name");
    s.with_previous = v.choice("start") == "with_previous";
    if (s.with_previous && i == 0) v.fail("start", "the first study has no previous study to run with");
    const std::string& policy = v.choice("on_failure");
    s.on_failure = policy == "repeat" ? OnFailure::repeat : policy == "redesign" ? OnFailure::redesign
                                                                                 : OnFailure::abandon;
    s.max_attempts = s.on_failure == OnFailure::abandon ? 1 : static_cast<int>(v.fixed("max_attempts"));
    s.fixed_cost_usd = v.number("fixed_cost_usd");
    s.monthly_cost_usd = v.number("monthly_cost_usd");
    s.max_recruitment_months = v.number("max_recruitment_months");
    if (v.variant() == "standalone") {
      s.kind = StudyKind::standalone;
      read_standalone(s, v);
    } else if (v.variant() == "mrmc") {
      s.kind = StudyKind::mrmc;
      read_mrmc(s, v);
    } else if (v.variant() == "single_arm") {
      s.kind = StudyKind::single_arm;
      read_single_arm(s, v);
    } else {
      s.kind = StudyKind::rct;
      read_rct(s, v);
    }
    plan.clinical_study = plan.clinical_study || s.kind != StudyKind::standalone;
    plan.studies.push_back(std::move(s));
  }
  // Read (and so drawn) only where the plan uses them.
  for (const StudyPlan& s : plan.studies)
    if (s.enrollment.significant_risk) plan.ide_review_days = p.number("ide_review_days");
  const Group& sub = p.group("submission");
  plan.submission_preparation_months = sub.number("preparation_months");
  plan.submission_cost_usd = sub.number("cost_usd");

  plan.pathway = p.choice("pathway");
  plan.review = make_review(p, plan.pathway);
  plan.breakthrough = p.group("breakthrough").flag("designated");
  if (plan.breakthrough) plan.breakthrough_factor = p.group("breakthrough").number("review_time_factor");

  const Group& r = p.group("resubmission");
  plan.resubmission.max = static_cast<int>(r.fixed("max"));
  if (plan.resubmission.max > 0) {
    plan.resubmission.preparation_months = r.number("preparation_months");
    plan.resubmission.cost_usd = r.number("cost_usd");
  }
  const Group& f = p.group("fallback_de_novo");
  plan.fallback_de_novo.enabled = f.flag("enabled");
  if (plan.fallback_de_novo.enabled) {
    if (plan.pathway != "510k")
      f.fail("enabled", "the De Novo fallback follows a 510(k); this plan's pathway is " + plan.pathway);
    plan.fallback_de_novo.review = make_review(p, "de_novo");
    plan.fallback_de_novo.preparation_months = f.number("preparation_months");
    plan.fallback_de_novo.cost_usd = f.number("cost_usd");
  }
  plan.report = describe_plan(plan, p);
  return plan;
}

ReviewPlan make_review(const Group& p, const std::string& pathway) {
  ReviewPlan r = read_review(
      p.group(pathway == "510k" ? "fda_510k" : pathway == "de_novo" ? "fda_de_novo" : "fda_pma"), pathway == "pma");
  r.clinical_study_expected = pathway != "510k";
  return r;
}

}  // namespace samdsim::us_pathway
