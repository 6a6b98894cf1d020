// One replicate: the population is drawn, then every month hospitals decide
// (Bass hazard, gated), adopters go live after their lag, live hospitals run
// the month's cases with the SaMD, pay and earn, and may stop.
#include <algorithm>
#include <cmath>
#include <limits>

#include "hospital_adoption/population.hpp"
#include "hospital_adoption/queueing.hpp"
#include "hospital_adoption/workflow.hpp"
#include "samdsim/numbers.hpp"

namespace samdsim::hospital_adoption {

namespace {

// Totals over hospitals of one month.
struct Month {
  double live = 0.0, staff_hours = 0.0, overtime_hours = 0.0, extra_cases = 0.0, procedures = 0.0;
  double net = 0.0, revenue = 0.0, overtime_cost = 0.0, licence = 0.0, one_time = 0.0, vendor_cost = 0.0;
};

// Case-weighted sums of waits over live hospital-months.
struct Waits {
  double without = 0.0, with = 0.0, weight = 0.0;
  double fifo = 0.0, priority = 0.0, positive_weight = 0.0;
};

// Arrival and service rates per minute for the queueing approximation:
// arrivals spread over each reader's staffed minutes, service at the month's
// mean working minutes per case, so utilisation = working / staffed hours.
struct Rates {
  double arrival = 0.0, service = 0.0;
};
Rates rates(double cases, double working_hours, double staffed_hours, int servers) {
  return {cases * static_cast<double>(servers) / (60.0 * staffed_hours), cases / (60.0 * working_hours)};
}

// Mean wait of truly positive eligible cases: flagged ones (share
// `sensitivity`) preempt the rest; the others wait as class 2.
double positive_wait(const ReplicateValues& v, double eligible_share, const Rates& r, int servers) {
  const double flagged = eligible_share * (v.sensitivity * v.prevalence +
                                           (1.0 - v.specificity) * (1.0 - v.prevalence));
  const PriorityWaits w = preemptive_priority_waits(servers, flagged * r.arrival, (1.0 - flagged) * r.arrival,
                                                    r.service);
  return (v.sensitivity > 0.0 ? v.sensitivity * w.high : 0.0) +
         (v.sensitivity < 1.0 ? (1.0 - v.sensitivity) * w.low : 0.0);
}

// A live hospital's month: cases, time saved, overtime, extra cases, money
// and turnaround. Returns the hospital's operating net benefit.
double live_month(const Plan& p, const ReplicateValues& v, const Hospital& h, const StratumValues& s, int t,
                  std::size_t calendar, Stream& rng, MonthMinutes& minutes, PoissonConstants& case_constants, Month& m,
                  Waits& waits) {
  const double mean = h.cases_per_month * v.season[calendar];
  const std::uint64_t n = p.negative_binomial ? rng.negative_binomial(mean, v.overdispersion_size)
                                              : rng.poisson(mean, case_constants);
  const std::uint64_t n_eligible = rng.binomial(n, s.eligible);
  const double eligible_minutes = minutes.draw(n_eligible, h.mean_minutes, h.log_mean_minutes, rng);
  const double other_minutes = minutes.draw(n - n_eligible, h.mean_minutes, h.log_mean_minutes, rng);
  const double cases = static_cast<double>(n);

  Workload work;
  work.hours_without = (eligible_minutes + other_minutes) / 60.0;
  work.hours_saved = h.effect * eligible_minutes / 60.0;
  work.capacity_hours = h.capacity_hours;
  work.max_utilisation = v.max_utilisation;
  work.waiting_cases = s.backlog > 0.0 ? std::round(s.backlog * cases) : 0.0;
  work.minutes_per_extra_case = h.mean_minutes * (1.0 - h.effect * s.eligible);
  const Balance b = balance_workload(work);

  const double processed = static_cast<double>(n_eligible) + s.eligible * b.extra_cases;
  const double addon = t < p.addon_until ? v.addon * s.billing * processed : 0.0;
  // Truly positive eligible cases flagged, each with the chance
  // procedures_per_eligible / (prevalence x sensitivity) of a procedure the
  // hospital would not otherwise have done: one binomial thinning.
  const double procedures =
      s.procedures_per_eligible > 0.0 ? static_cast<double>(rng.binomial(n_eligible, s.procedures_per_eligible)) : 0.0;
  const double revenue = addon + b.extra_cases * s.extra_case_margin + procedures * s.procedure_margin;
  const double overtime_hours = b.overtime_without - b.overtime_with;
  const double overtime_cost = overtime_hours * s.overtime_wage;
  const double licence = s.licence_per_month + v.licence_per_case * processed;
  m.live += 1.0;
  m.staff_hours += work.hours_saved;
  m.overtime_hours += overtime_hours;
  m.extra_cases += b.extra_cases;
  m.procedures += procedures;
  m.revenue += revenue;
  m.overtime_cost += overtime_cost;
  m.licence += licence;
  m.vendor_cost += v.cost_to_serve_per_site + v.cost_to_serve_per_case * processed;

  if (p.turnaround && n > 0 && work.hours_without > 0.0) {
    const Rates before = rates(cases, work.hours_without, b.staffed_without, h.servers);
    const Rates after = rates(cases + b.extra_cases, b.hours_with, b.staffed_with, h.servers);
    const double wait_before = mmc_wait(h.servers, before.arrival, before.service);
    waits.without += cases * (wait_before + 1.0 / before.service);
    waits.with += cases * (mmc_wait(h.servers, after.arrival, after.service) + 1.0 / after.service);
    waits.weight += cases;
    if (p.triage && n_eligible > 0) {
      const double eligible = static_cast<double>(n_eligible);
      waits.fifo += eligible * wait_before;
      waits.priority += eligible * positive_wait(v, s.eligible, after, h.servers);
      waits.positive_weight += eligible;
    }
  }
  return revenue + overtime_cost - licence;
}

struct Payback {
  double median = nan, paid_share = nan;
};

Payback paybacks(PopulationWorkspace& w) {
  auto& x = w.paybacks;
  x.clear();  // keeps its capacity: no allocation
  double paid = 0.0;
  for (const Hospital& h : w.hospitals) {
    if (h.state == State::waiting) continue;
    const bool never = std::isnan(h.payback_months);
    paid += never ? 0.0 : 1.0;
    x.push_back(never ? std::numeric_limits<double>::infinity() : h.payback_months);
  }
  if (x.empty()) return {};
  const std::size_t mid = x.size() / 2;
  std::nth_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(mid), x.end());
  double median = x[mid];
  if (x.size() % 2 == 0)  // the mean of the two middle values; the lower one is the largest below mid
    median = 0.5 * (median + *std::max_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(mid)));
  // Infinite when most adopters have not paid back within the horizon.
  return {std::isinf(median) ? nan : median, paid / static_cast<double>(x.size())};
}

}  // namespace

