// One replicate of the evidence plan: pre-submissions, the study attempts
// (study_runs.cpp) with their failure policies, submission and FDA review.
// Months are calendar months; FDA and sponsor durations given in days convert
// with 365.25/12 days a month.
#include <algorithm>
#include <cmath>
#include <limits>

#include "samdsim/numbers.hpp"
#include "us_pathway/study_runs.hpp"
#include "us_pathway/us_pathway.hpp"

namespace samdsim::us_pathway {

namespace {

// FDA lets a sponsor answer an additional-information request within 180
// calendar days (MDUFA V; 21 CFR 807.87(l) for 510(k)).
constexpr double max_response_days = 180.0;
// Refusals at acceptance review beyond this many are not modelled: the
// sponsor is assumed to get the package right by then.
constexpr int max_refusals = 5;

struct UsWorkspace final : Workspace {
  StudyWorkspace study;
};

}  // namespace

double favourable_given(double all_comers, double prepared_share, double odds_ratio, bool prepared) {
  const double p = all_comers, s = prepared_share, r = odds_ratio;
  if (!(p > 0.0 && p < 1.0)) return p;
  // s r o/(1 + r o) + (1 - s) o/(1 + o) = p for the odds o of an unprepared
  // submission: r (1 - p) o^2 + (s r + 1 - s - p (r + 1)) o - p = 0.
  const double a = r * (1.0 - p), b = s * r + 1.0 - s - p * (r + 1.0);
  const double root = std::sqrt(b * b + 4.0 * a * p);
  const double o = b >= 0.0 ? 2.0 * p / (b + root) : (root - b) / (2.0 * a);
  const double odds = prepared ? r * o : o;
  return odds / (1.0 + odds);
}

ReviewResult simulate_review(const ReviewPlan& r, double review_time_factor, bool prepared,
                             const ReplicateContext& ctx, Stream& rng) {
  ReviewResult result;
  double days = ctx[r.acceptance_review_days];
  for (int refusals = 0; refusals < max_refusals && rng.bernoulli(ctx[r.rta_probability]); ++refusals)
    days += ctx[r.rta_response_days] + ctx[r.acceptance_review_days];

  const bool panel = r.pma && rng.bernoulli(ctx[r.panel_probability]);

  std::int64_t cycles = 1;
  const auto max_requests = static_cast<std::int64_t>(ctx[r.max_ai_requests]);
  double request_probability = ctx[r.ai_request_probability];
  while (cycles - 1 < max_requests && rng.bernoulli(request_probability)) {
    result.hold_days += std::min(r.response_days->sample(rng), max_response_days);
    ++cycles;
    request_probability = ctx[r.further_ai_probability];
  }
  // A review without a request ends at its first cycle (the decision comes
  // by the substantive-interaction point); one with requests runs on to the
  // decision goal.
  double fda_days = ctx[cycles > 1 ? r.review_days : r.review_days_without_request] * review_time_factor;
  if (panel) fda_days += ctx[r.panel_days];
  result.days = days + fda_days + result.hold_days;
  result.cycles = cycles;
  const double u = rng.uniform();
  const double favourable =
      r.evidence_dependent
          ? favourable_given(ctx[r.favourable_probability], ctx[r.prepared_share], ctx[r.prepared_odds_ratio], prepared)
          : ctx[r.favourable_probability];
  result.decision = u < favourable                                                 ? Decision::favourable
                    : u < favourable + (1.0 - favourable) * ctx[r.withdrawn_share] ? Decision::withdrawn
                                                                                   : Decision::negative;
  return result;
}

std::unique_ptr<Workspace> make_plan_workspace(const Plan& plan) {
  auto w = std::make_unique<UsWorkspace>();
  std::size_t max_sites = 0;
  for (const auto& s : plan.studies) max_sites = std::max(max_sites, static_cast<std::size_t>(s.enrollment.max_sites));
  w->study.reserve(max_sites);
  return w;
}

void simulate_plan(const Plan& p, ReplicateContext& ctx, Workspace& workspace, OutputRow out, PlanRecord* record) {
  auto& w = static_cast<UsWorkspace&>(workspace);
  Stream& rng = ctx.rng();
  CostLedger* ledger = record ? record->ledger : nullptr;
  if (record) record->studies.fill({});

  double t = 0.0;  // months since the plan started
  double cost_regulatory = 0.0, cost_studies = 0.0, cost_fees = 0.0;
  std::int64_t patients = 0, sites = 0, attempts = 0;

  const auto meetings = static_cast<int>(ctx[p.qsub_meetings]);
  for (int m = 0; m < meetings; ++m) {
    const double from = t;
    t += ctx[p.qsub_preparation_months] + ctx[p.qsub_feedback_days] / days_per_month;
    cost_regulatory += ctx[p.qsub_cost_usd];
    if (ledger) ledger->add(from, t, ctx[p.qsub_cost_usd]);
  }

  bool evidence_ok = true;
  // A sequential study starts when every earlier study has ended; a parallel
  // one starts with the study listed before it.
  double previous_start = t, evidence_end = t;
  for (std::size_t i = 0; i < p.studies.size(); ++i) {
    const StudyPlan& s = p.studies[i];
    const double start = s.with_previous ? previous_start : evidence_end;
    const bool prospective = s.kind == StudyKind::single_arm || s.kind == StudyKind::rct;
    double clock = start;
    const std::int64_t attempts_before = attempts;
    const double cost_before = cost_studies;
    bool success = false;
    double estimate = std::numeric_limits<double>::quiet_NaN();
    for (int k = 0; k < s.max_attempts && !success; ++k) {
      // An IDE is reviewed before the first attempt of a significant-risk study.
      const double ide_months =
          prospective && k == 0 && s.enrollment.significant_risk ? ctx[p.ide_review_days] / days_per_month : 0.0;
      const StudyPlan::Size& z = s.sizes[static_cast<std::size_t>(k)];
      const Attempt a = run_attempt(s, z, ctx, rng, w.study, ide_months);
      ++attempts;
      if (ledger) ledger->add(clock, clock + a.months, a.cost_usd);
      clock += a.months;
      cost_studies += a.cost_usd;
      patients += a.patients;
      sites += a.sites;
      success = a.success;
      estimate = a.estimate;
    }
    if (record) {
      const int run = static_cast<int>(attempts - attempts_before);
      record->studies[i] = {success, estimate, run, cost_studies - cost_before, clock - start};
    }
    previous_start = start;
    evidence_end = std::max(evidence_end, clock);
    if (!success) {
      evidence_ok = false;
      break;
    }
  }

  double end = evidence_end;
  Outcome result = evidence_ok ? Outcome::negative_decision : Outcome::study_failed;
  std::int64_t cycles = 0, submissions_made = 0;
  double submission = std::numeric_limits<double>::quiet_NaN();
  double days_in_review = 0.0, hold_days_in_review = 0.0;
  if (evidence_ok) {
    // The planned submission, then resubmissions after withdrawals and the
    // De Novo request after an NSE 510(k), each drawn after the ones before.
    const ReviewPlan* review = &p.review;
    Param preparation = p.submission_preparation_months, preparation_cost = p.submission_cost_usd;
    bool fallback = false;
    int resubmissions = 0;
    const double time_factor = p.breakthrough ? ctx[p.breakthrough_factor] : 1.0;
    for (;;) {
      const double from = end;
      end += ctx[preparation];
      if (submissions_made == 0) submission = end;
      ++submissions_made;
      cost_regulatory += ctx[preparation_cost];
      const double fee = p.small_business ? ctx[review->small_business_fee_usd] : ctx[review->user_fee_usd];
      cost_fees += fee;
      if (ledger) {
        ledger->add(from, end, ctx[preparation_cost]);
        ledger->add(end, end, fee);
      }
      const bool prepared = meetings > 0 && (p.clinical_study || !review->clinical_study_expected);
      const ReviewResult r = simulate_review(*review, time_factor, prepared, ctx, rng);
      cycles += r.cycles;
      days_in_review += r.days;
      hold_days_in_review += r.hold_days;
      end += r.days / days_per_month;
      if (r.favourable()) {
        result = fallback ? Outcome::authorized_by_de_novo_fallback : Outcome::authorized;
        break;
      }
      if (r.decision == Decision::withdrawn && resubmissions < p.resubmission.max) {
        ++resubmissions;
        preparation = p.resubmission.preparation_months;
        preparation_cost = p.resubmission.cost_usd;
        continue;
      }
      if (r.decision == Decision::negative && p.fallback_de_novo.enabled && !fallback) {
        fallback = true;
        review = &p.fallback_de_novo.review;
        preparation = p.fallback_de_novo.preparation_months;
        preparation_cost = p.fallback_de_novo.cost_usd;
        continue;
      }
      result = r.decision == Decision::withdrawn ? Outcome::withdrawn : Outcome::negative_decision;
      break;
    }
  }
  const bool authorized_flag = result == Outcome::authorized || result == Outcome::authorized_by_de_novo_fallback;
  if (authorized_flag) {
    cost_fees += ctx[p.establishment_fee_usd];
    if (ledger) ledger->add(end, end, ctx[p.establishment_fee_usd]);
  }
  if (record) {
    record->decision_month = end;
    record->submission_month = submission;
    record->review_days = evidence_ok ? days_in_review : std::numeric_limits<double>::quiet_NaN();
    record->hold_days = evidence_ok ? hold_days_in_review : std::numeric_limits<double>::quiet_NaN();
  }

  const double burn = ctx[p.burn_usd_per_month] * end;
  out.set(authorized, authorized_flag);
  out.set(months_to_decision, end);
  out.set(months_to_authorization, authorized_flag ? end : std::numeric_limits<double>::quiet_NaN());
  out.set(evidence_months, evidence_end);
  out.set(cost_studies_usd, cost_studies);
  out.set(cost_fees_usd, cost_fees);
  out.set(cost_regulatory_usd, cost_regulatory);
  out.set(cost_burn_usd, burn);
  out.set(total_cost_usd, cost_studies + cost_fees + cost_regulatory + burn);
  out.set(patients_enrolled, static_cast<double>(patients));
  out.set(sites_activated, static_cast<double>(sites));
  out.set(review_cycles, static_cast<double>(cycles));
  out.set(submissions, static_cast<double>(submissions_made));
  out.set(study_attempts, static_cast<double>(attempts));
  out.set(outcome, static_cast<double>(result));
}

Simulation::Simulation(Plan plan) : plan_(std::move(plan)), outputs_(output_specs()) {
  const auto more = record_output_specs(plan_);
  outputs_.insert(outputs_.end(), more.begin(), more.end());
}

std::unique_ptr<Workspace> Simulation::make_workspace() const { return make_plan_workspace(plan_); }

void write_record_outputs(const Plan& plan, const PlanRecord& record, OutputRow out, OutputRow more) {
  more.set(review_days, record.review_days);
  more.set(hold_days, record.hold_days);
  more.set(cost_if_authorized_usd, out.get(authorized) > 0.5 ? out.get(total_cost_usd) : nan);
  for (std::size_t i = 0; i < plan.studies.size(); ++i) {
    const PlanRecord::Study& s = record.studies[i];
    OutputRow study = more.from(record_output_count + i * study_output_count);
    study.set(study_attempts_run, static_cast<double>(s.attempts));
    study.set(study_succeeded, s.succeeded);
    study.set(study_cost_usd, s.cost_usd);
    study.set(study_months, s.attempts > 0 ? s.months : nan);
  }
}

void Simulation::simulate(ReplicateContext& ctx, Workspace* workspace, OutputRow out) const {
  PlanRecord record;
  simulate_plan(plan_, ctx, *workspace, out, &record);
  write_record_outputs(plan_, record, out, out.from(output_count));
}

}  // namespace samdsim::us_pathway
