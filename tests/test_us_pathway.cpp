#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "samdsim/config.hpp"
#include "samdsim/runner.hpp"
#include "us_pathway/us_pathway.hpp"

using namespace samdsim;
namespace up = samdsim::us_pathway;

namespace {

// Keeps every block's values, in the order received.
struct MemorySink : BlockSink {
  std::vector<std::vector<double>> outputs, parameters;
  std::vector<std::uint64_t> firsts;
  void consume(const Block& b) override {
    if (outputs.empty()) {
      outputs.resize(b.outputs());
      parameters.resize(b.parameters());
    }
    firsts.push_back(b.first());
    for (std::size_t k = 0; k < b.outputs(); ++k)
      outputs[k].insert(outputs[k].end(), b.output(k).begin(), b.output(k).end());
    for (std::size_t j = 0; j < b.parameters(); ++j)
      parameters[j].insert(parameters[j].end(), b.parameter(j).begin(), b.parameter(j).end());
  }
};

struct Run {
  MemorySink sink;
  RunResult result;
};

Run run(const Scenario& s, unsigned threads, std::uint64_t replicates, std::uint64_t seed) {
  Run r;
  RunOptions o{replicates, seed, 0, threads, ProgressMode::Never};
  r.result = run_replicates(*s.simulation, *s.parameters.table, o, r.sink);
  return r;
}

bool bitwise_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

bool bitwise_equal(const Moments& a, const Moments& b) {
  return a.n == b.n && a.missing == b.missing && std::memcmp(&a.mean, &b.mean, sizeof(double)) == 0 &&
         std::memcmp(&a.m2, &b.m2, sizeof(double)) == 0 && a.min == b.min && a.max == b.max;
}

// Every parameter fixed, every event certain: the months and costs below are
// computed by hand from the plan.
const char* certain_plan = R"(model: us_pathway
parameters:
  pathway: 510k
  burn_usd_per_month: 100000
  presubmission: {meetings: 2, preparation_months: 1, feedback_days: 60.875, cost_usd: 20000}
  studies:
    - type: standalone
      sensitivity: 1
      specificity: 1
      sensitivity_goal: 0.8
      specificity_goal: 0.8
      cases: 200
      prevalence: 0.5
      cases_per_month: 100
      analysis_months: 1
      cost_per_case_usd: 300
      fixed_cost_usd: 50000
      monthly_cost_usd: 10000
    - type: mrmc
      START
      delta_auc: 0.3
      readers: 10
      cases: 100
      cases_per_month: 100
      reading_minutes_per_case: 3
      reader_hours_per_month: 20
      reader_cost_usd_per_hour: 200
      washout_days: 30.4375
      analysis_months: 1
      cost_per_case_usd: 300
      variance: {var_tr: 0.0001, var_error: 0.0004, reference_cases: 100}
  submission: {preparation_months: 3, cost_usd: 75000}
  fda_510k:
    acceptance_review_days: 15
    rta_probability: 0
    review_days: 90
    ai_request_probability: 1
    further_ai_probability: 0
    max_ai_requests: 1
    response_days: 60
    favourable_probability: 1
)";

std::string with_start(const std::string& start) {
  std::string text = certain_plan;
  text.replace(text.find("START"), 5, "start: " + start);
  return text;
}

}  // namespace