Simulation::Simulation(Plan plan)
    : plan_(std::move(plan)), outputs_(output_specs(plan_.horizon, plan_.currency, plan_.triage)) {
  const auto more = stratum_output_specs(plan_);
  outputs_.insert(outputs_.end(), more.begin(), more.end());
}

std::unique_ptr<Workspace> make_market_workspace(const Plan& plan) {
  auto w = std::make_unique<PopulationWorkspace>();
  w->hospitals.resize(plan.hospitals);
  w->case_constants.resize(plan.hospitals);
  w->decisions.resize(plan.hospitals, plan.strata.size(), plan.horizon);
  w->strata.resize(plan.strata.size());
  w->paybacks.reserve(plan.hospitals);
  w->active.reserve(plan.hospitals);
  return w;
}

std::unique_ptr<Workspace> Simulation::make_workspace() const { return make_market_workspace(plan_); }

void Simulation::simulate(ReplicateContext& ctx, Workspace* workspace, OutputRow out) const {
  auto& w = static_cast<PopulationWorkspace&>(*workspace);
  simulate_market(plan_, read_values(plan_, ctx), ctx, w, out);
  // Staff time in full-time equivalents: hours saved over the horizon's
  // FTE-hours (each stratum's hours per FTE-month times the months).
  OutputRow more = out.from(outputs_.size() - stratum_output_specs_count(plan_));
  const auto months = static_cast<double>(plan_.horizon);
  double fte = 0.0;
  for (std::size_t k = 0; k < w.strata.size(); ++k) {
    const StratumValues& s = w.strata[k];
    const double stratum_fte = s.staff_hours / (s.hours_per_fte * months);
    fte += stratum_fte;
    OutputRow stratum = more.from(1 + k * stratum_output_count);
    stratum.set(stratum_adopters, static_cast<double>(s.adopted));
    stratum.set(stratum_staff_hours, s.staff_hours);
    stratum.set(stratum_staff_fte, stratum_fte);
  }
  more.set(0, fte);
}

