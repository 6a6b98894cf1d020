#include "samdsim/sobol.hpp"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <memory>
#include <stdexcept>

#include "samdsim/numbers.hpp"
#include "samdsim/random.hpp"
#include "samdsim/runner.hpp"
#include "samdsim/sensitivity.hpp"

namespace samdsim {

namespace {

// The indices estimated on the rows `rows` (repeats allowed); returns Var(Y).
double estimate(const Eigen::VectorXd& a, const Eigen::VectorXd& b, const Eigen::MatrixXd& ab,
              const std::vector<Eigen::Index>& rows, Eigen::Ref<Eigen::VectorXd> first,
              Eigen::Ref<Eigen::VectorXd> total) {
  const auto n = static_cast<double>(rows.size());
  double mean = 0.0;
  for (const Eigen::Index r : rows) mean += a(r) + b(r);
  mean /= 2.0 * n;
  double variance = 0.0;
  for (const Eigen::Index r : rows) variance += (a(r) - mean) * (a(r) - mean) + (b(r) - mean) * (b(r) - mean);
  variance /= 2.0 * n - 1.0;
  for (Eigen::Index g = 0; g < ab.cols(); ++g) {
    double s = 0.0, t = 0.0;
    for (const Eigen::Index r : rows) {
      const double d = ab(r, g) - a(r);
      s += (b(r) - mean) * d;
      t += d * d;
    }
    first(g) = variance > 0.0 ? s / n / variance : nan;
    total(g) = variance > 0.0 ? t / (2.0 * n) / variance : nan;
  }
  return variance;
}

// Collects one column of each analysed output by position in the run.
class CaptureSink : public BlockSink {
 public:
  CaptureSink(const std::vector<OutputColumn>& outputs, std::size_t rows)
      : outputs_(outputs), values_(outputs.size(), Eigen::VectorXd::Constant(static_cast<Eigen::Index>(rows), nan)) {}
  void consume(const Block& block) override {
    for (std::size_t k = 0; k < outputs_.size(); ++k) {
      const auto column = block.output(outputs_[k].output);
      const std::size_t width = block.width(outputs_[k].output);
      for (std::size_t i = 0; i < block.count(); ++i)
        values_[k](static_cast<Eigen::Index>(block.first() + i)) = column[i * width + outputs_[k].column];
    }
  }
  const Eigen::VectorXd& values(std::size_t k) const { return values_[k]; }

