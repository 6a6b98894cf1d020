// The Python tools in tools/: the reader (tools/samdsim_reader.py, checked
// against the HDF5 datasets by tests/python/test_tools_reader.py) and the
// report (tools/samdsim_report.py), run on every example config with small
// replicate counts, and the sensitivity table (tools/samdsim_sensitivity.py,
// tests/python/test_tools_sensitivity.py). All need /usr/bin/python3 with
// h5py, numpy, pandas and matplotlib (scripts/install-deps.sh).

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli_fixture.hpp"
#include "samdsim/summary_format.hpp"

namespace {

const std::string report_py = source_dir + "/tools/samdsim_report.py";
const std::string reader_check_py = source_dir + "/tests/python/test_tools_reader.py";

// Runs a config (a name in configs/, or a path) into dir/<stem>.h5 and returns the path.
fs::path simulate(const std::string& config, const fs::path& dir, int replicates) {
  const fs::path out = dir / (fs::path(config).stem().string() + ".h5");
  const std::string file = config.front() == '/' ? config : source_dir + "/configs/" + config;
  const Result r = run("run " + file + " -o " + out.string() + " --replicates " +
                           std::to_string(replicates) + " --progress never",
                       dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  return out;
}

// Runs the report (with `options`, e.g. "--point 1") and checks every expected
// figure and index.html are there, non-empty, and that the page shows each figure.
void check_report(const fs::path& result, const fs::path& dir, const std::vector<std::string>& figures,
                  const std::string& options = "") {
  const fs::path out = dir / (result.stem().string() + "_report");
  const std::string cmd = python + " " + report_py + " " + result.string() + " -o " + out.string() + " " + options +
                          " >" + (dir / "report.txt").string() + " 2>&1";
  const int status = shell(cmd);
  INFO(slurp(dir / "report.txt"));
  REQUIRE(status == 0);
  REQUIRE(fs::exists(out / "index.html"));
  CHECK(fs::file_size(out / "index.html") > 0);
  const std::string page = slurp(out / "index.html");
  CHECK(page.find("<table>") != std::string::npos);
  for (const auto& png : figures) {
    INFO(png);
    REQUIRE(fs::exists(out / png));
    CHECK(fs::file_size(out / png) > 1000);
    CHECK(slurp(out / png).substr(1, 3) == "PNG");
    CHECK(page.find("src='" + png + "'") != std::string::npos);
  }
}

// Runs the report on a file it must refuse: exit status 2, `message` on stderr, no traceback.
void check_refused(const fs::path& file, const fs::path& dir, const std::string& message,
                   const std::string& options = "") {
  const int status = shell(python + " " + report_py + " " + file.string() + " -o " + (dir / "refused").string() +
                           " " + options + " >" + (dir / "refused.txt").string() + " 2>&1");
  const std::string said = slurp(dir / "refused.txt");
  INFO(said);
  CHECK(status == 2);
  CHECK(said.find(message) != std::string::npos);
  CHECK(said.find("Traceback") == std::string::npos);
}

void check_reader(const std::vector<fs::path>& files, const fs::path& dir) {
  std::string cmd = python + " " + reader_check_py;
  for (const auto& f : files) cmd += " " + f.string();
  const int status = shell(cmd + " >" + (dir / "reader.txt").string() + " 2>&1");
  INFO(slurp(dir / "reader.txt"));
  CHECK(status == 0);
}

}  // namespace

TEST_CASE("report and reader: us_pathway examples", "[tools]") {
  const fs::path dir = scratch("tools_us_pathway");
  const std::vector<std::string> figures = {"authorization_cdf.png", "cost_distribution.png",
                                            "rank_correlation.png", "event_curves.png"};
  std::vector<fs::path> files;
  for (const char* config : {"ai_triage_510k.yaml", "de_novo_single_arm.yaml", "pma_breakthrough_rct.yaml"}) {
    files.push_back(simulate(config, dir, 2000));
    check_report(files.back(), dir, figures);
    // The plan behind the numbers and the outcome shares, as tables.
    const std::string page = slurp(dir / (files.back().stem().string() + "_report") / "index.html");
    CHECK(page.find("Plan: study 0") != std::string::npos);
    CHECK(page.find("Outcome shares: outcome") != std::string::npos);
  }
  check_reader(files, dir);
}

TEST_CASE("report and reader: hospital_adoption examples", "[tools]") {
  // The adoption model is the slowest (about 1 ms per replicate): 200 replicates.
  const fs::path dir = scratch("tools_hospital_adoption");
  const std::vector<std::string> figures = {"fan_adopted_hospitals.png", "fan_staff_hours_saved.png",
                                            "fan_hospital_net_benefit.png", "fan_vendor_revenue.png"};
  std::vector<fs::path> files;
  for (const char* config : {"hospital_adoption_japan_ct.yaml", "hospital_adoption_us_stroke_lvo.yaml"}) {
    files.push_back(simulate(config, dir, 200));
    check_report(files.back(), dir, figures);
  }
  check_reader(files, dir);
}

TEST_CASE("report and reader: evidence_program examples", "[tools]") {
  // Two markets of thousands of hospitals per replicate: 100 replicates.
  const fs::path dir = scratch("tools_evidence_program");
  const std::vector<std::string> figures = {"program_authorization.png", "program_cash_curve.png",
                                            "program_npv.png", "program_npv_drivers.png"};
  std::vector<fs::path> files;
  for (const char* config : {"evidence_program_ai_imaging.yaml", "evidence_program_digital_therapeutic.yaml"}) {
    files.push_back(simulate(config, dir, 100));
    check_report(files.back(), dir, figures);
    const fs::path page = dir / (files.back().stem().string() + "_report") / "index.html";
    CHECK(slurp(page).find("Strategy comparison") != std::string::npos);
  }
  check_reader(files, dir);
}

TEST_CASE("report and reader: demonstration sweeps", "[tools]") {
  const fs::path dir = scratch("tools_demonstration");
  const fs::path sw = simulate("demonstration_japan_ai_reading_sw.yaml", dir, 300);
  check_report(sw, dir,
               {"power_assurance.png", "enbs_by_design.png", "sweep_design_steps.png",
                "sweep_design_clusters_per_step.png", "sweep_design_cases_per_period.png"});
  // After samdsim voi, the report shows its bars.
  REQUIRE(run("voi " + sw.string() + " --point 0 --incremental population_net_benefit --statistic estimate_prior "
              "--draws 10", dir).status == 0);
  check_report(sw, dir, {"power_assurance.png", "enbs_by_design.png", "voi.png"});
  const fs::path parallel = simulate("demonstration_parallel_ct_turnaround.yaml", dir, 300);
  check_report(parallel, dir, {"power_assurance.png", "sweep_design_clusters.png"});
  check_reader({sw, parallel}, dir);
}

TEST_CASE("report and reader: a us_pathway sweep with text and number columns", "[tools]") {
  const fs::path dir = scratch("tools_us_sweep");
  const fs::path config = write(dir, "sweep.yaml", R"(model: us_pathway
replicates: 500
parameters:
  pathway: 510k
  studies:
    - type: standalone
      sensitivity: {dist: beta, mean: 0.9, sd: 0.02}
      specificity: 0.9
      sensitivity_goal: 0.85
      specificity_goal: 0.8
sweep:
  grid:
    pathway: [510k, de_novo]
    studies[0].power: [0.8, 0.9]
  choose:
    minimize: total_cost_usd
    require:
      - {output: authorized, at_least: 0.5}
)");
  const fs::path out = dir / "sweep.h5";
  const Result r = run("run " + config.string() + " -o " + out.string() + " --progress never", dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  check_report(out, dir,
               {"sweep_pathway.png", "sweep_studies_0_power.png", "point_authorization_cdf.png",
                "point_cost_distribution.png", "point_rank_correlation.png"});
  check_reader({out}, dir);
}

TEST_CASE("report: a portfolio file's frontier, proposals and tables", "[tools]") {
  const fs::path dir = scratch("tools_portfolio");
  const fs::path out = dir / "programme.h5";
  const Result r = run("portfolio " + source_dir + "/configs/portfolio_japan_programme.yaml -o " + out.string(), dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  check_report(out, dir, {"portfolio_frontier.png", "portfolio_proposals.png"});
  const std::string page = slurp(dir / "programme_report" / "index.html");
  // Every proposal is listed, funded ones highlighted; the frontier has a row per budget.
  for (const char* name : {"er_triage_parallel24", "stroke_lvo_sw20", "ecg_before_after"}) {
    INFO(name);
    CHECK(page.find(name) != std::string::npos);
  }
  CHECK(page.find("class=\"chosen\"") != std::string::npos);
  CHECK(page.find("920,000,000") != std::string::npos);
}

TEST_CASE("The report prints numbers as samdsim does: separators, never 6.352e+06 next to 777,909", "[tools]") {
  const fs::path dir = scratch("tools_numbers");
  const std::vector<double> values = {6352000.0, 777909.4, 10000.0, 9999.5, 1234.5678, 0.81234, -12345.6,
                                      0.0,       1e-5,     3e15,    -0.5,   123456789.0, 12344.5, -12344.5};
  std::string literal, expected;
  for (double v : values) {
    literal += fmt::format("{},", v);
    expected += samdsim::format_number(v) + "\n";
  }
  const fs::path out = dir / "numbers.txt";
  REQUIRE(shell(python + " -c \"import sys; sys.path.insert(0, '" + source_dir +
                "/tools'); from samdsim_report_common import number; print('\\n'.join(number(v) for v in [" +
                literal + "]))\" > " + out.string()) == 0);
  CHECK(slurp(out.string()) == expected);
}

TEST_CASE("report refuses a file that is not a samdsim result", "[tools]") {
  const fs::path dir = scratch("tools_refuse");
  const fs::path bogus = dir / "bogus.h5";
  REQUIRE(shell(python + " -c \"import h5py; h5py.File('" + bogus.string() +
                "', 'w').attrs['filetype'] = 'other'\"") == 0);
  CHECK(shell(python + " " + report_py + " " + bogus.string() + " -o " + (dir / "out").string() +
              " >/dev/null 2>&1") == 2);
}

TEST_CASE("sensitivity: Spearman and PRCC with bootstrap intervals", "[tools]") {
  const fs::path dir = scratch("tools_sensitivity");
  const fs::path result = simulate("ai_triage_510k.yaml", dir, 1000);
  const int status = shell(python + " " + source_dir + "/tests/python/test_tools_sensitivity.py " + result.string() +
                           " >" + (dir / "sensitivity.txt").string() + " 2>&1");
  INFO(slurp(dir / "sensitivity.txt"));
  CHECK(status == 0);
}

// Every kind of file samdsim writes gets a report, or a clear refusal (exit 2).
// Small replicate counts: the figures are checked, not their numbers.

TEST_CASE("report: us_pathway runs kept in full, as bands, as summaries, merged and with sensitivity",
          "[tools]") {
  const fs::path dir = scratch("tools_every_us_pathway");
  const std::string config = source_dir + "/configs/ai_triage_510k.yaml --replicates 300 --progress never ";
  for (const char* kept : {"all", "bands", "summary"}) {
    REQUIRE(run("run " + config + "--outputs " + kept + " -o " + (dir / (std::string(kept) + ".h5")).string(), dir)
                .status == 0);
  }
  const std::vector<std::string> replicate_figures = {"authorization_cdf.png", "cost_distribution.png",
                                                      "rank_correlation.png"};
  check_report(dir / "bands.h5", dir, replicate_figures);
  // Without per-replicate values: the summaries drawn, and a line saying what is not shown and why.
  check_report(dir / "summary.h5", dir, {"summary_outputs.png", "event_curves.png"});
  CHECK(slurp(dir / "summary_report" / "index.html").find("--outputs summary") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "summary_report" / "rank_correlation.png"));

  // After samdsim sensitivity the tornado is its p10/p90 re-runs, beside the rank correlations and the Sobol indices.
  REQUIRE(run("sensitivity " + (dir / "all.h5").string() + " --output total_cost_usd months_to_decision "
              "--bootstrap 20 --tornado-replicates 200 --method sobol --rows 100", dir).status == 0);
  std::vector<std::string> with_tornado = replicate_figures;
  with_tornado.push_back("tornado.png");
  with_tornado.push_back("sobol.png");
  check_report(dir / "all.h5", dir, with_tornado);
  const std::string page = slurp(dir / "all_report" / "index.html");
  CHECK(page.find("Sensitivity of total_cost_usd") != std::string::npos);
  CHECK(page.find("Sobol indices of total_cost_usd") != std::string::npos);
  CHECK(page.find("parameters.presubmission.preparation_months") != std::string::npos);  // labels in full

  // A summaries-only file analysed by the design alone: tornado and Sobol bars, no rank table.
  REQUIRE(run("sensitivity " + (dir / "summary.h5").string() + " --output total_cost_usd --bootstrap 20 "
              "--tornado-replicates 100 --method sobol --rows 60", dir).status == 0);
  check_report(dir / "summary.h5", dir, {"summary_outputs.png", "tornado.png", "sobol.png"});
  CHECK(slurp(dir / "summary_report" / "index.html").find("no per-replicate values stored, so no rank statistics") !=
        std::string::npos);

  // One shard is refused with the way forward; the merged shards are a full run.
  for (const char* shard : {"0", "1"}) {
    const fs::path out = dir / (std::string("shard") + shard + ".h5");
    REQUIRE(run("run " + config + "--shard " + shard + "/2 -o " + out.string(), dir).status == 0);
  }
  check_refused(dir / "shard1.h5", dir, "this file holds shard 1 of 2; merge the shards first (samdsim merge");
  REQUIRE(run("merge " + (dir / "shard0.h5").string() + " " + (dir / "shard1.h5").string() + " -o " +
              (dir / "merged.h5").string(), dir).status == 0);
  check_report(dir / "merged.h5", dir, replicate_figures);

  // The partial file of an interrupted run (its checkpoint marks it) and a single run given --point.
  REQUIRE(shell(python + " -c \"import h5py, shutil; shutil.copy('" + (dir / "bands.h5").string() + "', '" +
                (dir / "run.h5.partial").string() + "'); f = h5py.File('" + (dir / "run.h5.partial").string() +
                "', 'a'); del f['summary']; f.attrs['checkpoint_rows'] = 100\"") == 0);
  check_refused(dir / "run.h5.partial", dir, "partial result of an interrupted run");
  check_refused(dir / "bands.h5", dir, "single run, not a sweep", "--point 0");
}

TEST_CASE("report: hospital_adoption and evidence_program files without per-replicate values, and voi",
          "[tools]") {
  const fs::path dir = scratch("tools_every_compact");
  const fs::path adoption = write(dir, "adoption.yaml", small_adoption_config(12));
  for (const char* kept : {"bands", "summary"}) {
    REQUIRE(run("run " + adoption.string() + " --replicates 20 --progress never --outputs " + kept + " -o " +
                (dir / (std::string("adoption_") + kept + ".h5")).string(), dir).status == 0);
    // Fan charts from the bands; the cumulative panel needs each replicate's series, so a line says so.
    check_report(dir / (std::string("adoption_") + kept + ".h5"), dir,
                 {"fan_adopted_hospitals.png", "fan_vendor_revenue.png"});
    CHECK(slurp(dir / (std::string("adoption_") + kept + "_report") / "index.html").find("no cumulative panel") !=
          std::string::npos);
  }
  // After samdsim voi (100 replicates, its least): the bars and a table naming each parameter in full.
  REQUIRE(run("run " + adoption.string() + " --replicates 100 --progress never -o " + (dir / "voi.h5").string(), dir)
              .status == 0);
  REQUIRE(run("voi " + (dir / "voi.h5").string() + " --incremental hospital_npv --draws 10", dir).status == 0);
  check_report(dir / "voi.h5", dir, {"fan_adopted_hospitals.png", "voi.png"});
  CHECK(slurp(dir / "voi_report" / "index.html").find("parameters.adoption.bass_q_per_year") != std::string::npos);
  REQUIRE(run("run " + source_dir + "/configs/evidence_program_ai_imaging.yaml --replicates 20 --progress never "
              "--outputs summary -o " + (dir / "program.h5").string(), dir).status == 0);
  check_report(dir / "program.h5", dir, {"program_cash_curve.png", "summary_outputs.png"});
}

TEST_CASE("report: a solve, co-primary endpoints, a sweep of design types and one sweep point", "[tools]") {
  const fs::path dir = scratch("tools_every_demonstration");
  const fs::path solve = simulate("demonstration_solve_parallel_ct.yaml", dir, 100);
  check_report(solve, dir, {"solve.png", "power_assurance.png", "sweep_design_clusters.png"});
  CHECK(slurp(dir / "demonstration_solve_parallel_ct_report" / "index.html").find("Solve: the design sized") !=
        std::string::npos);
  const fs::path coprimary = simulate("demonstration_workflow_and_revenue_sw.yaml", dir, 20);
  check_report(coprimary, dir, {"power_assurance.png", "sweep_design_steps.png"});

  // A sweep over the design type (a pre-post design is biased by the secular trend).
  std::string text = slurp(source_dir + "/configs/demonstration_parallel_ct_turnaround.yaml");
  text = text.substr(0, text.find("sweep:"));
  const auto ratio = text.find("    allocation_ratio:");
  text.erase(ratio, text.find('\n', ratio) - ratio + 1);  // a key of the parallel design only
  const fs::path types = write(dir, "types.yaml", text + "sweep:\n  grid:\n    design.type: [parallel, pre_post]\n"
                                                         "    design.clusters: [16, 24]\n");
  const fs::path mixed = simulate(types.string(), dir, 40);
  check_report(mixed, dir, {"power_assurance.png", "sweep_design_type.png", "sweep_design_clusters.png"});
  check_report(mixed, dir, {"summary_outputs.png"}, "--point 2");
  CHECK(slurp(dir / "types_report" / "index.html").find("Sweep point 2") != std::string::npos);
  check_refused(mixed, dir, "no sweep point 4; the sweep has points 0..3", "--point 4");
}
