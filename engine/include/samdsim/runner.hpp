#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "samdsim/model.hpp"
#include "samdsim/parameters.hpp"
#include "samdsim/progress.hpp"
#include "samdsim/results.hpp"
#include "samdsim/stats.hpp"

namespace samdsim {

// Replicates are simulated and reduced in blocks of this size. It is part of
// the reproducibility contract (summaries are merged block by block in index
// order), so it never depends on the thread count.
inline constexpr std::size_t replicates_per_block = 1024;

struct RunOptions {
  std::uint64_t replicates = 0;
  std::uint64_t seed = 0;
  std::uint64_t scenario = 0;
  unsigned threads = 0;  // 0: all available cores
  ProgressMode progress = ProgressMode::Auto;
  // A bar shared by several runs (a sweep's points), advanced instead of
  // the run's own; null: the run draws its own bar (per `progress`).
  Progress* shared_progress = nullptr;
  // The replicate that position i of the run is: first_replicate +
  // replicate_step * i keys its parameters' and its model's random numbers;
  // the sink and the summaries still see positions 0..replicates-1. The
  // default is the run's own replicates (a Saltelli design runs others).
  std::uint64_t first_replicate = 0;
  std::uint64_t replicate_step = 1;

  // A slice of the blocks (shards, resumed runs): [first_block, end_block),
  // end_block clamped to the last block of `replicates`.
  std::uint64_t first_block = 0;
  std::uint64_t end_block = UINT64_MAX;
  // The summaries of the blocks before first_block (a resumed run); empty: none.
  std::vector<Moments> initial_moments;
  // Set from a signal handler: the blocks in flight are abandoned at their
  // next replicate, the complete blocks before them are handed to the sink
  // in order, and the run stops (RunResult::interrupted).
  const std::atomic<bool>* interrupt = nullptr;
  // Asked after each block, in block order, with the summaries so far and
  // the replicates done: true stops the run there (a precision target). Its
  // answer depends only on the blocks, so the stopping point is the same for
  // any thread count.
  std::function<bool(const std::vector<Moments>&, std::uint64_t replicates_done)> stop_when;
};

// Receives finished blocks, strictly in replicate order.
class BlockSink {
 public:
  virtual ~BlockSink() = default;
  // The block's own summaries (one per output), just before consume().
  virtual void block_moments(const std::vector<Moments>& /*moments*/) {}
  virtual void consume(const Block& block) = 0;
};

struct RunResult {
  std::vector<Moments> moments;  // one per output (series outputs: unused)
  unsigned threads = 1;
  double wall_seconds = 0.0;
  std::uint64_t end_block = 0;     // the first block not handed to the sink
  std::uint64_t replicates = 0;    // replicates handed to the sink, from block 0 (all of them, resumed or not)
  bool interrupted = false;        // stopped by `interrupt`
  bool target_reached = false;     // stopped by `stop_when`
};

// Model outputs must be numbers of their declared type: a real output may be
// NaN ("did not happen", e.g. months to authorization when never authorized)
// but not infinite; integers whole and finite; booleans 0 or 1.
bool valid_output_value(const OutputSpec& spec, double v);

inline std::uint64_t block_count(std::uint64_t replicates) {
  return (replicates + replicates_per_block - 1) / replicates_per_block;
}

unsigned resolve_threads(unsigned requested);

// Runs every replicate of a prepared simulation with oneTBB: blocks are
// simulated in parallel, a window at a time, then handed to `sink` and merged
// into the summaries in index order. Per-replicate values and summaries are
// bitwise identical for any thread count.
RunResult run_replicates(const Simulation& simulation, const ParameterTable& parameters, const RunOptions& options,
                         BlockSink& sink);

}  // namespace samdsim
