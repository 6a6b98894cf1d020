// The roll-out decision a demonstration trial informs: the expected value of
// sample information (EVSI) by the posterior rule, by regression on the
// simulated estimate and in closed form agree; the significance rule is
// worth less; the ENBS-optimal trial size matches a grid of the closed form.
#include <catch2/catch.hpp>

#include <cmath>

#include "cli_fixture.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/hdf5_file.hpp"
#include "samdsim/result_reader.hpp"

using namespace samdsim;

namespace {

// Normal prior on a time saving (minutes; lower is better), known variances:
// the trial's standard error is the design's analytic one in every replicate.
const std::string config = R"(model: demonstration
replicates: 20000
seed: 5
parameters:
  design: {type: parallel, clusters: 12, baseline_periods: 1, periods: 2, cases_per_period: 20}
  outcome: {type: continuous, unit: minute, effect: {dist: normal, mean: -2, sd: 3}, sd: 20, icc: 0.05, cac: 0.8}
  analysis: {variance: known, test: z}
  costs: {fixed: 10000000, per_hospital: 1000000}
  decision: {value_per_effect_unit: -5000000, cost_per_hospital_year: 8000000, hospitals: 100, horizon_years: 5,
             discount_rate_per_year: 0.02}
)";

const Summary& find(const std::vector<Summary>& all, const std::string& name) {
  for (const auto& s : all)
    if (s.name == name) return s;
  throw std::runtime_error("no output " + name);
}

}  // namespace

TEST_CASE("EVSI of a demonstration trial: posterior rule, regression on the estimate and closed form agree") {
  const fs::path dir = scratch("decision_evsi");
  write(dir, "d.yaml", config);
  const fs::path out = dir / "d.h5";
  REQUIRE(run("run " + (dir / "d.yaml").string() + " --progress never -o " + out.string(), dir).status == 0);
  const ResultFileSummary r = read_result_summary(out);
  const Summary& enbs = find(r.summaries, "enbs");
  const double cost = find(r.summaries, "total_cost").mean;
  const double closed = find(r.summaries, "evsi_closed_form").mean;
  REQUIRE(closed > 0.0);
  // ENBS + cost = mean net benefit under the posterior rule - value without the trial = EVSI.
  INFO("EVSI by the posterior rule " << enbs.mean + cost << " +- " << enbs.se << ", closed form " << closed);
  CHECK(std::abs(enbs.mean + cost - closed) < 4 * enbs.se);

  // The significance rule ignores the prior and the SaMD's cost: worth less.
  const Summary& posterior = find(r.summaries, "net_benefit_posterior_rule");
  const Summary& significance = find(r.summaries, "net_benefit_significance_rule");
  CHECK(significance.mean < posterior.mean);

  // EVSI by nonparametric regression of the population net benefit on the
  // simulated estimate (Strong et al. 2015).
  const Result v = run("voi " + out.string() + " --incremental population_net_benefit --statistic estimate_prior "
                       "--draws 20", dir);
  INFO(v.out << v.err);
  REQUIRE(v.status == 0);
  hdf5::Id f = open_result_file(out);
  hdf5::Id ds = hdf5::open_dataset(f.get(), "/voi/evppi");
  hdf5::Id se_ds = hdf5::open_dataset(f.get(), "/voi/evppi_se");
  std::vector<double> evsi(1), se(1);
  hdf5::read_doubles(ds.get(), 0, 1, 0, 1, evsi);
  hdf5::read_doubles(se_ds.get(), 0, 1, 0, 1, se);
  INFO("EVSI by regression " << evsi[0] << " +- " << se[0]);
  CHECK(std::abs(evsi[0] - closed) < 4 * (se[0] + enbs.se));
}

TEST_CASE("A sweep maximizing ENBS chooses the trial size a grid of the closed form chooses") {
  const fs::path dir = scratch("decision_enbs");
  // Hospitals that cost JPY 50M each make the optimum sharp.
  std::string text = config;
  text.replace(text.find("per_hospital: 1000000"), 21, "per_hospital: 50000000");
  write(dir, "s.yaml", text + "sweep:\n  grid:\n    design.clusters: [2, 8, 32]\n  choose:\n    maximize: enbs\n");
  const fs::path out = dir / "s.h5";
  const Result res = run("run " + (dir / "s.yaml").string() + " --replicates 40000 --progress never -o " + out.string(), dir);
  INFO(res.err);
  REQUIRE(res.status == 0);
  const ResultFileSummary r = read_result_summary(out);
  REQUIRE(r.chosen.has_value());
  std::size_t best = 0;
  std::vector<double> closed_enbs;
  for (const auto& p : r.scenarios)
    closed_enbs.push_back(find(p.summaries, "evsi_closed_form").mean - find(p.summaries, "total_cost").mean);
  for (std::size_t i = 1; i < closed_enbs.size(); ++i)
    if (closed_enbs[i] > closed_enbs[best]) best = i;
  // The grid's best is clear of the runner-up by far more than the Monte Carlo error.
  std::vector<double> sorted = closed_enbs;
  std::sort(sorted.rbegin(), sorted.rend());
  const double se = find(r.scenarios[best].summaries, "enbs").se;
  INFO("closed-form ENBS best " << sorted[0] << ", runner-up " << sorted[1] << ", Monte Carlo se " << se);
  REQUIRE(sorted[0] - sorted[1] > 6 * se);
  CHECK(*r.chosen == best);
}

TEST_CASE("A decision whose value is zero on average is refused where it is written") {
  const fs::path dir = scratch("decision_bad");
  std::string text = config;
  text.replace(text.find("value_per_effect_unit: -5000000"), 31, "value_per_effect_unit: 0");
  write(dir, "z.yaml", text);
  const Result r = run("validate " + (dir / "z.yaml").string(), dir);
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("parameters.decision.value_per_effect_unit"));
}
