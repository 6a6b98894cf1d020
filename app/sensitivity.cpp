#include "sensitivity.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <initializer_list>
#include <iostream>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>

#include "mpi_env.hpp"
#include "run.hpp"
#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/hdf5_file.hpp"
#include "samdsim/numbers.hpp"
#include "samdsim/output_files.hpp"
#include "samdsim/progress.hpp"
#include "samdsim/result_annex.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/runner.hpp"
#include "samdsim/sensitivity.hpp"
#include "samdsim/sensitivity_report.hpp"
#include "samdsim/sensitivity_settings.hpp"
#include "samdsim/sobol.hpp"
#include "samdsim/result_compact.hpp"
#include "samdsim/sweep.hpp"
#include "samdsim/yaml_util.hpp"
#include "sobol_groups.hpp"
#include "sobol_samples.hpp"

namespace samdsim::app {

namespace {

namespace fs = std::filesystem;
using hdf5::check;
using hdf5::Id;

struct OutputResult {
  AnalysedOutput what;
  std::string unit;
  std::optional<SensitivityResult> stats;  // none: the file keeps no per-replicate values of it
  std::optional<SobolIndices> sobol;
  std::vector<double> p10_mean, p90_mean;  // tornado, one per parameter (NaN: not run)
  double base_mean = 0;                    // tornado: every drawn parameter at its median (NaN: not run)
};

// The moments of the month of each series asked for (`series[k]`), in
// replicate order (scalar outputs have the run's own moments).
class ColumnMomentsSink : public BlockSink {
 public:
  ColumnMomentsSink(const std::vector<OutputColumn>& columns, const std::vector<bool>& series)
      : columns_(columns), series_(series), moments_(columns.size()) {}
  void consume(const Block& block) override {
    for (std::size_t k = 0; k < columns_.size(); ++k) {
      if (!series_[k]) continue;
      const std::size_t width = block.width(columns_[k].output);
      const auto values = block.output(columns_[k].output);
      for (std::size_t i = 0; i < block.count(); ++i) moments_[k].add(values[i * width + columns_[k].column]);
    }
  }
  const Moments& moments(std::size_t k) const { return moments_[k]; }

