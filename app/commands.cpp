#include "commands.hpp"

#include <csignal>

#include "merge.hpp"
#include "mpi_env.hpp"
#include "portfolio.hpp"
#include "run.hpp"
#include "samdsim/output_files.hpp"
#include "sensitivity.hpp"
#include "voi.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "samdsim/plan_report.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/result_writer.hpp"
#include "samdsim/runner.hpp"
#include "samdsim/sensitivity_report.hpp"
#include "samdsim/summary_format.hpp"
#include "samdsim/summary_outcomes.hpp"
#include "samdsim/version.hpp"

namespace samdsim::app {

namespace {

int command_validate(const std::string& config) {
  Scenario s = load_scenario(config);
  check_sensitivity_section(s);
  const ParameterTable& table = *s.parameters.table;
  std::cout << fmt::format("{}: valid {} scenario; {} parameters, {} drawn per replicate\n", config,
                           s.model->name(), table.size(), table.sampled_count());
  if (s.solve) {
    const SolveRecord& r = s.solve_record;
    std::string sizes;
    for (double n : r.sizes) sizes += fmt::format("{}{:g}", sizes.empty() ? "" : ", ", n);
    std::cout << fmt::format("solve: {}\n  analytic: {} = {:g} ({} {}, {} sizes evaluated); run simulates {}\n",
                             r.rule, r.vary, r.analytic_size, r.output, format_number(r.analytic_value),
                             r.evaluations, sizes);
  } else if (s.is_sweep()) {
    std::string columns;
    for (const auto& c : s.sweep_columns) columns += (columns.empty() ? "" : ", ") + c;
    std::cout << fmt::format("sweep: {} points over {}{}\n", s.points.size(), columns,
                             s.sweep_choice.objective.empty() ? "" : "; choose: " + s.sweep_choice.describe());
  }
  const PlanReport plan = s.simulation->plan_report();
  if (!plan.empty()) std::cout << "\n# plan (derived from the config before simulating; stored under /plan)\n" << format_plan(plan);
  std::cerr << plan_warnings(s);
  std::cout << "\n# resolved config (defaults filled in)\n" << s.resolved_yaml();
  std::string drawn, per_unit;
  for (std::size_t i = 0; i < table.size(); ++i) {
    const Param p{static_cast<std::uint32_t>(i)};
    const auto& slot = table.slot(p);
    if (slot.distribution.is_fixed() || !table.used(p)) continue;
    (slot.per_unit ? per_unit : drawn) +=
        fmt::format("  {:<56} {:<12} {}  (mean {})\n", slot.path, slot.unit, slot.distribution.describe(),
                    format_number(slot.distribution.mean()));
  }
  if (!drawn.empty()) std::cout << "\n# parameters drawn once per replicate (stored under /parameters)\n" << drawn;
  if (!per_unit.empty()) std::cout << "\n# distributions drawn per site or request\n" << per_unit;
  // The copulas as drawn (of the first point, for a sweep): the correlation
  // of the normal scores after conversion from rank measures and any repair.
  const ParameterTable& linked = *s.points.front().parameters.table;
  const auto print_copula = [](const std::string& title, const std::vector<double>& lower,
                               const std::vector<std::string>& names) {
    const std::size_t k = names.size();
    std::cout << "\n# " << title << "\n";
    for (std::size_t i = 0; i < k; ++i) {
      std::string row;
      for (std::size_t j = 0; j < k; ++j) {
        double r = 0.0;
        for (std::size_t m = 0; m <= std::min(i, j); ++m) r += lower[i * k + m] * lower[j * k + m];
        row += fmt::format(" {:7.4f}", r);
      }
      std::cout << fmt::format("  {:<56}{}\n", names[i], row);
    }
  };
  const auto columns = linked.sampled_columns();
  for (const auto& c : linked.copulas()) {
    std::vector<std::string> names;
    for (const auto column : c.columns) names.push_back(columns[column].name);
    print_copula(c.key_path + ": Gaussian copula, correlation of the normal scores", c.lower, names);
  }
  for (const auto& u : linked.unit_copulas()) {
    std::vector<std::string> names;
    for (const auto slot : u.slots) names.push_back(linked.slot(Param{slot}).path);
    print_copula(u.key_path + ": Gaussian copula within each unit, correlation of the normal scores", u.lower, names);
  }
  return 0;
}

struct SummarizeArgs {
  std::string file;
  bool json = false, csv = false;
  std::optional<std::size_t> point;
  std::vector<std::string> outputs;
};

int command_summarize(const SummarizeArgs& a) {
  {
    const hdf5::Id f = open_result_file(a.file);
    require_complete_result(f.get(), a.file);
  }
  ResultFileSummary summary = read_result_summary(a.file);
  if (a.point) summary = point_summary(summary, *a.point, a.file);
  if (!a.outputs.empty()) summary = only_outputs(summary, a.outputs);
  if (a.json) {
    std::cout << format_summary_json(summary);
    return 0;
  }
  if (a.csv) {
    std::cout << format_summary_csv(summary);
    return 0;
  }
  std::cout << format_summary_table(summary) + format_outcomes(summary) + format_stored_sensitivity(summary);
  return 0;
}

int command_models(const std::string& only) {
  bool found = false;
  for (const Model* m : all_models()) {
    if (!only.empty() && m->name() != only) continue;
    found = true;
    std::cout << fmt::format("{}\n  {}\n\n  parameters:\n{}", m->name(), m->description(),
                             describe_schema(m->schema(), 4));
    std::cout << "\n  outputs per replicate:\n";
    for (const auto& o : m->output_catalogue())
      std::cout << fmt::format("    {:<28} {:<10} {}\n", o.name, o.unit, o.doc);
    std::cout << "\n";
  }
  if (!found) {
    std::vector<std::string> names;
    for (const Model* m : all_models()) names.push_back(m->name());
    throw InputError("unknown model '" + only + "'" + did_you_mean(only, names));
  }
  return 0;
}

// A command stopped by a signal removes the temporary files it was writing
// (a run's own handlers take over while it runs; see run.cpp).
extern "C" void remove_temporaries_and_stop(int signal) {
  files::remove_registered_temporaries();
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

}  // namespace

int main(int argc, char** argv) {
  // Past a file size limit (ulimit -f) a write fails with EFBIG and is
  // reported like a full disk, instead of the process being killed.
  std::signal(SIGXFSZ, SIG_IGN);
  for (const int s : {SIGINT, SIGTERM, SIGHUP}) std::signal(s, remove_temporaries_and_stop);
  MpiEnv mpi(argc, argv);
  CLI::App app{"samdsim: Monte Carlo economics of evidence for Software as a Medical Device"};
  app.set_version_flag("--version", std::string("samdsim ") + version + " (" + git_revision + ")");
  app.require_subcommand(1);

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "Run a scenario and write an HDF5 result file");
  run_cmd->add_option("config", run.config, "Scenario file (YAML or JSON)")->required();
  run_cmd->add_option("-o,--output", run.output, "Result file (default: <config name>.h5)");
  run_cmd->add_option("--replicates", run.replicates, "Number of replicates (overrides the config)");
  run_cmd->add_option("--seed", run.seed, "Random seed (overrides the config)");
  run_cmd->add_option("--threads", run.threads, "Worker threads (default: all cores); results do not depend on it");
  run_cmd->add_option("--progress", run.progress, "Progress bar on stderr: auto|always|never")->default_str("auto");
  run_cmd->add_option("--outputs", run.outputs,
                      "What the file keeps: all, bands (no per-replicate series) or summary (no per-replicate values)")
      ->default_str("all");
  run_cmd->add_option("--compression", run.compression,
                      "Deflate level 0-9 per group: replicates=L,timeseries=L,parameters=L or all=L")
      ->default_str("replicates=1,timeseries=1,parameters=0");
  run_cmd->add_option("--shard", run.shard, "Run only shard I of N (I = 0..N-1) and write a shard file for merge");
  run_cmd->add_flag("--resume", run.resume, "Complete the partial result an interrupted run left (OUT.h5.partial)");
  run_cmd->add_option("--target-rse", run.target_rse,
                      "Stop once the relative standard error of the outputs' means is at most this");
  run_cmd->add_option("--target-output", run.target_outputs, "Outputs the target applies to (default: all)");
  run_cmd->add_option("--max-replicates", run.max_replicates,
                      "Most replicates with --target-rse (default: the config's count)");