TEST_CASE("A plan with every parameter fixed and every event certain gives the hand-computed months and cost") {
  Scenario s = parse_scenario(with_start("after_previous"), "certain.yaml");
  Run r = run(s, 2, 3000, 11);
  // Q-Sub 2 x (1 + 2) = 6; standalone 200/100 + 1 = 3; MRMC 100/100 + 2 x 0.25 + 1 + 1 = 3.5;
  // submission 3; review (15 + 90 + 60) days.
  const double months = 6 + 3 + 3.5 + 3 + 165.0 / (365.25 / 12);
  const double studies = (50000 + 200 * 300 + 3 * 10000) + (100 * 300 + 10 * 2 * 5 * 200);
  const double regulatory = 2 * 20000 + 75000;
  const double fees = 24335 + 9280;
  const double burn = 100000 * months;
  for (std::size_t i = 0; i < 3000; ++i) {
    CHECK(r.sink.outputs[up::authorized][i] == 1.0);
    CHECK(r.sink.outputs[up::months_to_decision][i] == Approx(months).epsilon(1e-12));
    CHECK(r.sink.outputs[up::months_to_authorization][i] == Approx(months).epsilon(1e-12));
    CHECK(r.sink.outputs[up::evidence_months][i] == Approx(12.5).epsilon(1e-12));
    CHECK(r.sink.outputs[up::cost_studies_usd][i] == Approx(studies).epsilon(1e-12));
    CHECK(r.sink.outputs[up::cost_regulatory_usd][i] == Approx(regulatory).epsilon(1e-12));
    CHECK(r.sink.outputs[up::cost_fees_usd][i] == Approx(fees).epsilon(1e-12));
    CHECK(r.sink.outputs[up::cost_burn_usd][i] == Approx(burn).epsilon(1e-12));
    CHECK(r.sink.outputs[up::total_cost_usd][i] == Approx(studies + regulatory + fees + burn).epsilon(1e-12));
    CHECK(r.sink.outputs[up::review_cycles][i] == 2.0);
    CHECK(r.sink.outputs[up::study_attempts][i] == 2.0);
    CHECK(r.sink.outputs[up::outcome][i] == 0.0);
    // 165 days under review, of which the 60-day answer to the request on hold.
    CHECK(r.sink.outputs[std::size_t{up::output_count} + up::review_days][i] == 165.0);
    CHECK(r.sink.outputs[std::size_t{up::output_count} + up::hold_days][i] == 60.0);
  }
}

TEST_CASE("A study run with the previous one overlaps it on the timeline") {
  Scenario s = parse_scenario(with_start("with_previous"), "certain.yaml");
  Run r = run(s, 1, 100, 11);
  // Both studies start at month 6; the MRMC study ends last, at 9.5.
  CHECK(r.sink.outputs[up::evidence_months][0] == Approx(9.5).epsilon(1e-12));
  CHECK(r.sink.outputs[up::months_to_decision][0] == Approx(9.5 + 3 + 165.0 / (365.25 / 12)).epsilon(1e-12));
}

TEST_CASE("A study that cannot succeed ends the plan under the abandon policy") {
  std::string text = with_start("after_previous");
  text.replace(text.find("sensitivity: 1\n"), 15, "sensitivity: 0.5\n");
  Scenario s = parse_scenario(text, "failing.yaml");
  Run r = run(s, 1, 200, 5);
  for (std::size_t i = 0; i < 200; ++i) {
    CHECK(r.sink.outputs[up::authorized][i] == 0.0);
    CHECK(r.sink.outputs[up::outcome][i] == 1.0);
    CHECK(std::isnan(r.sink.outputs[up::months_to_authorization][i]));
    CHECK(r.sink.outputs[up::months_to_decision][i] == Approx(9.0).epsilon(1e-12));
    CHECK(r.sink.outputs[up::cost_fees_usd][i] == 0.0);
    CHECK(r.sink.outputs[up::review_cycles][i] == 0.0);
  }
}