 private:
  const std::vector<OutputColumn>& columns_;
  const std::vector<bool>& series_;
  std::vector<Moments> moments_;
};

// A rank's failure under mpirun, already reported: the command exits with it.
struct RanksFailed {
  int status;
};

// A copy of `table` with every sampled slot fixed at its median, or at
// quantile(p) for the slot `varied`.
ParameterTable fixed_table(const ParameterTable& table, const std::vector<std::uint32_t>& sampled_slots,
                           std::uint32_t varied, double p) {
  ParameterTable copy;
  for (std::uint32_t i = 0; i < table.size(); ++i) {
    ParameterTable::Slot slot = table.slot(Param{i});
    if (std::find(sampled_slots.begin(), sampled_slots.end(), i) != sampled_slots.end())
      slot.distribution = Distribution::fixed(slot.distribution.quantile(i == varied ? p : 0.5));
    const Param q = copy.add(std::move(slot));
    if (table.used(Param{i})) copy.mark_used(q);
  }
  copy.finalize();
  return copy;
}

std::vector<double> to_vector(const Eigen::VectorXd& v) { return {v.data(), v.data() + v.size()}; }

// The command line over the config's sensitivity: section over the defaults.
struct Settings {
  std::string method = "ranks";
  std::vector<std::string> outputs;
  std::vector<std::uint64_t> months;
  std::uint64_t rows = default_sobol_rows, max_rows = max_sobol_rows;
  std::optional<double> target_width;
  std::vector<std::string> groups;  // LABEL=P1,P2
  const SensitivitySettings* section = nullptr;  // where the groups came from, when from the config
  std::uint64_t bootstrap = 200, tornado_replicates = 2000;
  ProgressMode progress = ProgressMode::Auto;
};

Settings resolve_settings(const SensitivityArgs& a, const SensitivitySettings* section) {
  Settings s;
  const SensitivitySettings none;
  const SensitivitySettings& c = section ? *section : none;
  s.method = a.method.value_or(c.method);
  // Outputs given on the command line replace the section's outputs and months together.
  s.outputs = a.outputs.empty() ? c.outputs : a.outputs;
  s.months = !a.months.empty() || !a.outputs.empty() ? a.months : c.months;
  // The section's design keys apply only when the design runs (a rank
  // analysis asked for on the command line leaves them aside), and its
  // growth not to a shard, which runs a fixed number of rows.
  const bool section_design = c.method == "sobol" && s.method == "sobol";
  const bool split = a.shard || !a.samples_in.empty();
  s.rows = a.sobol_rows.value_or(section_design ? c.rows.value_or(default_sobol_rows) : default_sobol_rows);
  s.target_width = a.target_width ? a.target_width : section_design && !split ? c.target_width : std::nullopt;
  // The section's bound never stops rows the command line asks for.
  s.max_rows = a.max_rows.value_or(section_design && !split ? std::max(c.max_rows.value_or(max_sobol_rows), s.rows)
                                                            : max_sobol_rows);
  if (!a.groups.empty()) {
    s.groups = a.groups;
  } else if (section_design) {
    for (const auto& g : c.groups) s.groups.push_back(g.label + "=" + fmt::format("{}", fmt::join(g.parameters, ",")));
    if (!c.groups.empty()) s.section = section;
  }
  s.bootstrap = a.bootstrap.value_or(c.bootstrap.value_or(200));
  s.tornado_replicates = a.tornado_replicates.value_or(c.tornado_replicates.value_or(2000));
  s.progress = parse_progress_mode(a.progress);
  const bool sobol = s.method == "sobol";
  if (!sobol && (a.sobol_rows || !a.groups.empty() || a.max_rows || a.target_width || a.shard || !a.samples_in.empty()))
    throw InputError("--rows, --group, --target-width, --max-rows, --shard and --samples set up the Saltelli design: "
                     "they need --method sobol");
  if (a.shard && a.samples_out.empty())
    throw InputError("--shard writes rows of the design to a file of their own: give it with -o");
  if (!a.shard && !a.samples_out.empty()) throw InputError("-o names the file of a --shard's design rows");
  if (a.shard && !a.samples_in.empty()) throw InputError("--shard runs rows of the design, --samples joins them: not both");
  if (s.target_width && split)
    throw InputError("--target-width grows the design in one run; shards and --samples joins run a design of "
                     "--rows rows");
  if (s.target_width && s.bootstrap == 0)
    throw InputError("--target-width is a width of the bootstrap intervals: it needs --bootstrap of at least 1");
  const MpiEnv* mpi = MpiEnv::current();
  if (mpi && mpi->parallel() && (a.shard || !a.samples_in.empty()))
    throw InputError("under mpirun the ranks split the design themselves: --shard and --samples do not apply");
  if (a.max_rows && !s.target_width)
    throw InputError("--max-rows bounds the growth of the design towards --target-width: give --target-width too");
  if (s.max_rows < s.rows) throw InputError(fmt::format("--max-rows {} is below --rows {}", s.max_rows, s.rows));
  return s;
}

// The design's groups; a problem with groups from the config's section is
// located there.
DesignGroups located_design_groups(const ParameterTable& table, const std::vector<std::string>& specs,
                                   const SensitivitySettings* section) {
  try {
    return design_groups(table, specs);
  } catch (const InputError& e) {
    if (!section || section->groups.empty()) throw;
    std::string message = e.message();
    Location where = section->groups.front().where;
    std::string key = "sensitivity.groups";
    for (const auto& g : section->groups)
      if (message.rfind("--group " + g.label + ":", 0) == 0) {
        where = g.where;
        key = child_path(key, g.label);
        message = message.substr(("--group " + g.label + ": ").size());
      }
    if (message.rfind("--group: ", 0) == 0) message = message.substr(9);
    throw InputError(where, key, message);
  }
}

// The analysed outputs: those asked for (OUTPUT or SERIES@MONTH), else every
// scalar output, plus each month of every series asked for (or of every
// series, when none is named).
std::vector<AnalysedOutput> analysed_outputs(const Settings& s, const std::vector<OutputSpec>* specs,
                                             const std::vector<std::string>& stored, const std::string& file_name) {
  std::vector<AnalysedOutput> out;
  std::vector<std::string> series_named;
  const auto spec_of = [&](const std::string& name) -> const OutputSpec* {
    if (!specs) return nullptr;
    for (const auto& o : *specs)
      if (o.name == name) return &o;
    return nullptr;
  };
  std::vector<std::string> names;
  if (specs)
    for (const auto& o : *specs) names.push_back(o.name);
  else
    names = stored;
  for (const auto& text : s.outputs) {
    const AnalysedOutput a = parse_analysed_output(text, "--output");
    if (std::find(names.begin(), names.end(), a.output) == names.end())
      throw InputError(fmt::format("--output: '{}' has no output '{}'{}", file_name, a.output, did_you_mean(a.output, names)));
    const OutputSpec* spec = spec_of(a.output);
    if (spec && spec->is_series() && !a.month) {
      if (s.months.empty())
        throw InputError(fmt::format("--output: '{}' is a series: name a month as {}@MONTH (from 0) or give --month",
                                     a.output, a.output));
      series_named.push_back(a.output);
      continue;
    }
    if (a.month && (!spec || !spec->is_series()))
      throw InputError(fmt::format("--output: '{}' is not a series: it has no months", a.output));
    if (a.month && *a.month >= spec->length)
      throw InputError(fmt::format("--output: '{}' has months 0..{}, not {}", a.output, spec->length - 1, *a.month));
    out.push_back(a);
  }
  if (s.outputs.empty()) {
    if (specs) {
      for (const auto& o : *specs)
        if (!o.is_series()) out.push_back({o.name, o.name, std::nullopt});
    } else {
      for (const auto& o : stored) out.push_back({o, o, std::nullopt});
    }
  }
  if (!s.months.empty()) {
    if (!specs) throw InputError("--month needs the model's series: the file's config_yaml does not load");
    bool any = false;
    for (const auto& o : *specs) {
      if (!o.is_series()) continue;
      if (!series_named.empty() && std::find(series_named.begin(), series_named.end(), o.name) == series_named.end())
        continue;
      any = true;
      for (const std::uint64_t m : s.months) {
        if (m >= o.length)
          throw InputError(fmt::format("--month {}: '{}' has months 0..{}", m, o.name, o.length - 1));
        out.push_back({o.name + "@" + std::to_string(m), o.name, m});
      }
    }
    if (!any) throw InputError("--month: the model has no series output");
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (out[i].name == out[j].name) throw InputError("--output: '" + out[i].name + "' is given twice");
  return out;
}

// The widest 95 % interval of any index of any output: infinite while an
// output has fewer than 3 rows with a value (more rows may give it some),
// NaN when no output varies (no index has an interval).
double widest_interval(const std::vector<SobolIndices>& indices) {
  double widest = nan;
  for (const auto& s : indices)
    if (s.rows_used < 3) return std::numeric_limits<double>::infinity();
  for (const auto& s : indices)
    for (Eigen::Index g = 0; g < s.first.size(); ++g)
      for (const double w : {s.first_high(g) - s.first_low(g), s.total_high(g) - s.total_low(g)})
        if (std::isfinite(w)) widest = std::isnan(widest) ? w : std::max(widest, w);
  return widest;
}

}  // namespace

void check_sensitivity_section(const Scenario& scenario, std::optional<OutputsKept> kept) {
  if (!scenario.sensitivity) return;
  const SensitivitySettings& c = *scenario.sensitivity;
  SensitivityArgs none;
  try {
    const Settings set = resolve_settings(none, &c);
    for (std::size_t i = 0; i < scenario.points.size(); ++i) {
      const ScenarioPoint& p = scenario.points[i];
      const std::string in = scenario.is_sweep() ? fmt::format(" in sweep point {}", i) : "";
      if (p.parameters.table->sampled_count() == 0)
        throw InputError(c.where, "sensitivity",
                         "no parameter is drawn from a distribution" + in + ": there is nothing to analyse");
      try {
        check_sensitivity_outputs(c, p.simulation->outputs());
      } catch (const InputError& e) {
        throw InputError(e.where(), e.key_path(), e.message() + in);
      }
      located_design_groups(*p.parameters.table, set.groups, set.section);
    }
  } catch (const InputError& e) {
    if (e.where().line > 0) throw;
    throw InputError(c.where, "sensitivity", e.message());
  }
  if (c.method == "sobol" || !kept) return;
  // Rank statistics need the per-replicate values the run keeps.
  bool series = !c.months.empty();
  for (const auto& o : c.outputs) series = series || o.find('@') != std::string::npos;
  if (*kept == OutputsKept::summary || (*kept == OutputsKept::bands && series))
    throw InputError(c.where, "sensitivity",
                     fmt::format("the rank method needs the per-replicate {} that --outputs {} drops: run with "
                                 "--outputs all{}, or give the section method: sobol, which re-runs the model",
                                 series ? "series" : "values", *kept == OutputsKept::summary ? "summary" : "bands",
                                 series ? "" : " or bands"));
}

namespace {

// One analysis of one result file (a sweep point's), from its reading to
// what it stores.
struct Analysis {
  fs::path path;
  std::string file_name;
  Settings set;
  std::string scenario;  // "" or "points/<i>"
  std::string config_yaml, config_error;
  std::uint64_t seed = 1;
  std::optional<Scenario> config;
  const ScenarioPoint* point = nullptr;  // null: the config does not load
  std::optional<ReplicateGroups> stored;  // the per-replicate values, where the file keeps them
  bool series_stored = false;
  std::vector<std::string> names;  // parameters, as stored under /parameters
  std::vector<OutputResult> results;
  std::uint64_t tornado_n = 0;
  std::string tornado_note;
  std::optional<DesignGroups> design;
  std::uint64_t design_rows = 0;