 private:
  const std::vector<OutputColumn>& outputs_;
  std::vector<Eigen::VectorXd> values_;
};

}  // namespace

SobolIndices sobol_indices(const SobolSamples& samples, std::size_t bootstrap, std::uint64_t seed) {
  const Eigen::Index groups = samples.ab.cols();
  SobolIndices out;
  for (auto* v : {&out.first, &out.first_low, &out.first_high, &out.total, &out.total_low, &out.total_high})
    *v = Eigen::VectorXd::Constant(groups, nan);
  out.variance = nan;
  std::vector<Eigen::Index> rows;
  for (Eigen::Index r = 0; r < samples.a.size(); ++r)
    if (std::isfinite(samples.a(r)) && std::isfinite(samples.b(r)) && samples.ab.row(r).allFinite()) rows.push_back(r);
  out.rows_used = rows.size();
  if (rows.size() < 3) return out;
  out.variance = estimate(samples.a, samples.b, samples.ab, rows, out.first, out.total);
  if (bootstrap == 0 || !(out.variance > 0.0)) return out;
  std::vector<std::vector<double>> first(static_cast<std::size_t>(groups)), total(static_cast<std::size_t>(groups));
  std::vector<Eigen::Index> resample(rows.size());
  Eigen::VectorXd f(groups), t(groups);
  for (std::size_t b = 0; b < bootstrap; ++b) {
    Stream stream(seed, 0, b, 8);
    for (auto& r : resample) r = rows[stream.uniform_index(rows.size())];
    estimate(samples.a, samples.b, samples.ab, resample, f, t);
    for (Eigen::Index g = 0; g < groups; ++g) {
      first[static_cast<std::size_t>(g)].push_back(f(g));
      total[static_cast<std::size_t>(g)].push_back(t(g));
    }
  }
  for (Eigen::Index g = 0; g < groups; ++g) {
    std::tie(out.first_low(g), out.first_high(g)) = bootstrap_interval(first[static_cast<std::size_t>(g)]);
    std::tie(out.total_low(g), out.total_high(g)) = bootstrap_interval(total[static_cast<std::size_t>(g)]);
  }
  return out;
}

void append_rows(SobolSamples& to, const SobolSamples& more) {
  const Eigen::Index n = to.a.size(), m = more.a.size();
  if (n == 0 && (to.ab.cols() == more.ab.cols() || to.ab.size() == 0)) {
    to = more;
    return;
  }
  if (more.ab.cols() != to.ab.cols()) throw std::logic_error("append_rows: the samples have different groups");
  to.a.conservativeResize(n + m);
  to.b.conservativeResize(n + m);
  to.ab.conservativeResize(n + m, Eigen::NoChange);
  to.a.tail(m) = more.a;
  to.b.tail(m) = more.b;
  to.ab.bottomRows(m) = more.ab;
}

std::pair<Eigen::MatrixXd, Eigen::MatrixXd> saltelli_matrices(const ParameterTable& table, std::uint64_t seed,
                                                              std::uint64_t scenario, std::uint64_t first_row,
                                                              std::uint64_t end_row) {
  const auto k = static_cast<Eigen::Index>(table.sampled_count());
  const auto n = static_cast<Eigen::Index>(end_row - first_row);
  Eigen::MatrixXd a(n, k), b(n, k);
  std::vector<double> values = table.initial_values(), drawn(table.sampled_count());
  for (Eigen::Index i = 0; i < n; ++i) {
    const std::uint64_t r = first_row + static_cast<std::uint64_t>(i);
    for (Eigen::MatrixXd* m : {&a, &b}) {
      table.draw(seed, scenario, 2 * r + (m == &b ? 1 : 0), values, drawn);
      m->row(i) = Eigen::Map<const Eigen::RowVectorXd>(drawn.data(), k);
    }
  }
  return {std::move(a), std::move(b)};
}

std::vector<SobolSamples> run_sobol_design(const Simulation& simulation, const ParameterTable& table,
                                           const std::vector<SobolGroup>& groups,
                                           const std::vector<OutputColumn>& outputs, const SobolRunOptions& options) {
  if (options.end_row < options.first_row) throw std::logic_error("run_sobol_design: end_row before first_row");
  const auto [a, b] = saltelli_matrices(table, options.seed, options.scenario, options.first_row, options.end_row);
  const auto n = static_cast<Eigen::Index>(options.end_row - options.first_row);
  std::vector<SobolSamples> samples(outputs.size());
  for (auto& s : samples) s.ab.resize(n, static_cast<Eigen::Index>(groups.size()));

  Progress progress(static_cast<std::uint64_t>(n) * (groups.size() + 2), options.progress, "sobol");
  RunOptions run;
  run.seed = options.seed;
  run.scenario = options.scenario;
  run.threads = options.threads;
  run.shared_progress = &progress;
  run.first_replicate = 2 * options.first_row;
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Index columns = a.cols();  // read outside: lambdas capture structured bindings only from clang 16
  // Runs `rows` (row-major, one design row a replicate) as the replicates
  // first_replicate + step i and returns each output's values by position.
  const auto simulate = [&](RowMajor rows, std::uint64_t step) {
    const Eigen::Index total = rows.rows();
    auto given_rows = std::make_shared<std::vector<double>>(rows.data(), rows.data() + total * columns);
    ParameterTable given = table;
    given.set_given_rows(std::move(given_rows), run.first_replicate, step);
    run.replicates = static_cast<std::uint64_t>(total);
    run.replicate_step = step;
    CaptureSink sink(outputs, static_cast<std::size_t>(total));
    run_replicates(simulation, given, run, sink);
    return sink;
  };
  {
    // A and B interleaved as one run: row r of A on replicate 2r, of B on
    // 2r + 1, so f(B) has model random numbers of its own (the first-order
    // estimator needs f(B) independent of f(A) but for the group's
    // parameters).
    RowMajor ab(2 * n, columns);
    for (Eigen::Index i = 0; i < n; ++i) {
      ab.row(2 * i) = a.row(i);
      ab.row(2 * i + 1) = b.row(i);
    }
    const CaptureSink f = simulate(std::move(ab), 1);
    for (std::size_t k = 0; k < outputs.size(); ++k) {
      samples[k].a = Eigen::Map<const Eigen::VectorXd, 0, Eigen::InnerStride<2>>(f.values(k).data(), n);
      samples[k].b = Eigen::Map<const Eigen::VectorXd, 0, Eigen::InnerStride<2>>(f.values(k).data() + 1, n);
    }
  }
  for (std::size_t g = 0; g < groups.size(); ++g) {
    RowMajor ab = a;
    for (const std::uint32_t c : groups[g].columns) ab.col(c) = b.col(c);
    // Row r on replicate 2r: A's row r's model stream.
    const CaptureSink f = simulate(std::move(ab), 2);
    for (std::size_t k = 0; k < outputs.size(); ++k) samples[k].ab.col(static_cast<Eigen::Index>(g)) = f.values(k);
  }
  progress.finish();
  return samples;
}

}  // namespace samdsim