TEST_CASE("Recruitment past max_recruitment_months is stopped there, with what it has, and the attempt fails") {
  std::string text = with_start("after_previous");
  text.replace(text.find("cases_per_month: 100\n"), 21, "cases_per_month: 1\n      max_recruitment_months: 50\n");
  Scenario s = parse_scenario(text, "stopped.yaml");
  Run r = run(s, 1, 50, 5);
  for (std::size_t i = 0; i < 50; ++i) {
    // 200 cases at 1 a month would take 200 months: 50 cases by month 50.
    CHECK(r.sink.outputs[up::authorized][i] == 0.0);
    CHECK(r.sink.outputs[up::outcome][i] == 1.0);
    CHECK(r.sink.outputs[up::months_to_decision][i] == Approx(6.0 + 50.0).epsilon(1e-12));
    CHECK(r.sink.outputs[up::cost_studies_usd][i] == Approx(50000 + 50 * 300 + 50 * 10000).epsilon(1e-12));
  }

  // Sites that recruit next to nothing (a rate of 1e-300 a month, a gamma
  // shape of 1e-6) end at the default limit of 120 months, not at 1e300.
  for (const char* enrollment : {"screening_rate_per_site_month: 1e-300", "rate_shape: 1e-6"}) {
    const std::string prospective = std::string(R"(model: us_pathway
parameters:
  pathway: de_novo
  studies:
    - type: single_arm
      success_rate: 0.9
      performance_goal: 0.8
      enrollment: {sites: 5, site_activation_months: 2, never_enroll_share: 0, )") +
                                    enrollment + "}\n";
    Scenario p = parse_scenario(prospective, "silent_sites.yaml");
    Run q = run(p, 1, 300, 9);
    std::size_t stopped = 0;
    for (std::size_t i = 0; i < 300; ++i) {
      CHECK(std::isfinite(q.sink.outputs[up::months_to_decision][i]));
      CHECK(std::isfinite(q.sink.outputs[up::total_cost_usd][i]));
      if (q.sink.outputs[up::outcome][i] == 1.0) {
        ++stopped;
        // At most the Q-Sub, the limit and the close-out.
        CHECK(q.sink.outputs[up::evidence_months][i] < 120.0 + 3.0 + 10.0);
      }
    }
    INFO(enrollment);
    CHECK(stopped > 200);
  }
}

TEST_CASE("The repeat policy runs a failing study up to its attempt cap") {
  std::string text = with_start("after_previous");
  text.replace(text.find("sensitivity: 1\n"), 15, "sensitivity: 0.5\n      on_failure: repeat\n      max_attempts: 3\n");
  Scenario s = parse_scenario(text, "repeat.yaml");
  Run r = run(s, 1, 50, 5);
  for (std::size_t i = 0; i < 50; ++i) {
    CHECK(r.sink.outputs[up::study_attempts][i] == 3.0);
    CHECK(r.sink.outputs[up::months_to_decision][i] == Approx(6 + 3 * 3.0).epsilon(1e-12));
  }
}

namespace {
const char* uncertain_plan = R"(model: us_pathway
parameters:
  pathway: de_novo
  burn_usd_per_month: {dist: lognormal, median: 150000, p90: 250000}
  studies:
    - type: standalone
      sensitivity: {dist: beta, mean: 0.9, sd: 0.03}
      specificity: {dist: beta, mean: 0.88, sd: 0.03}
      sensitivity_goal: 0.8
      specificity_goal: 0.8
    - type: single_arm
      success_rate: {dist: beta, mean: 0.8, sd: 0.05}
      performance_goal: 0.65
      on_failure: redesign
      enrollment: {sites: {dist: discrete, values: [6, 8, 10], weights: [1, 2, 1]}, screen_failure: {dist: uniform, min: 0.2, max: 0.5}}
)";
}  // namespace

TEST_CASE("Per-replicate outputs and summaries are bitwise identical for 1, 2 and 8 threads") {
  Scenario s = parse_scenario(uncertain_plan, "uncertain.yaml");
  const std::uint64_t n = 5 * replicates_per_block + 17;  // a partial last block too
  Run one = run(s, 1, n, 99);
  for (unsigned threads : {2u, 8u}) {
    Run other = run(s, threads, n, 99);
    REQUIRE(other.sink.firsts == one.sink.firsts);
    for (std::size_t k = 0; k < one.sink.outputs.size(); ++k) CHECK(bitwise_equal(one.sink.outputs[k], other.sink.outputs[k]));
    for (std::size_t j = 0; j < one.sink.parameters.size(); ++j)
      CHECK(bitwise_equal(one.sink.parameters[j], other.sink.parameters[j]));
    for (std::size_t k = 0; k < one.result.moments.size(); ++k)
      CHECK(bitwise_equal(one.result.moments[k], other.result.moments[k]));
  }
}

TEST_CASE("Different seeds give different replicates") {
  Scenario s = parse_scenario(uncertain_plan, "uncertain.yaml");
  Run a = run(s, 2, 2000, 1);
  Run b = run(s, 2, 2000, 2);
  CHECK_FALSE(bitwise_equal(a.sink.outputs[up::total_cost_usd], b.sink.outputs[up::total_cost_usd]));
  CHECK_FALSE(bitwise_equal(a.sink.parameters[0], b.sink.parameters[0]));
}

TEST_CASE("A replicate's values do not depend on how many replicates run") {
  Scenario s = parse_scenario(uncertain_plan, "uncertain.yaml");
  Run small = run(s, 2, 1500, 4);
  Run large = run(s, 2, 4000, 4);
  for (std::size_t k = 0; k < small.sink.outputs.size(); ++k) {
    std::vector<double> head(large.sink.outputs[k].begin(), large.sink.outputs[k].begin() + 1500);
    CHECK(bitwise_equal(small.sink.outputs[k], head));
  }
}

