// The hospital_adoption model run through the engine: the adoption curve
// against the Bass closed form, exact zeros without an effect, money
// identities month by month, gating, reproducibility, and located errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "hospital_adoption/hospital_adoption.hpp"
#include "hospital_adoption/population.hpp"
#include "hospital_adoption/workflow.hpp"
#include "samdsim/config.hpp"
#include "samdsim/results.hpp"
#include "samdsim/runner.hpp"

using namespace samdsim;
namespace ha = samdsim::hospital_adoption;

namespace {

// Keeps every block's values, replicate-major per output.
struct MemorySink : BlockSink {
  std::vector<std::vector<double>> outputs;
  void consume(const Block& b) override {
    if (outputs.empty()) outputs.resize(b.outputs());
    for (std::size_t k = 0; k < b.outputs(); ++k)
      outputs[k].insert(outputs[k].end(), b.output(k).begin(), b.output(k).end());
  }
  double at(std::size_t output, std::size_t replicate, std::size_t width, std::size_t month = 0) const {
    return outputs[output][replicate * width + month];
  }
};

MemorySink run(const Scenario& s, std::uint64_t replicates, unsigned threads = 2) {
  MemorySink sink;
  RunOptions o;
  o.replicates = replicates;
  o.seed = s.seed;
  o.threads = threads;
  o.progress = ProgressMode::Never;
  run_replicates(*s.simulation, *s.parameters.table, o, sink);
  return sink;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// One stratum of identical hospitals without cases: only adoption happens.
const std::string bass_config = R"(model: hospital_adoption
seed: 11
parameters:
  horizon_months: 36
  strata:
    - {count: 2000, annual_cases: 0, staff_fte: 1, hours_per_fte_month: 100, wage_per_hour: 0}
  adoption: {bass_p_per_year: 0.1, bass_q_per_year: 0.9, attractiveness: none, implementation_lag_months: 0}
  churn: {base_per_month: 0, negative_benefit_per_month: 0}
  workflow: {minutes_per_case: 10, effect: 0}
)";

// Two strata with every money stream switched on.
const std::string economy_config = R"(model: hospital_adoption
seed: 5
parameters:
  currency: JPY
  jpy_per_usd: {dist: uniform, min: 140, max: 160}
  horizon_months: 30
  discount_rate_per_year: 0.05
  strata:
    - name: small
      count: 150
      annual_cases: {dist: lognormal, median: 1500, p90: 3000}
      staff_fte: {dist: lognormal, median: 0.4, p90: 0.6}
      hours_per_fte_month: 120
      wage_per_hour: 7000
      reimbursement_per_case: 15000
      eligible_share: 0.4
      addon_billing_share: 0.3
      licence_per_month: 300
      backlog_share: 0.05
    - name: large
      count: 60
      annual_cases: {dist: lognormal, median: 10000, p90: 20000}
      staff_fte: {dist: lognormal, median: 2.5, p90: 3.5}
      hours_per_fte_month: 120
      wage_per_hour: 7000
      reimbursement_per_case: 15000
      eligible_share: 0.35
      addon_billing_share: 0.5
      licence_per_month: 1200
      backlog_share: 0.02
  adoption: {bass_p_per_year: 0.3, bass_q_per_year: 0.8, attractiveness: payback, budget_months: "4,10"}
  churn: {base_per_month: 0.01, negative_benefit_per_month: 0.1, minimum_term_months: 3}
  workflow:
    case_counts: negative_binomial
    seasonality_amplitude: 0.1
    minutes_per_case: {dist: lognormal, mean: 17, sd: 8}
    effect: {dist: beta, mean: 0.15, sd: 0.05}
  money:
    addon_per_case: 600
    addon_until_month: 20
    integration_cost: {dist: lognormal, median: 1000000, p90: 3000000}
    training_hours_per_fte: 4
  vendor: {currency: USD, licence_per_case: 0.5, cost_to_serve_per_site_month: 100, cost_to_serve_per_case: 0.05}
  triage: {enabled: true, sensitivity: 0.9, specificity: 0.85, prevalence: 0.1}
)";

}  // namespace

