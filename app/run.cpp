// `samdsim run`: every scenario of a config through the runner into one
// result file, with interruption (SIGINT/SIGTERM), resume and a precision
// target.
#include "run.hpp"
#include "run_scenario.hpp"

#include "sensitivity.hpp"
#include "precision.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>

#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "samdsim/output_files.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/result_writer.hpp"
#include "samdsim/runner.hpp"
#include "samdsim/summary_format.hpp"
#include "samdsim/summary_outcomes.hpp"
#include "samdsim/version.hpp"

namespace samdsim::app {

namespace {

std::atomic<bool> interrupt_requested{false};

// The first SIGINT/SIGTERM asks the run to stop at the next block and keep
// its work; a second one ends the process at once, removing the temporary
// copies a resume or a compaction was writing (the partial file stays).
extern "C" void on_stop_signal(int signal) {
  if (!interrupt_requested.exchange(true)) return;
  files::remove_registered_temporaries();
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

// Installs the stop handlers for the life of a run, through its commit.
struct StopSignals {
  explicit StopSignals(bool install) : installed(install) {
    interrupt_requested.store(false);
    if (!installed) return;
    previous_int = std::signal(SIGINT, on_stop_signal);
    previous_term = std::signal(SIGTERM, on_stop_signal);
  }
  ~StopSignals() {
    if (!installed) return;
    std::signal(SIGINT, previous_int == SIG_ERR ? SIG_DFL : previous_int);
    std::signal(SIGTERM, previous_term == SIG_ERR ? SIG_DFL : previous_term);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  bool installed;
  void (*previous_int)(int) = SIG_DFL;
  void (*previous_term)(int) = SIG_DFL;
};

// Writes blocks, keeps the summaries of what is written (merged exactly as the
// runner merges them) and checkpoints them now and then, so an interrupted
// run can be resumed from its last block. A shard also keeps every block's
// own summaries, for merge.
class CheckpointSink : public BlockSink {
 public:
  CheckpointSink(ResultWriter& writer, std::vector<Moments> written, bool keep_blocks)
      : writer_(writer),
        written_(std::move(written)),
        keep_blocks_(keep_blocks),
        last_save_(std::chrono::steady_clock::now()) {}

  void block_moments(const std::vector<Moments>& moments) override { pending_ = &moments; }
  void consume(const Block& block) override {
    writer_.write_block(block);
    for (std::size_t k = 0; k < written_.size(); ++k) written_[k].merge((*pending_)[k]);
    if (keep_blocks_) {
      blocks_.push_back(*pending_);
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_save_ > std::chrono::seconds(30)) {
      writer_.save_checkpoint(written_);
      last_save_ = now;
    }
  }
  const std::vector<Moments>& written() const { return written_; }
  const std::vector<std::vector<Moments>>& blocks() const { return blocks_; }

 private:
  ResultWriter& writer_;
  std::vector<Moments> written_;
  bool keep_blocks_;
  std::vector<std::vector<Moments>> blocks_;
  const std::vector<Moments>* pending_ = nullptr;
  std::chrono::steady_clock::time_point last_save_;
};

// What must match for a partial file to be resumed with this command line.
std::string stopping_rule(const RunArgs& a, std::uint64_t max_replicates_value) {
  if (!a.target_rse) return "";
  std::string names;
  for (const auto& n : a.target_outputs) names += (names.empty() ? "" : ",") + n;
  return fmt::format("target_rse={:g};outputs={};max_replicates={}", *a.target_rse, names.empty() ? "all" : names,
                     max_replicates_value);
}

// Blocks [first, end) of point `point` that a shard runs: the work is every
// point's blocks in order, cut into `count` contiguous slices.
std::pair<std::uint64_t, std::uint64_t> shard_blocks(const ShardSpec& shard, std::uint64_t points,
                                                     std::uint64_t blocks_per_point, std::uint64_t point) {
  __extension__ typedef unsigned __int128 wide;  // points x blocks x shards can pass 2^64
  const wide units = static_cast<wide>(points) * blocks_per_point;
  const auto lo = static_cast<std::uint64_t>(units * shard.index / shard.count);
  const auto hi = static_cast<std::uint64_t>(units * (shard.index + 1) / shard.count);
  const std::uint64_t start = point * blocks_per_point;
  const std::uint64_t first = std::clamp(lo, start, start + blocks_per_point) - start;
  const std::uint64_t end = std::clamp(hi, start, start + blocks_per_point) - start;
  return {first, std::max(first, end)};
}

}  // namespace

ShardSpec parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) throw InputError("--shard: expected I/N (shard I of N, I from 0 to N-1), got '" + text + "'");
  ShardSpec s;
  s.count = parse_count(text.substr(slash + 1), "--shard N", 1, 1'000'000);
  s.index = parse_count(text.substr(0, slash), "--shard I", 0, s.count - 1);
  return s;
}

std::filesystem::path output_path(const RunArgs& a) {
  namespace fs = std::filesystem;
  if (a.output_given && a.output.empty()) throw InputError("--output: the output file name is empty");
  const fs::path out = a.output.empty() ? fs::path(fs::path(a.config).stem().string() + ".h5") : fs::path(a.output);
  std::error_code ec;
  if (fs::is_directory(out, ec))
    throw InputError("output '" + out.string() + "' is a directory; give a file name such as result.h5");
  files::require_regular_output(out, "output");
  if (fs::equivalent(out, a.config, ec))
    throw InputError("output '" + out.string() + "' is the config file '" + a.config +
                     "' itself; give another name such as result.h5");
  return out;
}

namespace {

// The result file of a run: a new one, or the partial file a run left,
// refused where it was started under another config, options or build.
std::unique_ptr<ResultWriter> open_writer(const RunArgs& a, const std::filesystem::path& out, RunInfo& info,
                                          const std::string& rule, OutputsKept kept,
                                          const std::optional<ShardSpec>& shard,
                                          const std::optional<PrecisionTarget>& target) {
  std::unique_ptr<ResultWriter> writer;
  if (a.resume) {
    writer = std::make_unique<ResultWriter>(out, ResultWriter::Resume{});
    const auto mismatch = [&](const std::string& what) {
      return InputError("cannot resume '" + ResultWriter::partial_path(out).string() + "': it was started with " +
                        what + "; resume with the same config, options and samdsim version, or remove it");
    };
    if (writer->root_attribute("config_yaml") != info.config_yaml) throw mismatch("another config, seed or replicate count");
    // The format version as well: builds of one revision string (configured
    // before a change, or without git) may still draw other streams.
    if (writer->root_attribute("version") != result_format_version)
      throw mismatch("file format " + writer->root_attribute("version") + ", not " + result_format_version +
                     " (another build)");
    if (writer->root_attribute("samdsim_version") != version || writer->root_attribute("git_revision") != git_revision)
      throw mismatch("another samdsim version (" + writer->root_attribute("samdsim_version") + ")");
    if (writer->root_attribute("stopping_rule") != rule) throw mismatch("another stopping rule");

    if (!writer->suspended_cleanly())
      std::cerr << fmt::format("samdsim: warning: '{}' was left by a run that did not stop cleanly (killed?); "
                               "resuming from its last checkpoint\n",
                               ResultWriter::partial_path(out).string());
    writer->take_over();
    // Its datasets keep the levels the run started with; what the file keeps may change.
    if (a.compression &&
        writer->root_attribute("compression") != compression_text(stored_compression(info.compression, writer->kept())))
      throw mismatch("--compression " + writer->root_attribute("compression") + " (a resumed run stores as it began)");
    writer->set_kept(kept);
  } else {
    if (shard) info.shards = static_cast<unsigned>(shard->count);
    writer = std::make_unique<ResultWriter>(out, info);
    writer->set_root_attribute("stopping_rule", rule);
    if (target) target->record(*writer);
    if (shard) writer->mark_shard(shard->index, shard->count);
  }
  return writer;
}

}  // namespace

int run_scenario(const RunArgs& a, bool quiet, FollowUp& next) {
  Scenario s = load_scenario(a.config);
  next.sensitivity = s.sensitivity.has_value();
  next.points = s.is_sweep() ? s.points.size() : 0;
  if (a.replicates) s.replicates = parse_count(*a.replicates, "--replicates", 1, max_replicates);
  if (a.seed) s.seed = parse_count(*a.seed, "--seed", 0, UINT64_MAX);
  const ProgressMode progress = parse_progress_mode(a.progress);
  if (a.threads > 4096) throw InputError("--threads: at most 4096");
  // --threads holds for the whole command: the simulation, and the writer's
  // compression of the last chunks, summaries and commit after it.
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, resolve_threads(a.threads));
  if (a.target_rse && !(*a.target_rse > 0.0 && *a.target_rse < 1.0))
    throw InputError(fmt::format("--target-rse: expected a relative standard error in (0, 1), got {:g}", *a.target_rse));
  if (!a.target_rse && (!a.target_outputs.empty() || a.max_replicates))
    throw InputError("--target-output and --max-replicates go with --target-rse");
  // With a precision target the run may go up to --max-replicates (default: the config's count).
  if (a.target_rse && a.max_replicates)
    s.replicates = parse_count(*a.max_replicates, "--max-replicates", 1, max_replicates);
  const OutputsKept kept = parse_outputs_kept(a.outputs);
  // The analysis a sensitivity: section asks for is checked before the run: it runs on the final file.
  if (next.analyse) check_sensitivity_section(s, kept);
  std::optional<ShardSpec> shard;
  if (a.shard && kept != OutputsKept::all)
    throw InputError("--outputs: a shard keeps every value for merge; give --outputs to samdsim merge instead");
  if (a.shard) {
    shard = parse_shard(*a.shard);
    if (a.resume) throw InputError("--resume does not apply to a shard: a failed shard is simply run again");
  }
  std::optional<PrecisionTarget> target;
  if (a.target_rse) target.emplace(*a.target_rse, a.target_outputs, s.points.front().simulation->outputs());

