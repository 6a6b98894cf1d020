// The sensitivity command's Saltelli design: run here, in a shard, joined
// from shards or split over MPI ranks, and grown towards a target width.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>

#include "mpi_env.hpp"
#include "run.hpp"
#include "samdsim/error.hpp"
#include "samdsim/numbers.hpp"
#include "samdsim/sobol.hpp"
#include "sensitivity_analysis.hpp"
#include "sobol_samples.hpp"

namespace samdsim::app::sensitivity_detail {

namespace {

namespace fs = std::filesystem;

// A rank's failure under mpirun, already reported: the command exits with it.
struct RanksFailed {
  int status;
};

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

}  // namespace samdsim::app::sensitivity_detail
