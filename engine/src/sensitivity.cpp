// The sensitivity analysis of an output against the sampled parameters:
// point estimates on every finite row and bootstrap intervals on all cores.
// The rank primitives it uses are in sensitivity_ranks.cpp.

#include "samdsim/sensitivity.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "samdsim/error.hpp"
#include "samdsim/numbers.hpp"
#include "samdsim/random.hpp"
#include "samdsim/stats.hpp"
#include "sensitivity_ranks.hpp"
#include "tbb_handoff.hpp"

namespace samdsim {

std::pair<double, double> bootstrap_interval(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
               values.end());
  std::sort(values.begin(), values.end());
  return {quantile_sorted(values, 0.025), quantile_sorted(values, 0.975)};
}

SensitivityResult sensitivity(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, std::size_t bootstrap,
                              std::uint64_t seed, std::size_t max_rows) {
  return sensitivity(x, column_order(x), y, bootstrap, seed, max_rows);
}

SensitivityResult sensitivity(const Eigen::MatrixXd& x, const ColumnOrder& order, const Eigen::VectorXd& y,
                              std::size_t bootstrap, std::uint64_t seed, std::size_t max_rows) {
  return std::move(sensitivity(x, order, Eigen::MatrixXd(y), bootstrap, seed, max_rows).front());
}

namespace {

// The parameters' side of the rank statistics on one set of rows (the kept
// rows, or a resample of them): their first-order bins, their centred ranks
// and, within the exact range, the parameter-by-parameter block of the Gram
// matrix. Every output with the same rows shares them; with them, an
// output's statistics are those of first_order_ranked() and
// rank_correlations() on [ranks, output's ranks] to the bit.
struct ParameterRanks {
  Eigen::MatrixXd ranks;  // average ranks, centred by prepare() within the exact range
  detail::BinnedRanks bins;
  Eigen::MatrixXd gram;

  void prepare() {
    bins.assign(ranks);
    if (ranks.rows() <= detail::exact_rank_gram_rows) {
      detail::centre(ranks);
      gram = Eigen::MatrixXd::Zero(ranks.cols(), ranks.cols());
      gram.selfadjointView<Eigen::Lower>().rankUpdate(ranks.transpose());
      gram.triangularView<Eigen::StrictlyUpper>() = gram.transpose();
    }
  }

