#include "samdsim/runner.hpp"

#include <fmt/format.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <exception>
#include <chrono>
#include <cmath>
#include <limits>

#include "samdsim/error.hpp"

#include "tbb_handoff.hpp"

namespace samdsim {

namespace {

using detail::AcquireAtExit;
using detail::Handed;
using detail::handoff;

// Memory for the blocks in flight (two windows): 256 MiB keeps eight
// us_pathway blocks per core on 64 cores, and bounds series-heavy models.
constexpr std::uint64_t window_bytes = 256ULL << 20;

struct Worker {
  std::unique_ptr<Workspace> workspace;
  std::vector<double> values;  // every parameter's value for the current replicate
  std::vector<double> drawn;   // the sampled ones, in column order
};

[[noreturn]] void invalid_value(const OutputSpec& spec, double v, std::uint64_t replicate) {
  throw InternalError(fmt::format("model produced an invalid value {} for output '{}' ({}) in replicate {}", v,
                                  spec.name, spec.unit, replicate));
}
}  // namespace

bool valid_output_value(const OutputSpec& spec, double v) {
  return spec.type == ValueType::Real      ? !std::isinf(v)
         : spec.type == ValueType::Boolean ? (v == 0.0 || v == 1.0)
                                           : std::isfinite(v) && std::floor(v) == v;
}

unsigned resolve_threads(unsigned requested) {
  return requested > 0 ? requested : static_cast<unsigned>(std::max(1, tbb::info::default_concurrency()));
}

RunResult run_replicates(const Simulation& simulation, const ParameterTable& parameters, const RunOptions& options,
                         BlockSink& sink) {
  const auto started = std::chrono::steady_clock::now();
  const auto& outputs = simulation.outputs();
  const unsigned threads = resolve_threads(options.threads);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);

  const std::uint64_t n = options.replicates;
  const std::uint64_t first_block = std::min(options.first_block, block_count(n));
  const std::uint64_t end_block = std::clamp(options.end_block, first_block, block_count(n));
  const std::size_t n_sampled = parameters.sampled_count();
  // The window bounds memory; its size never changes results. Eight blocks
  // per thread that runs (oneTBB runs at most the machine's cores, whatever
  // --threads asks), but never more than window_bytes for the two windows
  // together, and at least one block per running thread.
  const auto running = static_cast<std::uint64_t>(std::clamp(tbb::info::default_concurrency(), 1, static_cast<int>(threads)));
  std::size_t values_per_replicate = n_sampled;
  for (const auto& o : outputs) values_per_replicate += o.width();
  const std::uint64_t block_bytes = replicates_per_block * values_per_replicate * sizeof(double);
  const std::uint64_t affordable = window_bytes / (2 * std::max<std::uint64_t>(block_bytes, 1));
  const std::size_t window = static_cast<std::size_t>(std::clamp<std::uint64_t>(
      end_block - first_block, 1, std::clamp<std::uint64_t>(affordable, running, 8 * running)));

  // Two windows of blocks: while one is simulated, the other is handed to the
  // sink (the HDF5 writer), so I/O overlaps computation.
  std::vector<Block> blocks;
  blocks.reserve(2 * window);
  for (std::size_t i = 0; i < 2 * window; ++i) blocks.emplace_back(outputs, n_sampled, replicates_per_block);
  std::vector<std::vector<Moments>> block_moments(2 * window, std::vector<Moments>(outputs.size()));
  // A block's failure is raised when the block's turn comes in index order,
  // so the replicate an error names does not depend on thread scheduling.
  std::vector<std::exception_ptr> block_errors(2 * window);
  // A stop asked for while a block runs abandons it (and every later block
  // of its window): only complete blocks reach the sink, so a stop takes
  // about one replicate, and a resumed run recomputes the abandoned ones.
  std::vector<std::uint8_t> block_abandoned(2 * window, 0);
  const std::vector<ParameterColumn> columns = parameters.sampled_columns();

  const std::vector<double> initial = parameters.initial_values();
  tbb::enumerable_thread_specific<Worker> workers([&] {
    return Worker{simulation.make_workspace(), initial, std::vector<double>(n_sampled)};
  });

  RunResult result;
  result.moments = options.initial_moments.empty() ? std::vector<Moments>(outputs.size()) : options.initial_moments;
  if (result.moments.size() != outputs.size()) throw std::logic_error("run_replicates: initial moments do not match");
  result.threads = threads;
  result.end_block = first_block;
  result.replicates = std::min(n, first_block * replicates_per_block);
  const std::uint64_t todo = std::min(n, end_block * replicates_per_block) - result.replicates;
  Progress own_progress(todo, options.shared_progress ? ProgressMode::Never : options.progress, "samdsim");
  Progress& progress = options.shared_progress ? *options.shared_progress : own_progress;
  // Replicates are counted in small batches, so a slow model's bar moves
  // within its first block.
  constexpr std::size_t progress_batch = 16;

