#include "hospital_adoption/population.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "hospital_adoption/workflow.hpp"
#include "samdsim/correlation.hpp"
#include "samdsim/numbers.hpp"

namespace samdsim::hospital_adoption {

namespace {

double conversion_factor(const Plan& plan, const ReplicateContext& ctx) {
  switch (plan.conversion) {
    case Conversion::usd_to_jpy: return ctx[plan.jpy_per_usd];
    case Conversion::jpy_to_usd: return 1.0 / ctx[plan.jpy_per_usd];
    case Conversion::none: break;
  }
  return 1.0;
}

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// More readers than any department has: a far tail draw of staff_fte cannot
// make the Erlang recursion (one step per reader) run away.
constexpr double max_servers = 1000.0;

}  // namespace

ReplicateValues read_values(const Plan& plan, const ReplicateContext& ctx) {
  ReplicateValues v;
  v.p = ctx[plan.bass_p];
  v.q = ctx[plan.bass_q];
  v.launch = static_cast<int>(std::ceil(ctx[plan.launch_month]));
  v.discount_rate = ctx[plan.discount_rate];
  v.effect = ctx[plan.effect];
  v.expected_effect = v.effect;
  v.concentration = ctx[plan.effect_concentration];
  v.max_utilisation = ctx[plan.max_utilisation];
  v.minutes_cv = ctx[plan.minutes_per_case_cv];
  if (plan.negative_binomial) v.overdispersion_size = ctx[plan.overdispersion_size];
  const double amplitude = ctx[plan.seasonality_amplitude];
  for (int m = 0; m < 12; ++m) {
    const double phase = 2.0 * std::numbers::pi * static_cast<double>(m + 1 - plan.seasonality_peak) / 12.0;
    v.season[static_cast<std::size_t>(m)] = amplitude > 0.0 ? 1.0 + amplitude * std::cos(phase) : 1.0;
  }
  v.addon = ctx[plan.addon_per_case];
  v.training_hours = ctx[plan.training_hours_per_fte];
  const double fx = conversion_factor(plan, ctx);
  v.licence_per_case = fx * ctx[plan.licence_per_case];
  v.cost_to_serve_per_site = fx * ctx[plan.cost_to_serve_per_site_month];
  v.cost_to_serve_per_case = fx * ctx[plan.cost_to_serve_per_case];
  v.churn_base = ctx[plan.churn_base];
  v.churn_negative = ctx[plan.churn_negative];
  if (plan.triage || plan.procedures) {
    v.sensitivity = ctx[plan.sensitivity];
    v.prevalence = ctx[plan.prevalence];
  }
  if (plan.triage) v.specificity = ctx[plan.specificity];
  if (plan.attractiveness != Attractiveness::none) v.attractiveness_floor = ctx[plan.attractiveness_floor];
  if (plan.attractiveness == Attractiveness::payback) {
    v.payback_threshold = ctx[plan.payback_threshold];
    v.payback_scale = ctx[plan.payback_scale];
  } else if (plan.attractiveness == Attractiveness::roi) {
    v.roi_threshold = ctx[plan.roi_threshold];
    v.roi_scale = ctx[plan.roi_scale];
    v.roi_horizon = ctx[plan.roi_horizon];
  }
  return v;
}

ExpectedReturn expected_return(const ReplicateValues& v, const Hospital& h, const StratumValues& s, bool addon_paid) {
  const double cases = h.cases_per_month;
  const double eligible = cases * s.eligible;
  Workload w;
  w.hours_without = cases * h.mean_minutes / 60.0;
  w.hours_saved = v.expected_effect * eligible * h.mean_minutes / 60.0;
  w.capacity_hours = h.capacity_hours;
  w.max_utilisation = v.max_utilisation;
  w.waiting_cases = s.backlog * cases;
  w.minutes_per_extra_case = h.mean_minutes * (1.0 - v.expected_effect * s.eligible);
  w.whole_cases = false;
  const Balance b = balance_workload(w);
  const double processed = eligible + s.eligible * b.extra_cases;
  const double addon = addon_paid ? v.addon * s.billing * processed : 0.0;
  ExpectedReturn r;
  r.gain = addon + b.extra_cases * s.extra_case_margin + eligible * s.procedures_per_eligible * s.procedure_margin +
           (b.overtime_without - b.overtime_with) * s.overtime_wage;
  r.licence = s.licence_per_month + v.licence_per_case * processed;
  r.one_time = h.integration_cost + v.training_hours * h.fte * s.wage;
  return r;
}

double attractiveness(const Plan& plan, const ReplicateValues& v, const ExpectedReturn& r) {
  const double net = r.gain - r.licence;
  double financial = 1.0;
  switch (plan.attractiveness) {
    case Attractiveness::none: return 1.0;
    case Attractiveness::payback: {
      // Months of live use to earn back the one-time cost; never when the
      // product loses money every month.
      const double payback = net > 0.0 ? r.one_time / net : inf;
      financial = logistic((v.payback_threshold - payback) / v.payback_scale);
      break;
    }
    case Attractiveness::roi: {
      const double cost = r.licence * v.roi_horizon + r.one_time;
      const double gain = r.gain * v.roi_horizon;
      const double roi = cost > 0.0 ? (gain - cost) / cost : (gain > 0.0 ? inf : 0.0);
      financial = logistic((roi - v.roi_threshold) / v.roi_scale);
      break;
    }
  }
  return v.attractiveness_floor + (1.0 - v.attractiveness_floor) * financial;
}

void Decisions::resize(std::size_t hospitals, std::size_t strata, std::size_t horizon) {
  for (auto* x : {&attractiveness[0], &attractiveness[1], &decay[0], &decay[1], &survival, &threshold, &appraise_from})
    x->resize(hospitals);
  bound.resize(strata);
  windows.reserve(horizon);  // at most one window a month: a replicate allocates nothing
  window_shares.reserve(horizon * strata);
  waiting.reserve(hospitals);
  merged.reserve(hospitals);
}

void realize(const Plan& plan, const StratumValues& s, Hospital& h) {
  if (h.realized) return;
  const StratumPlan& sp = plan.strata[h.stratum];
  const auto value = [&](Hospital::Field f, const Distribution& d) {
    const auto k = static_cast<std::size_t>(f);
    return (h.given >> k & 1u) != 0 ? h.drawn[k] : d.finish_deferred(h.drawn[k]);
  };
  h.cases_per_month = value(Hospital::Field::annual_cases, *sp.annual_cases) / 12.0;
  h.fte = value(Hospital::Field::staff_fte, *sp.staff_fte);
  h.integration_cost = value(Hospital::Field::integration_cost, *plan.integration_cost);
  h.mean_minutes = value(Hospital::Field::minutes_per_case, *plan.minutes_per_case);
  h.servers = static_cast<int>(std::clamp(std::round(h.fte), 1.0, max_servers));
  h.capacity_hours = h.fte * s.hours_per_fte;
  h.realized = true;
}

void appraise(const Plan& plan, const ReplicateValues& v, Hospital& h, const StratumValues& s, Decisions& d,
              std::size_t i) {
  realize(plan, s, h);
  const double rate = v.p + v.q;
  const double usual_years = static_cast<double>(plan.usual_window) / 12.0;
  const bool addon_ends = v.addon > 0.0 && plan.addon_until < static_cast<int>(plan.horizon);
  const auto appraised = [&](bool addon_paid) {
    const double a = attractiveness(plan, v, expected_return(v, h, s, addon_paid));
    return a > 0.0 ? a : 0.0;
  };
  // Hospitals appraise the terms in force in the month they decide: with
  // the add-on before addon_until_month, without it from then on.
  d.attractiveness[0][i] = appraised(true);
  d.attractiveness[1][i] = addon_ends ? appraised(false) : d.attractiveness[0][i];
  d.decay[0][i] = std::exp(-d.attractiveness[0][i] * rate * usual_years);
  d.decay[1][i] = addon_ends ? std::exp(-d.attractiveness[1][i] * rate * usual_years) : d.decay[0][i];
  // The windows so far, in order (the last one is the current window).
  const std::size_t strata = d.bound.size();
  double survival = 1.0;
  for (std::size_t k = 0; k < d.windows.size(); ++k)
    survival *= window_survival(v, d, d.windows[k], d.window_shares[k * strata + h.stratum], i);
  d.survival[i] = survival;
  d.appraise_from[i] = -inf;
}

double draw_effect(const ReplicateValues& v, Stream& rng) {
  if (v.effect <= 0.0) return 0.0;
  if (v.effect >= 1.0) return 1.0;
  return rng.beta(v.concentration * v.effect, v.concentration * (1.0 - v.effect));
}

void draw_population(const Plan& plan, const ReplicateValues& v, const ReplicateContext& ctx, Stream& rng,
                     PopulationWorkspace& w) {
  const double fx = conversion_factor(plan, ctx);
  Decisions& d = w.decisions;
  d.windows.clear();
  d.waiting.clear();
  d.window_shares.clear();
  std::fill(d.bound.begin(), d.bound.end(), 1.0);
  w.active.clear();
  w.unit_streams.clear();
  for (const auto* c : plan.unit_copulas) {
    // Keyed once the model is prepared; 0 would be the parameter substream.
    if (c->substream == 0) throw std::logic_error(c->key_path + ": a per-hospital block drawn before it was keyed");
    w.unit_streams.emplace_back(ctx.origin().seed, ctx.origin().scenario, ctx.replicate(), c->substream);
  }
  for (std::size_t k = 0; k < plan.strata.size(); ++k) {
    const StratumPlan& sp = plan.strata[k];
    StratumValues& s = w.strata[k];
    s.hours_per_fte = ctx[sp.hours_per_fte_month];
    s.wage = ctx[sp.wage_per_hour];
    s.overtime_wage = s.wage * (1.0 + ctx[sp.overtime_premium]);
    s.extra_case_margin = ctx[sp.reimbursement_per_case] * ctx[plan.margin_share];
    s.eligible = ctx[sp.eligible_share];
    s.billing = ctx[sp.addon_billing_share];
    s.licence_per_month = fx * ctx[sp.licence_per_month];
    s.backlog = ctx[sp.backlog_share];
    if (plan.procedures) {
      s.procedures_per_eligible = v.prevalence * v.sensitivity * ctx[sp.procedure_uplift];
      s.procedure_margin = ctx[plan.procedure_payment] * ctx[plan.procedure_margin_share];
    }
    s.count = sp.count;
    s.adopted = 0;
    s.staff_hours = 0.0;
    s.share_at_start = 0.0;
    for (std::size_t i = sp.first; i < sp.first + sp.count; ++i) {
      Hospital& h = w.hospitals[i];
      h = w.blank;
      h.stratum = static_cast<std::uint32_t>(k);
      using Field = Hospital::Field;
      h.drawn[static_cast<std::size_t>(Field::annual_cases)] = sp.annual_cases->sample_deferred(rng);
      h.drawn[static_cast<std::size_t>(Field::staff_fte)] = sp.staff_fte->sample_deferred(rng);
      h.drawn[static_cast<std::size_t>(Field::integration_cost)] = plan.integration_cost->sample_deferred(rng);
      h.drawn[static_cast<std::size_t>(Field::minutes_per_case)] = plan.minutes_per_case->sample_deferred(rng);
      // Correlated blocks replace their values (the draws above still move
      // the stream, so every other value stays as without the block).
      for (const auto& u : sp.unit_correlations) {
        std::array<double, max_correlated_parameters> x;
        u.copula->draw(w.unit_streams[u.stream], std::span<double>(x.data(), u.fields.size()));
        for (std::size_t j = 0; j < u.fields.size(); ++j) {
          const auto f = static_cast<std::size_t>(u.fields[j]);
          h.drawn[f] = x[j];
          h.given = static_cast<std::uint8_t>(h.given | 1u << f);
        }
      }
      // Appraised once it could decide (Decisions).
      d.threshold[i] = rng.uniform();
      d.appraise_from[i] = d.threshold[i];
      h.payback_months = std::numeric_limits<double>::quiet_NaN();
    }
  }
}

}  // namespace samdsim::hospital_adoption
