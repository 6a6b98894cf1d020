// samdsim run: one process, or every rank under mpirun, then the analyses
// the config's sensitivity: section asks for.

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "merge.hpp"
#include "mpi_env.hpp"
#include "run.hpp"
#include "run_scenario.hpp"
#include "sensitivity.hpp"
#include "samdsim/error.hpp"

namespace samdsim::app {

namespace {

// Under mpirun every rank runs the shard rank/size into a file beside the
// output; once all have succeeded rank 0 merges them into the output, which
// is then identical to a single-process run, and removes them.
int run_under_mpi(const RunArgs& a, const MpiEnv& mpi, FollowUp& next) {
  if (a.shard || a.resume)
    throw InputError("under mpirun the ranks split the run themselves: --shard and --resume do not apply");
  namespace fs = std::filesystem;
  const fs::path out = output_path(a);
  const auto part = [&](int r) {
    return out.parent_path() / fmt::format("{}.rank{}of{}.h5", out.filename().string(), r, mpi.size());
  };
  RunArgs mine = a;
  mine.shard = fmt::format("{}/{}", mpi.rank(), mpi.size());
  mine.output = part(mpi.rank()).string();
  if (mpi.rank() != 0) mine.progress = "never";
  int status = 0;
  std::string error;
  try {
    status = run_scenario(mine, true, next);
  } catch (const InputError& e) {
    status = 2;
    error = e.what();
  } catch (const std::exception& e) {
    status = 1;
    error = std::string("internal error: ") + e.what();
  }
  // Bad input fails on every rank alike: rank 0 reports it; other failures are reported where they happen.
  if (!error.empty() && (status != 2 || mpi.rank() == 0)) std::cerr << fmt::format("samdsim: rank {}: {}\n", mpi.rank(), error);
  status = mpi.max_over_ranks(status);
  if (status == 0 && mpi.rank() == 0) {
    std::vector<std::string> parts;
    for (int r = 0; r < mpi.size(); ++r) parts.push_back(part(r).string());
    // --threads holds for rank 0's merge too (its summaries and chunks).
    status = status_of([&] { return command_merge(parts, out.string(), "all", std::nullopt, a.threads); });
  }
  status = mpi.max_over_ranks(status);
  std::error_code ec;
  fs::remove(part(mpi.rank()), ec);
  next.output = out.string();
  return status;
}

}  // namespace

int command_run(const RunArgs& a) {
  const MpiEnv* mpi = MpiEnv::current();
  FollowUp next;
  next.analyse = !a.shard;
  const int status = mpi && mpi->parallel() ? run_under_mpi(a, *mpi, next) : run_scenario(a, false, next);
  if (status != 0 || a.shard || !next.sensitivity) return status;
  // The section's analysis, of every point of a sweep in turn.
  for (std::size_t i = 0; i < std::max<std::size_t>(next.points, 1); ++i) {
    SensitivityArgs sa;
    sa.file = next.output;
    sa.threads = a.threads;
    sa.progress = a.progress;
    if (next.points > 0) sa.point = i;
    if (const int s = command_sensitivity(sa); s != 0) return s;
  }
  return 0;
}

}  // namespace samdsim::app