TEST_CASE("Cost components add up to the total and months are ordered") {
  Scenario s = parse_scenario(uncertain_plan, "uncertain.yaml");
  Run r = run(s, 2, 3000, 8);
  const auto& o = r.sink.outputs;
  for (std::size_t i = 0; i < 3000; ++i) {
    const double sum = o[up::cost_studies_usd][i] + o[up::cost_fees_usd][i] + o[up::cost_regulatory_usd][i] +
                       o[up::cost_burn_usd][i];
    CHECK(o[up::total_cost_usd][i] == Approx(sum).epsilon(1e-12));
    CHECK(o[up::evidence_months][i] <= o[up::months_to_decision][i]);
    if (o[up::authorized][i] == 1.0) CHECK(o[up::months_to_authorization][i] == o[up::months_to_decision][i]);
  }
}

namespace {
// The certain plan with its review ending as `ending` says, and `more` added to its parameters.
// An observed share against its probability p: within 4 standard errors of
// a share of `count` draws.
void within(double observed, double p, double count) {
  INFO(observed << " against " << p);
  CHECK(std::abs(observed - p) < 4.0 * std::sqrt(p * (1 - p) / count));
}

std::string certain_review(const std::string& ending, const std::string& more) {
  std::string text = with_start("after_previous");
  text.replace(text.find("    favourable_probability: 1\n"), 30, ending);
  return text + more;
}
}  // namespace

TEST_CASE("A withdrawn 510(k) is resubmitted up to resubmission.max, each time with its preparation, cost and fee") {
  const std::string text = certain_review("    favourable_probability: 0\n    withdrawn_share: 1\n",
                                          "  resubmission: {max: 2, preparation_months: 1, cost_usd: 10000}\n");
  Run r = run(parse_scenario(text, "withdrawn.yaml"), 2, 500, 3);
  // Three submissions, each reviewed in (15 + 90 + 60) days; two resubmissions of 1 month.
  const double months = 6 + 3 + 3.5 + 3 + 3 * 165.0 / (365.25 / 12) + 2 * 1;
  const double studies = (50000 + 200 * 300 + 3 * 10000) + (100 * 300 + 10 * 2 * 5 * 200);
  for (std::size_t i = 0; i < 500; ++i) {
    CHECK(r.sink.outputs[up::outcome][i] == 3.0);
    CHECK(r.sink.outputs[up::authorized][i] == 0.0);
    CHECK(r.sink.outputs[up::submissions][i] == 3.0);
    CHECK(r.sink.outputs[up::review_cycles][i] == 6.0);
    CHECK(r.sink.outputs[up::months_to_decision][i] == Approx(months).epsilon(1e-12));
    CHECK(r.sink.outputs[up::cost_fees_usd][i] == Approx(3 * 24335.0).epsilon(1e-12));  // no establishment fee
    CHECK(r.sink.outputs[up::cost_regulatory_usd][i] == Approx(2 * 20000 + 75000 + 2 * 10000.0).epsilon(1e-12));
    CHECK(r.sink.outputs[up::total_cost_usd][i] ==
          Approx(studies + 2 * 20000 + 75000 + 2 * 10000.0 + 3 * 24335.0 + 100000 * months).epsilon(1e-12));
  }
  // Without resubmissions the first withdrawal ends the plan.
  Run once = run(parse_scenario(certain_review("    favourable_probability: 0\n    withdrawn_share: 1\n", ""),
                                "withdrawn.yaml"),
                 1, 50, 3);
  CHECK(once.sink.outputs[up::outcome][0] == 3.0);
  CHECK(once.sink.outputs[up::submissions][0] == 1.0);
}

