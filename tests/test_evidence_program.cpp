// The evidence_program model reuses us_pathway and hospital_adoption: with
// the other stage switched off it reproduces each of them bit for bit, on
// the same config and seed. Strategies share their draws (common random
// numbers), and results do not depend on threads or shards.
#include <cmath>

#include "evidence_program/evidence_program.hpp"
#include "evidence_program_fixture.hpp"
#include "hospital_adoption/hospital_adoption.hpp"
#include "us_pathway/us_pathway.hpp"

using namespace ep_test;

namespace {

// The example us_pathway plan as the only strategy, market off, the
// evidence stage on stage 0 (the streams of a plain us_pathway run).
std::string evidence_only(const std::string& us_config, std::uint64_t seed) {
  return "model: evidence_program\nseed: " + std::to_string(seed) + "\nparameters:\n  market_enabled: false\n  stage_outputs: true\n"
         "  streams: {evidence: 0}\n" +
         std::string(stub_market) + "  strategies:\n    - name: a\n      evidence:\n" +
         parameters_block(us_config, 6);
}

// The example hospital_adoption market, authorization at month 0 and no
// evidence links, the market stage on stage 0.
std::string market_only(const std::string& ha_config) {
  return "model: evidence_program\nseed: 20261001\nparameters:\n  stage_outputs: true\n  streams: {market: 0}\n"
         "  strategies:\n    - {name: a, authorization: fixed, authorization_month: 0}\n  market:\n" +
         parameters_block(ha_config, 2);
}

const std::uint64_t n = 2100;  // three blocks

}  // namespace

TEST_CASE("With the market off and one strategy the evidence outputs equal us_pathway's bit for bit") {
  for (const char* file : {"configs/ai_triage_510k.yaml", "configs/pma_breakthrough_rct.yaml"}) {
    INFO(file);
    const std::string config = read_text(file);
    const Run plain = run(config, n);
    const Run chained = run(evidence_only(config, plain.scenario.seed), n);
    // Every output, the per-study ones (named after the studies) included.
    const auto& specs = plain.scenario.simulation->outputs();
    REQUIRE(specs.size() > std::size_t{us_pathway::output_count} + std::size_t{us_pathway::record_output_count});
    for (std::size_t k = 0; k < specs.size(); ++k) {
      INFO(specs[k].name);
      CHECK(bitwise_equal(plain.sink.outputs[k], chained.output("a.evidence." + specs[k].name)));
    }
    // The same parameter draws, under the strategy's key path.
    const auto columns = plain.scenario.parameters.table->sampled_columns();
    REQUIRE(columns.size() > 5);
    for (std::size_t j = 0; j < columns.size(); ++j) {
      const std::string path = "parameters.strategies[0].evidence." + columns[j].name.substr(11);
      INFO(path);
      CHECK(bitwise_equal(plain.sink.parameters[j], chained.parameter(path)));
    }
    CHECK(bitwise_equal(plain.sink.outputs[us_pathway::authorized], chained.output("a.authorized")));
    // The program's costs are the plan's, put into months.
    CHECK(bitwise_equal(plain.sink.outputs[us_pathway::cost_burn_usd], chained.output("a.burn_cost_usd")));
    const auto& spent = chained.output("a.evidence_cost_usd");
    for (std::size_t r = 0; r < n; ++r) {
      const double plan_cost = plain.sink.outputs[us_pathway::cost_studies_usd][r] +
                               plain.sink.outputs[us_pathway::cost_fees_usd][r] +
                               plain.sink.outputs[us_pathway::cost_regulatory_usd][r];
      REQUIRE(spent[r] == Approx(plan_cost).epsilon(1e-9));
    }
  }
}

