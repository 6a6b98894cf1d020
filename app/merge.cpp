#include "merge.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include "precision.hpp"
#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/result_annex.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/result_writer.hpp"
#include "samdsim/runner.hpp"
#include "samdsim/summary_format.hpp"
#include "samdsim/summary_outcomes.hpp"
#include "samdsim/version.hpp"

namespace samdsim::app {

namespace {

using hdf5::Id;

struct Shard {
  std::string path;
  Id file;
  std::uint64_t index = 0;
  std::uint64_t count = 0;
  double wall_seconds = 0.0;
};

std::string text(hid_t file, const std::string& name) { return hdf5::attribute_text(file, name); }

// Opens every shard and checks that together they are exactly one run.
std::vector<Shard> open_shards(const std::vector<std::string>& paths) {
  std::vector<Shard> shards;
  for (const auto& path : paths) {
    Shard s;
    s.path = path;
    s.file = open_result_file(path);
    const auto index = hdf5::read_uint64_attribute(s.file.get(), "shard_index");
    const auto count = hdf5::read_uint64_attribute(s.file.get(), "shards");
    if (!index || !count) throw InputError("'" + path + "' is a complete result, not a shard (run with --shard I/N)");
    s.index = *index;
    s.count = *count;
    if (s.count == 0 || s.index >= s.count)
      throw InputError(fmt::format("'{}' claims to be shard {} of {}, which does not exist", path, s.index, s.count));
    s.wall_seconds = hdf5::read_double_attribute(s.file.get(), "wall_seconds").value_or(0.0);
    shards.push_back(std::move(s));
  }
  const Shard& first = shards.front();
  for (const Shard& s : shards) {
    const auto differ = [&](const std::string& attribute, const std::string& what) {
      if (text(s.file.get(), attribute) != text(first.file.get(), attribute))
        throw InputError(fmt::format("'{}' and '{}' come from different {} and cannot be merged", first.path, s.path,
                                     what));
    };
    differ("config_yaml", "configs (or seeds or replicate counts)");
    differ("seed", "seeds");
    differ("version", "file format versions (builds whose random streams differ)");
    differ("samdsim_version", "samdsim versions");
    differ("git_revision", "samdsim builds");
    if (s.count != first.count)
      throw InputError(fmt::format("'{}' is one of {} shards but '{}' one of {}", s.path, s.count, first.path,
                                   first.count));
  }
  std::map<std::uint64_t, std::string> seen;
  for (const Shard& s : shards) {
    const auto [it, fresh] = seen.emplace(s.index, s.path);
    if (!fresh)
      throw InputError(fmt::format("'{}' and '{}' are both shard {}/{}", it->second, s.path, s.index, s.count));
  }
  std::string missing;
  for (std::uint64_t i = 0; i < first.count; ++i)
    if (!seen.count(i)) missing += (missing.empty() ? "" : ", ") + fmt::format("{}/{}", i, first.count);
  if (!missing.empty()) throw InputError("cannot merge: missing shard " + missing);
  std::sort(shards.begin(), shards.end(), [](const Shard& a, const Shard& b) { return a.index < b.index; });
  return shards;
}

// Copies one shard's rows of a scenario into the merged file, a block at a
// time, and merges its per-block summaries in block order; with a precision
// target, stops after the block that reaches it (true then).
bool copy_rows(const std::string& shard, const std::string& shard_build, hid_t base, std::uint64_t first_row,
               const std::vector<OutputSpec>& outputs, const std::vector<ParameterColumn>& parameters,
               ResultWriter& writer, std::vector<Moments>& total, const PrecisionTarget* target) {
  const std::string where = "'" + shard + "' (" + hdf5::describe(base) + ")";
  const std::uint64_t rows = hdf5::read_uint64_attribute(base, "replicates").value_or(0);
  if (!hdf5::link_exists(base, "block_moments"))
    throw InputError(where + " has no block summaries (block_moments): it is not a complete shard; run it again");
  Id moments = hdf5::open_dataset(base, "block_moments");
  const auto shape = hdf5::dataset_shape(moments.get());
  const std::size_t blocks = shape.empty() ? 0 : shape.at(0);
  if (first_row % replicates_per_block != 0 || shape.size() != 3 || shape[1] != outputs.size() || shape[2] != 6 ||
      blocks != block_count(first_row + rows) - first_row / replicates_per_block)
    throw InputError(where + ": its block summaries do not match its rows; the shard was altered, run it again");
  std::vector<double> m(blocks * outputs.size() * 6);
  if (H5Dread(moments.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, m.data()) < 0)
    throw InputError("cannot read the block summaries of " + where + ": " + hdf5::error_detail() +
                     "; the shard is damaged");

  // Every dataset must hold the rows the shard claims, with the declared width.
  const auto open_checked = [&](const std::string& path, std::size_t width) {
    if (!hdf5::link_exists(base, path.substr(0, path.find('/'))) || !hdf5::link_exists(base, path))
      throw InputError(where + " has no dataset '" + path + "'; run the shard again");
    // Each level of the path must be stored in the shard, not linked to elsewhere.
    const std::string group = path.substr(0, path.find('/'));
    Id parent = open_stored_group(base, group, shard);
    Id ds = open_stored_column(parent.get(), path.substr(group.size() + 1), where + ": " + path);
    const auto dims = hdf5::dataset_shape(ds.get());
    const bool wide = width > 1;
    if (dims.size() != (wide ? 2u : 1u) || dims[0] < rows || (wide && dims[1] != width))
      throw InputError(fmt::format("{}: dataset '{}' has shape {} where {} rows{} are expected; run the shard again",
                                   where, path, fmt::join(dims, " x "), rows,
                                   wide ? fmt::format(" of {} values", width) : std::string()));
    return ds;
  };
  std::vector<Id> output_sets, parameter_sets;
  for (const auto& o : outputs)
    output_sets.push_back(open_checked((o.is_series() ? "timeseries/" : "replicates/") + o.name, o.width()));
  for (const auto& p : parameters) parameter_sets.push_back(open_checked("parameters/" + p.name, 1));

  Block block(outputs, parameters.size(), replicates_per_block);
  for (std::size_t b = 0; b < blocks; ++b) {
    const std::uint64_t row = b * replicates_per_block;
    const auto count = static_cast<std::size_t>(std::min<std::uint64_t>(replicates_per_block, rows - row));
    block.reset(first_row + row, count);
    for (std::size_t k = 0; k < outputs.size(); ++k)
      hdf5::read_doubles(output_sets[k].get(), row, count, 0, outputs[k].width(), block.output(k));
    for (std::size_t j = 0; j < parameters.size(); ++j)
      hdf5::read_doubles(parameter_sets[j].get(), row, count, 0, 1, block.parameter(j));
    // The summaries come from the values, as the run computed them; the
    // stored ones must agree, or the shard was altered.
    for (std::size_t k = 0; k < outputs.size(); ++k) {
      const auto values = block.output(k);
      for (std::size_t i = 0; i < values.size(); ++i)
        if (!valid_output_value(outputs[k], values[i]))
          throw InputError(fmt::format("{}: '{}' holds the invalid value {} in replicate {}; run the shard again",
                                       where, outputs[k].name, values[i], first_row + row + i / outputs[k].width()));
      if (outputs[k].is_series()) continue;
      const Moments computed = Moments::of(values);
      const double* v = &m[(b * outputs.size() + k) * 6];
      // Stored as doubles: the counts are compared as such (a stored count may be anything).
      const auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
      if (v[0] != static_cast<double>(computed.n) || v[5] != static_cast<double>(computed.missing) ||
          !same(v[1], computed.mean) || !same(v[2], computed.m2) || !same(v[3], computed.min) ||
          !same(v[4], computed.max))
        throw InputError(fmt::format(
            "{}: the stored summary of '{}' in block {} disagrees with its values; the shard was {}, run it again",
            where, outputs[k].name, first_row / replicates_per_block + b,
            shard_build == git_revision
                ? std::string("altered")
                : fmt::format("altered, or written by another samdsim build ({}; this one is {}), which may "
                              "summarize blocks differently",
                              shard_build, git_revision)));
      total[k].merge(computed);
    }
    writer.write_block(block);
    if (target && target->reached(total, writer.rows_written())) return true;
  }
  return false;
}

}  // namespace

int command_merge(const std::vector<std::string>& paths, const std::string& output, const std::string& keep,
                  const std::optional<std::string>& compression, unsigned threads) {
  if (threads > 4096) throw InputError("--threads: at most 4096");
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, resolve_threads(threads));
  const OutputsKept kept = parse_outputs_kept(keep);
  if (compression) parse_compression(*compression);  // bad input is refused before any file is read
  if (output.empty()) throw InputError("--output: the output file name is empty");
  for (const auto& p : paths) {
    std::error_code ec;
    if (std::filesystem::equivalent(output, p, ec))
      throw InputError("output '" + output + "' is the shard '" + p + "' itself; give the merged file another name");
  }
  std::vector<Shard> shards = open_shards(paths);
  const Shard& first = shards.front();
  // The shards carry the resolved config: it rebuilds the outputs and parameter columns.
  const Scenario s = parse_scenario(text(first.file.get(), "config_yaml"), first.path + " (config_yaml)");