TEST_CASE("Without ROI gating or budget months the adoption curve matches the Bass closed form") {
  const Scenario s = parse_scenario(bass_config, "bass.yaml");
  const std::size_t n = 200, months = 36;
  const MemorySink out = run(s, n);
  for (std::size_t t = 0; t < months; ++t) {
    double sum = 0.0, sum2 = 0.0;
    for (std::size_t r = 0; r < n; ++r) {
      const double f = out.at(ha::adopted_hospitals, r, months, t) / 2000.0;
      sum += f;
      sum2 += f * f;
    }
    const double mean = sum / n;
    const double se = std::sqrt((sum2 / n - mean * mean) / (n - 1));
    const double expected = ha::bass_share(0.1, 0.9, static_cast<double>(t + 1) / 12.0);
    INFO("month " << t << ": mean share " << mean << ", closed form " << expected << ", se " << se);
    // The window probability is the exact flow of the Bass equation, so only
    // Monte Carlo error (and an O(1/N) finite-population term) remains.
    CHECK(std::fabs(mean - expected) < 4.0 * se + 2e-4);
  }
}

TEST_CASE("With zero effect every saving is exactly zero") {
  const std::string config = replace(economy_config, "effect: {dist: beta, mean: 0.15, sd: 0.05}", "effect: 0");
  const Scenario s = parse_scenario(config, "zero.yaml");
  const std::size_t n = 50, months = 30;
  const MemorySink out = run(s, n);
  double live = 0.0;
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t t = 0; t < months; ++t) {
      live += out.at(ha::live_hospitals, r, months, t);
      CHECK(out.at(ha::staff_hours_saved, r, months, t) == 0.0);
      CHECK(out.at(ha::overtime_hours_saved, r, months, t) == 0.0);
      CHECK(out.at(ha::extra_cases, r, months, t) == 0.0);
      CHECK(out.at(ha::overtime_cost_saved, r, months, t) == 0.0);
    }
    CHECK(out.at(ha::cumulative_staff_hours_saved, r, 1) == 0.0);
    CHECK(out.at(ha::cumulative_overtime_hours_saved, r, 1) == 0.0);
    CHECK(out.at(ha::cumulative_extra_cases, r, 1) == 0.0);
    const double without = out.at(ha::turnaround_minutes_without_samd, r, 1);
    if (!std::isnan(without)) CHECK(out.at(ha::turnaround_minutes_with_samd, r, 1) == without);
  }
  CHECK(live > 0.0);  // hospitals did adopt: the zeros are not for want of users
}

TEST_CASE("Each hospital draws its own minutes per case: hours saved vary between hospitals as the draw says") {
  // One hospital, live by the last month (P(not) = 0.43^11), 1,000 cases a
  // month, a fixed effect and no case-to-case variation: its hours saved in
  // the last month are its mean minutes times Poisson counts, so their
  // coefficient of variation over replicates is that of minutes_per_case
  // (3 / 17 = 0.176) and 1 / sqrt(1000) = 0.032 when minutes_per_case is fixed.
  const std::string base = R"(model: hospital_adoption
seed: 3
parameters:
  horizon_months: 12
  strata:
    - {count: 1, annual_cases: 12000, staff_fte: 20, hours_per_fte_month: 160, wage_per_hour: 0, eligible_share: 1}
  adoption: {bass_p_per_year: 10, bass_q_per_year: 0, attractiveness: none, implementation_lag_months: 0}
  churn: {base_per_month: 0, negative_benefit_per_month: 0}
  workflow: {minutes_per_case: MINUTES, minutes_per_case_cv: 0, effect: 0.5, effect_concentration: 1000000}
)";
  const auto cv = [&](const std::string& minutes) {
    const Scenario s = parse_scenario(replace(base, "MINUTES", minutes), "minutes.yaml");
    const std::size_t n = 400;
    const MemorySink out = run(s, n);
    double sum = 0.0, sum2 = 0.0;
    for (std::size_t r = 0; r < n; ++r) {
      const double h = out.at(ha::staff_hours_saved, r, 12, 11);
      REQUIRE(h > 0.0);
      sum += h;
      sum2 += h * h;
    }
    const double mean = sum / n;
    return std::sqrt((sum2 / n - mean * mean) * n / (n - 1)) / mean;
  };
  CHECK(cv("17") < 0.045);
  // sqrt(0.176^2 + 0.032^2) = 0.179; the sample cv of 400 draws has a standard error of about 0.007.
  CHECK(cv("{dist: lognormal, mean: 17, sd: 3}") == Approx(0.179).margin(0.025));
}

