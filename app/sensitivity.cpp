// `samdsim sensitivity`: rank statistics, the tornado and the storing of
// the analyses; what is analysed is settled in sensitivity_prepare.cpp, the
// Saltelli design runs in sensitivity_design.cpp.
#include "sensitivity.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <initializer_list>
#include <iostream>
#include <optional>

#include "mpi_env.hpp"
#include "run.hpp"
#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/hdf5_file.hpp"
#include "samdsim/numbers.hpp"
#include "samdsim/result_annex.hpp"
#include "samdsim/result_compact.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/runner.hpp"
#include "samdsim/sensitivity.hpp"
#include "samdsim/sensitivity_report.hpp"
#include "sensitivity_analysis.hpp"

namespace samdsim::app {

namespace {

using namespace sensitivity_detail;
using hdf5::Id;

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
  const ColumnOrder order = column_order(x);
  Id file = open_result_file(an.path);
  Id base = an.scenario.empty() ? hdf5::open_group(file.get(), "/") : open_stored_group(file.get(), an.scenario, an.file_name);
  // Outputs are analysed together, as many at a time as there are
  // parameters (at least 8): together they share the parameters' side of
  // the statistics, and their columns take no more memory than the
  // parameters' own.
  const std::size_t batch = std::max<std::size_t>(8, an.names.size());
  std::vector<OutputResult*> ready;
  std::vector<std::vector<double>> values;
  const auto analyse = [&] {
    if (ready.empty()) return;
    Eigen::MatrixXd y(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(ready.size()));
    for (std::size_t o = 0; o < ready.size(); ++o)
      y.col(static_cast<Eigen::Index>(o)) =
          Eigen::Map<const Eigen::VectorXd>(values[o].data(), static_cast<Eigen::Index>(rows));
    auto stats = sensitivity(x, order, y, static_cast<std::size_t>(an.set.bootstrap), an.seed);
    for (std::size_t o = 0; o < ready.size(); ++o) ready[o]->stats = std::move(stats[o]);
    ready.clear();
    values.clear();
  };
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
    ready.push_back(&r);
    values.push_back(std::move(v));
    if (ready.size() == batch) analyse();
  }
  analyse();
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