  std::string validate_config;
  auto* validate_cmd = app.add_subcommand("validate", "Check a scenario and print its resolved parameters");
  validate_cmd->add_option("config", validate_config, "Scenario file")->required();

  SummarizeArgs summarize;
  auto* summarize_cmd = app.add_subcommand("summarize", "Print the summaries stored in a result file");
  summarize_cmd->add_option("file", summarize.file, "Result file (.h5)")->required();
  auto* json_flag = summarize_cmd->add_flag("--json", summarize.json, "Print JSON instead of a table");
  summarize_cmd->add_flag("--csv", summarize.csv, "Print CSV (RFC 4180), one row per output (and sweep point)")
      ->excludes(json_flag);
  summarize_cmd->add_option("--point", summarize.point, "Only this sweep point (0-based), as a single run");
  summarize_cmd->add_option("--outputs", summarize.outputs, "Only these outputs");

  std::vector<std::string> shard_files;
  std::string merged;
  auto* merge_cmd = app.add_subcommand("merge", "Join the shard files of one run into a single result file");
  merge_cmd->add_option("shards", shard_files, "Shard files (from run --shard I/N)")->required();
  merge_cmd->add_option("-o,--output", merged, "Merged result file")->required();
  std::string merge_outputs = "all";
  merge_cmd->add_option("--outputs", merge_outputs, "What the merged file keeps: all, bands or summary")
      ->default_str("all");
  std::optional<std::string> merge_compression;
  merge_cmd->add_option("--compression", merge_compression,
                        "Deflate level 0-9 per group, as for run (default: the shards' own)");
  unsigned merge_threads = 0;
  merge_cmd->add_option("--threads", merge_threads,
                        "Threads that compress the merged chunks (default: all cores); the file does not depend on it");

