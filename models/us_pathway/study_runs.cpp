// The study attempts of an evidence plan: a retrospective standalone study,
// an MRMC reader study, and prospective studies whose sites open over time
// and recruit (Poisson-gamma), with an interim look at enrollment.
#include "us_pathway/study_runs.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "us_pathway/study_tests.hpp"

namespace samdsim::us_pathway {

namespace {

// Lambda(t): the screenings expected by month t from every site.
double cumulative_intensity(const StudyWorkspace& w, double month) {
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
InterimDecision interim_look(const InterimLook& look, const EnrollmentPlan& e, const StudyWorkspace& w, Stream& rng,
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
  const TestOutcome o =
      simulate_mrmc(rng, s.readers, planned_cases, ctx[s.true_a], s.mrmc, s.alpha, s.ddf_critical.get());
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

// One site: when it opens, whether it never enrolls anyone and its
// screening rate, drawn in that order for the planned sites and for those
// added at an interim look alike.
struct SiteDraw {
  const EnrollmentPlan& plan;
  double shape, mean_rate, never;
  void draw(double opens_after, Stream& rng, StudyWorkspace& w) const {
    w.activation.push_back(opens_after + plan.activation_months->sample(rng));
    const bool silent = rng.bernoulli(never);
    const double rate = rng.gamma(shape, mean_rate / shape);
    w.rates.push_back(silent ? 0.0 : rate);
  }
};

std::int64_t inflate_for_dropout(std::int64_t evaluable, double planned_dropout) {
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(evaluable) / (1.0 - planned_dropout) - 1e-9));
}

// Prospective studies: sites open over time and recruit (Poisson–gamma);
// each enrolled patient is evaluable unless they drop out.
Attempt run_prospective(const StudyPlan& s, const StudyPlan::Size& z, const ReplicateContext& ctx, Stream& rng,
                        StudyWorkspace& w, double ide_months) {
  const EnrollmentPlan& e = s.enrollment;
  Attempt a;
  const auto sites = static_cast<std::size_t>(ctx[e.sites]);
  const SiteDraw site{e, ctx[e.rate_shape], ctx[e.screening_rate], ctx[e.never_enroll_share]};
  w.activation.clear();
  w.rates.clear();
  for (std::size_t j = 0; j < sites; ++j) site.draw(0.0, rng, w);
  w.scratch.resize(sites);

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
      for (std::int64_t k = 0; k < look.added_sites; ++k) site.draw(look.look_month, rng, w);
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
                                       : simulate_rct_continuous(rng, eval_a, eval_b, ctx[s.true_a], ctx[s.sd], s.alpha,
                                                                   true, s.t_critical.get());
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

void StudyWorkspace::reserve(std::size_t sites) {
  activation.reserve(sites);
  rates.reserve(sites);
  scratch.reserve(sites);
}

Attempt run_attempt(const StudyPlan& s, const StudyPlan::Size& z, const ReplicateContext& ctx, Stream& rng,
                    StudyWorkspace& w, double ide_months) {
  switch (s.kind) {
    case StudyKind::standalone: return run_standalone(s, z, ctx, rng);
    case StudyKind::mrmc: return run_mrmc(s, z, ctx, rng);
    case StudyKind::single_arm:
    case StudyKind::rct: break;
  }
  return run_prospective(s, z, ctx, rng, w, ide_months);
}

}  // namespace samdsim::us_pathway