  RunInfo info;
  info.model = s.model->name();
  info.name = s.name;
  info.config_yaml = text(first.file.get(), "config_yaml");
  info.created_utc = utc_timestamp_now();
  info.seed = s.seed;
  info.replicates = s.replicates;
  info.threads = static_cast<unsigned>(hdf5::read_uint64_attribute(first.file.get(), "threads").value_or(1));
  info.shards = static_cast<unsigned>(first.count);
  // The shards' levels by default, so the merged file is stored as a single run stores it.
  const std::string stored = text(first.file.get(), "compression");
  info.compression = Compression{};
  try {
    if (!stored.empty()) info.compression = parse_compression(stored);
  } catch (const InputError& e) {
    throw InputError(first.path + ": its root attribute 'compression' is '" + stored + "', not a list of levels");
  }
  if (compression) info.compression = parse_compression(*compression);
  info.kept = kept;
  ResultWriter writer(output, info);
  writer.set_root_attribute("stopping_rule", text(first.file.get(), "stopping_rule"));
  // Shards of a run with a precision target ran their whole slices; the
  // target is applied here, in block order, as a single run applies it.
  std::optional<PrecisionTarget> target;
  if (const std::string rse = text(first.file.get(), "target_rse"); !rse.empty()) {
    std::vector<std::string> names;
    const std::string listed = text(first.file.get(), "target_outputs");
    for (std::size_t start = 0; start < listed.size();) {
      const std::size_t end = std::min(listed.find(',', start), listed.size());
      names.push_back(listed.substr(start, end - start));
      start = end + 1;
    }
    char* end = nullptr;
    const double value = std::strtod(rse.c_str(), &end);
    if (end == rse.c_str() || *end != '\0' || !(value > 0.0 && value < 1.0))
      throw InputError(fmt::format("'{}' records the precision target '{}', which is not a relative standard error "
                                   "in (0, 1); the shard was altered",
                                   first.path, rse));
    target.emplace(value, names, s.points.front().simulation->outputs());
    target->record(writer);
  }