TEST_CASE("Net benefit is revenue plus overtime saved minus licence and one-time costs, month by month") {
  const Scenario s = parse_scenario(economy_config, "economy.yaml");
  const std::size_t n = 60, months = 30;
  const MemorySink out = run(s, n);
  const double monthly_discount = std::pow(1.05, -1.0 / 12.0);
  double total_revenue = 0.0, total_overtime = 0.0, total_one_time = 0.0;
  for (std::size_t r = 0; r < n; ++r) {
    double npv = 0.0, discount = monthly_discount;
    for (std::size_t t = 0; t < months; ++t) {
      const double revenue = out.at(ha::hospital_revenue, r, months, t);
      const double overtime = out.at(ha::overtime_cost_saved, r, months, t);
      const double licence = out.at(ha::licence_cost, r, months, t);
      const double one_time = out.at(ha::one_time_cost, r, months, t);
      const double net = out.at(ha::hospital_net_benefit, r, months, t);
      const double scale = revenue + overtime + licence + one_time + 1.0;
      CHECK(std::fabs(net - (revenue + overtime - licence - one_time)) <= 1e-9 * scale);
      CHECK(out.at(ha::vendor_revenue, r, months, t) == licence);
      // Overtime is paid at 7,000 yen x 1.25 in both strata.
      CHECK(overtime == Approx(out.at(ha::overtime_hours_saved, r, months, t) * 8750.0).epsilon(1e-9).margin(1e-6));
      if (out.at(ha::live_hospitals, r, months, t) == 0.0) CHECK(licence == 0.0);
      npv += discount * net;
      discount *= monthly_discount;
      total_revenue += revenue;
      total_overtime += overtime;
      total_one_time += one_time;
    }
    CHECK(out.at(ha::hospital_npv, r, 1) == Approx(npv).epsilon(1e-9).margin(1e-3));
  }
  // Every stream was exercised.
  CHECK(total_revenue > 0.0);
  CHECK(total_overtime > 0.0);
  CHECK(total_one_time > 0.0);
}

TEST_CASE("Per-replicate outputs are bitwise identical for 1 and 2 threads") {
  const Scenario s = parse_scenario(economy_config, "economy.yaml");
  const std::uint64_t n = 2100;  // three blocks, so both threads work
  const MemorySink one = run(s, n, 1), two = run(s, n, 2);
  REQUIRE(one.outputs.size() == two.outputs.size());
  for (std::size_t k = 0; k < one.outputs.size(); ++k) {
    INFO("output " << s.simulation->outputs()[k].name);
    REQUIRE(one.outputs[k].size() == two.outputs[k].size());
    CHECK(std::memcmp(one.outputs[k].data(), two.outputs[k].data(), one.outputs[k].size() * sizeof(double)) == 0);
  }
}

TEST_CASE("A hospital left unappraised could not have decided: its own survival stays above its threshold",
          "[lazy]") {
  // Payback gating with two sets of terms (the add-on ends in month 20);
  // ROI gating with imitation within the stratum; no gating; and a launch
  // after the first budget month, whose window is shorter than the usual one.
  const std::vector<std::string> configs = {
      economy_config,
      replace(economy_config, "attractiveness: payback", "attractiveness: roi, imitation: stratum"),
      replace(economy_config, "attractiveness: payback", "attractiveness: none"),
      replace(economy_config, "discount_rate_per_year: 0.05", "discount_rate_per_year: 0.05\n  launch_month: 2"),
  };
  for (const std::string& config : configs) {
    const Scenario s = parse_scenario(config, "lazy.yaml");
    const auto& sim = dynamic_cast<const ha::Simulation&>(*s.simulation);
    const ha::Plan& plan = sim.plan();
    const ParameterTable& table = *s.parameters.table;
    auto workspace = sim.make_workspace();
    auto& w = dynamic_cast<ha::PopulationWorkspace&>(*workspace);
    std::vector<double> values = table.initial_values(), drawn(table.sampled_count());
    Block block(sim.outputs(), table.sampled_count(), 1);
    std::size_t skipped = 0, appraised = 0;
    for (std::uint64_t r = 0; r < 20; ++r) {
      table.draw(s.seed, 0, r, values, drawn);
      Stream rng(s.seed, 0, r, model_substream);
      ReplicateContext ctx(r, values, rng, {s.seed, 0});
      block.reset(0, 1);
      sim.simulate(ctx, workspace.get(), OutputRow(block, 0));
      const ha::ReplicateValues v = ha::read_values(plan, ctx);
      const ha::Decisions& d = w.decisions;
      // The windows' list holds exactly the appraised hospitals still
      // waiting, in index order.
      std::vector<std::uint32_t> waiting;
      for (std::size_t i = 0; i < plan.hospitals; ++i)
        if (std::isinf(d.appraise_from[i]) && w.hospitals[i].state == ha::State::waiting)
          waiting.push_back(static_cast<std::uint32_t>(i));
      CHECK(d.waiting == waiting);
      for (std::size_t i = 0; i < plan.hospitals; ++i) {
        if (std::isinf(d.appraise_from[i])) {
          ++appraised;
          continue;
        }
        // Appraised now, over every window of the replicate: its survival at
        // the horizon, the lowest it reached.
        ha::Decisions late = d;
        ha::Hospital h = w.hospitals[i];
        ha::appraise(plan, v, h, w.strata[h.stratum], late, i);
        INFO("replicate " << r << ", hospital " << i);
        CHECK(late.survival[i] >= d.bound[h.stratum]);
        CHECK_FALSE(late.survival[i] < d.threshold[i]);
        ++skipped;
      }
    }
    CHECK(skipped > 200);
    CHECK(appraised > 200);
  }
}