  SensitivityArgs sens;
  auto* sensitivity_cmd = app.add_subcommand(
      "sensitivity",
      "Rank the drawn parameters by Spearman and partial rank correlation with each output, with their first-order "
      "indices and a tornado; --method sobol adds first-order and total Sobol indices");
  sensitivity_cmd->add_option("file", sens.file, "Result file (.h5); --method sobol also reads one written with --outputs summary")
      ->required();
  sensitivity_cmd->add_option("--output", sens.outputs,
                              "Outputs to analyse: OUTPUT, or SERIES@MONTH for a series at a month (from 0) "
                              "(default: the config's sensitivity: section, else every scalar output)");
  sensitivity_cmd->add_option("--month", sens.months,
                              "Analyse every series output (or those --output names) at this month, from 0 (repeatable)")
      ->check(CLI::Range(0.0, 1e5));
  // Counts are checked as text, before conversion: "-1" must not wrap to 2^64 - 1.
  sensitivity_cmd->add_option("--point", sens.point, "Sweep point (required for a sweep)")
      ->check(CLI::Range(0.0, 1e6));
  sensitivity_cmd->add_option("--bootstrap", sens.bootstrap, "Bootstrap resamples (default 200)")
      ->check(CLI::Range(0.0, 1e5));
  sensitivity_cmd->add_option("--tornado-replicates", sens.tornado_replicates,
                              "Replicates per tornado run (default 2000)")
      ->check(CLI::Range(0.0, 1e8));
  sensitivity_cmd->add_flag("--no-tornado", sens.no_tornado, "Skip the tornado (no re-running of the model)");
  sensitivity_cmd->add_option("--progress", sens.progress, "The design's progress bar on stderr: auto|always|never")
      ->default_str("auto");
  sensitivity_cmd->add_option("--threads", sens.threads,
                              "Worker threads for the tornado and the design (default: all cores); results do not "
                              "depend on it");
  sensitivity_cmd->add_option("--method", sens.method,
                              "ranks (default): from the stored runs; sobol: also first-order and total Sobol "
                              "indices from a Saltelli design (re-running the model)")
      ->check(CLI::IsMember({"ranks", "sobol"}));
  sensitivity_cmd->add_option("--rows", sens.sobol_rows,
                              "Rows N of the Saltelli design (default 4096): N (groups + 2) model runs")
      ->check(CLI::Range(3.0, 1e6));
  sensitivity_cmd->add_option("--target-width", sens.target_width,
                              "Double the design's rows until every index's 95% interval is at most this wide")
      ->check(CLI::Range(1e-6, 1.0));
  sensitivity_cmd->add_option("--max-rows", sens.max_rows, "Most rows with --target-width (default 10^6)")
      ->check(CLI::Range(3.0, 1e6));
  sensitivity_cmd->add_option("--group", sens.groups,
                              "LABEL=P1,P2: parameters whose Sobol indices are computed together (repeatable)");
  sensitivity_cmd->add_option("--shard", sens.shard,
                              "Run only rows I/N of the design (I = 0..N-1) and write them to -o, for --samples");
  sensitivity_cmd->add_option("-o,--samples-output", sens.samples_out, "File for a --shard's rows of the design");
  sensitivity_cmd->add_option("--samples", sens.samples_in,
                              "Files of design rows (from --shard) to join instead of running the design");