  std::vector<std::uint64_t> keys;
  std::vector<std::vector<std::string>> values;
  std::vector<std::vector<Summary>> summaries;
  std::vector<std::string> notes;
  double wall_seconds = 0.0;
  for (const Shard& sh : shards) wall_seconds += sh.wall_seconds;
  static constexpr std::array stored_groups = {"block_moments", "replicates", "timeseries", "parameters", "plan"};
  for (std::size_t i = 0; i < s.points.size(); ++i) {
    const ScenarioPoint& p = s.points[i];
    const auto& specs = p.simulation->outputs();
    const auto columns = p.parameters.table->sampled_columns();
    const std::string group = s.is_sweep() ? "points/" + std::to_string(i) : "";
    writer.begin_scenario(group, specs, columns, s.replicates);
    writer.write_plan(p.simulation->plan_report());
    std::vector<Moments> total(specs.size());
    bool reached = false;
    std::vector<std::string> empty;  // shards that store none of this scenario
    for (const Shard& sh : shards) {
      if (reached) break;
      const std::string where = group.empty() ? "/" : group;
      // A shard given no blocks of a point or of the run stores none of its groups.
      if ((!group.empty() && !(hdf5::link_exists(sh.file.get(), "points") && hdf5::link_exists(sh.file.get(), group))) ||
          (group.empty() && std::none_of(stored_groups.begin(), stored_groups.end(),
                                         [&](const char* g) { return hdf5::link_exists(sh.file.get(), g); }))) {
        empty.push_back("'" + sh.path + "'");
        continue;
      }
      Id base = hdf5::open_group(sh.file.get(), where);
      // Shards join end to end: replicates missing before this one were lost
      // by a shard that stores none (and should have), or its own start was altered.
      const std::uint64_t first_row = hdf5::read_uint64_attribute(base.get(), "first_row").value_or(0);
      if (first_row != writer.rows_written()) {
        const std::string scenario = group.empty() ? "the run" : "point " + std::to_string(i);
        if (empty.empty() || first_row < writer.rows_written())
          throw InputError(fmt::format("'{}' starts {} at replicate {} where the shards before it end at {}: it was "
                                       "altered; run it again",
                                       sh.path, scenario, first_row, writer.rows_written()));
        throw InputError(fmt::format("replicates {} to {} of {} are in none of the shards: {} store{} nothing of it, "
                                     "so {} altered; run {} again",
                                     writer.rows_written(), first_row - 1, scenario, fmt::join(empty, ", "),
                                     empty.size() == 1 ? "s" : "", empty.size() == 1 ? "it was" : "one of them was",
                                     empty.size() == 1 ? "it" : "that shard"));
      }
      reached = copy_rows(sh.path, text(sh.file.get(), "git_revision"), base.get(), first_row, specs, columns, writer,
                          total, target ? &*target : nullptr);
    }
    if (!reached && writer.rows_written() != s.replicates)
      throw InputError(fmt::format("the shards hold {} of the {} replicates of {}", writer.rows_written(), s.replicates,
                                   group.empty() ? "the run" : "point " + std::to_string(i)));
    summaries.push_back(writer.write_summaries(total));
    if (target) notes.push_back((s.is_sweep() ? fmt::format("point {}: ", i) : std::string()) +
                                target->record_result(writer, total, reached));
    keys.push_back(p.key);
    values.push_back(p.values);
  }
  if (s.is_sweep()) {
    const ChoiceReport report = choose_point(s.sweep_choice, summaries, s.points.front().simulation->outputs());
    writer.write_scenario_table(s.sweep_columns, keys, values, report, s.sweep_choice.describe());
    if (s.solve) writer.write_solve_record(finish_solve_record(s.solve_record, *s.solve, summaries, report));
  }
  writer.commit(wall_seconds);
  {
    const ResultFileSummary summary = read_result_summary(output);
    std::cout << format_summary_table(summary) << format_outcomes(summary);
  }
  std::cout << fmt::format("\nmerged {} shards into {}\n", shards.size(), output);
  for (const auto& note : notes) std::cout << note << "\n";
  return 0;
}

}  // namespace samdsim::app
