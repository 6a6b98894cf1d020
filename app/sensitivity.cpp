#include "sensitivity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
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
#include "samdsim/result_annex.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/runner.hpp"
#include "samdsim/sensitivity.hpp"
#include "samdsim/sensitivity_report.hpp"
#include "samdsim/sensitivity_settings.hpp"
#include "samdsim/sobol.hpp"
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

// The moments of one column of each series output asked for, in replicate
// order (scalar outputs have the run's own moments).
class ColumnMomentsSink : public BlockSink {
 public:
  explicit ColumnMomentsSink(const std::vector<OutputColumn>& columns) : columns_(columns), moments_(columns.size()) {}
  void consume(const Block& block) override {
    for (std::size_t k = 0; k < columns_.size(); ++k) {
      const std::size_t width = block.width(columns_[k].output);
      if (width == 1) continue;
      const auto values = block.output(columns_[k].output);
      for (std::size_t i = 0; i < block.count(); ++i) moments_[k].add(values[i * width + columns_[k].column]);
    }
  }
  const Moments& moments(std::size_t k) const { return moments_[k]; }

 private:
  const std::vector<OutputColumn>& columns_;
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
};

Settings resolve_settings(const SensitivityArgs& a, const SensitivitySettings* section) {
  Settings s;
  const SensitivitySettings none;
  const SensitivitySettings& c = section ? *section : none;
  s.method = a.method.value_or(c.method);
  s.outputs = a.outputs.empty() ? c.outputs : a.outputs;
  s.months = a.months.empty() ? c.months : a.months;
  s.rows = a.sobol_rows.value_or(c.rows.value_or(default_sobol_rows));
  s.target_width = a.target_width ? a.target_width : c.target_width;
  s.max_rows = a.max_rows.value_or(c.max_rows.value_or(max_sobol_rows));
  if (!a.groups.empty()) {
    s.groups = a.groups;
  } else {
    for (const auto& g : c.groups) s.groups.push_back(g.label + "=" + fmt::format("{}", fmt::join(g.parameters, ",")));
    if (!c.groups.empty()) s.section = section;
  }
  s.bootstrap = a.bootstrap.value_or(c.bootstrap.value_or(200));
  s.tornado_replicates = a.tornado_replicates.value_or(c.tornado_replicates.value_or(2000));
  const bool sobol = s.method == "sobol";
  if (!sobol && (a.sobol_rows || !a.groups.empty() || a.max_rows || a.target_width || a.shard || !a.samples_in.empty()))
    throw InputError("--rows, --group, --target-width, --max-rows, --shard and --samples set up the Saltelli design: "
                     "they need --method sobol");
  if (a.shard && a.samples_out.empty())
    throw InputError("--shard writes rows of the design to a file of their own: give it with -o");
  if (!a.shard && !a.samples_out.empty()) throw InputError("-o names the file of a --shard's design rows");
  if (a.shard && !a.samples_in.empty()) throw InputError("--shard runs rows of the design, --samples joins them: not both");
  if (s.target_width && (a.shard || !a.samples_in.empty()))
    throw InputError("--target-width grows the design in one run; shards run a design of --rows rows");
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

// Every 95 % interval of the indices of every output as narrow as `width`?
double widest_interval(const std::vector<SobolIndices>& indices) {
  double widest = 0.0;
  for (const auto& s : indices)
    for (Eigen::Index g = 0; g < s.first.size(); ++g)
      for (const double w : {s.first_high(g) - s.first_low(g), s.total_high(g) - s.total_low(g)})
        if (std::isfinite(w)) widest = std::max(widest, w);
  return widest;
}

}  // namespace

void check_sensitivity_section(const Scenario& scenario) {
  if (!scenario.sensitivity || scenario.sensitivity->method != "sobol") return;
  SensitivityArgs none;
  const Settings set = resolve_settings(none, &*scenario.sensitivity);
  for (const ScenarioPoint& p : scenario.points) located_design_groups(*p.parameters.table, set.groups, set.section);
}

