// Parameter declarations of the evidence_program model. The evidence plan
// and the market are declared by us_pathway and hospital_adoption
// themselves, so they read exactly as those models' configs.
#include "evidence_program/evidence_program.hpp"

namespace samdsim::evidence_program {

namespace {

// Stage numbers of the random streams (see Stream): distinct by default;
// 0 replays the streams of a plain us_pathway or hospital_adoption run.
constexpr double default_evidence_stage = 1, default_market_stage = 2, default_product_stage = 3;

void declare_product(Field& p) {
  p.number("sensitivity", "probability", Range::probability(),
           "true sensitivity: replaces the sensitivity of every standalone study of every strategy")
      .optional();
  p.number("specificity", "probability", Range::probability(),
           "true specificity: replaces the specificity of every standalone study of every strategy")
      .optional();
  p.number("delta_auc", "AUC", Range::between(-1, 1),
           "true reader AUC gain: replaces delta_auc of every MRMC study of every strategy")
      .optional();
  p.number("success_rate", "probability", Range::probability(),
           "true success rate: replaces success_rate of every single-arm study of every strategy")
      .optional();
  p.number("effect", "endpoint unit", Range::any(),
           "true effect of continuous-endpoint RCTs: replaces their effect in every strategy")
      .optional();
  p.number("treatment_rate", "probability", Range::probability(),
           "true treatment-arm rate of binary-endpoint RCTs: replaces their treatment_rate in every strategy")
      .optional();
  p.number("workflow_effect", "probability", Range::probability(),
           "true share of working time saved per eligible case: replaces market.workflow.effect")
      .optional();
}

void declare_strategy(Field& s) {
  s.text("name", "the strategy's name (letters, digits, _), prefix of its outputs");
  s.choice("authorization", {"evidence", "fixed"},
           "authorization from the evidence plan, or at a fixed month without evidence costs (a market-only "
           "scenario)")
      .default_value("evidence");
  s.number("authorization_month", "month", Range::between(0, 600), "month of authorization when 'fixed'")
      .default_value(0.0);
  us_pathway::declare(s.group("evidence", "the evidence plan, as a us_pathway config's parameters")
                          .own_stream(static_cast<std::uint64_t>(default_evidence_stage)));

  Field& g = s.group("gates", "decision gates: the company stops before authorization when one is crossed");
  g.number("max_cost_usd", "USD", Range::nonnegative(), "stop when cumulative evidence cost and burn exceed this")
      .optional();
  g.number("max_months", "month", Range::nonnegative(), "stop when not authorized by this month").optional();
  g.flag("stop_when_cash_exhausted", "stop when cumulative spending exceeds company.cash_usd").default_value(false);

  Field& l = s.group("links", "how this strategy's evidence moves adoption (defaults: no effect)");
  l.text("observed_effect_study",
         "name of a study whose observed effect (this replicate's estimate) hospitals appraise instead of the "
         "true workflow effect; empty: none")
      .default_value("");
  l.number("observed_effect_scale", "ratio", Range::any(),
           "converts the study's estimate (its endpoint unit) into a share of working time saved")
      .default_value(1.0);
  l.flag("study_measures_workflow_effect",
         "the observed study's true effect is the market's workflow effect (the same draw); needs a "
         "continuous-endpoint RCT, observed_effect_scale 1 and the same prior in both places")
      .default_value(false);
  l.number("bass_p_factor", "ratio", Range::nonnegative(),
           "multiplier on market.adoption.bass_p with this strategy's evidence")
      .default_value(1.0);
  l.number("bass_q_factor", "ratio", Range::nonnegative(),
           "multiplier on market.adoption.bass_q with this strategy's evidence")
      .default_value(1.0);
  l.flag("addon_eligible", "the evidence qualifies for the market's reimbursement add-on").default_value(true);
}

}  // namespace

void declare(Schema& s) {
  s.flag("market_enabled", "simulate the market after authorization (off: evidence and costs only)")
      .default_value(true);
  s.flag("stage_outputs",
         "also record each strategy's us_pathway outputs (<strategy>.evidence.*) and hospital_adoption outputs "
         "(<strategy>.market.*)")
      .default_value(false);
  Field& st = s.group("streams", "stage numbers of the random streams; each must differ from the others");
  st.integer("evidence", "stage", Range::between(0, 1e6), "evidence stage (0: the streams of a us_pathway run)")
      .default_value(default_evidence_stage);
  st.integer("market", "stage", Range::between(0, 1e6), "market stage (0: the streams of a hospital_adoption run)")
      .default_value(default_market_stage);
  st.integer("product", "stage", Range::between(0, 1e6), "product truth").default_value(default_product_stage);

  declare_product(s.group("product", "the product's truth, drawn once per replicate and shared by every strategy")
                      .own_stream(static_cast<std::uint64_t>(default_product_stage)));

  Field& c = s.group("company", "the company's money");
  c.number("discount_rate_per_year", "1/year", Range::between(0, 1),
           "annual discount rate of the company NPV (assumption: venture-backed device companies plan with "
           "10-20 %; set your own cost of capital)")
      .default_value(0.12);
  c.number("cash_usd", "USD", Range::nonnegative(), "cash at program start, for the cash gate").optional();
  c.number("commercial_cost_usd_per_month", "USD/month", Range::nonnegative(),
           "company spending per month after authorization (sales, support), besides the market's cost to serve")
      .default_value(0.0);

  hospital_adoption::declare(
      s.group("market", "the hospital population, as a hospital_adoption config's parameters (currency USD); its "
                        "horizon is the program's, and its launch_month counts from authorization")
          .own_stream(static_cast<std::uint64_t>(default_market_stage)));

  declare_strategy(s.records("strategies", "the strategies compared (1 to 8); the first is the reference"));
}

}  // namespace samdsim::evidence_program