TEST_CASE("Correlated evidence parameters on stage 0 draw as in us_pathway bit for bit") {
  const std::string config = read_text("configs/ai_triage_510k.yaml");
  const auto block = [](const std::string& prefix) {
    return "correlations:\n  - parameters: ['" + prefix + "studies[0].sensitivity', '" + prefix +
           "studies[0].specificity']\n    spearman: -0.4\n";
  };
  const Run plain = run(config + block(""), n);
  const Run chained = run(evidence_only(config, plain.scenario.seed) + block("strategies[0].evidence."), n);
  const Run independent = run(config, n);
  const auto columns = plain.scenario.parameters.table->sampled_columns();
  for (std::size_t j = 0; j < columns.size(); ++j) {
    const std::string path = "parameters.strategies[0].evidence." + columns[j].name.substr(11);
    INFO(path);
    CHECK(bitwise_equal(plain.sink.parameters[j], chained.parameter(path)));
    const bool correlated = columns[j].name.find("studies[0].s") != std::string::npos;
    CHECK(bitwise_equal(plain.sink.parameters[j], independent.sink.parameters[j]) == !correlated);
  }
}

TEST_CASE("With authorization at month 0 and no links the market outputs equal hospital_adoption's bit for bit") {
  // The example stroke market with a tenth of its hospitals, to keep the test quick.
  std::string config = read_text("configs/hospital_adoption_us_stroke_lvo.yaml");
  for (const char* count : {"count: 350", "count: 1300", "count: 2350"})
    config = replace(config, count, std::string(count).substr(0, std::string(count).size() - 1));
  const Run plain = run(config, n);
  const Run chained = run(market_only(config), n);
  // The market's own outputs (a hospital_adoption run adds per-stratum ones after them).
  const auto& specs = plain.scenario.simulation->outputs();
  const auto& market = static_cast<const hospital_adoption::Simulation&>(*plain.scenario.simulation).plan();
  for (std::size_t k = 0; k + hospital_adoption::stratum_output_specs_count(market) < specs.size(); ++k) {
    INFO(specs[k].name);
    CHECK(bitwise_equal(plain.sink.outputs[k], chained.output("a.market." + specs[k].name)));
  }
  const auto columns = plain.scenario.parameters.table->sampled_columns();
  REQUIRE(columns.size() > 5);
  for (std::size_t j = 0; j < columns.size(); ++j) {
    const std::string path = "parameters.market." + columns[j].name.substr(11);
    INFO(path);
    CHECK(bitwise_equal(plain.sink.parameters[j], chained.parameter(path)));
  }
  // The program's revenue is the market's licence revenue.
  const auto& revenue = chained.output("a.revenue_usd");
  const auto& series = plain.sink.outputs[hospital_adoption::vendor_revenue];
  const std::size_t horizon = specs[hospital_adoption::vendor_revenue].length;
  for (std::size_t r = 0; r < 50; ++r) {
    double sum = 0.0;
    for (std::size_t m = 0; m < horizon; ++m) sum += series[r * horizon + m];
    CHECK(revenue[r] == Approx(sum).epsilon(1e-12));
  }
}

namespace {

// Two strategies: the example 510(k) plan and a variant; `second` is
// pasted in as the second strategy's evidence.
// The example stroke market, with a tenth of its hospitals to keep tests quick.
std::string small_market() {
  std::string market = parameters_block(read_text("configs/hospital_adoption_us_stroke_lvo.yaml"), 2);
  for (const char* count : {"count: 350", "count: 1300", "count: 2350"})
    market = replace(market, count, std::string(count).substr(0, std::string(count).size() - 1));
  return market;
}

std::string two_strategies(const std::string& first, const std::string& second, const std::string& extra = "") {
  return "model: evidence_program\nseed: 99\nparameters:\n" + extra +
         "  product: {sensitivity: {dist: beta, mean: 0.90, sd: 0.03}, delta_auc: {dist: truncated_normal, "
         "mean: 0.04, sd: 0.02, min: -0.05, max: 0.15}}\n"
         "  company: {commercial_cost_usd_per_month: 50000}\n"
         "  market:\n" + small_market() +
         "  strategies:\n    - name: first\n      evidence:\n" + first + "    - name: second\n      evidence:\n" +
         second;
}

// The example plan, whose sensitivity and AUC gain priors are those of the product.
std::string triage_plan() { return parameters_block(read_text("configs/ai_triage_510k.yaml"), 6); }

}  // namespace

