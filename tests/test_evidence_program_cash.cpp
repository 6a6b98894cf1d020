// The evidence_program's cash flows against a scenario computed by hand,
// its branches (De Novo fallback, gates, links), and located errors for
// bad strategies, gates and links.
#include <cmath>

#include "evidence_program/cash_flow.hpp"
#include "evidence_program_fixture.hpp"
#include "scenario_fixture.hpp"

using namespace ep_test;

namespace {

// Everything fixed. Evidence: no meetings or studies; the submission is
// prepared over months [0, 2) for USD 60,000, the 510(k) fee (USD 24,000)
// is paid at month 2, FDA decides favourably after 121.75 days = 4 months,
// at month 6; burn USD 10,000 a month until then, then USD 5,000 a month of
// commercial cost. No market (its adoption is random). Horizon 24 months,
// discount 12 % a year.
const std::string hand_config = R"(model: evidence_program
seed: 5
parameters:
  market_enabled: false
  company: {discount_rate_per_year: 0.12, commercial_cost_usd_per_month: 5000}
  market:
    currency: USD
    horizon_months: 24
    strata: [{count: 10, annual_cases: 0, staff_fte: 1, hours_per_fte_month: 100, wage_per_hour: 0, licence_per_month: 1000}]
    adoption: {bass_p_per_year: 10, bass_q_per_year: 0, attractiveness: none, implementation_lag_months: 0}
    churn: {base_per_month: 0, negative_benefit_per_month: 0}
    workflow: {minutes_per_case: 10, effect: 0}
  strategies:
    - name: only
      evidence:
        burn_usd_per_month: 10000
        establishment_fee_usd: 0
        presubmission: {meetings: 0}
        submission: {preparation_months: 2, cost_usd: 60000}
        fda_510k: {acceptance_review_days: 0, rta_probability: 0, review_days_without_request: 121.75,
                   ai_request_probability: 0, favourable_probability: 1, withdrawn_share: 0, user_fee_usd: 24000}
)";

double discount(int months) { return std::pow(1.12, -static_cast<double>(months) / 12.0); }

}  // namespace

TEST_CASE("A deterministic program gives the hand-computed NPV, peak funding need and cumulative cash") {
  const Run r = run(hand_config, 3);
  // Cash by month: -40,000 in months 0-1 (submission + burn), -34,000 in
  // month 2 (fee + burn), -10,000 in months 3-5 (burn), then -5,000.
  double npv = -40000.0 * (discount(1) + discount(2)) - 34000.0 * discount(3) -
               10000.0 * (discount(4) + discount(5) + discount(6));
  for (int k = 7; k <= 24; ++k) npv -= 5000.0 * discount(k);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(r.output("only.authorized")[i] == 1.0);
    CHECK(r.output("only.months_to_authorization")[i] == 6.0);
    CHECK(r.output("only.authorized_within_12_months")[i] == 1.0);
    CHECK(r.output("only.evidence_cost_usd")[i] == Approx(84000.0).epsilon(1e-12));
    CHECK(r.output("only.burn_cost_usd")[i] == Approx(60000.0).epsilon(1e-12));
    CHECK(r.output("only.peak_funding_need_usd")[i] == Approx(144000.0 + 18 * 5000.0).epsilon(1e-12));
    CHECK(std::isnan(r.output("only.months_to_break_even")[i]));
    CHECK(r.output("only.npv_usd")[i] == Approx(npv).epsilon(1e-12));
    CHECK(r.output("only.revenue_usd")[i] == 0.0);
    const auto& cumulative = r.output("only.cumulative_cash_usd");
    CHECK(cumulative[i * 24 + 1] == Approx(-80000.0).epsilon(1e-12));
    CHECK(cumulative[i * 24 + 5] == Approx(-144000.0).epsilon(1e-12));
    CHECK(cumulative[i * 24 + 23] == Approx(-234000.0).epsilon(1e-12));
  }
}