  const std::filesystem::path out = output_path(a);
  next.output = out.string();
  if (!quiet) std::cerr << plan_warnings(s);

  RunInfo info;
  info.model = s.model->name();
  info.name = s.name;
  info.config_yaml = s.resolved_yaml();
  info.created_utc = utc_timestamp_now();
  info.seed = s.seed;
  info.replicates = s.replicates;
  info.threads = resolve_threads(a.threads);
  info.compression = a.compression ? parse_compression(*a.compression) : Compression{};
  info.kept = kept;
  const std::string rule = stopping_rule(a, s.replicates);

  std::unique_ptr<ResultWriter> writer = open_writer(a, out, info, rule, kept, shard, target);

  // Reading a partial file back and adopting its groups: what fails there is
  // the file (altered, damaged), not the program.
  const auto from_partial = [&](auto&& step) -> decltype(step()) {
    if (!a.resume) return step();
    try {
      return step();
    } catch (const InternalError& e) {
      throw InputError("cannot resume from '" + ResultWriter::partial_path(out).string() + "': " + e.what() +
                       "; the partial file is damaged, remove it to run again");
    }
  };

  // A shard is not resumable (it is run again), so signals keep their default there.
  const StopSignals signals(!shard);

  double wall_seconds = 0.0;
  std::uint64_t done = 0;
  std::vector<std::uint64_t> keys;
  std::vector<std::vector<std::string>> values;
  std::vector<std::vector<Summary>> summaries;
  std::vector<std::string> precision_notes;
  // A sweep shows one bar for all its points: the current point and the overall ETA.
  std::optional<Progress> sweep_progress;
  const auto point_replicates = [&](std::size_t i) {
    if (!shard) return s.replicates;
    const auto [first, end] = shard_blocks(*shard, s.points.size(), block_count(s.replicates), i);
    return first == end ? 0 : std::min(s.replicates, end * replicates_per_block) - first * replicates_per_block;
  };
  if (s.is_sweep()) {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < s.points.size(); ++i) total += point_replicates(i);
    sweep_progress.emplace(total, progress, "samdsim");
  }
  for (std::size_t i = 0; i < s.points.size(); ++i) {
    const ScenarioPoint& p = s.points[i];
    const ParameterTable& table = *p.parameters.table;
    const std::string group = s.is_sweep() ? "points/" + std::to_string(i) : "";
    keys.push_back(p.key);
    values.push_back(p.values);
    if (sweep_progress) {
      std::string label;
      for (std::size_t c = 0; c < s.sweep_columns.size(); ++c)
        label += (c ? ", " : "") + s.sweep_columns[c] + "=" + p.values[c];
      if (label.size() > 40) label = label.substr(0, 37) + "...";
      sweep_progress->set_label(fmt::format("point {}/{} ({})", i + 1, s.points.size(), label));
    }
    if (a.resume && from_partial([&] { return writer->scenario_complete(group); })) {
      summaries.push_back(from_partial([&] { return writer->scenario_summaries(group); }));
      if (sweep_progress) sweep_progress->advance(point_replicates(i));
      continue;
    }
    RunOptions options;
    options.replicates = s.replicates;
    options.seed = s.seed;
    options.scenario = p.key;
    options.threads = a.threads;
    options.progress = progress;
    options.shared_progress = sweep_progress ? &*sweep_progress : nullptr;
    options.interrupt = &interrupt_requested;
    if (shard) {
      const auto [first, end] = shard_blocks(*shard, s.points.size(), block_count(s.replicates), i);
      if (first == end) continue;
      options.first_block = first;
      options.end_block = end;
      const std::uint64_t first_row = first * replicates_per_block;
      writer->begin_scenario(group, p.simulation->outputs(), table.sampled_columns(),
                             std::min(s.replicates, end * replicates_per_block) - first_row, first_row);
    } else if (a.resume && from_partial([&] { return writer->scenario_started(group); })) {
      auto [rows, moments] = from_partial(
          [&] { return writer->resume_scenario(group, p.simulation->outputs(), table.sampled_columns()); });
      options.first_block = rows / replicates_per_block;
      options.initial_moments = std::move(moments);
      if (sweep_progress) sweep_progress->advance(std::min(s.replicates, options.first_block * replicates_per_block));
    } else {
      from_partial([&] { writer->begin_scenario(group, p.simulation->outputs(), table.sampled_columns(), s.replicates); });
    }
    from_partial([&] { writer->write_plan(p.simulation->plan_report()); });
    // A shard runs its whole slice: merge applies the target in block order.
    if (target && !shard)
      options.stop_when = [&](const std::vector<Moments>& m, std::uint64_t n) { return target->reached(m, n); };
    CheckpointSink sink(*writer,
                        options.initial_moments.empty() ? std::vector<Moments>(p.simulation->outputs().size())
                                                        : options.initial_moments,
                        shard.has_value());
    const RunResult result = run_replicates(*p.simulation, table, options, sink);
    wall_seconds += result.wall_seconds;
    done += result.replicates - std::min(result.replicates, options.first_block * replicates_per_block);
    if (result.interrupted) {
      writer->save_checkpoint(sink.written());
      writer->suspend();
      std::cerr << fmt::format(
          "samdsim: interrupted after {} replicates{}; the work so far is in '{}'.\n"
          "Resume with: samdsim run {} -o {} --resume (and the same options)\n",
          result.replicates, s.is_sweep() ? fmt::format(" of point {}", i) : "",
          ResultWriter::partial_path(out).string(), a.config, out.string());
      return exit_interrupted;
    }
    if (shard) {
      writer->write_block_moments(options.first_block, sink.blocks());
      continue;
    }
    summaries.push_back(writer->write_summaries(result.moments));
    if (target)
      precision_notes.push_back((s.is_sweep() ? fmt::format("point {}: ", i) : std::string()) +
                                target->record_result(*writer, result.moments, result.target_reached));
  }
  if (sweep_progress) sweep_progress->finish();
  // The handlers stay through the commit: a stop asked for now is answered by
  // the complete result.
  if (shard) {
    if (s.is_sweep()) writer->write_scenario_table(s.sweep_columns, keys, values);
    writer->commit(wall_seconds);
    if (!quiet)
      std::cout << fmt::format("wrote {}: shard {}/{} ({} replicates in {:.2f} s); join the shards with samdsim merge\n",
                               out.string(), shard->index, shard->count, done, wall_seconds);
    return 0;
  }
  if (s.is_sweep()) {
    const ChoiceReport report = choose_point(s.sweep_choice, summaries, s.points.front().simulation->outputs());
    writer->write_scenario_table(s.sweep_columns, keys, values, report, s.sweep_choice.describe());
    if (s.solve) writer->write_solve_record(finish_solve_record(s.solve_record, *s.solve, summaries, report));
  }
  writer->commit(wall_seconds);

  {
    const ResultFileSummary summary = read_result_summary(out);
    std::cout << format_summary_table(summary) << format_outcomes(summary);
  }
  std::cout << fmt::format("\nwrote {} ({} replicates{} in {} s, {} threads, {} replicates/s)\n", out.string(), done,
                           s.is_sweep() ? fmt::format(" over {} points", s.points.size()) : "",
                           format_number(wall_seconds), info.threads,
                           format_number(static_cast<double>(done) / std::max(wall_seconds, 1e-9)));
  for (const auto& note : precision_notes) std::cout << note << "\n";
  return 0;
}

}  // namespace samdsim::app