TEST_CASE("A 510(k) found not substantially equivalent falls back to a De Novo request with its own time, fee and decision") {
  const std::string text = certain_review(
      "    favourable_probability: 0\n    withdrawn_share: 0\n",
      "  fallback_de_novo: {enabled: true, preparation_months: 2, cost_usd: 30000}\n"
      "  fda_de_novo: {acceptance_review_days: 15, rta_probability: 0, review_days_without_request: 120, "
      "ai_request_probability: 0, favourable_probability: 1}\n");
  Run r = run(parse_scenario(text, "fallback.yaml"), 2, 500, 3);
  const double months = 6 + 3 + 3.5 + 3 + 165.0 / (365.25 / 12) + 2 + 135.0 / (365.25 / 12);
  for (std::size_t i = 0; i < 500; ++i) {
    CHECK(r.sink.outputs[up::outcome][i] == 4.0);
    CHECK(r.sink.outputs[up::authorized][i] == 1.0);
    CHECK(r.sink.outputs[up::submissions][i] == 2.0);
    CHECK(r.sink.outputs[up::review_cycles][i] == 3.0);
    CHECK(r.sink.outputs[up::months_to_authorization][i] == Approx(months).epsilon(1e-12));
    CHECK(r.sink.outputs[up::cost_fees_usd][i] == Approx(24335.0 + 162235.0 + 9280.0).epsilon(1e-12));
    CHECK(r.sink.outputs[up::cost_regulatory_usd][i] == Approx(2 * 20000 + 75000 + 30000.0).epsilon(1e-12));
    // FDA review days: both submissions, without the preparation between them.
    CHECK(r.sink.outputs[std::size_t{up::output_count} + up::review_days][i] == Approx(165.0 + 135.0).epsilon(1e-12));
  }
  // A De Novo plan has no De Novo to fall back to.
  std::string de_novo = text;
  de_novo.replace(de_novo.find("pathway: 510k"), 13, "pathway: de_novo");
  try {
    parse_scenario(de_novo, "fallback.yaml");
    FAIL("accepted a fallback after a De Novo plan");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("parameters.fallback_de_novo.enabled") != std::string::npos);
  }
}

TEST_CASE("One draw decides the ending: shares of authorized, withdrawn and negative match their probabilities") {
  // Favourable 0.6; of the rest, half withdrawn; one resubmission.
  // P(authorized) = 0.6 + 0.2 x 0.6 = 0.72, P(withdrawn) = 0.2 x 0.2 = 0.04,
  // P(negative) = 0.2 + 0.2 x 0.2 = 0.24.
  const std::string text = certain_review("    favourable_probability: 0.6\n    withdrawn_share: 0.5\n",
                                          "  resubmission: {max: 1}\n");
  constexpr std::size_t n = 20000;
  Run r = run(parse_scenario(text, "shares.yaml"), 2, n, 17);
  const auto share = [&](double code) {
    const auto& o = r.sink.outputs[up::outcome];
    return static_cast<double>(std::count(o.begin(), o.end(), code)) / static_cast<double>(n);
  };
  within(share(0.0), 0.72, n);
  within(share(3.0), 0.04, n);
  within(share(2.0), 0.24, n);
  // The planned submission's ending uses the draw it always used: turning withdrawals and
  // resubmissions on leaves every replicate authorized at the first submission as it was.
  Run plain = run(parse_scenario(certain_review("    favourable_probability: 0.6\n    withdrawn_share: 0\n", ""),
                                 "plain.yaml"),
                  2, n, 17);
  for (std::size_t i = 0; i < n; ++i)
    if (plain.sink.outputs[up::outcome][i] == 0.0) {
      REQUIRE(r.sink.outputs[up::submissions][i] == 1.0);
      REQUIRE(r.sink.outputs[up::months_to_decision][i] == plain.sink.outputs[up::months_to_decision][i]);
    } else {
      // Not favourable at the first submission: authorized only after a resubmission.
      REQUIRE((r.sink.outputs[up::outcome][i] != 0.0 || r.sink.outputs[up::submissions][i] == 2.0));
    }
}

TEST_CASE("favourable_given splits an all-comers share into prepared and unprepared ones that average back to it") {
  for (double p : {0.05, 0.3, 0.525, 0.85, 0.99})
    for (double s : {0.0, 0.2, 0.5, 0.9, 1.0})
      for (double r : {1.0, 1.5, 4.0, 50.0}) {
        INFO("p " << p << " s " << s << " r " << r);
        const double good = up::favourable_given(p, s, r, true), bad = up::favourable_given(p, s, r, false);
        CHECK(s * good + (1 - s) * bad == Approx(p).epsilon(1e-13));
        CHECK((good / (1 - good)) / (bad / (1 - bad)) == Approx(r).epsilon(1e-12));
      }
  CHECK(up::favourable_given(0.6, 0.5, 1.0, true) == Approx(0.6).epsilon(1e-15));
  CHECK(up::favourable_given(0.0, 0.5, 4.0, true) == 0.0);
  CHECK(up::favourable_given(1.0, 0.5, 4.0, false) == 1.0);
  // By hand: p 0.525, half prepared, odds ratio 4: r(1-p) o^2 + (sr + 1 - s - p(r+1)) o - p = 0
  // is 1.9 o^2 - 0.125 o - 0.525 = 0, o = 0.559581, so 0.358802 and 0.691198.
  CHECK(up::favourable_given(0.525, 0.5, 4.0, false) == Approx(0.358802).epsilon(1e-5));
  CHECK(up::favourable_given(0.525, 0.5, 4.0, true) == Approx(0.691198).epsilon(1e-5));
}

