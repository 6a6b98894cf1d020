#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
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
};

// Receives finished blocks, strictly in replicate order.
class BlockSink {
 public:
  virtual ~BlockSink() = default;
  virtual void consume(const Block& block) = 0;
};

struct RunResult {
  std::vector<Moments> moments;  // one per output (series outputs: unused)
  unsigned threads = 1;
  double wall_seconds = 0.0;
};

unsigned resolve_threads(unsigned requested);

// Runs every replicate of a prepared simulation with oneTBB: blocks are
// simulated in parallel, a window at a time, then handed to `sink` and merged
// into the summaries in index order. Per-replicate values and summaries are
// bitwise identical for any thread count.
RunResult run_replicates(const Simulation& simulation, const ParameterTable& parameters, const RunOptions& options,
                         BlockSink& sink);

}  // namespace samdsim