  VoiArgs voi;
  auto* voi_cmd = app.add_subcommand(
      "voi", "Value of information: EVPI and EVPPI of a decision whose options' net benefits are outputs");
  voi_cmd->add_option("file", voi.file, "Result file (.h5), written with --outputs all or bands")->required();
  voi_cmd->add_option("--option", voi.options, "Output holding one option's net benefit (two or more; larger is better)");
  voi_cmd->add_option("--incremental", voi.incremental,
                      "Output holding the net benefit of acting over not acting (instead of --option)");
  voi_cmd->add_option("--parameter", voi.parameters, "Drawn parameters to value (default: every one)");
  voi_cmd->add_option("--group", voi.groups, "A group valued together: LABEL=PARAMETER,PARAMETER,...");
  voi_cmd->add_option("--statistic", voi.statistics,
                      "Output holding a simulated study's result (e.g. estimate_prior): its EVSI by regression");
  voi_cmd->add_option("--point", voi.point, "Sweep point (required for a sweep)")->check(CLI::Range(0.0, 1e6));
  voi_cmd->add_option("--draws", voi.draws, "Posterior draws for the EVPPI standard errors (default 100)")
      ->check(CLI::Range(0.0, 1e5))
      ->default_str("100");
  voi_cmd->add_option("--population", voi.population,
                      "Decisions the value applies to (e.g. hospitals x discounted years); multiplies every value")
      ->default_str("1");

  PortfolioArgs portfolio;
  auto* portfolio_cmd = app.add_subcommand(
      "portfolio", "Choose the proposals of most value within a programme budget, with the value-against-budget frontier");
  portfolio_cmd->add_option("file", portfolio.file, "Portfolio file (.yaml) with portfolio: budget and proposals")
      ->required();
  portfolio_cmd->add_option("-o,--output", portfolio.output, "HDF5 file to write the choice and frontier to");

  std::string model_name;
  auto* models_cmd = app.add_subcommand("models", "List the models with their parameters and outputs");
  models_cmd->add_option("model", model_name, "Show only this model");

  // A first word that is no command (a typo, or a config given without
  // `run`) gets the list of commands rather than CLI11's "subcommand required".
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> commands;
    for (const CLI::App* sub : app.get_subcommands({})) commands.push_back(sub->get_name());
    const std::string word = argv[1];
    if (std::find(commands.begin(), commands.end(), word) == commands.end()) {
      if (mpi.rank() == 0)
        std::cerr << "samdsim: error: unknown command '" << word << "'" << did_you_mean(word, commands)
                  << "; commands: " << fmt::format("{}", fmt::join(commands, ", ")) << " (samdsim --help)\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    if (mpi.rank() == 0) {
      const CLI::App* where = app.get_subcommands().empty() ? &app : app.get_subcommands().front();
      std::cerr << "samdsim: error: " << e.what() << " (samdsim " << (where == &app ? "" : where->get_name() + " ")
                << "--help)\n";
    }
    return 2;
  }
  run.output_given = run_cmd->count("--output") > 0;

  try {
    if (*run_cmd) return command_run(run);
    if (*validate_cmd) return command_validate(validate_config);
    if (*summarize_cmd) return command_summarize(summarize);
    if (*models_cmd) return command_models(model_name);
    if (*merge_cmd) return command_merge(shard_files, merged, merge_outputs, merge_compression, merge_threads);
    if (*sensitivity_cmd) return command_sensitivity(sens);
    if (*voi_cmd) return command_voi(voi);
    if (*portfolio_cmd) return command_portfolio(portfolio);
  } catch (const InputError& e) {
    // Under mpirun every rank meets the same bad input: one message is enough.
    if (mpi.rank() == 0) std::cerr << "samdsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "samdsim: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace samdsim::app
