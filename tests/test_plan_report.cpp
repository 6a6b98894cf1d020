// The plan behind a run (PlanReport, /plan): sizes, critical values and
// planning power checked against Boost's binomial and SciPy's noncentral t;
// warnings for a mistyped goal at validate and run, with the key's position;
// /plan stored in single runs, sweep points, merged shards and summary files.

#include <catch2/catch.hpp>

#include <boost/math/distributions/binomial.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include <string>

#include "cli_fixture.hpp"
#include "samdsim/config.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/hdf5_file.hpp"
#include "samdsim/result_reader.hpp"

using namespace samdsim;
using namespace cli;

namespace {

const std::string two_studies = R"(model: us_pathway
replicates: 64
parameters:
  pathway: 510k
  studies:
    - type: standalone
      name: reads
      sensitivity: 0.9
      specificity: 0.9
      sensitivity_goal: 0.8
      specificity_goal: 0.8
      power: 0.9
    - type: rct
      name: trial
      effect: 0.5
      sd: 1
      enrollment: {screening_rate_per_site_month: 4}
)";

const PlanValue& find(const PlanReport& r, const std::string& section, const std::string& name) {
  for (const auto& s : r.sections)
    if (s.name == section)
      for (const auto& v : s.values)
        if (v.name == name) return v;
  FAIL("no " << section << "/" << name << " in the plan");
  throw std::logic_error("unreachable");
}

double first(const PlanReport& r, const std::string& section, const std::string& name) {
  return find(r, section, name).values.at(0);
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("A standalone study's plan gives its counts, critical values and powers as the binomial does") {
  const Scenario s = parse_scenario(two_studies, "plan.yaml");
  const PlanReport plan = s.simulation->plan_report();
  const double positives = first(plan, "studies/0", "positives");
  const double critical = first(plan, "studies/0", "critical_positives");
  CHECK(first(plan, "studies/0", "negatives") == positives);
  CHECK(first(plan, "studies/0", "cases") == 2 * positives);
  // The critical value is the smallest k with P(X >= k | goal) <= alpha.
  const boost::math::binomial null(positives, 0.8), planning(positives, 0.9);
  CHECK(cdf(complement(null, critical - 1)) <= 0.025);
  CHECK(cdf(complement(null, critical - 2)) > 0.025);
  const double power = cdf(complement(planning, critical - 1));
  CHECK(first(plan, "studies/0", "power_sensitivity") == Approx(power).epsilon(1e-9));
  CHECK(power >= 0.9);
  // Two endpoints on separate samples, each at about 0.93: jointly about 0.87.
  CHECK(first(plan, "studies/0", "power_joint") == Approx(power * power).epsilon(1e-9));
}

TEST_CASE("An RCT's plan gives the arms of power.t.test and the noncentral t power") {
  const PlanReport plan = parse_scenario(two_studies, "plan.yaml").simulation->plan_report();
  // R: power.t.test(delta = 0.5, sd = 1, power = 0.8) gives n = 63.77 per
  // arm; at n = 64 SciPy's stats.nct.sf(stats.t.ppf(0.975, 126), 126, 4)
  // gives the power, 0.80145862337.
  CHECK(first(plan, "studies/1", "evaluable_control") == 64);
  CHECK(first(plan, "studies/1", "evaluable_treatment") == 64);
  CHECK(first(plan, "studies/1", "power") == Approx(0.80145862337).epsilon(1e-9));
  // 10 % expected dropout (the default): ceil(64 / 0.9) = 72 per arm.
  CHECK(first(plan, "studies/1", "enrolled") == 144);
  CHECK(first(plan, "pathway", "expected_evidence_months") ==
        Approx(first(plan, "studies/0", "expected_months") + first(plan, "studies/1", "expected_months")));
  CHECK(plan.warnings.empty());
}

TEST_CASE("sizing: precision sizes a standalone study by Buderer's formula and warns when it leaves little power") {
  // Buderer (1996): n+ = z^2 Se (1 - Se) / d^2 = 1.95996^2 0.9 0.1 / 0.05^2 =
  // 138.29 -> 139 positives, and the same for the specificity.
  const std::string precise = replaced(two_studies, "      power: 0.9\n", "      power: 0.9\n      sizing: precision\n");
  const PlanReport plan = parse_scenario(precise, "plan.yaml").simulation->plan_report();
  CHECK(first(plan, "studies/0", "positives") == 139);
  CHECK(first(plan, "studies/0", "negatives") == 139);
  CHECK(find(plan, "studies/0", "size").text.find("Buderer 1996") != std::string::npos);
  // Consecutive cases at 10 % prevalence: 138.29 / 0.1 = 1382.9 -> 1383 cases.
  const std::string consecutive =
      replaced(precise, "      sizing: precision\n", "      sizing: precision\n      enriched: false\n      prevalence: 0.1\n");
  CHECK(first(parse_scenario(consecutive, "plan.yaml").simulation->plan_report(), "studies/0", "cases") == 1383);
  // 139 positives against a goal of 0.85 at a planning 0.9 have little power: warned at half_width.
  CHECK(plan.warnings.empty());
  const std::string close = replaced(replaced(precise, "sensitivity_goal: 0.8", "sensitivity_goal: 0.85"),
                                     "specificity_goal: 0.8", "specificity_goal: 0.85");
  const PlanReport weak = parse_scenario(close, "plan.yaml").simulation->plan_report();
  REQUIRE(weak.warnings.size() == 1);
  CHECK(weak.warnings[0].key_path.find("half_width") != std::string::npos);
  CHECK(weak.warnings[0].message.find("sized for precision") != std::string::npos);
}

TEST_CASE("exact_rule: first_n takes A'Hern's first n reaching power, stable_n the n from which it stays reached") {
  const std::string single_arm = R"(model: us_pathway
replicates: 16
parameters:
  pathway: de_novo
  studies:
    - type: single_arm
      success_rate: 0.2
      performance_goal: 0.1
      alpha: 0.05
      power: 0.8
)";
  // A'Hern (2001) via Khan et al. (2012): n = 78 first reaches 80 % power;
  // power dips below it again at 80..88 and holds from 89 on.
  const PlanReport stable = parse_scenario(single_arm, "a.yaml").simulation->plan_report();
  CHECK(first(stable, "studies/0", "evaluable") == 89);
  CHECK(find(stable, "studies/0", "size").text.find("stays reached") != std::string::npos);
  const PlanReport first_n =
      parse_scenario(single_arm + "      exact_rule: first_n\n", "a.yaml").simulation->plan_report();
  CHECK(first(first_n, "studies/0", "evaluable") == 78);
  CHECK(first(first_n, "studies/0", "critical_successes") == 13);
}