  auto simulate_block_unchecked = [&](std::size_t slot, std::uint64_t block_index) {
    Worker& w = workers.local();
    Block& block = blocks[slot];
    const std::uint64_t first = block_index * replicates_per_block;
    const auto count = static_cast<std::size_t>(std::min<std::uint64_t>(replicates_per_block, n - first));
    block.reset(first, count);
    block_abandoned[slot] = 0;
    // Every output starts as NaN: what a replicate does not set stays missing.
    for (std::size_t k = 0; k < outputs.size(); ++k) {
      const auto values = block.output(k);
      std::fill(values.begin(), values.end(), std::numeric_limits<double>::quiet_NaN());
    }
    for (std::size_t i = 0; i < count; ++i) {
      if (options.interrupt && options.interrupt->load(std::memory_order_relaxed)) {
        block_abandoned[slot] = 1;
        return;
      }
      const std::uint64_t r = options.first_replicate + options.replicate_step * (first + i);
      parameters.draw(options.seed, options.scenario, r, w.values, w.drawn);
      for (std::size_t j = 0; j < n_sampled; ++j) {
        // A distribution whose tail passes the largest double (e.g. a huge
        // lognormal sigma) is the config's problem: name it, never store it.
        if (!std::isfinite(w.drawn[j]))
          throw InputError(fmt::format("{}: drew {} in replicate {}: the distribution's values exceed double "
                                       "precision; narrow it",
                                       columns[j].name, w.drawn[j], r));
        block.parameter(j)[i] = w.drawn[j];
      }
      Stream model_stream(options.seed, options.scenario, r, model_substream);
      ReplicateContext ctx(r, w.values, model_stream, {options.seed, options.scenario});
      simulation.simulate(ctx, w.workspace.get(), OutputRow(block, i));
      if (i % progress_batch == progress_batch - 1) progress.advance(progress_batch);
    }
    for (std::size_t k = 0; k < outputs.size(); ++k) {
      const auto values = block.output(k);
      for (std::size_t i = 0; i < values.size(); ++i)
        if (!valid_output_value(outputs[k], values[i]))
          invalid_value(outputs[k], values[i],
                        options.first_replicate + options.replicate_step * (first + i / outputs[k].width()));
      block_moments[slot][k] = outputs[k].is_series() ? Moments{} : Moments::of(values);
    }
    progress.advance(count % progress_batch);
  };
  auto simulate_block = [&](std::size_t slot, std::uint64_t block_index) {
    block_errors[slot] = nullptr;
    try {
      simulate_block_unchecked(slot, block_index);
    } catch (...) {
      block_errors[slot] = std::current_exception();
    }
  };

  // Hands a simulated window to the sink and the summaries, in block order,
  // until a stopping rule says enough.
  bool stop = false;
  bool abandoned = false;  // a block was cut short by a stop request
  auto consume_window = [&](std::size_t first_slot, std::size_t count) {
    for (std::size_t slot = first_slot; slot < first_slot + count && !stop; ++slot) {
      if (block_errors[slot]) std::rethrow_exception(block_errors[slot]);
      if (block_abandoned[slot]) {
        abandoned = true;
        return;
      }
      for (std::size_t k = 0; k < outputs.size(); ++k) result.moments[k].merge(block_moments[slot][k]);
      sink.block_moments(block_moments[slot]);
      sink.consume(blocks[slot]);
      result.replicates += blocks[slot].count();
      ++result.end_block;
      if (options.stop_when && options.stop_when(result.moments, result.replicates)) {
        stop = true;
        result.target_reached = true;
      }
    }
  };

  std::size_t pending_slot = 0, pending_count = 0;
  for (std::uint64_t start = first_block, w = 0; start < end_block && !stop; start += window, ++w) {
    const auto in_window = static_cast<std::size_t>(std::min<std::uint64_t>(window, end_block - start));
    const std::size_t base = (w % 2) * window;
    tbb::task_group io;
    if (pending_count > 0)
      io.run(Handed([&, pending_slot, pending_count] { consume_window(pending_slot, pending_count); }));
    {
      const AcquireAtExit joined;
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, in_window, 1),
                        Handed([&, base, start](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t i = r.begin(); i != r.end(); ++i) simulate_block(base + i, start + i);
                        }));
      handoff.acquire();
      io.wait();
    }
    pending_slot = base;
    pending_count = in_window;
    if (options.interrupt && options.interrupt->load()) {
      consume_window(pending_slot, pending_count);
      pending_count = 0;
      result.interrupted = !stop && result.end_block < end_block;
      break;
    }
  }
  if (abandoned && !result.interrupted) throw std::logic_error("run_replicates: a block was abandoned without a stop request");
  if (pending_count > 0) consume_window(pending_slot, pending_count);
  own_progress.finish();
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace samdsim