  struct Statistics {
    Eigen::VectorXd spearman, prcc, first_order;
  };
  // y: the output on these rows; ry: its average ranks, centred here.
  Statistics of(Eigen::Ref<const Eigen::VectorXd> y, Eigen::VectorXd& ry) const {
    const Eigen::Index kv = ranks.cols();
    Statistics s;
    s.first_order = bins.first_order(y);
    detail::RankCorrelations c;
    if (ranks.rows() <= detail::exact_rank_gram_rows) {
      detail::centre(ry);
      Eigen::MatrixXd g(kv + 1, kv + 1);
      g.topLeftCorner(kv, kv) = gram;
      g.col(kv).head(kv).noalias() = ranks.transpose() * ry;
      g.row(kv).head(kv) = g.col(kv).head(kv).transpose();
      g(kv, kv) = ry.squaredNorm();
      c = detail::correlations_of_gram(std::move(g));
    } else {
      Eigen::MatrixXd r(ranks.rows(), kv + 1);
      r.leftCols(kv) = ranks;
      r.col(kv) = ry;
      c = detail::rank_correlations(r);
    }
    s.spearman = std::move(c.spearman);
    s.prcc = std::move(c.prcc);
    return s;
  }
};

// sensitivity() of the outputs `which` (columns of y) that have the same
// finite rows, `keep`: the rows, the parameters' order over them and every
// resample's draws are the same for all of them, so the parameters' side
// of each statistic is computed once.
void analyse_rows(const Eigen::MatrixXd& x, const ColumnOrder& order, const Eigen::MatrixXd& y,
                  const std::vector<char>& keep, const std::vector<Eigen::Index>& which, std::size_t bootstrap,
                  std::uint64_t seed, std::size_t max_rows, std::vector<SensitivityResult>& results) {
  const Eigen::Index k = x.cols();
  // kept[i]: row i's index among the rows where y and every parameter are finite.
  constexpr std::size_t not_kept = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> kept(static_cast<std::size_t>(x.rows()), not_kept);
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    if (keep[static_cast<std::size_t>(i)]) {
      kept[static_cast<std::size_t>(i)] = rows.size();
      rows.push_back(i);
    }
  for (const Eigen::Index o : which) results[static_cast<std::size_t>(o)].rows_used = rows.size();
  const auto n = static_cast<Eigen::Index>(rows.size());
  // Each parameter's kept values in ascending order: its order over all
  // rows with the others left out, so no sort per output.
  std::vector<Eigen::Index> cols;  // only the parameters that vary over the rows kept
  std::vector<detail::OrderView> x_ordered;
  std::vector<detail::Ordered> filtered;  // the orders of the kept rows, where rows were dropped
  filtered.reserve(static_cast<std::size_t>(k));  // views into it stay valid
  for (Eigen::Index j = 0; j < k; ++j) {
    const auto& places = order.places[static_cast<std::size_t>(j)];
    const auto& sorted = order.values[static_cast<std::size_t>(j)];
    detail::OrderView o{sorted, places};  // every row kept: the order as it is
    if (rows.size() != places.size()) {
      detail::Ordered& f = filtered.emplace_back();
      f.value.reserve(rows.size());
      f.at.reserve(rows.size());
      for (std::size_t i = 0; i < places.size(); ++i)
        if (kept[places[i]] != not_kept) {
          f.value.push_back(sorted[i]);
          f.at.push_back(static_cast<std::uint32_t>(kept[places[i]]));
        }
      o = f.view();
    }
    if (!o.value.empty() && o.value.front() < o.value.back()) {
      cols.push_back(j);
      x_ordered.push_back(o);
    }
  }
  const auto kv = static_cast<Eigen::Index>(cols.size());
  if (kv == 0 || n < kv + 3) return;
  // The outputs that vary over the rows, their values there and their order.
  struct Output {
    SensitivityResult* result;
    Eigen::VectorXd values;
    detail::Ordered order;
    TieRuns runs;  // of the first m rows, for the resamples
    std::vector<double> rho, prcc, s1;  // per resample
  };
  std::vector<Output> outputs;
  for (const Eigen::Index o : which) {
    Eigen::VectorXd ya(n);
    for (Eigen::Index i = 0; i < n; ++i) ya(i) = y(rows[static_cast<std::size_t>(i)], o);
    if (detail::varies(ya))
      outputs.push_back({&results[static_cast<std::size_t>(o)], std::move(ya), {}, {}, {}, {}, {}});
  }
  if (outputs.empty()) return;

  ParameterRanks point;
  point.ranks.resize(n, kv);
  for (Eigen::Index c = 0; c < kv; ++c)
    detail::assign_average_ranks(x_ordered[static_cast<std::size_t>(c)], point.ranks.col(c));
  point.prepare();
  std::vector<ParameterRanks::Statistics> full;
  for (Output& out : outputs) {
    out.order = detail::ordered(out.values);
    Eigen::VectorXd ry(n);
    detail::assign_average_ranks(out.order.view(), ry);
    full.push_back(point.of(out.values, ry));
    SensitivityResult& r = *out.result;
    for (Eigen::Index c = 0; c < kv; ++c) {
      r.spearman(cols[static_cast<std::size_t>(c)]) = full.back().spearman(c);
      r.prcc(cols[static_cast<std::size_t>(c)]) = full.back().prcc(c);
      r.first_order(cols[static_cast<std::size_t>(c)]) = full.back().first_order(c);
    }
  }
  if (bootstrap == 0) return;

  const auto m = static_cast<Eigen::Index>(std::min<std::size_t>(rows.size(), max_rows));
  // A resample's ranks come from how many times it drew each of the first
  // m rows, visited in each column's order of ties (average_ranks' values,
  // in O(m) instead of a sort).
  std::vector<TieRuns> x_runs;
  for (const detail::OrderView& o : x_ordered) x_runs.push_back(detail::tie_runs_below(o, static_cast<std::size_t>(m)));
  for (Output& out : outputs) {
    out.result->bootstrap_rows = static_cast<std::size_t>(m);
    out.runs = detail::tie_runs_below(out.order.view(), static_cast<std::size_t>(m));
    out.order = {};
    out.rho.resize(bootstrap * static_cast<std::size_t>(kv));
    out.prcc.resize(out.rho.size());
    out.s1.resize(out.rho.size());
  }
  // The statistics of every output on the resample `sample` of the first m rows.
  const auto statistics = [&](ParameterRanks& p, Resample& sample, const auto& take) {
    count_times(sample, static_cast<std::size_t>(m));
    for (Eigen::Index c = 0; c < kv; ++c) resample_ranks(x_runs[static_cast<std::size_t>(c)], sample, p.ranks.col(c));
    p.prepare();
    Eigen::VectorXd by(m), ry(m);
    for (std::size_t o = 0; o < outputs.size(); ++o) {
      for (Eigen::Index i = 0; i < m; ++i)
        by(i) = outputs[o].values(static_cast<Eigen::Index>(sample.drawn[static_cast<std::size_t>(i)]));
      resample_ranks(outputs[o].runs, sample, ry);
      take(o, p.of(by, ry));
    }
  };
  // Resample b draws its rows from its own stream and stores its statistics
  // at b: the resamples run on every core and give the same intervals for
  // any thread count.
  const auto resample = [&](const tbb::blocked_range<std::size_t>& range) {
    ParameterRanks p;
    p.ranks.resize(m, kv);
    Resample sample;
    sample.drawn.resize(static_cast<std::size_t>(m));
    for (std::size_t b = range.begin(); b < range.end(); ++b) {
      Stream stream(seed, 0, b, 7);
      for (std::size_t& row : sample.drawn)
        row = static_cast<std::size_t>(stream.uniform_index(static_cast<std::uint64_t>(m)));
      statistics(p, sample, [&](std::size_t o, const ParameterRanks::Statistics& s) {
        Output& out = outputs[o];
        for (Eigen::Index c = 0; c < kv; ++c) {
          const std::size_t at = static_cast<std::size_t>(c) * bootstrap + b;
          out.rho[at] = s.spearman(c);
          out.prcc[at] = s.prcc(c);
          out.s1[at] = s.first_order(c);
        }
      });
    }
  };
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, bootstrap), detail::Handed(resample));
  detail::handoff.acquire();
  // With more rows than were resampled, the intervals describe the subsample's
  // estimate: move them onto the full-sample estimate and narrow them by
  // sqrt(m / n), the usual scaling of a statistic's sampling spread.
  std::vector<ParameterRanks::Statistics> sub = full;
  const double shrink = std::sqrt(static_cast<double>(m) / static_cast<double>(n));
  if (m < n) {
    // The first m rows' own average ranks, from their tie runs.
    ParameterRanks p;
    p.ranks.resize(m, kv);
    Resample first;
    first.drawn.resize(static_cast<std::size_t>(m));
    std::iota(first.drawn.begin(), first.drawn.end(), std::size_t{0});
    statistics(p, first, [&](std::size_t o, ParameterRanks::Statistics s) { sub[o] = std::move(s); });
  }
  const auto rescale = [&](std::pair<double, double> q, double whole, double part) {
    return std::pair<double, double>{whole + (q.first - part) * shrink, whole + (q.second - part) * shrink};
  };
  const auto interval = [&](const std::vector<double>& boot, Eigen::Index c) {
    const auto from = boot.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(c) * bootstrap);
    return bootstrap_interval(std::vector<double>(from, from + static_cast<std::ptrdiff_t>(bootstrap)));
  };
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    SensitivityResult& r = *outputs[o].result;
    const Output& out = outputs[o];
    for (Eigen::Index c = 0; c < kv; ++c) {
      const Eigen::Index j = cols[static_cast<std::size_t>(c)];
      std::tie(r.spearman_low(j), r.spearman_high(j)) =
          rescale(interval(out.rho, c), full[o].spearman(c), sub[o].spearman(c));
      std::tie(r.prcc_low(j), r.prcc_high(j)) = rescale(interval(out.prcc, c), full[o].prcc(c), sub[o].prcc(c));
      std::tie(r.first_order_low(j), r.first_order_high(j)) =
          rescale(interval(out.s1, c), full[o].first_order(c), sub[o].first_order(c));
    }
  }
}

}  // namespace

