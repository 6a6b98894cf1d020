// One replicate of the evidence plan: pre-submissions, studies (with their
// failure policies), submission and FDA review. Months are calendar months;
// FDA and sponsor durations given in days convert with 365.25/12 days a month.
#include <algorithm>
#include <cmath>
#include <limits>

#include "samdsim/numbers.hpp"
#include "us_pathway/enrollment.hpp"
#include "us_pathway/study_tests.hpp"
#include "us_pathway/us_pathway.hpp"

namespace samdsim::us_pathway {

namespace {

constexpr double days_per_month = 365.25 / 12.0;
// FDA lets a sponsor answer an additional-information request within 180
// calendar days (MDUFA V; 21 CFR 807.87(l) for 510(k)).
constexpr double max_response_days = 180.0;
// Refusals at acceptance review beyond this many are not modelled: the
// sponsor is assumed to get the package right by then.
constexpr int max_refusals = 5;

struct UsWorkspace final : Workspace {
  std::vector<double> activation, rates, shifted;
  std::vector<SiteEvent> scratch;
};

// Lambda(t): the screenings expected by month t from every site.
double cumulative_intensity(const UsWorkspace& w, double month) {
  double total = 0.0;
  for (std::size_t j = 0; j < w.rates.size(); ++j) total += w.rates[j] * std::max(0.0, month - w.activation[j]);
  return total;
}

struct InterimDecision {
  std::uint64_t screened = 0;  // by the look
  bool close = false, add_sites = false;
};

// The look at enrollment: the screenings so far, given the last one needed
// (`to_screen`) falls at `done` > the look, are binomial(to_screen - 1,
// Lambda(look) / Lambda(done)) (the earlier arrivals of a Poisson process are
// spread by its intensity). The sponsor estimates one screening rate per
// open site-month, shrunk toward its planning rate as the posterior mean of a
// Gamma(shape, shape / planned rate) prior (Anisimov & Fedorov 2007), and
// projects when `expected` screenings are reached with every site it has,
// on their activation schedule.
InterimDecision interim_look(const InterimLook& look, const EnrollmentPlan& e, const UsWorkspace& w, Stream& rng,
                             std::uint64_t to_screen, double done, double expected) {
  const double at = look.look_month;
  InterimDecision d;
  if (std::isfinite(done))
    d.screened = rng.binomial(to_screen - 1,
                              std::clamp(cumulative_intensity(w, at) / cumulative_intensity(w, done), 0.0, 1.0));
  const double open = site_months(w.activation, at);
  const double rate = (e.planning_shape + static_cast<double>(d.screened)) /
                      (e.planning_shape / e.planning_rate + open);
  const auto reached = [&](double month) { return rate * site_months(w.activation, month) >= expected; };
  double projected = std::numeric_limits<double>::infinity();
  double lo = at, hi = 2.0 * at;
  while (!reached(hi) && hi < 1e6) hi *= 2.0;
  if (reached(hi)) {
    for (int k = 0; k < 100 && hi - lo > 1e-9 * hi; ++k) (reached(0.5 * (lo + hi)) ? hi : lo) = 0.5 * (lo + hi);
    projected = hi;
  }
  if (projected > look.max_projected_months) (look.add_sites ? d.add_sites : d.close) = true;
  return d;
}

struct Attempt {
  bool success = false;
  double estimate = std::numeric_limits<double>::quiet_NaN();  // the observed effect, where the test gives one
  double months = 0.0;
  double cost_usd = 0.0;
  std::int64_t patients = 0;
  std::int64_t sites = 0;
};

// Cases collected (and, for a reader study, read) at a steady pace: stopped
// with what it has when the plan's limit on recruitment comes first.
struct Collection {
  double cases = 0.0;
  double months = 0.0;
  bool stopped = false;
};

Collection collect(double planned_cases, double months, double max_months) {
  if (months <= max_months) return {planned_cases, months, false};
  return {std::floor(planned_cases * max_months / months), max_months, true};
}

Attempt run_standalone(const StudyPlan& s, const StudyPlan::Size& z, const ReplicateContext& ctx, Stream& rng) {
  Attempt a;
  StandaloneDesign d;
  d.sensitivity_goal = s.goal_a;
  d.specificity_goal = s.goal_b;
  d.alpha = s.alpha;
  d.method = s.exact ? ProportionMethod::exact : ProportionMethod::normal;
  // The exact test uses the critical values computed when the study was sized.
  if (s.exact) {
    // Both endpoints are always drawn, so the stream moves the same whatever the first outcome.
    const bool sensitivity_met = simulate_exact_success(rng, z.a, ctx[s.true_a], z.critical_a);
    const bool specificity_met = simulate_exact_success(rng, z.b, ctx[s.true_b], z.critical_b);
    a.success = sensitivity_met && specificity_met;
  } else {
    const StandaloneOutcome o = simulate_standalone(rng, z.a, z.b, ctx[s.true_a], ctx[s.true_b], d);
    a.success = o.success;
    a.estimate = o.sensitivity.estimate;
  }
  const double planned_cases = static_cast<double>(z.a + z.b);
  const Collection c = collect(planned_cases, planned_cases / ctx[s.cases_per_month], ctx[s.max_recruitment_months]);
  if (c.stopped) a.success = false;
  a.months = c.months + (c.stopped ? 0.0 : ctx[s.analysis_months]);
  a.cost_usd = ctx[s.fixed_cost_usd] + c.cases * ctx[s.cost_per_case_usd] + ctx[s.monthly_cost_usd] * a.months;
  return a;
}

Attempt run_mrmc(const StudyPlan& s, const StudyPlan::Size& z, const ReplicateContext& ctx, Stream& rng) {
  Attempt a;
  const double planned_cases = static_cast<double>(z.a);
  const TestOutcome o = simulate_mrmc(rng, s.readers, planned_cases, ctx[s.true_a], s.mrmc, s.alpha);
  // Readers read in parallel: two sessions (unaided, aided) separated by a washout.
  const auto reading_hours_for = [&](double cases) { return cases * ctx[s.reading_minutes_per_case] / 60.0; };
  const double planned_months = planned_cases / ctx[s.cases_per_month] +
                                2.0 * (reading_hours_for(planned_cases) / ctx[s.reader_hours_per_month]);
  const Collection c = collect(planned_cases, planned_months, ctx[s.max_recruitment_months]);
  a.success = o.success && !c.stopped;
  if (!c.stopped) a.estimate = o.estimate;
  const double cases = c.cases;
  const double reading_hours = reading_hours_for(cases);
  a.months = c.months + (c.stopped ? 0.0 : ctx[s.washout_days] / days_per_month + ctx[s.analysis_months]);
  const double reader_cost = static_cast<double>(s.readers) * 2.0 * reading_hours * ctx[s.reader_cost_usd_per_hour];
  a.cost_usd = ctx[s.fixed_cost_usd] + cases * ctx[s.cost_per_case_usd] + reader_cost +
               ctx[s.monthly_cost_usd] * a.months;
  return a;
}

std::int64_t inflate_for_dropout(std::int64_t evaluable, double planned_dropout) {
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(evaluable) / (1.0 - planned_dropout) - 1e-9));
}