TEST_CASE("Decisions depend on the preparation, and a realistic mix reproduces the all-comers share") {
  // Half the replicates hold two Q-Subs (prepared), half none.
  std::string text = certain_review("    favourable_probability: 0.6\n    prepared_share: 0.5\n    prepared_odds_ratio: 4\n", "");
  text.replace(text.find("meetings: 2,"), 12, "meetings: {dist: discrete, values: [0, 2], weights: [1, 1]},");
  constexpr std::size_t n = 20000;
  Run r = run(parse_scenario(text, "mix.yaml"), 2, n, 23);
  const double good = up::favourable_given(0.6, 0.5, 4.0, true), bad = up::favourable_given(0.6, 0.5, 4.0, false);
  double authorized = 0, prepared = 0, prepared_authorized = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const bool with_qsub = r.sink.outputs[up::evidence_months][i] > 12.0;  // 12.5 with the meetings, 6.5 without
    const double a = r.sink.outputs[up::authorized][i];
    authorized += a;
    prepared += with_qsub;
    prepared_authorized += with_qsub ? a : 0.0;
  }
  within(authorized / n, 0.6, n);
  within(prepared_authorized / prepared, good, prepared);
  within((authorized - prepared_authorized) / (n - prepared), bad, n - prepared);

  // A De Novo request without a clinical study is unprepared whatever the meetings.
  std::string de_novo = certain_plan;
  de_novo.replace(de_novo.find("pathway: 510k"), 13, "pathway: de_novo");
  de_novo.replace(de_novo.find("    - type: mrmc"), de_novo.find("  submission:") - de_novo.find("    - type: mrmc"), "");
  de_novo += "  fda_de_novo: {acceptance_review_days: 15, rta_probability: 0, review_days_without_request: 120, "
             "ai_request_probability: 0, favourable_probability: 0.6, prepared_share: 0.5, prepared_odds_ratio: 4}\n";
  Run standalone_only = run(parse_scenario(de_novo, "de_novo.yaml"), 2, n, 23);
  const auto& o = standalone_only.sink.outputs[up::authorized];
  within(std::accumulate(o.begin(), o.end(), 0.0) / n, bad, n);
}

namespace {
// Four sites open at month 0, each screening one patient a month, every one
// enrolled and evaluable: 200 patients take about 50 months.
std::string paced_study(const std::string& interim) {
  return R"(model: us_pathway
parameters:
  pathway: de_novo
  presubmission: {meetings: 0}
  studies:
    - type: single_arm
      name: paced
      success_rate: 0.9
      performance_goal: 0.5
      evaluable_patients: 200
      fixed_cost_usd: 0
      monthly_cost_usd: 0
      enrollment:
        sites: 4
        site_activation_months: 0
        never_enroll_share: 0
        screening_rate_per_site_month: 1
        rate_shape: 1000000
        screen_failure: 0
        dropout: 0
        follow_up_months: 0
        closeout_months: 0
        interim: )" + interim + "\n";
}

double mean_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }
}  // namespace