void simulate_market(const Plan& p, const ReplicateValues& v, ReplicateContext& ctx, PopulationWorkspace& w,
                     OutputRow out, std::span<double> vendor_cost) {
  Stream& rng = ctx.rng();
  draw_population(p, v, ctx, rng, w);
  w.minutes.set_cv(v.minutes_cv);

  const std::size_t horizon = p.horizon;
  const double population = static_cast<double>(p.hospitals);
  std::size_t adopted = 0, stopped = 0;
  double months_to_10 = nan, months_to_50 = nan;
  double staff_total = 0.0, overtime_total = 0.0, extra_total = 0.0, procedure_total = 0.0;
  double hospital_pv = 0.0, vendor_pv = 0.0;
  const double monthly_discount = std::pow(1.0 + v.discount_rate, -1.0 / 12.0);
  double discount = monthly_discount;  // cash flows at the end of each month
  Waits waits;

  for (std::size_t t = 0; t < horizon; ++t) {
    const int month = static_cast<int>(t);
    const std::size_t calendar = (static_cast<std::size_t>(p.start_calendar_month) - 1 + t) % 12;
    const int window = month >= v.launch ? std::min(p.decision_window[calendar], month - v.launch + 1) : 0;
    const double overall_share = static_cast<double>(adopted) / population;
    for (StratumValues& s : w.strata)
      s.share_at_start = s.count > 0 ? static_cast<double>(s.adopted) / static_cast<double>(s.count) : 0.0;

    Month m;
    if (window > 0) {
      const double years = static_cast<double>(window) / 12.0;
      Decisions& d = w.decisions;
      Decisions::Window here;
      here.terms = month < p.addon_until ? 0 : 1;  // add-on paid, or ended
      here.usual = window == p.usual_window;
      here.scale = -(v.p + v.q) * years;
      // The survival of a hospital at attractiveness 1, the lowest any can have.
      const double top_decay = std::exp(-(v.p + v.q) * years);
      for (std::size_t k = 0; k < p.strata.size(); ++k)
        d.window_shares.push_back(p.imitation == Imitation::overall ? overall_share : w.strata[k].share_at_start);
      const double* shares = &d.window_shares[d.windows.size() * p.strata.size()];
      const std::size_t listed = d.waiting.size();
      for (std::size_t k = 0; k < p.strata.size(); ++k) {
        // The stratum's hospitals are contiguous. One whose threshold is
        // below the bound cannot decide yet (the margin is far above
        // rounding); the others are appraised, their survival replayed over
        // the windows before this one (d.windows does not hold it yet).
        const std::size_t first = p.strata[k].first, end = first + p.strata[k].count;
        d.bound[k] *= bass_window_survival(v.p, v.q, shares[k], top_decay);
        const double reach = d.bound[k] * (1.0 - 1e-9);
        for (std::size_t i = first; i < end; ++i)
          if (d.appraise_from[i] >= reach) {
            appraise(p, v, w.hospitals[i], w.strata[k], d, i);
            d.waiting.push_back(static_cast<std::uint32_t>(i));
          }
      }
      if (d.waiting.size() > listed) {
        // The strata ascend, and so do the newly appraised: one merge keeps
        // the list in index order.
        d.merged.resize(d.waiting.size());
        std::merge(d.waiting.begin(), d.waiting.begin() + static_cast<std::ptrdiff_t>(listed),
                   d.waiting.begin() + static_cast<std::ptrdiff_t>(listed), d.waiting.end(), d.merged.begin());
        std::swap(d.waiting, d.merged);
      }
      d.windows.push_back(here);
      // The survival of every waiting hospital moves, stratum by stratum (a
      // stratum's hospitals are a run of the list).
      double* survival = d.survival.data();
      const std::uint32_t* next = d.waiting.data();
      const std::uint32_t* const last = next + d.waiting.size();
      for (std::size_t k = 0; k < p.strata.size() && next < last; ++k) {
        const std::uint32_t* const stop = std::lower_bound(next, last, p.strata[k].first + p.strata[k].count);
        const double share = shares[k];
        if (here.usual) {
          const double* decay = d.decay[here.terms].data();
          for (; next < stop; ++next) survival[*next] *= bass_window_survival(v.p, v.q, share, decay[*next]);
        } else {
          for (; next < stop; ++next) survival[*next] *= window_survival(v, d, here, share, *next);
        }
      }
      // Those below their threshold decide, in index order; the others wait on.
      std::size_t still = 0;
      for (const std::uint32_t i : d.waiting) {
        if (!(d.survival[i] < d.threshold[i])) {
          d.waiting[still++] = i;
          continue;
        }
        Hospital& h = w.hospitals[i];
        StratumValues& s = w.strata[h.stratum];
        realize(p, s, h);  // done when it was appraised, as every hospital that decides was
        h.state = State::implementing;
        h.decision_month = month;
        h.live_month = month + static_cast<int>(std::ceil(std::max(0.0, p.implementation_lag->sample(rng))));
        h.effect = draw_effect(v, rng);
        h.log_mean_minutes = std::log(h.mean_minutes);
        ++s.adopted;
        ++adopted;
        w.active.push_back(i);  // within the capacity reserved for every hospital
      }
      d.waiting.resize(still);
    }

    // Adopters in the order they decided; those that stop leave the list.
    std::size_t kept = 0;
    for (const std::uint32_t i : w.active) {
      Hospital& h = w.hospitals[i];
      StratumValues& s = w.strata[h.stratum];
      double net = 0.0;
      if (h.decision_month == month) {
        net -= h.integration_cost;
        m.one_time += h.integration_cost;
      }
      if (h.state == State::implementing && h.live_month <= month) {
        h.state = State::live;
        const double training = v.training_hours * h.fte * s.wage;
        net -= training;
        m.one_time += training;
      }
      if (h.state == State::live) {
        const double hours_before = m.staff_hours;
        const double operating = live_month(p, v, h, s, month, calendar, rng, w.minutes, w.case_constants[i], m, waits);
        s.staff_hours += m.staff_hours - hours_before;
        h.operating_net += operating;
        net += operating;
      }
      h.cumulative_net += net;
      m.net += net;
      if (h.state == State::live) {
        if (std::isnan(h.payback_months) && h.cumulative_net >= 0.0)
          h.payback_months = static_cast<double>(month - h.decision_month + 1);
        const double stop = h.operating_net < 0.0 ? v.churn_negative : v.churn_base;
        if (month - h.live_month + 1 >= p.minimum_term && stop > 0.0 && rng.bernoulli(stop)) {
          h.state = State::stopped;
          --s.adopted;
          --adopted;
          ++stopped;
          continue;
        }
      }
      w.active[kept++] = i;
    }
    w.active.resize(kept);

    const double share = static_cast<double>(adopted) / population;
    if (std::isnan(months_to_10) && share >= 0.1) months_to_10 = static_cast<double>(t + 1);
    if (std::isnan(months_to_50) && share >= 0.5) months_to_50 = static_cast<double>(t + 1);
    out.series(adopted_hospitals)[t] = static_cast<double>(adopted);
    out.series(live_hospitals)[t] = m.live;
    out.series(staff_hours_saved)[t] = m.staff_hours;
    out.series(overtime_hours_saved)[t] = m.overtime_hours;
    out.series(extra_cases)[t] = m.extra_cases;
    out.series(extra_procedures)[t] = m.procedures;
    out.series(hospital_net_benefit)[t] = m.net;
    out.series(vendor_revenue)[t] = m.licence;
    out.series(hospital_revenue)[t] = m.revenue;
    out.series(overtime_cost_saved)[t] = m.overtime_cost;
    out.series(licence_cost)[t] = m.licence;
    out.series(one_time_cost)[t] = m.one_time;
    staff_total += m.staff_hours;
    overtime_total += m.overtime_hours;
    extra_total += m.extra_cases;
    procedure_total += m.procedures;
    hospital_pv += discount * m.net;
    vendor_pv += discount * (m.licence - m.vendor_cost);
    if (!vendor_cost.empty()) vendor_cost[t] = m.vendor_cost;
    discount *= monthly_discount;
  }

  out.set(adopters_at_horizon, static_cast<double>(adopted));
  out.set(churned_by_horizon, static_cast<double>(stopped));
  out.set(months_to_10pct_adoption, months_to_10);
  out.set(months_to_50pct_adoption, months_to_50);
  out.set(cumulative_staff_hours_saved, staff_total);
  out.set(cumulative_overtime_hours_saved, overtime_total);
  out.set(cumulative_extra_cases, extra_total);
  out.set(cumulative_extra_procedures, procedure_total);
  out.set(hospital_npv, hospital_pv);
  out.set(vendor_npv, vendor_pv);
  const Payback payback = paybacks(w);
  out.set(median_payback_months, payback.median);
  out.set(paid_back_share, payback.paid_share);
  out.set(turnaround_minutes_without_samd, waits.weight > 0.0 ? waits.without / waits.weight : nan);
  out.set(turnaround_minutes_with_samd, waits.weight > 0.0 ? waits.with / waits.weight : nan);
  if (p.triage) {
    const bool any = waits.positive_weight > 0.0;
    out.set(positive_wait_minutes_fifo, any ? waits.fifo / waits.positive_weight : nan);
    out.set(positive_wait_minutes_priority, any ? waits.priority / waits.positive_weight : nan);
  }
}

}  // namespace samdsim::hospital_adoption
