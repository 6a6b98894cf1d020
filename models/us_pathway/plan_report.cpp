// The plan behind a us_pathway run, as the sponsor's statistician would
// write it down before the first patient: every study's sample size per
// attempt, its critical values, its power at the planning values (per
// endpoint and jointly) and its expected duration; and the warnings a plan
// deserves when it runs but nobody would run it (a study of decades, a
// performance goal mistyped).
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "samdsim/numbers.hpp"
#include "samdsim/summary_format.hpp"
#include "us_pathway/us_pathway.hpp"

namespace samdsim::us_pathway {

namespace {

// Thresholds of the warnings (docs/models/us_pathway.md, "The plan").
constexpr double implausible_months = 120.0;        // ten years of evidence
constexpr double implausible_patients = 10000.0;    // in one study
constexpr double exact_beyond_normal_ratio = 2.0;   // exact n over normal-approximation n
constexpr double low_planning_power = 0.5;          // a given size with less power than this

const char* kind_name(StudyKind k) {
  switch (k) {
    case StudyKind::standalone: return "standalone";
    case StudyKind::mrmc: return "mrmc";
    case StudyKind::single_arm: return "single_arm";
    case StudyKind::rct: return "rct";
  }
  return "";
}

double mean_of(const Group& g, const std::string& name) { return g.distribution(name).mean(); }

// A power the plan cannot define (a planning value at or below its goal with
// a size given in the config, a zero planning effect) is NaN, not an error.
template <class F, class T = double>
T guarded(F&& f, T otherwise = nan) {
  try {
    return f();
  } catch (const std::exception&) {
    return otherwise;
  }
}

// Power of a one-sided test of a proportion against `goal` with n evaluable
// units, at the planning value: exact binomial, or the exact rejection
// probability of the z-test that method: normal uses.
double proportion_power(const StudyPlan& s, std::int64_t n, double goal, double planning) {
  return guarded([&] {
    return s.exact ? exact_power(n, goal, planning, s.alpha) : ztest_rejection_probability(n, goal, planning, s.alpha);
  });
}

std::vector<double> as_doubles(const std::vector<StudyPlan::Size>& sizes, std::int64_t StudyPlan::Size::*field) {
  std::vector<double> out;
  for (const auto& z : sizes) out.push_back(static_cast<double>(z.*field));
  return out;
}

template <class F>
std::vector<double> per_attempt(const std::vector<StudyPlan::Size>& sizes, F&& f) {
  std::vector<double> out;
  for (const auto& z : sizes) out.push_back(f(z));
  return out;
}

// Months to recruit `enrolled` patients with the config's mean rates, every
// site opening at the mean activation month: a first-order estimate (the
// simulation draws each site's opening and rate).
double expected_recruitment_months(const Group& v, double enrolled) {
  const Group& e = v.group("enrollment");
  const double active_sites = mean_of(e, "sites") * (1.0 - mean_of(e, "never_enroll_share"));
  const double rate = mean_of(e, "screening_rate_per_site_month") * active_sites;
  const double screened = enrolled / (1.0 - mean_of(e, "screen_failure"));
  if (!(rate > 0.0)) return std::numeric_limits<double>::infinity();
  return mean_of(e, "site_activation_months") + screened / rate;
}

struct StudyFigures {
  double months = 0.0;    // expected duration of the first attempt
  double patients = 0.0;  // enrolled or collected in the first attempt
  double power = nan;     // joint power at the planning values, first attempt
  double recruitment_months = nan;  // prospective studies
};

StudyFigures describe_study(PlanReport& report, const StudyPlan& s, const Group& v, std::size_t index) {
  PlanSection& sec = report.section(fmt::format("studies/{}", index),
                                    fmt::format("study {} '{}' ({})", index, s.name, kind_name(s.kind)));
  sec.add_text("name", s.name);
  sec.add_text("kind", kind_name(s.kind));
  sec.add_text("size", s.size_given ? "given in the config (" + s.size_key + ")"
                       : s.sizing.empty() ? "computed from the planning values"
                                          : s.sizing);
  sec.add("attempts", s.max_attempts, "attempt", "attempts allowed; the values below are per attempt");
  StudyFigures f;
  const auto& z = s.sizes;
  switch (s.kind) {
    case StudyKind::standalone: {
      sec.add("positives", as_doubles(z, &StudyPlan::Size::a), "case", "evaluable positive cases");
      sec.add("negatives", as_doubles(z, &StudyPlan::Size::b), "case", "evaluable negative cases");
      sec.add("cases", per_attempt(z, [](const auto& x) { return static_cast<double>(x.a + x.b); }), "case");
      if (s.exact) {
        sec.add("critical_positives", as_doubles(z, &StudyPlan::Size::critical_a), "case",
                "true positives needed to pass (exact test)");
        sec.add("critical_negatives", as_doubles(z, &StudyPlan::Size::critical_b), "case",
                "true negatives needed to pass (exact test)");
      }
      sec.add("planning_sensitivity", s.planning_a, "probability").add("sensitivity_goal", s.goal_a, "probability");
      sec.add("planning_specificity", s.planning_b, "probability").add("specificity_goal", s.goal_b, "probability");
      const auto power_a = per_attempt(z, [&](const auto& x) { return proportion_power(s, x.a, s.goal_a, s.planning_a); });
      const auto power_b = per_attempt(z, [&](const auto& x) { return proportion_power(s, x.b, s.goal_b, s.planning_b); });
      std::vector<double> joint(power_a.size());
      for (std::size_t k = 0; k < joint.size(); ++k) joint[k] = power_a[k] * power_b[k];
      sec.add("power_sensitivity", power_a, "probability", "at the planning values");
      sec.add("power_specificity", power_b, "probability", "at the planning values");
      sec.add("power_joint", joint, "probability", "both endpoints (independent samples)");
      f.patients = static_cast<double>(z.front().a + z.front().b);
      f.months = f.patients / mean_of(v, "cases_per_month") + mean_of(v, "analysis_months");
      f.power = joint.front();
      break;
    }
    case StudyKind::mrmc: {
      sec.add("cases", as_doubles(z, &StudyPlan::Size::a), "case", "each read unaided and aided by every reader");
      sec.add("readers", static_cast<double>(s.readers), "reader");
      sec.add("planning_delta_auc", s.planning_a, "AUC");
      std::vector<double> ddf, f_crit, power;
      for (const auto& x : z) {
        const auto p = guarded([&] {
          return mrmc_power(s.mrmc, s.readers, static_cast<double>(x.a), s.planning_a, s.alpha);
        }, MrmcPower{nan, nan, nan, nan, nan});
        ddf.push_back(p.ddf);
        f_crit.push_back(p.f_critical);
        power.push_back(p.power_favourable);
      }
      sec.add("ddf", ddf, "", "Hillis denominator degrees of freedom");
      sec.add("f_critical", f_crit, "", "F(1, ddf) critical value");
      sec.add("power", power, "probability", "aided better, at the planning delta AUC");
      const double cases = static_cast<double>(z.front().a);
      const double reading_hours = cases * mean_of(v, "reading_minutes_per_case") / 60.0;
      f.patients = cases;
      f.months = cases / mean_of(v, "cases_per_month") + 2.0 * reading_hours / mean_of(v, "reader_hours_per_month") +
                 mean_of(v, "washout_days") / (365.25 / 12.0) + mean_of(v, "analysis_months");
      f.power = power.front();
      break;
    }
    case StudyKind::single_arm:
    case StudyKind::rct: {
      const bool rct = s.kind == StudyKind::rct;
      const double dropout = s.enrollment.dropout_planning;
      const auto enrolled = [&](std::int64_t n) { return n > 0 ? static_cast<double>(enrollment_n(n, dropout)) : 0.0; };
      std::vector<double> power;
      if (rct) {
        sec.add("evaluable_control", as_doubles(z, &StudyPlan::Size::a), "patient");
        sec.add("evaluable_treatment", as_doubles(z, &StudyPlan::Size::b), "patient");
        sec.add("enrolled", per_attempt(z, [&](const auto& x) { return enrolled(x.a) + enrolled(x.b); }), "patient",
                fmt::format("both arms, with {:.3g} % expected dropout", 100.0 * dropout));
        if (s.binary) {
          sec.add("planning_control_rate", s.planning_a, "probability");
          sec.add("planning_treatment_rate", s.planning_b, "probability");
          power = per_attempt(z, [&](const auto& x) {
            return guarded([&] {
              return two_proportion_power_normal(x.a, x.b, s.planning_a, s.planning_b, s.alpha,
                                                 s.planning_b >= s.planning_a);
            });
          });
        } else {
          sec.add("planning_effect", s.planning_a, "").add("planning_sd", s.planning_b, "");
          power = per_attempt(z, [&](const auto& x) {
            return guarded([&] { return two_sample_t_power(x.a, x.b, s.planning_a, s.planning_b, s.alpha); });
          });
        }
        sec.add("power", power, "probability", "favourable rejection at the planning values (two-sided alpha)");
      } else {
        sec.add("evaluable", as_doubles(z, &StudyPlan::Size::a), "patient");
        sec.add("enrolled", per_attempt(z, [&](const auto& x) { return enrolled(x.a); }), "patient",
                fmt::format("with {:.3g} % expected dropout", 100.0 * dropout));
        if (s.exact)
          sec.add("critical_successes", as_doubles(z, &StudyPlan::Size::critical_a), "patient",
                  "successes needed to pass (exact test)");
        sec.add("planning_success_rate", s.planning_a, "probability").add("performance_goal", s.goal_a, "probability");
        power = per_attempt(z, [&](const auto& x) { return proportion_power(s, x.a, s.goal_a, s.planning_a); });
        sec.add("power", power, "probability", "at the planning success rate");
      }
      const Group& e = v.group("enrollment");
      f.patients = rct ? enrolled(z.front().a) + enrolled(z.front().b) : enrolled(z.front().a);
      f.recruitment_months = expected_recruitment_months(v, f.patients);
      sec.add("sites", mean_of(e, "sites"), "site", "mean");
      sec.add("expected_recruitment_months", f.recruitment_months, "month",
              "first attempt, mean rates, sites opening at their mean activation");
      const InterimLook& look = s.enrollment.interim;
      if (look.enabled)
        sec.add_text("interim", fmt::format("at month {}, {} when the projected recruitment exceeds {} months",
                                            format_number(look.look_month),
                                            look.add_sites ? fmt::format("add {} sites", look.added_sites)
                                                           : std::string("close the study"),
                                            format_number(look.max_projected_months)));
      f.months = f.recruitment_months + mean_of(e, "follow_up_months") + mean_of(e, "closeout_months");
      f.power = power.front();
      break;
    }
  }
  sec.add("expected_months", f.months, "month", "first attempt, start to report");

  // Warnings: located at the key that set the size (or at the limit that stops it).
  const auto warn = [&](const std::string& key, std::string message) { report.warn(v, key, std::move(message)); };
  const std::string sized_by = s.size_given ? "" : " (is a goal or planning value mistyped?)";
  if (f.months > implausible_months)
    warn(s.size_key, fmt::format("study '{}' is expected to take {} months ({:.3g} years){}", s.name,
                                 format_number(f.months), f.months / 12.0, sized_by));
  if (f.patients > implausible_patients)
    warn(s.size_key, fmt::format("study '{}' needs {} {} in its first attempt{}", s.name, format_number(f.patients),
                                 s.kind == StudyKind::standalone || s.kind == StudyKind::mrmc ? "cases" : "patients",
                                 sized_by));
  if (!s.sized_for_power() && f.power < low_planning_power)
    warn(s.size_key, fmt::format("study '{}' has {:.3g} % power at the planning values with the size {}", s.name,
                                 100.0 * f.power, s.size_given ? "given" : "sized for precision"));
  // An exact test that needs far more than the normal approximation: the
  // planning value sits where the binomial is coarse, usually a goal near 1.
  if (s.exact && !s.size_given && s.kind == StudyKind::single_arm) {
    const double normal = guarded([&] {
      return static_cast<double>(
          sample_size_single_proportion(s.goal_a, s.planning_a, s.alpha, s.target_power, ProportionMethod::normal));
    });
    if (static_cast<double>(z.front().a) > exact_beyond_normal_ratio * normal)
      warn("performance_goal", fmt::format("the exact test needs {} evaluable patients where the normal "
                                           "approximation needs {}",
                                           z.front().a, normal));
  }
  if (s.kind == StudyKind::single_arm || s.kind == StudyKind::rct) {
    const InterimLook& look = s.enrollment.interim;
    if (look.enabled && !look.add_sites && f.recruitment_months > look.max_projected_months)
      report.warn(v.group("enrollment").group("interim"), "max_projected_months",
                  fmt::format("study '{}' is expected to recruit for {} months, beyond the {} its interim look allows: "
                              "most attempts will be closed at month {}",
                              s.name, format_number(f.recruitment_months), format_number(look.max_projected_months),
                              format_number(look.look_month)));
    const double limit = mean_of(v, "max_recruitment_months");
    if (look.enabled && look.look_month >= limit)
      report.warn(v.group("enrollment").group("interim"), "look_month",
                  fmt::format("the look at month {} comes at or after max_recruitment_months ({}): it never happens",
                              format_number(look.look_month), format_number(limit)));
    const double recruit = f.recruitment_months;
    if (recruit > limit)
      warn("max_recruitment_months",
           fmt::format("study '{}' is expected to recruit for {} months, beyond its limit of {}: most attempts will "
                       "stop short and fail",
                       s.name, format_number(recruit), format_number(limit)));
  }
  return f;
}

// The decision of each review the plan may reach: its chance at the
// parameters' means, prepared or not; warnings for settings that do nothing.
void describe_decisions(PlanReport& report, PlanSection& sec, const Plan& plan, const Group& p) {
  const auto warn = [&](const Group& g, const std::string& key, std::string message) {
    report.warn(g, key, std::move(message));
  };
  const bool qsub = mean_of(p.group("presubmission"), "meetings") >= 1.0;
  std::vector<std::pair<std::string, const ReviewPlan*>> reviews = {{plan.pathway, &plan.review}};
  if (plan.fallback_de_novo.enabled) reviews.emplace_back("de_novo", &plan.fallback_de_novo.review);
  bool withdrawals = false;
  for (const auto& [pathway, review] : reviews) {
    const Group& g = p.group(pathway == "510k" ? "fda_510k" : pathway == "de_novo" ? "fda_de_novo" : "fda_pma");
    const double all = mean_of(g, "favourable_probability");
    withdrawals = withdrawals || mean_of(g, "withdrawn_share") > 0.0;
    if (g.given("review_days") && !g.given("review_days_without_request"))
      warn(g, "review_days",
           "applies only to reviews with an additional-information request; one decided at its first cycle takes "
           "review_days_without_request, here its MDUFA V default: give both");
    const std::string key = "decision_" + pathway;
    if (!review->evidence_dependent) {
      sec.add(key, all, "probability", "favourable decision, at the means");
      if (mean_of(g, "prepared_share") != 1.0)
        warn(g, "prepared_share", "read only with a prepared_odds_ratio other than 1: the decision does not depend "
                                  "on the preparation here");
      continue;
    }
    const bool prepared = qsub && (plan.clinical_study || !review->clinical_study_expected);
    const double chance =
        favourable_given(all, mean_of(g, "prepared_share"), mean_of(g, "prepared_odds_ratio"), prepared);
    sec.add(key, chance, "probability",
            fmt::format("favourable decision at the means, {} (all comers {}){}", prepared ? "prepared" : "unprepared",
                        format_number(all),
                        prepared ? ""
                        : !qsub  ? ": no Q-Sub is held"
                                 : ": a De Novo request or PMA without a clinical study"));
  }
  if (plan.resubmission.max > 0 && !withdrawals)
    warn(p.group("resubmission"), "max",
         "no review of this plan ends in a withdrawal (withdrawn_share is 0): a resubmission never happens");
}

}  // namespace

PlanReport describe_plan(const Plan& plan, const Group& p) {
  PlanReport report;
  const auto& groups = p.list("studies");
  // A study starts when the previous one (and those run with it) ended;
  // start: with_previous runs it beside the one before.
  double evidence_months = 0.0, block = 0.0;
  for (std::size_t i = 0; i < plan.studies.size(); ++i) {
    const double months = describe_study(report, plan.studies[i], groups[i], i).months;
    if (plan.studies[i].with_previous) {
      block = std::max(block, months);
    } else {
      evidence_months += block;
      block = months;
    }
  }
  evidence_months += block;

  PlanSection& sec = report.section("pathway", "pathway");
  sec.add_text("pathway", plan.pathway);
  sec.add("studies", static_cast<double>(plan.studies.size()), "study");
  sec.add("expected_evidence_months", evidence_months, "month",
          "first attempts, with the overlap of parallel studies; before pre-submissions and review");
  const int resubmissions = plan.resubmission.max;
  sec.add_text("after_withdrawal", resubmissions == 0   ? std::string("the plan ends")
                                   : resubmissions == 1 ? std::string("resubmitted, at most once in the plan")
                                                        : fmt::format("resubmitted, at most {} times in the plan",
                                                                      resubmissions));
  if (plan.pathway == "510k")
    sec.add_text("after_nse", plan.fallback_de_novo.enabled ? "a De Novo request" : "the plan ends");
  describe_decisions(report, sec, plan, p);
  if (evidence_months > implausible_months && plan.studies.size() > 1)
    report.warn(p, "studies",
                fmt::format("the studies are expected to take {} months ({:.3g} years) before the submission",
                            format_number(evidence_months), evidence_months / 12.0));
  return report;
}

}  // namespace samdsim::us_pathway
