// How a strategy's evidence moves adoption: hospitals appraise the effect
// a study observed, and the strategy's evidence scales the Bass hazard and
// decides reimbursement eligibility.
#include <algorithm>
#include <numeric>

#include "evidence_program_fixture.hpp"
#include "scenario_fixture.hpp"

using namespace ep_test;

namespace {

// Hospitals gain only from freed time (extra waiting cases, overtime), so
// under payback gating an appraised effect of zero means no adoption. Every
// strategy runs the same workflow RCT (share of reading time saved).
const std::string links_config = R"(model: evidence_program
seed: 17
parameters:
  market:
    currency: USD
    horizon_months: 60
    strata:
      - {count: 200, annual_cases: 20000, staff_fte: 2, hours_per_fte_month: 140, wage_per_hour: 150,
         reimbursement_per_case: 300, eligible_share: 0.5, licence_per_month: 1500, backlog_share: 0.05}
    adoption: {bass_p_per_year: 0.2, bass_q_per_year: 0.5, attractiveness: payback}
    workflow: {minutes_per_case: 17, effect: 0.2}
    money: {integration_cost: 60000}
  strategies:
STRATEGIES
)";

const char* plan = R"(      evidence:
        presubmission: {meetings: 0}
        studies:
          - {type: rct, name: workflow, effect: 0.2, sd: 0.3, planning_effect: 0.15,
             enrollment: {sites: 5, site_activation_months: 1, screening_rate_per_site_month: 20}}
        fda_510k: {favourable_probability: 1}
)";

std::string with_strategies(const std::string& strategies) {
  return replace(links_config, "STRATEGIES\n", strategies);
}

double sum(const std::vector<double>& x) { return std::accumulate(x.begin(), x.end(), 0.0); }

}  // namespace

TEST_CASE("Hospitals appraise the effect the study observed in the replicate") {
  const Run r = run(with_strategies(std::string("    - name: truth\n") + plan +
                                    "    - name: observed\n      links: {observed_effect_study: workflow}\n" + plan +
                                    "    - name: blind\n      links: {observed_effect_study: workflow, "
                                    "observed_effect_scale: 0}\n" +
                                    plan),
                    300);
  const auto& truth = r.output("truth.adopters_at_horizon");
  const auto& observed = r.output("observed.adopters_at_horizon");
  const auto& blind = r.output("blind.adopters_at_horizon");
  const auto& authorized = r.output("truth.authorized");
  CHECK(sum(authorized) > 100.0);
  CHECK(sum(truth) > 0.0);
  CHECK(sum(observed) > 0.0);
  // An observed effect of zero: no appraised gain, no adoption.
  CHECK(sum(blind) == 0.0);
  // The estimate differs from the truth, so adoption differs in some
  // replicates; the evidence stage itself is the same for all three.
  std::size_t differ = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) differ += truth[i] != observed[i] ? 1 : 0;
  CHECK(differ > 10);
  CHECK(bitwise_equal(r.output("truth.months_to_authorization"), r.output("observed.months_to_authorization")));
}

TEST_CASE("A strategy's evidence scales the Bass hazard and decides the add-on") {
  const std::string config = replace(links_config, "integration_cost: 60000", "integration_cost: 60000, addon_per_case: 50");
  const Run r = run(replace(config, "STRATEGIES\n", std::string("    - name: base\n") + plan +
                                    "    - name: none\n      links: {bass_p_factor: 0, bass_q_factor: 0}\n" + plan +
                                    "    - name: faster\n      links: {bass_p_factor: 2, bass_q_factor: 1.5}\n" +
                                    plan + "    - name: no_addon\n      links: {addon_eligible: false}\n" + plan +
                                    "  stage_outputs: true\n"),
                    300);
  CHECK(sum(r.output("none.adopters_at_horizon")) == 0.0);
  CHECK(sum(r.output("faster.revenue_usd")) > 1.2 * sum(r.output("base.revenue_usd")));
  CHECK(sum(r.output("base.market.hospital_revenue")) > 0.0);
  // Without the add-on, hospital revenue is only the margin of extra cases.
  const auto& with_addon = r.output("base.market.hospital_revenue");
  const auto& without = r.output("no_addon.market.hospital_revenue");
  CHECK(sum(without) < sum(with_addon));
}

TEST_CASE("A study that measures the workflow effect shares its draw, and contradictions are located errors") {
  const std::string prior = "{dist: beta, mean: 0.2, sd: 0.05}";
  std::string config = replace(links_config, "effect: 0.2}\n    money", "effect: " + prior + "}\n    money");
  std::string shared_plan = replace(plan, "effect: 0.2, sd: 0.3", "effect: " + prior + ", sd: 0.3");
  const std::string links =
      "      links: {observed_effect_study: workflow, study_measures_workflow_effect: true}\n";
  const Run r = run(replace(config, "STRATEGIES\n", "    - name: shared\n" + links + shared_plan), 200);
  CHECK(sum(r.output("shared.adopters_at_horizon")) > 0.0);
  // The study's own prior must be the market's.
  const std::string e = scenario_error(replace(config, "STRATEGIES\n", "    - name: shared\n" + links + plan), "bad.yaml");
  CHECK(e.find("parameters.strategies[0].evidence.studies[0].effect") != std::string::npos);
  CHECK(e.find("differs from the market's workflow effect") != std::string::npos);
  const std::string scaled = "      links: {observed_effect_study: workflow, observed_effect_scale: 2, "
                             "study_measures_workflow_effect: true}\n";
  const std::string e2 = scenario_error(replace(config, "STRATEGIES\n", "    - name: shared\n" + scaled + shared_plan), "bad.yaml");
  CHECK(e2.find("parameters.strategies[0].links.study_measures_workflow_effect") != std::string::npos);
}

TEST_CASE("Stage outputs move no other output, and the market's turnaround is computed only where it is recorded") {
  const std::string strategies = std::string("    - name: base\n") + plan +
                                 "    - name: observed\n      links: {observed_effect_study: workflow}\n" + plan;
  const Run plain = run(with_strategies(strategies), 40);
  const Run staged = run(with_strategies(strategies + "  stage_outputs: true\n"), 40);
  // Every output of the plain run, by name, is the staged run's to the bit.
  const auto& specs = plain.scenario.simulation->outputs();
  REQUIRE(specs.size() > 10);
  for (std::size_t k = 0; k < specs.size(); ++k) {
    INFO(specs[k].name);
    CHECK(bitwise_equal(plain.sink.outputs[k], staged.output(specs[k].name)));
  }
  // Recorded, the turnaround comes from live hospital-months' queues.
  for (const char* name : {"base.market.turnaround_minutes_without_samd", "base.market.turnaround_minutes_with_samd"}) {
    INFO(name);
    const auto& minutes = staged.output(name);
    const auto finite = std::count_if(minutes.begin(), minutes.end(), [](double v) { return std::isfinite(v); });
    CHECK(finite > 20);
  }
  const auto& without = staged.output("base.market.turnaround_minutes_without_samd");
  const auto& with = staged.output("base.market.turnaround_minutes_with_samd");
  double faster = 0.0;
  for (std::size_t i = 0; i < with.size(); ++i)
    if (std::isfinite(with[i])) faster += without[i] - with[i];
  CHECK(faster > 0.0);
}