TEST_CASE("Hospitals decide only in budget months and not before launch") {
  std::string config = replace(bass_config, "attractiveness: none", "attractiveness: none, budget_months: \"4\"");
  config = replace(config, "horizon_months: 36", "horizon_months: 36\n  start_calendar_month: 1\n  launch_month: 5");
  const Scenario s = parse_scenario(config, "budget.yaml");
  const std::size_t n = 30, months = 36;
  const MemorySink out = run(s, n);
  double april_share = 0.0;
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t t = 0; t < months; ++t) {
      const double before = t == 0 ? 0.0 : out.at(ha::adopted_hospitals, r, months, t - 1);
      const double now = out.at(ha::adopted_hospitals, r, months, t);
      if (t % 12 != 3) CHECK(now == before);  // model month 3 is April; launch (5) skips the first
      if (t == 3) CHECK(now == 0.0);
      if (t == 15) april_share += now / 2000.0 / n;
    }
  // The first April after launch covers the 11 months since launch (5..15).
  CHECK(april_share == Approx(ha::bass_share(0.1, 0.9, 11.0 / 12.0)).epsilon(0.05));
}

TEST_CASE("Hospitals whose expected return never pays back do not adopt under payback gating") {
  // A licence far above anything the product can earn: expected payback is never.
  std::string config = replace(economy_config, "licence_per_month: 300", "licence_per_month: 1000000");
  config = replace(config, "licence_per_month: 1200", "licence_per_month: 1000000");
  const Scenario s = parse_scenario(config, "dear.yaml");
  const MemorySink out = run(s, 20);
  for (std::size_t r = 0; r < 20; ++r) {
    CHECK(out.at(ha::adopters_at_horizon, r, 1) == 0.0);
    CHECK(std::isnan(out.at(ha::months_to_10pct_adoption, r, 1)));
    CHECK(std::isnan(out.at(ha::median_payback_months, r, 1)));
    CHECK(std::isnan(out.at(ha::paid_back_share, r, 1)));
  }
}

TEST_CASE("Flagged positives wait less than under FIFO, and scalars stay in their ranges") {
  const Scenario s = parse_scenario(economy_config, "economy.yaml");
  const std::size_t n = 40;
  const MemorySink out = run(s, n);
  for (std::size_t r = 0; r < n; ++r) {
    const double fifo = out.at(ha::positive_wait_minutes_fifo, r, 1);
    if (std::isnan(fifo)) continue;
    CHECK(out.at(ha::positive_wait_minutes_priority, r, 1) < fifo);
    CHECK(out.at(ha::turnaround_minutes_with_samd, r, 1) < out.at(ha::turnaround_minutes_without_samd, r, 1));
    const double to10 = out.at(ha::months_to_10pct_adoption, r, 1), to50 = out.at(ha::months_to_50pct_adoption, r, 1);
    if (!std::isnan(to50)) CHECK(to10 <= to50);
    CHECK(out.at(ha::adopters_at_horizon, r, 1) <= 210.0);
    const double paid = out.at(ha::paid_back_share, r, 1);
    CHECK(paid >= 0.0);
    CHECK(paid <= 1.0);
    // The median is a payback month when more than half have paid back, and
    // "never" when fewer than half have (at exactly half it averages with never).
    const bool never = std::isnan(out.at(ha::median_payback_months, r, 1));
    if (paid > 0.5) CHECK_FALSE(never);
    if (paid < 0.5) CHECK(never);
  }
}

