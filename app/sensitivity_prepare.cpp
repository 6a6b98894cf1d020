// The sensitivity command's settings and what it analyses: the command
// line over the config's sensitivity: section, the outputs and groups, and
// what the result file holds.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mpi_env.hpp"
#include "run.hpp"
#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/hdf5_file.hpp"
#include "samdsim/numbers.hpp"
#include "samdsim/output_files.hpp"
#include "samdsim/result_annex.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/sensitivity_settings.hpp"
#include "samdsim/sweep.hpp"
#include "samdsim/yaml_util.hpp"
#include "sensitivity_analysis.hpp"
#include "sobol_groups.hpp"
#include "sobol_samples.hpp"

namespace samdsim::app {

namespace sensitivity_detail {

namespace {

using hdf5::Id;
namespace fs = std::filesystem;

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

}  // namespace

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

}  // namespace sensitivity_detail

using namespace sensitivity_detail;

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

}  // namespace samdsim::app