std::vector<SensitivityResult> sensitivity(const Eigen::MatrixXd& x, const ColumnOrder& order, const Eigen::MatrixXd& y,
                                           std::size_t bootstrap, std::uint64_t seed, std::size_t max_rows) {
  const Eigen::Index k = x.cols();
  if (y.rows() != x.rows()) throw InternalError("sensitivity: the outputs are not of these rows");
  if (order.places.size() != static_cast<std::size_t>(k) || order.values.size() != order.places.size())
    throw InternalError("sensitivity: the column order is not of these parameters");
  for (std::size_t j = 0; j < order.places.size(); ++j)
    if (order.places[j].size() != static_cast<std::size_t>(x.rows()) ||
        order.values[j].size() != order.places[j].size())
      throw InternalError("sensitivity: the column order is not of these parameters");
  std::vector<SensitivityResult> results(static_cast<std::size_t>(y.cols()));
  for (SensitivityResult& r : results)
    for (auto* v : {&r.spearman, &r.spearman_low, &r.spearman_high, &r.prcc, &r.prcc_low, &r.prcc_high,
                    &r.first_order, &r.first_order_low, &r.first_order_high})
      *v = Eigen::VectorXd::Constant(k, nan);
  // Outputs with the same finite rows are analysed together.
  std::vector<char> x_finite(static_cast<std::size_t>(x.rows()));
  for (Eigen::Index i = 0; i < x.rows(); ++i) x_finite[static_cast<std::size_t>(i)] = x.row(i).allFinite();
  std::vector<std::vector<char>> keeps;
  std::vector<std::vector<Eigen::Index>> groups;
  for (Eigen::Index o = 0; o < y.cols(); ++o) {
    std::vector<char> keep(x_finite);
    for (Eigen::Index i = 0; i < y.rows(); ++i)
      if (!std::isfinite(y(i, o))) keep[static_cast<std::size_t>(i)] = 0;
    const auto same = std::find(keeps.begin(), keeps.end(), keep);
    if (same != keeps.end()) {
      groups[static_cast<std::size_t>(same - keeps.begin())].push_back(o);
    } else {
      keeps.push_back(std::move(keep));
      groups.push_back({o});
    }
  }
  for (std::size_t g = 0; g < groups.size(); ++g)
    analyse_rows(x, order, y, keeps[g], groups[g], bootstrap, seed, max_rows, results);
  return results;
}

}  // namespace samdsim