TEST_CASE("Without downstream procedures, settings of their payment change no draw") {
  // procedure_uplift 0 everywhere: the payment and margin are not read, and the
  // replicates are bitwise those of the scenario without the keys.
  const std::string with_keys = replace(replace(economy_config, "training_hours_per_fte: 4",
                                                "training_hours_per_fte: 4\n    procedure_payment: {dist: uniform, "
                                                "min: 1, max: 2}\n    procedure_margin_share: 0.5"),
                                        "backlog_share: 0.05", "backlog_share: 0.05\n      procedure_uplift: 0");
  const MemorySink plain = run(parse_scenario(economy_config, "plain.yaml"), 700);
  const MemorySink keyed = run(parse_scenario(with_keys, "keyed.yaml"), 700);
  REQUIRE(plain.outputs.size() == keyed.outputs.size());
  for (std::size_t k = 0; k < plain.outputs.size(); ++k)
    CHECK(std::memcmp(plain.outputs[k].data(), keyed.outputs[k].data(), plain.outputs[k].size() * sizeof(double)) == 0);
  for (double v : plain.outputs[ha::cumulative_extra_procedures]) CHECK(v == 0.0);
}

TEST_CASE("Flagged positives bring downstream procedures at their expected rate, each paid at its margin") {
  // 1,200 cases a year, all eligible: a live hospital-month has 100 x 0.12 x
  // 0.9 x 0.05 = 0.54 extra procedures on average (Poisson cases thinned by
  // 0.0054), each worth 30,000 x 0.2 in revenue.
  const std::string config = R"(model: hospital_adoption
seed: 3
parameters:
  currency: USD
  horizon_months: 12
  strata:
    - {count: 50, annual_cases: 1200, staff_fte: 2, hours_per_fte_month: 160, wage_per_hour: 0,
       procedure_uplift: 0.05}
  adoption: {bass_p_per_year: 10, bass_q_per_year: 0, attractiveness: none, implementation_lag_months: 0}
  churn: {base_per_month: 0, negative_benefit_per_month: 0}
  workflow: {minutes_per_case: 10, minutes_per_case_cv: 0, effect: 0}
  money: {procedure_payment: 30000, procedure_margin_share: 0.2}
  triage: {sensitivity: 0.9, prevalence: 0.12}
)";
  const Scenario s = parse_scenario(config, "procedures.yaml");
  constexpr std::size_t n = 400, months = 12;
  const MemorySink out = run(s, n);
  double observed = 0.0, expected = 0.0;
  for (std::size_t r = 0; r < n; ++r) {
    double total = 0.0;
    for (std::size_t t = 0; t < months; ++t) {
      const double procedures = out.at(ha::extra_procedures, r, months, t);
      CHECK(procedures == std::round(procedures));
      CHECK(out.at(ha::hospital_revenue, r, months, t) == Approx(procedures * 6000.0).epsilon(1e-12));
      total += procedures;
      expected += out.at(ha::live_hospitals, r, months, t) * 100.0 * 0.12 * 0.9 * 0.05;
    }
    CHECK(out.at(ha::cumulative_extra_procedures, r, 1) == total);
    observed += total;
  }
  // Given the live hospital-months, the total is Poisson with mean `expected`.
  INFO("observed " << observed << " against " << expected);
  REQUIRE(expected > 1000.0);
  CHECK(std::fabs(observed - expected) < 4.0 * std::sqrt(expected));
}