TEST_CASE("A mistyped performance goal is warned about at validate and run, at the goal's position") {
  const fs::path dir = scratch("plan_warning");
  const std::string config = slurp(source_dir + "/configs/de_novo_single_arm.yaml");
  const fs::path typo = write(dir, "typo.yaml", replaced(config, "performance_goal: 0.80 ", "performance_goal: 0.87 "));
  // The goal's line and column in the file.
  const auto at = config.find("performance_goal: 0.80 ");
  const auto line = 1 + std::count(config.begin(), config.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  const auto column = at - config.rfind('\n', at) + std::string("performance_goal: ").size();
  const std::string where = fmt::format("typo.yaml:{}:{}: parameters.studies[0].performance_goal: ", line, column);

  const Result v = run("validate " + typo.string(), dir);
  REQUIRE(v.status == 0);
  CHECK(v.err.find(where) != std::string::npos);
  CHECK(v.err.find("years") != std::string::npos);
  CHECK(v.err.find("mistyped") != std::string::npos);
  CHECK(v.out.find("# plan") != std::string::npos);

  const Result r = run("run " + typo.string() + " -o " + (dir / "typo.h5").string() + " --replicates 16 --progress never",
                       dir);
  REQUIRE(r.status == 0);
  CHECK(r.err.find(where) != std::string::npos);
  const hdf5::Id f = open_result_file(dir / "typo.h5");
  const hdf5::Id g = hdf5::open_group(f.get(), "plan");
  CHECK(hdf5::read_string_attribute(g.get(), "warnings").value_or("").find("performance_goal") != std::string::npos);

  // The shipped configs are plans a sponsor would run: no warnings.
  for (const char* name : {"ai_triage_510k", "de_novo_single_arm", "pma_breakthrough_rct", "evidence_program_ai_imaging",
                           "evidence_program_digital_therapeutic"}) {
    INFO(name);
    CHECK(plan_warnings(load_scenario(source_dir + "/configs/" + name + ".yaml")).empty());
  }
}

TEST_CASE("/plan is stored by a run, under each sweep point, by merge and in a summary file") {
  const fs::path dir = scratch("plan_stored");
  const fs::path config = write(dir, "two.yaml", two_studies);
  const fs::path sweep = write(dir, "sweep.yaml", two_studies + "sweep:\n  grid:\n    studies[1].effect: [0.4, 0.6]\n");
  const std::string quiet = " --progress never";
  REQUIRE(run("run " + config.string() + " -o " + (dir / "one.h5").string() + quiet, dir).status == 0);
  REQUIRE(run("run " + config.string() + " -o " + (dir / "summary.h5").string() + " --outputs summary" + quiet, dir)
              .status == 0);
  REQUIRE(run("run " + sweep.string() + " -o " + (dir / "sweep.h5").string() + quiet, dir).status == 0);
  for (int i = 0; i < 2; ++i)
    REQUIRE(run("run " + config.string() + " -o " + (dir / fmt::format("s{}.h5", i)).string() +
                    fmt::format(" --shard {}/2", i) + quiet,
                dir)
                .status == 0);
  REQUIRE(run("merge " + (dir / "s0.h5").string() + " " + (dir / "s1.h5").string() + " -o " +
                  (dir / "merged.h5").string(),
              dir)
              .status == 0);

  const auto positives = [](const fs::path& file, const std::string& at) {
    const hdf5::Id f = open_result_file(file);
    const hdf5::Id g = hdf5::open_group(f.get(), at);
    return hdf5::read_double_attribute(g.get(), "positives").value_or(-1);
  };
  const double expected = first(parse_scenario(two_studies, "two.yaml").simulation->plan_report(), "studies/0", "positives");
  for (const char* file : {"one.h5", "summary.h5", "merged.h5"}) {
    INFO(file);
    CHECK(positives(dir / file, "plan/studies/0") == expected);
  }
  CHECK(positives(dir / "sweep.h5", "points/0/plan/studies/0") == expected);
  CHECK(positives(dir / "sweep.h5", "points/1/plan/studies/0") == expected);
  // The swept effect changes the RCT's size: each point has its own plan.
  const hdf5::Id f = open_result_file(dir / "sweep.h5");
  const auto control = [&](int point) {
    const hdf5::Id g = hdf5::open_group(f.get(), fmt::format("points/{}/plan/studies/1", point));
    return hdf5::read_double_attribute(g.get(), "evaluable_control").value_or(-1);
  };
  CHECK(control(0) > control(1));
}

TEST_CASE("A demonstration's plan shows its sequences and analytic power and an adoption plan its strata") {
  const Scenario demo = load_scenario(source_dir + "/configs/demonstration_workflow_and_revenue_sw.yaml");
  const PlanReport d = demo.simulation->plan_report();
  CHECK(find(d, "design", "sequences").text == "0111 0011 0001");
  CHECK(first(d, "design", "hospitals") == 12);
  CHECK(first(d, "analysis", "analytic_power") == demo.simulation->planning_value("analytic_power").value());
  CHECK(first(d, "analysis", "analytic_power_both") < first(d, "analysis", "second_analytic_power"));

  const Scenario adoption = load_scenario(source_dir + "/configs/hospital_adoption_japan_ct.yaml");
  const PlanReport a = adoption.simulation->plan_report();
  const auto& counts = find(a, "strata", "hospitals").values;
  CHECK(counts.size() == 4);
  CHECK(std::accumulate(counts.begin(), counts.end(), 0.0) == first(a, "market", "hospitals"));
}

TEST_CASE("A single demonstration design with low power or over budget is warned about but a sweep over sizes is not") {
  const std::string config = slurp(source_dir + "/configs/demonstration_parallel_ct_turnaround.yaml");
  const std::string single = config.substr(0, config.find("\nsweep:") + 1);
  const auto position = [&](const std::string& key) {
    const auto at = single.find(key);
    REQUIRE(at != std::string::npos);
    const auto line = 1 + std::count(single.begin(), single.begin() + static_cast<std::ptrdiff_t>(at), '\n');
    return fmt::format("{}:{}", line, at - single.rfind('\n', at) + key.size());
  };
  // 12 hospitals: 44.5 % power at the planning effect (the sweep's first point).
  const Scenario small = parse_scenario(replaced(single, "clusters: 20 ", "clusters: 12 "), "small.yaml");
  const std::string w = plan_warnings(small);
  CHECK(w.find("small.yaml:" + position("clusters: ") + ": parameters.design.clusters: the design has 44.5 % power") !=
        std::string::npos);
  CHECK(w.find("budget") == std::string::npos);
  // 30 hospitals: an expected JPY 105.6M against a budget of 90M.
  const Scenario large = parse_scenario(replaced(single, "clusters: 20 ", "clusters: 30 "), "large.yaml");
  const std::string b = plan_warnings(large);
  CHECK(b.find("large.yaml:" + position("budget: ") + ": parameters.costs.budget: the design's expected cost "
               "105,600,000 JPY exceeds the budget of 90,000,000 JPY") != std::string::npos);
  CHECK(b.find("power") == std::string::npos);
  // The sweep holds both designs and chooses among them: no warning.
  CHECK(plan_warnings(parse_scenario(config, "sweep.yaml")).empty());
}

TEST_CASE("The pathway section gives each decision's chance at the means and warns about route settings that do nothing") {
  // Half prepared, odds ratio 4: a 510(k) after a Q-Sub has 0.6912 where all comers have 0.525.
  const std::string mixed = two_studies + "  fda_510k: {favourable_probability: 0.525, prepared_share: 0.5, "
                                          "prepared_odds_ratio: 4}\n";
  const PlanReport plan = parse_scenario(mixed, "plan.yaml").simulation->plan_report();
  CHECK(first(plan, "pathway", "decision_510k") == Approx(0.691198).epsilon(1e-5));
  CHECK(find(plan, "pathway", "decision_510k").doc.find("prepared (all comers 0.525)") != std::string::npos);
  CHECK(plan.warnings.empty());
  // Without a Q-Sub the same plan is unprepared.
  const PlanReport bare =
      parse_scenario(mixed + "  presubmission: {meetings: 0}\n", "plan.yaml").simulation->plan_report();
  CHECK(first(bare, "pathway", "decision_510k") == Approx(0.358802).epsilon(1e-5));
  // Resubmissions without withdrawals, and a preparation share without its odds ratio, do nothing: warned.
  const PlanReport idle = parse_scenario(two_studies + "  resubmission: {max: 2}\n  fda_510k: {prepared_share: 0.4, withdrawn_share: 0}\n",
                                         "plan.yaml")
                              .simulation->plan_report();
  REQUIRE(idle.warnings.size() == 2);
  CHECK(idle.warnings[0].key_path == "parameters.fda_510k.prepared_share");
  CHECK(idle.warnings[1].key_path == "parameters.resubmission.max");
  CHECK(idle.warnings[1].message.find("a resubmission never happens") != std::string::npos);
  // review_days alone leaves reviews without a request on the default.
  const PlanReport half = parse_scenario(two_studies + "  fda_510k: {review_days: 80}\n", "plan.yaml").simulation->plan_report();
  REQUIRE(half.warnings.size() == 1);
  CHECK(half.warnings[0].key_path == "parameters.fda_510k.review_days");
  CHECK(half.warnings[0].message.find("review_days_without_request") != std::string::npos);
  CHECK(parse_scenario(two_studies + "  fda_510k: {review_days: 80, review_days_without_request: 50}\n", "plan.yaml")
            .simulation->plan_report()
            .warnings.empty());
}