// Prospective studies: sites open over time and recruit (Poisson–gamma);
// each enrolled patient is evaluable unless they drop out.
Attempt run_prospective(const StudyPlan& s, const StudyPlan::Size& z, const ReplicateContext& ctx, Stream& rng,
                        UsWorkspace& w, double ide_months) {
  const EnrollmentPlan& e = s.enrollment;
  Attempt a;
  const auto sites = static_cast<std::size_t>(ctx[e.sites]);
  w.activation.resize(sites);
  w.rates.resize(sites);
  w.scratch.resize(sites);
  const double shape = ctx[e.rate_shape];
  const double mean_rate = ctx[e.screening_rate];
  const double never = ctx[e.never_enroll_share];
  for (std::size_t j = 0; j < sites; ++j) {
    w.activation[j] = e.activation_months->sample(rng);
    const bool silent = rng.bernoulli(never);
    const double rate = rng.gamma(shape, mean_rate / shape);
    w.rates[j] = silent ? 0.0 : rate;
  }

  // Planned with the expected dropout; the replicate's dropout decides how many are evaluable.
  const double planned_dropout = e.dropout_planning;
  const bool two_arms = s.kind == StudyKind::rct;
  const std::int64_t enroll_a = inflate_for_dropout(z.a, planned_dropout);
  const std::int64_t enroll_b = two_arms ? inflate_for_dropout(z.b, planned_dropout) : 0;
  const std::int64_t enroll = enroll_a + enroll_b;
  const EnrollmentResult r = simulate_enrollment(rng, w.activation, w.rates, static_cast<std::uint64_t>(enroll),
                                                 ctx[e.screen_failure], w.scratch);
  const auto open_by = [&](double month) {
    return static_cast<std::int64_t>(
        std::count_if(w.activation.begin(), w.activation.end(), [&](double m) { return m <= month; }));
  };

  const double max_months = ctx[s.max_recruitment_months];
  double done = r.never_completes ? std::numeric_limits<double>::infinity() : r.months_to_full_enrollment;
  const std::uint64_t to_screen = r.screened;
  const InterimLook& look = e.interim;
  bool closed = false, looked = false;
  std::uint64_t seen = 0;  // screenings by the look
  if (look.enabled && look.look_month < max_months && done > look.look_month) {
    const InterimDecision d =
        interim_look(look, e, w, rng, to_screen, done, static_cast<double>(enroll) / (1.0 - ctx[e.screen_failure]));
    looked = true;
    closed = d.close;
    seen = d.screened;
    if (d.add_sites) {
      for (std::int64_t k = 0; k < look.added_sites; ++k) {
        w.activation.push_back(look.look_month + e.activation_months->sample(rng));
        const bool silent = rng.bernoulli(never);
        const double rate = rng.gamma(shape, mean_rate / shape);
        w.rates.push_back(silent ? 0.0 : rate);
      }
      // After the look the screenings still missing come from every site: a
      // fresh Poisson process, given the count at the look.
      w.shifted.resize(w.activation.size());
      for (std::size_t j = 0; j < w.activation.size(); ++j)
        w.shifted[j] = std::max(0.0, w.activation[j] - look.look_month);
      w.scratch.resize(w.activation.size());
      const EnrollmentResult rest = time_to_screen(rng, w.shifted, w.rates, to_screen - seen, w.scratch);
      done = rest.never_completes ? std::numeric_limits<double>::infinity()
                                  : look.look_month + rest.months_to_full_enrollment;
    }
  }

  double end_enrollment = 0.0;
  double screened = 0.0;
  const bool never_completes = !closed && !std::isfinite(done);
  const bool stopped = closed || !(done <= max_months);
  if (closed) {
    // Closed at the look with the patients recruited so far.
    end_enrollment = look.look_month;
    a.sites = open_by(end_enrollment);
    a.patients = enroll * static_cast<std::int64_t>(seen) / static_cast<std::int64_t>(to_screen);
    screened = static_cast<double>(seen);
  } else if (never_completes) {
    // No open site recruits anyone: the study is stopped once every site has opened.
    end_enrollment = std::min(*std::max_element(w.activation.begin(), w.activation.end()), max_months);
    a.sites = static_cast<std::int64_t>(w.activation.size());
  } else if (stopped) {
    // Still short of its target at the limit: stopped with the patients
    // recruited so far, the share of the expected screenings (the intensity
    // accumulated by the sites) reached by then; after a look, the
    // screenings counted there and that share of the rest.
    const double from = looked ? look.look_month : 0.0;
    const double rest = cumulative_intensity(w, done) - cumulative_intensity(w, from);
    const double later =
        rest > 0.0 ? std::clamp((cumulative_intensity(w, max_months) - cumulative_intensity(w, from)) / rest, 0.0, 1.0)
                   : 0.0;
    const double share = looked ? (static_cast<double>(seen) + static_cast<double>(to_screen - seen) * later) /
                                      static_cast<double>(to_screen)
                                : later;
    end_enrollment = max_months;
    a.sites = open_by(max_months);
    a.patients = static_cast<std::int64_t>(std::floor(static_cast<double>(enroll) * share));
    screened = std::floor(static_cast<double>(to_screen) * share);
  } else {
    end_enrollment = done;
    a.sites = open_by(done);
    a.patients = enroll;
    screened = static_cast<double>(to_screen);
    const double keep = 1.0 - ctx[e.dropout];
    const auto eval_a = static_cast<std::int64_t>(rng.binomial(static_cast<std::uint64_t>(enroll_a), keep));
    if (two_arms) {
      const auto eval_b = static_cast<std::int64_t>(rng.binomial(static_cast<std::uint64_t>(enroll_b), keep));
      if (eval_a >= 2 && eval_b >= 2) {
        const TestOutcome o = s.binary ? simulate_rct_binary(rng, eval_a, eval_b, ctx[s.true_a], ctx[s.true_b], s.alpha)
                                       : simulate_rct_continuous(rng, eval_a, eval_b, ctx[s.true_a], ctx[s.sd], s.alpha);
        a.success = o.success;
        a.estimate = o.estimate;
      }
    } else if (eval_a >= 1 && s.exact && s.critical_by_n) {
      a.success = simulate_exact_success(rng, eval_a, ctx[s.true_a], (*s.critical_by_n)[static_cast<std::size_t>(eval_a)]);
    } else if (eval_a >= 1) {
      const TestOutcome o = simulate_single_proportion(rng, eval_a, ctx[s.true_a], s.goal_a, s.alpha,
                                                       s.exact ? ProportionMethod::exact : ProportionMethod::normal);
      a.success = o.success;
      a.estimate = o.estimate;
    }
  }
  const double end_follow_up = end_enrollment + (stopped ? 0.0 : ctx[e.follow_up_months]);
  // Sites still starting up when enrollment completes are cancelled before activation.
  double open_site_months = 0.0;
  for (std::size_t j = 0; j < w.activation.size(); ++j)
    if (w.activation[j] <= end_enrollment) open_site_months += std::max(0.0, end_follow_up - w.activation[j]);
  const double site_costs = static_cast<double>(a.sites) * ctx[e.site_startup_usd] +
                            open_site_months * ctx[e.site_month_usd] +
                            static_cast<double>(a.patients) * ctx[e.per_patient_usd] +
                            (screened - static_cast<double>(a.patients)) * ctx[e.per_screen_failure_usd];
  a.months = ide_months + end_follow_up + ctx[e.closeout_months];
  a.cost_usd = ctx[s.fixed_cost_usd] + site_costs * (1.0 + ctx[e.site_overhead_share]) +
               ctx[s.monthly_cost_usd] * a.months;
  return a;
}

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
  w->activation.reserve(max_sites);
  w->rates.reserve(max_sites);
  w->scratch.reserve(max_sites);
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
      Attempt a = s.kind == StudyKind::standalone ? run_standalone(s, z, ctx, rng)
                  : s.kind == StudyKind::mrmc     ? run_mrmc(s, z, ctx, rng)
                                                  : run_prospective(s, z, ctx, rng, w, ide_months);
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