int command_sensitivity(const SensitivityArgs& given) {
  const fs::path path = given.file;
  const MpiEnv* mpi = MpiEnv::current();
  const bool parallel = mpi && mpi->parallel();
  const bool lead = !mpi || mpi->rank() == 0;
  if (given.threads > 4096) throw InputError("--threads: at most 4096");

  std::vector<std::string> names;  // parameters, as stored under /parameters
  std::vector<OutputResult> results;
  std::string scenario;  // "" or "points/<i>"
  std::uint64_t tornado_n = 0;
  std::string tornado_note;
  std::optional<DesignGroups> sobol_groups;
  std::uint64_t design_rows = 0;
  Settings set;
  {
    Id file = open_result_file(path);
    require_complete_result(file.get(), path);
    scenario = scenario_group(file.get(), given.file, given.point);
    const std::size_t point_index = scenario.empty() ? 0 : static_cast<std::size_t>(*given.point);
    const std::string config_yaml = hdf5::attribute_text(file.get(), "config_yaml");
    std::optional<Scenario> s;
    std::string config_error;
    try {
      s.emplace(parse_scenario(config_yaml, given.file + " (config_yaml)"));
    } catch (const std::exception& e) {
      config_error = e.what();
    }
    set = resolve_settings(given, s && s->sensitivity ? &*s->sensitivity : nullptr);
    const bool sobol = set.method == "sobol";
    if (sobol && !s)
      throw InputError(fmt::format("'{}': --method sobol re-runs the model from the file's config_yaml, which "
                                   "does not load: {}",
                                   given.file, config_error));
    if (s && !(point_index < s->points.size()))
      throw InputError(fmt::format("'{}': the config has no point {}", given.file, point_index));
    const ScenarioPoint* p = s ? &s->points[point_index] : nullptr;

    // What the file keeps per replicate: the rank statistics need it.
    Id base = scenario.empty() ? hdf5::open_group(file.get(), "/") : open_stored_group(file.get(), scenario, given.file);
    const bool stored = hdf5::link_exists(base.get(), "replicates") && hdf5::link_exists(base.get(), "parameters");
    std::optional<ReplicateGroups> groups;
    if (stored || !sobol) groups.emplace(open_replicate_groups(file.get(), given.file, scenario,
                                          "rank the parameters (or use --method sobol, which re-runs the model)"));
    const std::vector<std::string> stored_outputs = groups ? groups->outputs : std::vector<std::string>{};
    const std::vector<AnalysedOutput> wanted =
        analysed_outputs(set, p ? &p->simulation->outputs() : nullptr, stored_outputs, given.file);

    if (groups) {
      names = groups->parameter_names;
    } else {
      for (const auto& c : p->parameters.table->sampled_columns()) names.push_back(c.name);
    }
    if (names.empty())
      throw InputError(fmt::format("'{}': no parameter is drawn from a distribution (nothing under /parameters)", given.file));
    const std::uint64_t seed = hdf5::read_uint64_attribute(file.get(), "seed").value_or(1);
    for (const auto& w : wanted) {
      OutputResult r;
      r.what = w;
      if (p) {
        for (const auto& o : p->simulation->outputs())
          if (o.name == w.output) r.unit = o.unit;
      } else {
        Id ds = hdf5::open_dataset(groups->replicates.get(), w.output);
        r.unit = hdf5::read_string_attribute(ds.get(), "unit").value_or("");
      }
      r.p10_mean.assign(names.size(), nan);
      r.p90_mean.assign(names.size(), nan);
      r.base_mean = nan;
      results.push_back(std::move(r));
    }

    // The Saltelli design: its rows here, in shards or over the MPI ranks.
    if (sobol) {
      const DesignGroups design = located_design_groups(*p->parameters.table, set.groups, set.section);
      std::vector<OutputColumn> columns;
      for (const auto& r : results) {
        const auto& specs = p->simulation->outputs();
        const auto it = std::find_if(specs.begin(), specs.end(), [&](const OutputSpec& o) { return o.name == r.what.output; });
        if (it == specs.end())
          throw InputError(fmt::format("'{}': the file's output '{}' is not one the config's model produces", given.file,
                                       r.what.output));
        columns.push_back({static_cast<std::size_t>(it - specs.begin()), static_cast<std::size_t>(r.what.month.value_or(0))});
      }
      SobolDesignKey key{config_yaml, seed, scenario, {}, design.members, {}};
      for (const auto& g : design.groups) key.groups.push_back(g.name);
      for (const auto& r : results) key.outputs.push_back(r.what.name);
      SobolRunOptions o;
      o.seed = seed;
      o.scenario = p->key;
      o.progress = lead ? ProgressMode::Auto : ProgressMode::Never;
      o.threads = given.threads;
      const auto run_rows = [&](std::uint64_t first, std::uint64_t end) {
        o.first_row = first;
        o.end_row = end;
        return run_sobol_design(*p->simulation, *p->parameters.table, design.groups, columns, o);
      };
      if (lead) {
        for (const auto& note : design.notes) std::cerr << "samdsim: sobol: " << note << "\n";
      }

      if (given.shard) {
        const ShardSpec shard = parse_shard(*given.shard);
        SobolPart part{key, set.rows, set.rows * shard.index / shard.count, set.rows * (shard.index + 1) / shard.count, {}};
        std::cerr << fmt::format("samdsim: sobol: rows {} to {} of {} x {} matrices\n", part.first_row, part.end_row,
                                 set.rows, design.groups.size() + 2);
        part.samples = run_rows(part.first_row, part.end_row);
        write_sobol_part(given.samples_out, part);
        std::cout << fmt::format("wrote rows {} to {} of the Saltelli design ({} rows) to {}; join the shards with "
                                 "samdsim sensitivity {} --method sobol --samples FILES\n",
                                 part.first_row, part.end_row, set.rows, given.samples_out, given.file);
        return 0;
      }

      // Rows [first, end), split over the MPI ranks when there are several:
      // each writes its rows beside the result file and the first rank joins them.
      const auto sample_rows = [&](std::uint64_t first, std::uint64_t end) -> std::vector<SobolSamples> {
        if (!parallel) return run_rows(first, end);
        const auto r = static_cast<std::uint64_t>(mpi->rank()), n = static_cast<std::uint64_t>(mpi->size());
        const auto part_path = [&](std::uint64_t rank) {
          return path.parent_path() / fmt::format("{}.sobol.rank{}of{}.h5", path.filename().string(), rank, n);
        };
        int status = 0;
        try {
          const std::uint64_t lo = first + (end - first) * r / n, hi = first + (end - first) * (r + 1) / n;
          write_sobol_part(part_path(r), SobolPart{key, end, lo, hi, run_rows(lo, hi)});
        } catch (const InputError& e) {
          status = 2;
          if (!lead) std::cerr << fmt::format("samdsim: rank {}: {}\n", r, e.what());
          else std::cerr << "samdsim: error: " << e.what() << "\n";
        } catch (const std::exception& e) {
          status = 1;
          std::cerr << fmt::format("samdsim: rank {}: internal error: {}\n", r, e.what());
        }
        status = mpi->max_over_ranks(status);
        std::vector<SobolSamples> joined;
        if (status == 0 && lead) {
          try {
            std::vector<SobolPart> parts;
            std::vector<std::string> files;
            for (std::uint64_t k = 0; k < n; ++k) {
              files.push_back(part_path(k).string());
              parts.push_back(read_sobol_part(part_path(k)));
            }
            joined = join_sobol_parts(parts, files, key, first, end);
          } catch (const std::exception& e) {
            status = 1;
            std::cerr << "samdsim: internal error: " << e.what() << "\n";
          }
        }
        status = mpi->max_over_ranks(status);
        std::error_code ec;
        fs::remove(part_path(r), ec);
        if (status != 0) throw RanksFailed{status};
        return joined;
      };

      try {
        design_rows = set.rows;
        if (lead && given.samples_in.empty())
          std::cerr << fmt::format("samdsim: sobol: {} rows x {} matrices (A, B and one per group) = {} model runs{}\n",
                                   set.rows, design.groups.size() + 2, set.rows * (design.groups.size() + 2),
                                   set.target_width ? fmt::format("; more rows until every 95% interval is at most "
                                                                  "{} wide (at most {} rows)",
                                                                  *set.target_width, set.max_rows)
                                                    : "");
        std::vector<SobolSamples> samples;
        if (!given.samples_in.empty()) {
          std::vector<SobolPart> parts;
          for (const auto& f : given.samples_in) parts.push_back(read_sobol_part(f));
          design_rows = parts.front().rows;
          if (given.sobol_rows && *given.sobol_rows != design_rows)
            throw InputError(fmt::format("--rows {}: the files hold a design of {} rows", *given.sobol_rows, design_rows));
          samples = join_sobol_parts(parts, given.samples_in, key, 0, design_rows);
          std::cerr << fmt::format("samdsim: sobol: {} rows x {} matrices joined from {} files\n", design_rows,
                                   design.groups.size() + 2, parts.size());
        } else {
          samples = sample_rows(0, design_rows);
        }
        std::vector<SobolIndices> indices(results.size());
        for (;;) {
          int more = 0;
          if (lead) {
            for (std::size_t k = 0; k < results.size(); ++k) indices[k] = sobol_indices(samples[k], set.bootstrap, seed);
            if (set.target_width) {
              const double widest = widest_interval(indices);
              more = widest > *set.target_width && design_rows < set.max_rows ? 1 : 0;
              std::cerr << fmt::format("samdsim: {}sobol: {} rows: the widest 95% interval is {:.3f}{}\n",
                                       widest > *set.target_width && !more ? "warning: " : "", design_rows, widest,
                                       more                              ? "; doubling the rows"
                                       : widest > *set.target_width ? fmt::format(", above the target {} at the most "
                                                                                  "rows allowed (--max-rows)",
                                                                                  *set.target_width)
                                                                    : "; the target is reached");
            }
          }
          if (parallel) more = mpi->max_over_ranks(more);
          if (!more) break;
          const std::uint64_t next = std::min(2 * design_rows, set.max_rows);
          std::vector<SobolSamples> extra = sample_rows(design_rows, next);
          if (lead)
            for (std::size_t k = 0; k < samples.size(); ++k) append_rows(samples[k], extra[k]);
          design_rows = next;
        }
        for (std::size_t k = 0; k < results.size(); ++k) results[k].sobol = indices[k];
      } catch (const RanksFailed& f) {
        return f.status;
      }
      sobol_groups = design;
      if (!lead) return 0;
    }

    // Rank statistics, from the stored replicates.
    const hsize_t rows = groups ? groups->rows : 0;
    if (groups) {
      Eigen::MatrixXd x(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(names.size()));
      for (std::size_t j = 0; j < names.size(); ++j) {
        const auto v = read_all_values(groups->parameters.get(), names[j], rows);
        x.col(static_cast<Eigen::Index>(j)) = Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(rows));
      }
      const bool series_stored = hdf5::link_exists(base.get(), "timeseries");
      for (auto& r : results) {
        std::vector<double> v;
        if (!r.what.month) {
          if (std::find(stored_outputs.begin(), stored_outputs.end(), r.what.output) == stored_outputs.end())
            throw InputError(fmt::format("'{}' has no stored output '{}'", given.file, r.what.output));
          v = read_all_values(groups->replicates.get(), r.what.output, rows);
        } else if (series_stored && hdf5::link_exists(hdf5::open_group(base.get(), "timeseries").get(), r.what.output)) {
          Id series = hdf5::open_group(base.get(), "timeseries");
          Id ds = open_stored_column(series.get(), r.what.output, fmt::format("'{}': timeseries/{}", given.file, r.what.output));
          const auto dims = hdf5::dataset_shape(ds.get());
          if (dims.size() != 2 || dims[0] != rows || dims[1] <= *r.what.month)
            throw InputError(fmt::format("'{}': timeseries/{} has shape {}: the file is damaged", given.file,
                                         r.what.output, fmt::join(dims, " x ")));
          v.resize(rows);
          if (rows > 0) hdf5::read_doubles(ds.get(), 0, rows, *r.what.month, 1, v);
        } else if (!sobol) {
          throw InputError(fmt::format("'{}' keeps no per-replicate series '{}' (it was written with --outputs {}): "
                                       "re-run with --outputs all, or use --method sobol, which re-runs the model",
                                       given.file, r.what.output, hdf5::attribute_text(file.get(), "outputs")));
        } else {
          continue;
        }
        r.stats = sensitivity(x, Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(rows)),
                              static_cast<std::size_t>(set.bootstrap), seed);
      }
    }

    // The tornado re-runs the model from the file's config.
    const bool tornado = !given.no_tornado && set.tornado_replicates > 0;
    if (tornado && !p) tornado_note = "no tornado: the file's config_yaml does not load: " + config_error;
    if (tornado && p) {
      const ParameterTable& table = *p->parameters.table;
      std::vector<std::uint32_t> slots;  // sampled slot of each stored parameter (UINT32_MAX: none)
      std::vector<std::uint32_t> sampled;
      for (const auto& name : names) {
        std::uint32_t found = UINT32_MAX;
        for (std::uint32_t i = 0; i < table.size(); ++i) {
          const auto& slot = table.slot(Param{i});
          if (slot.path == name && table.used(Param{i}) && !slot.distribution.is_fixed() && !slot.per_unit) found = i;
        }
        slots.push_back(found);
        if (found != UINT32_MAX) sampled.push_back(found);
      }
      const auto& specs = p->simulation->outputs();
      std::vector<OutputColumn> index;  // output and column in the simulation
      for (const auto& r : results) {
        std::size_t k = specs.size();
        for (std::size_t i = 0; i < specs.size(); ++i)
          if (specs[i].name == r.what.output) k = i;
        index.push_back({k, static_cast<std::size_t>(r.what.month.value_or(0))});
      }
      RunOptions options;
      options.replicates = set.tornado_replicates;
      options.seed = seed;
      options.scenario = p->key;
      options.progress = ProgressMode::Never;
      options.threads = given.threads;
      // The mean of each analysed value over a run of `t` (a series: its month's mean); NaN where it never has one.
      const auto means = [&](const ParameterTable& t) {
        ColumnMomentsSink sink(index);
        const RunResult run = run_replicates(*p->simulation, t, options, sink);
        std::vector<double> out(results.size(), nan);
        for (std::size_t o = 0; o < results.size(); ++o) {
          if (index[o].output >= run.moments.size()) continue;
          const Moments& m = results[o].what.month ? sink.moments(o) : run.moments[index[o].output];
          out[o] = m.n > 0 ? m.mean : nan;
        }
        return out;
      };
      // The tornado's centre: every drawn parameter at its median, on the same random numbers.
      const std::vector<double> base_means = means(fixed_table(table, sampled, UINT32_MAX, 0.5));
      for (std::size_t o = 0; o < results.size(); ++o) results[o].base_mean = base_means[o];
      for (std::size_t j = 0; j < names.size(); ++j) {
        if (slots[j] == UINT32_MAX) continue;
        for (const double q : {0.1, 0.9}) {
          const std::vector<double> m = means(fixed_table(table, sampled, slots[j], q));
          for (std::size_t o = 0; o < results.size(); ++o) (q < 0.5 ? results[o].p10_mean : results[o].p90_mean)[j] = m[o];
        }
      }
      tornado_n = set.tornado_replicates;
    }
  }

  annex_result_group(path, scenario, "sensitivity", [&](hid_t sens) {
    for (const auto& r : results) {
      Id g = hdf5::create_group(sens, r.what.name);
      write_string_dataset(g.get(), "parameter", names);
      if (r.stats) {
        write_double_dataset(g.get(), "spearman", to_vector(r.stats->spearman));
        write_double_dataset(g.get(), "spearman_low", to_vector(r.stats->spearman_low));
        write_double_dataset(g.get(), "spearman_high", to_vector(r.stats->spearman_high));
        write_double_dataset(g.get(), "prcc", to_vector(r.stats->prcc));
        write_double_dataset(g.get(), "prcc_low", to_vector(r.stats->prcc_low));
        write_double_dataset(g.get(), "prcc_high", to_vector(r.stats->prcc_high));
        write_double_dataset(g.get(), "first_order", to_vector(r.stats->first_order));
        write_double_dataset(g.get(), "first_order_low", to_vector(r.stats->first_order_low));
        write_double_dataset(g.get(), "first_order_high", to_vector(r.stats->first_order_high));
        hdf5::write_uint64_attribute(g.get(), "rows_used", r.stats->rows_used);
        hdf5::write_uint64_attribute(g.get(), "bootstrap_rows", r.stats->bootstrap_rows);
      }
      std::vector<double> change(names.size());
      for (std::size_t j = 0; j < names.size(); ++j) change[j] = r.p90_mean[j] - r.p10_mean[j];
      write_double_dataset(g.get(), "tornado_p10_mean", r.p10_mean);
      write_double_dataset(g.get(), "tornado_p90_mean", r.p90_mean);
      write_double_dataset(g.get(), "tornado_change", change);
      hdf5::write_uint64_attribute(g.get(), "bootstrap", set.bootstrap);
      hdf5::write_uint64_attribute(g.get(), "tornado_replicates", tornado_n);
      hdf5::write_double_attribute(g.get(), "tornado_base_mean", r.base_mean);
      hdf5::write_string_attribute(g.get(), "unit", r.unit);
      if (r.what.month) {
        hdf5::write_string_attribute(g.get(), "series", r.what.output);
        hdf5::write_uint64_attribute(g.get(), "month", *r.what.month);
      }
      if (r.sobol) {
        Id so = hdf5::create_group(g.get(), "sobol");
        std::vector<std::string> group_names;
        for (const auto& x : sobol_groups->groups) group_names.push_back(x.name);
        write_string_dataset(so.get(), "group", group_names);
        write_string_dataset(so.get(), "members", sobol_groups->members);
        write_double_dataset(so.get(), "first_order", to_vector(r.sobol->first));
        write_double_dataset(so.get(), "first_order_low", to_vector(r.sobol->first_low));
        write_double_dataset(so.get(), "first_order_high", to_vector(r.sobol->first_high));
        write_double_dataset(so.get(), "total", to_vector(r.sobol->total));
        write_double_dataset(so.get(), "total_low", to_vector(r.sobol->total_low));
        write_double_dataset(so.get(), "total_high", to_vector(r.sobol->total_high));
        hdf5::write_uint64_attribute(so.get(), "rows", design_rows);
        hdf5::write_uint64_attribute(so.get(), "rows_used", r.sobol->rows_used);
        hdf5::write_double_attribute(so.get(), "variance", r.sobol->variance);
        hdf5::write_double_attribute(so.get(), "target_width", set.target_width.value_or(nan));
      }
    }
  });

  // What was stored, read back: `summarize` prints a file's analyses the same way.
  {
    Id file = open_result_file(path);
    std::cout << format_sensitivity(read_sensitivity(file.get(), scenario, given.file));
  }
  if (!tornado_note.empty()) std::cout << "\n" << tornado_note << "\n";
  std::cout << fmt::format("\nwrote /{}sensitivity/ in {}\n", scenario.empty() ? "" : scenario + "/", given.file);
  return 0;
}

}  // namespace samdsim::app