TEST_CASE("Downstream procedure margins enter the return hospitals appraise") {
  // A licence only the procedure margin can pay for: under payback gating,
  // hospitals adopt with the procedures and not without them.
  const std::string base = R"(model: hospital_adoption
seed: 8
parameters:
  currency: USD
  horizon_months: 24
  strata:
    - {count: 300, annual_cases: 1200, staff_fte: 2, hours_per_fte_month: 160, wage_per_hour: 0,
       licence_per_month: 2000, procedure_uplift: UPLIFT}
  adoption: {bass_p_per_year: 0.5, bass_q_per_year: 0, attractiveness: payback, implementation_lag_months: 0}
  workflow: {minutes_per_case: 10, effect: 0}
  money: {procedure_payment: 30000, procedure_margin_share: 0.2}
  triage: {sensitivity: 0.9, prevalence: 0.12}
)";
  // Expected monthly margin 0.54 x 6,000 = 3,240 against a 2,000 licence.
  const MemorySink with = run(parse_scenario(replace(base, "UPLIFT", "0.05"), "with.yaml"), 20);
  const MemorySink without = run(parse_scenario(replace(base, "UPLIFT", "0"), "without.yaml"), 20);
  double adopters_with = 0.0, adopters_without = 0.0;
  for (std::size_t r = 0; r < 20; ++r) {
    adopters_with += with.at(ha::adopters_at_horizon, r, 1);
    adopters_without += without.at(ha::adopters_at_horizon, r, 1);
  }
  CHECK(adopters_without == 0.0);
  CHECK(adopters_with > 20 * 100.0);
  // A licence just above the monthly margin: the return is negative, nobody adopts.
  const MemorySink dear = run(parse_scenario(replace(replace(base, "UPLIFT", "0.05"), "licence_per_month: 2000",
                                                     "licence_per_month: 3300"),
                                             "dear.yaml"),
                              20);
  for (std::size_t r = 0; r < 20; ++r) CHECK(dear.at(ha::adopters_at_horizon, r, 1) == 0.0);
  // Settings that do nothing are warned about: a payment without any uplift,
  // and procedures that bring no payment.
  const auto warnings = [&](const std::string& config) {
    std::vector<std::string> paths;
    for (const PlanWarning& w : parse_scenario(config, "w.yaml").simulation->plan_report().warnings)
      paths.push_back(w.key_path);
    return paths;
  };
  CHECK(warnings(replace(base, "UPLIFT", "0")) ==
        std::vector<std::string>{"parameters.money.procedure_payment", "parameters.money.procedure_margin_share"});
  CHECK(warnings(replace(replace(base, "UPLIFT", "0.05"), "procedure_payment: 30000", "procedure_payment: 0")) ==
        std::vector<std::string>{"parameters.money.procedure_payment"});
  CHECK(warnings(replace(base, "UPLIFT", "0.05")).empty());
}

namespace {
void check_error(const std::string& config, const std::string& located, const std::string& says) {
  try {
    parse_scenario(config, "bad.yaml");
    FAIL("no error for " << located);
  } catch (const InputError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find(located) != std::string::npos);
    CHECK(what.find(says) != std::string::npos);
  }
}
}  // namespace

TEST_CASE("Bad parameters are rejected with located messages") {
  check_error(replace(bass_config, "count: 2000", "count: -5"), "bad.yaml:6:15: parameters.strata[0].count",
              "outside the allowed range [0, 100000]");
  check_error(replace(economy_config, "eligible_share: 0.4", "eligible_share: 1.4"),
              "bad.yaml:16:23: parameters.strata[0].eligible_share", "outside the allowed range [0, 1]");
  check_error(replace(economy_config, "backlog_share: 0.02", "backlog_share: {dist: uniform, min: 0.5, max: 1.5}"),
              "parameters.strata[1].backlog_share", "can take values outside the allowed range [0, 1]");
  check_error(replace(bass_config, "annual_cases: 0", "annual_cases: {dist: normal, mean: 100, sd: 10}"),
              "parameters.strata[0].annual_cases", "can take values outside");
  check_error(replace(bass_config, "- {count: 2000", "- {count: 60000, annual_cases: 0, staff_fte: 1, "
                                                     "hours_per_fte_month: 1, wage_per_hour: 0}\n    - {count: 60000"),
              "bad.yaml:6:5: parameters.strata", "at most 100000 are allowed");
  check_error(replace(bass_config, "count: 2000", "count: 0"), "parameters.strata", "no hospitals");
  check_error(replace(bass_config, "attractiveness: none", "attractiveness: none, budget_months: \"4,13\""),
              "parameters.adoption.budget_months", "calendar months 1-12");
  check_error(replace(bass_config, "attractiveness: none", "attractiveness: none, budget_months: \"4,\""),
              "parameters.adoption.budget_months", "followed by a month");
  check_error(replace(bass_config, "horizon_months: 36", "horizon_months: {dist: discrete, values: [12, 24]}"),
              "parameters.horizon_months", "must be a single fixed value");
  check_error(replace(bass_config, "staff_fte: 1", "staff_ftes: 1"), "parameters.strata[0].staff_ftes",
              "did you mean 'staff_fte'");
}