  // The index of a model output by name (the outputs were checked).
  std::size_t output_index(const std::string& name) const {
    const auto& specs = point->simulation->outputs();
    for (std::size_t i = 0; i < specs.size(); ++i)
      if (specs[i].name == name) return i;
    throw InputError(fmt::format("'{}': the file's output '{}' is not one the config's model produces", file_name, name));
  }
  std::vector<OutputColumn> columns() const {
    std::vector<OutputColumn> out;
    for (const auto& r : results)
      out.push_back({output_index(r.what.output), static_cast<std::size_t>(r.what.month.value_or(0))});
    return out;
  }
};

// Reads what the file holds and settles what is analysed; every problem is
// an InputError, the same on every MPI rank.
Analysis prepare(const SensitivityArgs& given) {
  Analysis an;
  an.path = given.file;
  an.file_name = given.file;
  Id file = open_result_file(an.path);
  require_complete_result(file.get(), an.path);
  an.scenario = scenario_group(file.get(), given.file, given.point);
  const std::size_t point_index = an.scenario.empty() ? 0 : static_cast<std::size_t>(*given.point);
  an.config_yaml = hdf5::attribute_text(file.get(), "config_yaml");
  try {
    an.config.emplace(parse_scenario(an.config_yaml, given.file + " (config_yaml)"));
  } catch (const std::exception& e) {
    an.config_error = e.what();
  }
  an.set = resolve_settings(given, an.config && an.config->sensitivity ? &*an.config->sensitivity : nullptr);
  const bool sobol = an.set.method == "sobol";
  if (sobol && !an.config)
    throw InputError(fmt::format("'{}': --method sobol re-runs the model from the file's config_yaml, which "
                                 "does not load: {}",
                                 given.file, an.config_error));
  if (an.config && !(point_index < an.config->points.size()))
    throw InputError(fmt::format("'{}': the config has no point {}", given.file, point_index));
  if (an.config) an.point = &an.config->points[point_index];
  if (!given.samples_out.empty()) {
    const fs::path out = given.samples_out;
    std::error_code ec;
    if (fs::equivalent(out, an.path, ec))
      throw InputError(fmt::format("-o '{}' is the result file itself; give the shard's rows a file of their own",
                                   given.samples_out));
    if (fs::is_directory(out, ec))
      throw InputError(fmt::format("-o '{}' is a directory; give a file name such as rows0.h5", given.samples_out));
    const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
    if (!fs::is_directory(dir, ec))
      throw InputError(fmt::format("-o '{}': the directory '{}' does not exist", given.samples_out, dir.string()));
    files::require_regular_output(out, "-o");
  }

  // What the file keeps per replicate: the rank statistics need it.
  {
    Id base = an.scenario.empty() ? hdf5::open_group(file.get(), "/")
                                  : open_stored_group(file.get(), an.scenario, given.file);
    const bool stored = hdf5::link_exists(base.get(), "replicates") && hdf5::link_exists(base.get(), "parameters");
    if (stored || !sobol)
      an.stored.emplace(open_replicate_groups(file.get(), given.file, an.scenario,
                                              "rank the parameters (or use --method sobol, which re-runs the model)"));
    an.series_stored = hdf5::link_exists(base.get(), "timeseries");
  }
  const std::vector<std::string> stored_outputs = an.stored ? an.stored->outputs : std::vector<std::string>{};
  const std::vector<AnalysedOutput> wanted =
      analysed_outputs(an.set, an.point ? &an.point->simulation->outputs() : nullptr, stored_outputs, given.file);
  if (an.stored) {
    an.names = an.stored->parameter_names;
  } else {
    for (const auto& c : an.point->parameters.table->sampled_columns()) an.names.push_back(c.name);
  }
  if (an.names.empty())
    throw InputError(fmt::format("'{}': no parameter is drawn from a distribution (nothing under /parameters)", given.file));
  an.seed = hdf5::read_uint64_attribute(file.get(), "seed").value_or(1);
  for (const auto& w : wanted) {
    OutputResult r;
    r.what = w;
    if (an.point) {
      for (const auto& o : an.point->simulation->outputs())
        if (o.name == w.output) r.unit = o.unit;
    } else {
      Id ds = hdf5::open_dataset(an.stored->replicates.get(), w.output);
      r.unit = hdf5::read_string_attribute(ds.get(), "unit").value_or("");
    }
    r.p10_mean.assign(an.names.size(), nan);
    r.p90_mean.assign(an.names.size(), nan);
    r.base_mean = nan;
    if (w.month && !an.series_stored && !sobol)
      throw InputError(fmt::format("'{}' keeps no per-replicate series '{}' (it was written with --outputs {}): "
                                   "re-run with --outputs all, or use --method sobol, which re-runs the model",
                                   given.file, w.output, hdf5::attribute_text(file.get(), "outputs")));
    an.results.push_back(std::move(r));
  }
  if (sobol) {
    an.design = located_design_groups(*an.point->parameters.table, an.set.groups, an.set.section);
    an.columns();  // every analysed output is one the model produces
  }
  return an;
}

// The Saltelli design: its rows here, in a shard, joined from shards, or
// split over the MPI ranks, grown towards the target width. Returns the exit
// status when the command ends here (a shard written, a rank's failure);
// nullopt when the analysis goes on (on the first rank only under mpirun).
std::optional<int> run_design(Analysis& an, const SensitivityArgs& given) {
  const MpiEnv* mpi = MpiEnv::current();
  const bool parallel = mpi && mpi->parallel();
  const bool lead = !mpi || mpi->rank() == 0;
  const DesignGroups& design = *an.design;
  const std::vector<OutputColumn> columns = an.columns();
  SobolDesignKey key{an.config_yaml, an.seed, an.scenario, {}, design.members, {}};
  for (const auto& g : design.groups) key.groups.push_back(g.name);
  for (const auto& r : an.results) key.outputs.push_back(r.what.name);
  SobolRunOptions o;
  o.seed = an.seed;
  o.scenario = an.point->key;
  o.progress = lead ? an.set.progress : ProgressMode::Never;
  o.threads = given.threads;
  const auto run_rows = [&](std::uint64_t first, std::uint64_t end) {
    o.first_row = first;
    o.end_row = end;
    return run_sobol_design(*an.point->simulation, *an.point->parameters.table, design.groups, columns, o);
  };
  const auto rows_text = [](std::uint64_t first, std::uint64_t end) {
    return first == end ? std::string("no rows") : fmt::format("rows {} to {}", first, end - 1);
  };
  if (lead)
    for (const auto& note : design.notes) std::cerr << "samdsim: sobol: " << note << "\n";
  const Settings& set = an.set;

  if (given.shard) {
    const ShardSpec shard = parse_shard(*given.shard);
    SobolPart part{key, set.rows, set.rows * shard.index / shard.count, set.rows * (shard.index + 1) / shard.count, {}};
    std::cerr << fmt::format("samdsim: sobol: {} of {} x {} matrices\n", rows_text(part.first_row, part.end_row),
                             set.rows, design.groups.size() + 2);
    part.samples = run_rows(part.first_row, part.end_row);
    write_sobol_part(given.samples_out, part);
    std::cout << fmt::format("wrote {} of the Saltelli design ({} rows) to {}; join the shards with samdsim "
                             "sensitivity {} --method sobol --samples FILES\n",
                             rows_text(part.first_row, part.end_row), set.rows, given.samples_out, given.file);
    return 0;
  }

  // Rows [first, end), split over the MPI ranks when there are several:
  // each writes its rows beside the result file and the first rank joins them.
  const auto sample_rows = [&](std::uint64_t first, std::uint64_t end) -> std::vector<SobolSamples> {
    if (!parallel) return run_rows(first, end);
    const auto r = static_cast<std::uint64_t>(mpi->rank()), n = static_cast<std::uint64_t>(mpi->size());
    const auto part_path = [&](std::uint64_t rank) {
      return an.path.parent_path() / fmt::format("{}.sobol.rank{}of{}.h5", an.path.filename().string(), rank, n);
    };
    const auto guarded = [&](auto&& step) {
      try {
        step();
        return 0;
      } catch (const InputError& e) {
        std::cerr << fmt::format("samdsim: rank {}: error: {}\n", r, e.what());
        return 2;
      } catch (const std::exception& e) {
        std::cerr << fmt::format("samdsim: rank {}: internal error: {}\n", r, e.what());
        return 1;
      }
    };
    int status = guarded([&] {
      const std::uint64_t lo = first + (end - first) * r / n, hi = first + (end - first) * (r + 1) / n;
      write_sobol_part(part_path(r), SobolPart{key, end, lo, hi, run_rows(lo, hi)});
    });
    status = mpi->max_over_ranks(status);
    std::vector<SobolSamples> joined;
    if (status == 0 && lead)
      status = guarded([&] {
        std::vector<SobolPart> parts;
        std::vector<std::string> files;
        for (std::uint64_t k = 0; k < n; ++k) {
          files.push_back(part_path(k).string());
          parts.push_back(read_sobol_part(part_path(k)));
        }
        joined = join_sobol_parts(parts, files, key, first, end);
      });
    status = mpi->max_over_ranks(status);
    std::error_code ec;
    fs::remove(part_path(r), ec);
    if (status != 0) throw RanksFailed{status};
    return joined;
  };

  try {
    an.design_rows = set.rows;
    std::vector<SobolSamples> samples;
    if (!given.samples_in.empty()) {
      std::vector<SobolPart> parts;
      for (const auto& f : given.samples_in) parts.push_back(read_sobol_part(f));
      an.design_rows = parts.front().rows;
      if (given.sobol_rows && *given.sobol_rows != an.design_rows)
        throw InputError(fmt::format("--rows {}: the files hold a design of {} rows", *given.sobol_rows, an.design_rows));
      samples = join_sobol_parts(parts, given.samples_in, key, 0, an.design_rows);
      std::cerr << fmt::format("samdsim: sobol: {} rows x {} matrices joined from {} files\n", an.design_rows,
                               design.groups.size() + 2, parts.size());
    } else {
      if (lead)
        std::cerr << fmt::format("samdsim: sobol: {} rows x {} matrices (A, B and one per group) = {} model runs{}\n",
                                 set.rows, design.groups.size() + 2, set.rows * (design.groups.size() + 2),
                                 set.target_width ? fmt::format("; more rows until every 95% interval is at most "
                                                                "{} wide (at most {} rows)",
                                                                *set.target_width, set.max_rows)
                                                  : "");
      samples = sample_rows(0, an.design_rows);
    }
    std::vector<SobolIndices> indices(an.results.size());
    std::vector<SobolSamples> extra;  // rows run but not yet appended
    for (;;) {
      // 0: done, 1: more rows, 2 + s: the first rank failed with status s.
      int next = 0;
      if (lead) {
        try {
          for (std::size_t k = 0; k < extra.size(); ++k) append_rows(samples[k], extra[k]);
          extra.clear();
          for (std::size_t k = 0; k < an.results.size(); ++k)
            indices[k] = sobol_indices(samples[k], static_cast<std::size_t>(set.bootstrap), an.seed);
          if (set.target_width) {
            const double widest = widest_interval(indices);
            const bool short_of = !(widest <= *set.target_width);
            next = short_of && !std::isnan(widest) && an.design_rows < set.max_rows ? 1 : 0;
            std::string how = "; the target is reached";
            if (next == 1)
              how = "; doubling the rows";
            else if (std::isnan(widest))
              how = ": no index has an interval (no output varies), so the rows stay";
            else if (short_of)
              how = fmt::format(", above the target {} at the most rows allowed (--max-rows)", *set.target_width);
            std::cerr << fmt::format("samdsim: {}sobol: {} rows: the widest 95% interval is {:.3f}{}\n",
                                     short_of ? "warning: " : "", an.design_rows, widest, how);
          }
        } catch (const std::exception& e) {
          if (!parallel) throw;
          std::cerr << "samdsim: internal error: " << e.what() << "\n";
          next = 3;
        }
      }
      if (parallel) next = mpi->max_over_ranks(next);
      if (next >= 2) throw RanksFailed{next - 2};
      if (next == 0) break;
      const std::uint64_t more = std::min(2 * an.design_rows, set.max_rows);
      extra = sample_rows(an.design_rows, more);
      an.design_rows = more;
    }
    for (std::size_t k = 0; k < an.results.size(); ++k) an.results[k].sobol = indices[k];
  } catch (const RanksFailed& f) {
    return f.status;
  }
  return std::nullopt;
}

// Spearman, PRCC and given-data first-order indices from the stored replicates.
void rank_statistics(Analysis& an) {
  if (!an.stored) return;
  const ReplicateGroups& g = *an.stored;
  const hsize_t rows = g.rows;
  Eigen::MatrixXd x(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(an.names.size()));
  for (std::size_t j = 0; j < an.names.size(); ++j) {
    const auto v = read_all_values(g.parameters.get(), an.names[j], rows);
    x.col(static_cast<Eigen::Index>(j)) = Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(rows));
  }
  Id file = open_result_file(an.path);
  Id base = an.scenario.empty() ? hdf5::open_group(file.get(), "/") : open_stored_group(file.get(), an.scenario, an.file_name);
  for (auto& r : an.results) {
    std::vector<double> v;
    if (!r.what.month) {
      if (std::find(g.outputs.begin(), g.outputs.end(), r.what.output) == g.outputs.end())
        throw InputError(fmt::format("'{}' has no stored output '{}'", an.file_name, r.what.output));
      v = read_all_values(g.replicates.get(), r.what.output, rows);
    } else {
      if (!an.series_stored) continue;  // the design alone (checked in prepare)
      Id series = hdf5::open_group(base.get(), "timeseries");
      if (!hdf5::link_exists(series.get(), r.what.output)) continue;
      const std::string where = fmt::format("'{}': timeseries/{}", an.file_name, r.what.output);
      Id ds = open_stored_column(series.get(), r.what.output, where);
      const auto dims = hdf5::dataset_shape(ds.get());
      if (dims.size() != 2 || dims[0] != rows || dims[1] <= *r.what.month)
        throw InputError(fmt::format("{} has shape {}: the file is damaged", where, fmt::join(dims, " x ")));
      v.resize(rows);
      if (rows > 0) hdf5::read_doubles(ds.get(), 0, rows, *r.what.month, 1, v);
    }
    r.stats = sensitivity(x, Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(rows)),
                          static_cast<std::size_t>(an.set.bootstrap), an.seed);
  }
}

// The tornado: the model re-run from the file's config with each parameter
// at its p10 and p90, the others at their medians, on the same random numbers.
void tornado(Analysis& an, const SensitivityArgs& given) {
  if (given.no_tornado || an.set.tornado_replicates == 0) return;
  if (!an.point) {
    an.tornado_note = "no tornado: the file's config_yaml does not load: " + an.config_error;
    return;
  }
  const ParameterTable& table = *an.point->parameters.table;
  std::vector<std::uint32_t> slots;  // sampled slot of each stored parameter (UINT32_MAX: none)
  std::vector<std::uint32_t> sampled;
  for (const auto& name : an.names) {
    std::uint32_t found = UINT32_MAX;
    for (std::uint32_t i = 0; i < table.size(); ++i) {
      const auto& slot = table.slot(Param{i});
      if (slot.path == name && table.used(Param{i}) && !slot.distribution.is_fixed() && !slot.per_unit) found = i;
    }
    slots.push_back(found);
    if (found != UINT32_MAX) sampled.push_back(found);
  }
  const std::vector<OutputColumn> index = an.columns();
  std::vector<bool> series;
  for (const auto& r : an.results) series.push_back(r.what.month.has_value());
  RunOptions options;
  options.replicates = an.set.tornado_replicates;
  options.seed = an.seed;
  options.scenario = an.point->key;
  options.progress = ProgressMode::Never;
  options.threads = given.threads;
  // The mean of each analysed value over a run of `t` (a series: its month's mean); NaN where it never has one.
  const auto means = [&](const ParameterTable& t) {
    ColumnMomentsSink sink(index, series);
    const RunResult run = run_replicates(*an.point->simulation, t, options, sink);
    std::vector<double> out(an.results.size(), nan);
    for (std::size_t o = 0; o < an.results.size(); ++o) {
      const Moments& m = series[o] ? sink.moments(o) : run.moments[index[o].output];
      out[o] = m.n > 0 ? m.mean : nan;
    }
    return out;
  };
  // The tornado's centre: every drawn parameter at its median, on the same random numbers.
  const std::vector<double> base_means = means(fixed_table(table, sampled, UINT32_MAX, 0.5));
  for (std::size_t o = 0; o < an.results.size(); ++o) an.results[o].base_mean = base_means[o];
  for (std::size_t j = 0; j < an.names.size(); ++j) {
    if (slots[j] == UINT32_MAX) continue;
    for (const double q : {0.1, 0.9}) {
      const std::vector<double> m = means(fixed_table(table, sampled, slots[j], q));
      for (std::size_t o = 0; o < an.results.size(); ++o)
        (q < 0.5 ? an.results[o].p10_mean : an.results[o].p90_mean)[j] = m[o];
    }
  }
  an.tornado_n = an.set.tornado_replicates;
}

// A stored dataset's name and its values.
using Named = std::pair<const char*, const Eigen::VectorXd*>;

// Writes the analyses into the file and prints them as stored.
void store(Analysis& an) {
  an.stored.reset();  // the file is replaced: nothing of it stays open
  annex_result_group(an.path, an.scenario, "sensitivity", [&](hid_t sens) {
    for (const auto& r : an.results) {
      Id g = hdf5::create_group(sens, r.what.name);
      write_string_dataset(g.get(), "parameter", an.names);
      if (r.stats) {
        const SensitivityResult& st = *r.stats;
        for (const Named& c : std::initializer_list<Named>{{"spearman", &st.spearman},
                                                            {"spearman_low", &st.spearman_low},
                                                            {"spearman_high", &st.spearman_high},
                                                            {"prcc", &st.prcc},
                                                            {"prcc_low", &st.prcc_low},
                                                            {"prcc_high", &st.prcc_high},
                                                            {"first_order", &st.first_order},
                                                            {"first_order_low", &st.first_order_low},
                                                            {"first_order_high", &st.first_order_high}})
          write_double_dataset(g.get(), c.first, to_vector(*c.second));
        hdf5::write_uint64_attribute(g.get(), "rows_used", st.rows_used);
        hdf5::write_uint64_attribute(g.get(), "bootstrap_rows", st.bootstrap_rows);
      }
      std::vector<double> change(an.names.size());
      for (std::size_t j = 0; j < an.names.size(); ++j) change[j] = r.p90_mean[j] - r.p10_mean[j];
      write_double_dataset(g.get(), "tornado_p10_mean", r.p10_mean);
      write_double_dataset(g.get(), "tornado_p90_mean", r.p90_mean);
      write_double_dataset(g.get(), "tornado_change", change);
      hdf5::write_uint64_attribute(g.get(), "bootstrap", an.set.bootstrap);
      hdf5::write_uint64_attribute(g.get(), "tornado_replicates", an.tornado_n);
      hdf5::write_double_attribute(g.get(), "tornado_base_mean", r.base_mean);
      hdf5::write_string_attribute(g.get(), "unit", r.unit);
      if (r.what.month) {
        hdf5::write_string_attribute(g.get(), "series", r.what.output);
        hdf5::write_uint64_attribute(g.get(), "month", *r.what.month);
      }
      if (r.sobol) {
        const SobolIndices& so = *r.sobol;
        Id sg = hdf5::create_group(g.get(), "sobol");
        std::vector<std::string> group_names;
        for (const auto& x : an.design->groups) group_names.push_back(x.name);
        write_string_dataset(sg.get(), "group", group_names);
        write_string_dataset(sg.get(), "members", an.design->members);
        for (const Named& c : std::initializer_list<Named>{{"first_order", &so.first},
                                                            {"first_order_low", &so.first_low},
                                                            {"first_order_high", &so.first_high},
                                                            {"total", &so.total},
                                                            {"total_low", &so.total_low},
                                                            {"total_high", &so.total_high}})
          write_double_dataset(sg.get(), c.first, to_vector(*c.second));
        hdf5::write_uint64_attribute(sg.get(), "rows", an.design_rows);
        hdf5::write_uint64_attribute(sg.get(), "rows_used", so.rows_used);
        hdf5::write_double_attribute(sg.get(), "variance", so.variance);
        hdf5::write_double_attribute(sg.get(), "target_width", an.set.target_width.value_or(nan));
      }
    }
  });

  // What was stored, read back: `summarize` prints a file's analyses the same way.
  {
    Id file = open_result_file(an.path);
    std::cout << format_sensitivity(read_sensitivity(file.get(), an.scenario, an.file_name));
  }
  if (!an.tornado_note.empty()) std::cout << "\n" << an.tornado_note << "\n";
  std::cout << fmt::format("\nwrote /{}sensitivity/ in {}\n", an.scenario.empty() ? "" : an.scenario + "/",
                           an.file_name);
}

}  // namespace

