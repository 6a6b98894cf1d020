// One replicate: for each strategy, the evidence stage (us_pathway's code,
// with its resubmissions and De Novo fallback, then decision gates), the market stage
// (hospital_adoption's code, from the authorization month, moved by the
// evidence links), then the company's monthly cash flows. Every strategy
// draws from the same stage streams: common random numbers.
#include <algorithm>
#include <cmath>
#include <limits>

#include "evidence_program/cash_flow.hpp"
#include "evidence_program/evidence_program.hpp"
#include "hospital_adoption/population.hpp"
#include "samdsim/numbers.hpp"

namespace samdsim::evidence_program {

namespace {

// Costs are bucketed over 100 years: every plan decides long before, and
// later costs (none in practice) fall into the last month.
constexpr std::size_t cost_months = 1200;

struct ProgramWorkspace final : Workspace {
  ProgramWorkspace(const std::vector<OutputSpec>& evidence_specs, const std::vector<OutputSpec>& market_specs)
      : costs(cost_months), evidence_scratch(evidence_specs, 0, 1), market_scratch(market_specs, 0, 1) {
    evidence_scratch.reset(0, 1);
    market_scratch.reset(0, 1);
  }
  std::vector<std::unique_ptr<Workspace>> evidence;  // one per strategy
  std::unique_ptr<Workspace> market;
  MonthlyCosts costs;
  std::vector<double> cash, vendor_cost, npv, peak;
  Block evidence_scratch, market_scratch;  // stage outputs not recorded
};

// The share of month m within [from, to).
double overlap(std::size_t m, double from, double to) {
  const double lo = std::max(from, static_cast<double>(m));
  const double hi = std::min(to, static_cast<double>(m + 1));
  return hi > lo ? hi - lo : 0.0;
}

struct EvidenceResult {
  bool authorized = false;
  double decision_month = 0.0;  // decision or stop
  Route route = Route::authorized;
  us_pathway::PlanRecord record;
};

Route route_of(us_pathway::Outcome outcome) {
  switch (outcome) {
    case us_pathway::Outcome::authorized: return Route::authorized;
    case us_pathway::Outcome::authorized_by_de_novo_fallback: return Route::authorized_by_de_novo_fallback;
    case us_pathway::Outcome::study_failed: return Route::study_failed;
    case us_pathway::Outcome::negative_decision: return Route::negative_decision;
    case us_pathway::Outcome::withdrawn: return Route::withdrawn;
  }
  return Route::negative_decision;
}

// Gates are checked at each month end before the decision: the company
// stops there, and spends nothing after.
void apply_gates(const StrategyPlan& s, const ReplicateContext& ctx, double burn_per_month, double cash_usd,
                 MonthlyCosts& costs, EvidenceResult& e) {
  const Gates& g = s.gates;
  if (!g.cost && !g.months && !g.cash) return;
  const double max_cost = g.cost ? ctx[g.max_cost_usd] : 0.0;
  const double max_months = g.months ? ctx[g.max_months] : 0.0;
  double spent = 0.0;
  for (std::size_t m = 0; m < cost_months && static_cast<double>(m + 1) < e.decision_month; ++m) {
    spent += costs[m] + burn_per_month * overlap(m, 0.0, e.decision_month);
    const double end = static_cast<double>(m + 1);
    Route stop = Route::authorized;
    if (g.cost && spent > max_cost)
      stop = Route::stopped_cost_gate;
    else if (g.months && end >= max_months)
      stop = Route::stopped_months_gate;
    else if (g.cash && spent > cash_usd)
      stop = Route::stopped_cash_gate;
    if (stop == Route::authorized) continue;
    costs.truncate(m + 1);
    e.authorized = false;
    e.decision_month = end;
    e.route = stop;
    return;
  }
}

}  // namespace

Simulation::Simulation(Plan plan) : plan_(std::move(plan)) {
  const std::size_t per_strategy = strategy_output_count;
  std::size_t next = per_strategy * plan_.strategies.size();
  for (std::size_t i = 0; i < plan_.strategies.size(); ++i) plan_.strategies[i].first_output = i * per_strategy;
  if (plan_.stage_outputs) {
    const std::size_t market_count =
        hospital_adoption::output_specs(plan_.horizon, "USD", plan_.market.triage).size();
    for (StrategyPlan& s : plan_.strategies) {
      if (!s.fixed_authorization) {
        s.first_evidence_output = next;
        next += us_pathway::output_count + us_pathway::record_output_specs(s.evidence).size();
      }
      if (plan_.market_enabled) {
        s.first_market_output = next;
        next += market_count;
      }
    }
  }
  outputs_ = output_specs(plan_);
}

std::unique_ptr<Workspace> Simulation::make_workspace() const {
  auto w = std::make_unique<ProgramWorkspace>(
      us_pathway::output_specs(), hospital_adoption::output_specs(plan_.horizon, "USD", plan_.market.triage));
  for (const StrategyPlan& s : plan_.strategies) w->evidence.push_back(us_pathway::make_plan_workspace(s.evidence));
  if (plan_.market_enabled) w->market = hospital_adoption::make_market_workspace(plan_.market);
  w->cash.resize(plan_.horizon);
  w->vendor_cost.resize(plan_.horizon);
  w->npv.resize(plan_.strategies.size());
  w->peak.resize(plan_.strategies.size());
  return w;
}

void Simulation::simulate(ReplicateContext& ctx, Workspace* workspace, OutputRow out) const {
  auto& w = static_cast<ProgramWorkspace&>(*workspace);
  const Plan& p = plan_;
  const std::size_t horizon = p.horizon;
  for (std::size_t i = 0; i < p.strategies.size(); ++i) {
    const StrategyPlan& s = p.strategies[i];
    OutputRow so = out.from(s.first_output);
    MonthlyCosts& costs = w.costs;
    costs.clear();

    // Evidence stage.
    EvidenceResult e;
    e.record.ledger = &costs;
    double burn_per_month = 0.0;
    if (s.fixed_authorization) {
      e.authorized = true;
      e.decision_month = ctx[s.authorization_month];
    } else {
      Stream rng = ctx.stage_stream(p.evidence_stage);
      ReplicateContext ectx(ctx.replicate(), ctx.values(), rng, ctx.origin());
      OutputRow eo = p.stage_outputs ? out.from(s.first_evidence_output) : OutputRow(w.evidence_scratch, 0);
      us_pathway::simulate_plan(s.evidence, ectx, *w.evidence[i], eo, &e.record);
      if (p.stage_outputs) us_pathway::write_record_outputs(s.evidence, e.record, eo, eo.from(us_pathway::output_count));
      e.authorized = eo.get(us_pathway::authorized) != 0.0;
      e.decision_month = e.record.decision_month;
      e.route = route_of(static_cast<us_pathway::Outcome>(eo.get(us_pathway::outcome)));
      burn_per_month = ctx[s.evidence.burn_usd_per_month];
      apply_gates(s, ctx, burn_per_month, p.cash_given ? ctx[p.cash_usd] : 0.0, costs, e);
    }
    const double authorization = e.authorized ? e.decision_month : nan;

    // Market stage, from the authorization month.
    const bool launched = e.authorized && p.market_enabled && authorization < static_cast<double>(horizon);
    std::span<const double> revenue;
    double adopters = 0.0;
    if (p.market_enabled && (launched || p.stage_outputs)) {
      hospital_adoption::ReplicateValues v = hospital_adoption::read_values(p.market, ctx);
      if (launched) {
        v.launch += static_cast<int>(std::ceil(authorization));
        const Links& l = s.links;
        if (l.observed_effect_study >= 0) {
          const double observed = e.record.studies[static_cast<std::size_t>(l.observed_effect_study)].estimate;
          if (std::isfinite(observed)) v.expected_effect = std::clamp(l.observed_effect_scale * observed, 0.0, 1.0);
        }
        v.p *= ctx[l.bass_p_factor];
        v.q *= ctx[l.bass_q_factor];
        if (!l.addon_eligible) v.addon = 0.0;
      } else {
        v.launch = static_cast<int>(horizon);  // never launched: the market's outputs show no adoption
      }
      Stream rng = ctx.stage_stream(p.market_stage);
      ReplicateContext mctx(ctx.replicate(), ctx.values(), rng, ctx.origin());
      OutputRow mo = p.stage_outputs ? out.from(s.first_market_output) : OutputRow(w.market_scratch, 0);
      hospital_adoption::simulate_market(p.market, v, mctx, static_cast<hospital_adoption::PopulationWorkspace&>(*w.market),
                                         mo, w.vendor_cost);
      if (launched) {
        revenue = mo.series(hospital_adoption::vendor_revenue);
        adopters = mo.get(hospital_adoption::adopters_at_horizon);
      }
    }

    // Cash flows, month by month.
    const double commercial = ctx[p.commercial_cost_usd_per_month];
    std::span<double> years = so.series(revenue_by_year_usd);
    std::fill(years.begin(), years.end(), 0.0);
    double revenue_total = 0.0;
    for (std::size_t m = 0; m < horizon; ++m) {
      double cash = -costs[m] - burn_per_month * overlap(m, 0.0, e.decision_month);
      if (e.authorized) cash -= commercial * overlap(m, authorization, static_cast<double>(horizon));
      if (!revenue.empty()) {
        cash += revenue[m] - w.vendor_cost[m];
        years[m / 12] += revenue[m];
        revenue_total += revenue[m];
      }
      w.cash[m] = cash;
    }
    const CashMeasures c = measure_cash(w.cash, ctx[p.discount_rate], so.series(cumulative_cash_usd));
    double evidence_cost = 0.0;
    for (std::size_t m = 0; m < costs.months_used(); ++m) evidence_cost += costs[m];

    so.set(authorized, e.authorized);
    so.set(months_to_authorization, authorization);
    so.set(authorized_within_12_months, e.authorized && authorization <= 12.0);
    so.set(authorized_within_24_months, e.authorized && authorization <= 24.0);
    so.set(authorized_within_36_months, e.authorized && authorization <= 36.0);
    so.set(authorized_within_60_months, e.authorized && authorization <= 60.0);
    so.set(route, static_cast<double>(e.route));
    so.set(evidence_cost_usd, evidence_cost);
    so.set(burn_cost_usd, burn_per_month * e.decision_month);
    so.set(peak_funding_need_usd, c.peak_funding_need);
    so.set(months_to_break_even, c.months_to_break_even);
    so.set(npv_usd, c.npv);
    so.set(revenue_usd, revenue_total);
    so.set(adopters_at_horizon, adopters);
    w.npv[i] = c.npv;
    w.peak[i] = c.peak_funding_need;
  }

  // Across strategies, paired within the replicate.
  const std::size_t top =
      static_cast<std::size_t>(std::max_element(w.npv.begin(), w.npv.end()) - w.npv.begin());  // first of ties
  for (std::size_t i = 0; i < p.strategies.size(); ++i) {
    OutputRow so = out.from(p.strategies[i].first_output);
    so.set(best, i == top);
    so.set(npv_difference_usd, w.npv[i] - w.npv[0]);
    so.set(peak_funding_difference_usd, w.peak[i] - w.peak[0]);
  }
}

}  // namespace samdsim::evidence_program