TEST_CASE("Cash measures of a hand-made cash flow: NPV, peak funding need, break-even month") {
  using samdsim::evidence_program::measure_cash;
  const std::vector<double> cash = {-100.0, -50.0, 30.0, 80.0, 60.0, -10.0};
  std::vector<double> cumulative(cash.size());
  const auto m = measure_cash(cash, 0.12, cumulative);
  CHECK(m.peak_funding_need == 150.0);  // -150 at the end of month 1
  CHECK(m.months_to_break_even == 5.0);  // cumulative 20 at the end of month 4
  double npv = 0.0;
  for (int k = 0; k < 6; ++k) npv += cash[static_cast<std::size_t>(k)] * discount(k + 1);
  CHECK(m.npv == Approx(npv).epsilon(1e-12));
  CHECK(cumulative.back() == 10.0);
  const std::vector<double> positive = {5.0, 0.0};
  CHECK(measure_cash(positive, 0.1, cumulative).months_to_break_even == 0.0);
  const std::vector<double> never = {-5.0, 1.0};
  CHECK(std::isnan(measure_cash(never, 0.1, cumulative).months_to_break_even));
}

TEST_CASE("With the market on, the cash flow adds the market's licence revenue less cost to serve from launch") {
  // The market stage's own series, recorded beside the program's outputs.
  std::string config = replace(hand_config, "  market_enabled: false\n", "  stage_outputs: true\n");
  config = replace(config, "commercial_cost_usd_per_month: 5000", "commercial_cost_usd_per_month: 0");
  const Run r = run(config, 20);
  const auto& revenue = r.output("only.market.vendor_revenue");
  const auto& npv = r.output("only.npv_usd");
  const auto& breakeven = r.output("only.months_to_break_even");
  const double costs[6] = {-40000.0, -40000.0, -34000.0, -10000.0, -10000.0, -10000.0};
  std::size_t adopted = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    double expected = 0.0, cumulative = 0.0, expected_breakeven = std::nan("");
    for (std::size_t m = 0; m < 24; ++m) {
      CHECK((m >= 6 || revenue[i * 24 + m] == 0.0));  // nothing before launch at authorization
      const double cash = (m < 6 ? costs[m] : 0.0) + revenue[i * 24 + m];
      cumulative += cash;
      if (m >= 5 && cumulative >= 0.0 && std::isnan(expected_breakeven)) expected_breakeven = static_cast<double>(m + 1);
      expected += cash * discount(static_cast<int>(m) + 1);
    }
    CHECK(npv[i] == Approx(expected).epsilon(1e-12));
    CHECK((breakeven[i] == expected_breakeven || (std::isnan(breakeven[i]) && std::isnan(expected_breakeven))));
    adopted += revenue[i * 24 + 23] > 0.0 ? 1 : 0;
  }
  CHECK(adopted == 20);
}

TEST_CASE("Gates stop the program at the month end they are crossed, and spending stops there") {
  // Cost gate: USD 100,000 of evidence and burn is crossed in month 2 (114,000 by its end).
  const Run cost = run(replace(hand_config, "    - name: only\n", "    - name: only\n      gates: {max_cost_usd: 100000}\n"), 1);
  CHECK(cost.output("only.authorized")[0] == 0.0);
  CHECK(cost.output("only.route")[0] == 4.0);
  CHECK(cost.output("only.peak_funding_need_usd")[0] == Approx(114000.0).epsilon(1e-12));
  CHECK(cost.output("only.revenue_usd")[0] == 0.0);
  // Months gate: not authorized by month 4, so stopped at its end.
  const Run months = run(replace(hand_config, "    - name: only\n", "    - name: only\n      gates: {max_months: 4}\n"), 1);
  CHECK(months.output("only.route")[0] == 5.0);
  CHECK(months.output("only.peak_funding_need_usd")[0] == Approx(124000.0).epsilon(1e-12));
  CHECK(months.output("only.burn_cost_usd")[0] == Approx(40000.0).epsilon(1e-12));
  // Cash gate: USD 120,000 of cash runs out in month 3.
  const Run cash = run(replace(replace(hand_config, "    - name: only\n",
                                       "    - name: only\n      gates: {stop_when_cash_exhausted: true}\n"),
                               "discount_rate_per_year: 0.12,", "discount_rate_per_year: 0.12, cash_usd: 120000,"),
                       1);
  CHECK(cash.output("only.route")[0] == 6.0);
  CHECK(cash.output("only.months_to_authorization")[0] != cash.output("only.months_to_authorization")[0]);  // NaN
}