int command_sensitivity(const SensitivityArgs& given) {
  if (given.threads > 4096) throw InputError("--threads: at most 4096");
  // The bootstrap of the rank statistics runs on the same threads as the model.
  const tbb::global_control threads(tbb::global_control::max_allowed_parallelism, resolve_threads(given.threads));
  const MpiEnv* mpi = MpiEnv::current();
  const bool parallel = mpi && mpi->parallel();
  // Bad input is found by every rank alike, before any rank waits for
  // another; a failure of one rank alone (a file it cannot read) is agreed on
  // before the design's first collective call.
  std::optional<Analysis> prepared;
  if (!parallel) {
    prepared.emplace(prepare(given));
  } else {
    const int status = mpi->max_over_ranks(status_of(
        [&] {
          prepared.emplace(prepare(given));
          return 0;
        },
        mpi->rank() == 0));
    if (status != 0) return status;
  }
  Analysis& an = *prepared;
  if (an.design)
    if (const std::optional<int> done = run_design(an, given)) return *done;
  const auto finish = [&] {
    rank_statistics(an);
    tornado(an, given);
    store(an);
  };
  if (!parallel) {
    finish();
    return 0;
  }
  // Under mpirun the first rank finishes alone; the others wait for its status.
  int status = 0;
  if (mpi->rank() == 0) status = status_of([&] {
      finish();
      return 0;
    });
  return mpi->max_over_ranks(status);
}

}  // namespace samdsim::app