TEST_CASE("Two identical strategies differ by exactly zero in every replicate") {
  const Run r = run(two_strategies(triage_plan(), triage_plan()), n);
  for (const char* name : {"npv_usd", "peak_funding_need_usd", "evidence_cost_usd", "months_to_authorization",
                           "cumulative_cash_usd", "revenue_by_year_usd", "adopters_at_horizon"}) {
    INFO(name);
    CHECK(bitwise_equal(r.output(std::string("first.") + name), r.output(std::string("second.") + name)));
  }
  for (double d : r.output("second.npv_difference_usd")) REQUIRE(d == 0.0);
  for (double d : r.output("second.peak_funding_difference_usd")) REQUIRE(d == 0.0);
  for (double b : r.output("second.best")) REQUIRE(b == 0.0);  // ties go to the first listed
}

TEST_CASE("Common random numbers shrink the variance of a difference against independent draws") {
  // The second strategy spends more on its first study; with shared
  // streams most of the noise (product truth, review, market) cancels.
  const std::string second = replace(triage_plan(), "monthly_cost_usd: 10000", "monthly_cost_usd: 60000");
  const Run paired = run(two_strategies(triage_plan(), second), n);
  // Independent: the second strategy's evidence and market on other stages
  // is what separate runs would give; emulated by a second run with another seed.
  const Run other = run(replace(two_strategies(triage_plan(), second), "seed: 99", "seed: 1234"), n);
  const auto& a = paired.output("first.npv_usd");
  const auto& b_paired = paired.output("second.npv_usd");
  const auto& b_independent = other.output("second.npv_usd");
  auto variance = [](const std::vector<double>& x, const std::vector<double>& y) {
    double mean = 0.0, sq = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) mean += (y[i] - x[i]) / static_cast<double>(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) sq += (y[i] - x[i] - mean) * (y[i] - x[i] - mean);
    return sq / static_cast<double>(x.size() - 1);
  };
  const double v_paired = variance(a, b_paired), v_independent = variance(a, b_independent);
  INFO("paired " << v_paired << " independent " << v_independent);
  CHECK(v_paired < 0.1 * v_independent);
  // The paired difference output is that difference.
  const auto& d = paired.output("second.npv_difference_usd");
  for (std::size_t i = 0; i < d.size(); ++i) REQUIRE(d[i] == b_paired[i] - a[i]);
}

TEST_CASE("Per-replicate outputs are bitwise identical for 1, 2 and 8 threads and for shards") {
  const std::string second = replace(triage_plan(), "on_failure: redesign", "on_failure: repeat");
  const std::string config = two_strategies(triage_plan(), second + "        fallback_de_novo: {enabled: true}\n");
  const Run one = run(config, n, 1), two = run(config, n, 2), eight = run(config, n, 8);
  const Run shard_a = run(config, n, 2, 0, 1), shard_b = run(config, n, 2, 1, 3);
  REQUIRE(one.sink.outputs.size() == eight.sink.outputs.size());
  for (std::size_t k = 0; k < one.sink.outputs.size(); ++k) {
    INFO(one.scenario.simulation->outputs()[k].name);
    CHECK(bitwise_equal(one.sink.outputs[k], two.sink.outputs[k]));
    CHECK(bitwise_equal(one.sink.outputs[k], eight.sink.outputs[k]));
    std::vector<double> joined = shard_a.sink.outputs[k];
    joined.insert(joined.end(), shard_b.sink.outputs[k].begin(), shard_b.sink.outputs[k].end());
    CHECK(bitwise_equal(one.sink.outputs[k], joined));
  }
}