TEST_CASE("A 510(k) found not substantially equivalent falls back to De Novo with its own time, fee and decision") {
  std::string config = replace(hand_config, "favourable_probability: 1,", "favourable_probability: 0,");
  config += "        fallback_de_novo: {enabled: true, preparation_months: 1, cost_usd: 5000}\n";
  config += "        fda_de_novo: {acceptance_review_days: 0, rta_probability: 0, review_days_without_request: 182.625, "
            "ai_request_probability: 0, favourable_probability: 1, user_fee_usd: 100000}\n";
  const Run r = run(config, 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(r.output("only.route")[i] == 1.0);
    // NSE at month 6, De Novo request at 7, decision 6 months later.
    CHECK(r.output("only.months_to_authorization")[i] == 13.0);
    CHECK(r.output("only.evidence_cost_usd")[i] == Approx(84000.0 + 5000.0 + 100000.0).epsilon(1e-12));
    CHECK(r.output("only.burn_cost_usd")[i] == Approx(130000.0).epsilon(1e-12));
    CHECK(r.output("only.peak_funding_need_usd")[i] == Approx(84000.0 + 105000.0 + 130000.0 + 11 * 5000.0).epsilon(1e-12));
  }
}

TEST_CASE("Costs spread evenly over the months of their interval") {
  samdsim::evidence_program::MonthlyCosts c(10);
  c.add(0.5, 2.5, 200.0);
  c.add(3.0, 3.0, 7.0);
  CHECK(c[0] == Approx(50.0));
  CHECK(c[1] == Approx(100.0));
  CHECK(c[2] == Approx(50.0));
  CHECK(c[3] == 7.0);
  c.truncate(2);
  CHECK(c[2] == 0.0);
  CHECK(c[3] == 0.0);
  CHECK(c.months_used() == 2);
}

TEST_CASE("Bad strategies, gates, links and stages are located errors") {
  auto check = [](const std::string& yaml, const std::string& where, const std::string& what) {
    const std::string e = scenario_error(yaml, "bad.yaml");
    INFO(yaml << "\n=> " << e);
    CHECK(e.find(where) != std::string::npos);
    CHECK(e.find(what) != std::string::npos);
  };
  const std::string two = replace(hand_config, "    - name: only\n", "    - name: only\n      evidence: {}\n    - name: only\n");
  check(two, "parameters.strategies[1].name", "already named 'only'");
  check(replace(hand_config, "name: only", "name: \"a b\""), "parameters.strategies[0].name", "letters, digits");
  check(replace(hand_config, "    - name: only\n", "    - name: only\n      gates: {stop_when_cash_exhausted: true}\n"),
        "parameters.strategies[0].gates.stop_when_cash_exhausted", "company.cash_usd");
  check(replace(hand_config, "    - name: only\n", "    - name: only\n      gates: {max_cost: 1}\n"),
        "parameters.strategies[0].gates.max_cost", "did you mean 'max_cost_usd'");
  check(replace(hand_config, "    - name: only\n", "    - name: only\n      links: {observed_effect_study: mrmc}\n"),
        "parameters.strategies[0].links.observed_effect_study", "no study of this strategy's evidence is named 'mrmc'");
  check(replace(hand_config, "        burn_usd_per_month", "        pathway: de_novo\n        burn_usd_per_month") +
            "        fallback_de_novo: {enabled: true}\n",
        "parameters.strategies[0].evidence.fallback_de_novo.enabled", "follows a 510(k)");
  // The fallback is part of the evidence plan: written beside it, the message says where it belongs.
  check(hand_config + "      fallback_de_novo: {enabled: true}\n", "parameters.strategies[0].fallback_de_novo",
        "it belongs in 'evidence' (parameters.strategies[0].evidence.fallback_de_novo)");
  check(replace(hand_config, "  company:", "  streams: {evidence: 2}\n  company:"), "parameters.streams.market",
        "already the evidence stage");
  check(replace(replace(hand_config, "  company:", "  streams: {evidence: 0}\n  company:"), "discount_rate_per_year: 0.12",
                "discount_rate_per_year: {dist: uniform, min: 0.1, max: 0.14}"),
        "parameters.streams.evidence", "parameters.company.discount_rate_per_year");
  check(replace(replace(hand_config, "currency: USD", "currency: JPY"), "  market_enabled: false\n", ""),
        "parameters.market.currency", "must be USD");
  check(hand_config.substr(0, hand_config.find("  strategies:")) + "  strategies: []\n", "parameters.strategies",
        "expected 1 to 8 strategies");
  check(replace(hand_config, "  company:", "  compnay: {}\n  company:"), "parameters.compnay", "did you mean 'company'");
}