TEST_CASE("An interim look closes a study whose projected enrollment is too long, with the patients seen so far") {
  constexpr std::size_t n = 4000;
  const std::size_t months_column = std::size_t{up::output_count} + up::record_output_count + up::study_months;
  Run r = run(parse_scenario(paced_study("{look_month: 6, max_projected_months: 24}"), "close.yaml"), 2, n, 31);
  // By month 6 the four sites screened Poisson(24) patients (given fewer than
  // the 200 needed); the projection, 6 + 176 / 4 = 50 months, is beyond 24.
  for (std::size_t i = 0; i < n; ++i) {
    REQUIRE(r.sink.outputs[up::outcome][i] == 1.0);
    REQUIRE(r.sink.outputs[months_column][i] == 6.0);
    REQUIRE(r.sink.outputs[up::sites_activated][i] == 4.0);
  }
  const double patients = mean_of(r.sink.outputs[up::patients_enrolled]);
  CHECK(std::abs(patients - 24.0) < 4.0 * std::sqrt(24.0 / n));
  // A limit the projection stays under leaves the study to recruit in full.
  Run kept = run(parse_scenario(paced_study("{look_month: 6, max_projected_months: 1000}"), "kept.yaml"), 2, 500, 31);
  for (std::size_t i = 0; i < 500; ++i) REQUIRE(kept.sink.outputs[up::patients_enrolled][i] == 200.0);
  // Without a look, the same study recruits in about 50 months.
  Run plain = run(parse_scenario(paced_study("{}"), "plain.yaml"), 2, 500, 31);
  CHECK(mean_of(plain.sink.outputs[up::patients_enrolled]) == 200.0);
  // With no site open at the look the sponsor projects from its planning
  // rate, 10 + 200 / 4 = 60 months, within 80: nothing is closed.
  std::string late = paced_study("{look_month: 6, max_projected_months: 80}");
  late.replace(late.find("site_activation_months: 0"), 25, "site_activation_months: 10");
  Run waited = run(parse_scenario(late, "late.yaml"), 2, 500, 31);
  for (std::size_t i = 0; i < 500; ++i) REQUIRE(waited.sink.outputs[up::patients_enrolled][i] == 200.0);
  // Closed at the look, the patients are exactly the screenings counted
  // there (every screened patient is enrolled here).
  Run closed = run(parse_scenario(paced_study("{look_month: 6, max_projected_months: 24}"), "close.yaml"), 1, 200, 5);
  for (std::size_t i = 0; i < 200; ++i) {
    const double p = closed.sink.outputs[up::patients_enrolled][i];
    REQUIRE(p == std::floor(p));
    REQUIRE(p < 200.0);
  }
}

TEST_CASE("An interim look that adds sites finishes enrollment sooner, with the added sites counted and paid") {
  constexpr std::size_t n = 4000;
  const std::size_t months_column = std::size_t{up::output_count} + up::record_output_count + up::study_months;
  Run r = run(parse_scenario(paced_study("{look_month: 6, max_projected_months: 24, action: add_sites, added_sites: 4}"),
                             "add.yaml"),
              2, n, 37);
  // Eight sites after month 6: the 200 - Poisson(24) screenings left take
  // Gamma(k, 1) / 8 months, so the study ends at 6 + 176 / 8 = 28 on average.
  for (std::size_t i = 0; i < n; ++i) {
    REQUIRE(r.sink.outputs[up::sites_activated][i] == 8.0);
    REQUIRE(r.sink.outputs[up::patients_enrolled][i] == 200.0);
  }
  const auto& months = r.sink.outputs[months_column];
  const double mean = mean_of(months);
  double var = 0;
  for (double m : months) var += (m - mean) * (m - mean);
  var /= n - 1;
  INFO("mean " << mean << " sd " << std::sqrt(var));
  CHECK(std::abs(mean - 28.0) < 4.0 * std::sqrt(var / n));
  // Var = E[k] / 64 + Var(k) / 64 with k = 200 - seen: about (176 + 24) / 64.
  CHECK(var == Approx(200.0 / 64.0).epsilon(0.1));
}

TEST_CASE("An interim look without its limit, or with a limit it cannot meet, is a located error") {
  const auto error_of = [](const std::string& yaml) {
    try {
      parse_scenario(yaml, "look.yaml");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(error_of(paced_study("{look_month: 6}")).find("parameters.studies[0].enrollment.interim.look_month") !=
        std::string::npos);
  CHECK(error_of(paced_study("{look_month: 6, max_projected_months: 5}")).find("must exceed look_month") !=
        std::string::npos);
  CHECK(error_of(paced_study("{look_month: 6, max_projected_months: 30, action: add_sites}")).find("added_sites") !=
        std::string::npos);
  // Settings that would do nothing are refused where they are written.
  CHECK(error_of(paced_study("{action: add_sites, added_sites: 4}")).find("interim.action") != std::string::npos);
  CHECK(error_of(paced_study("{look_month: 6, max_projected_months: 30, added_sites: 4}"))
            .find("interim.added_sites: the look closes the study") != std::string::npos);
}
