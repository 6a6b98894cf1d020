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
  const Eigen::Index k = x.cols();
  SensitivityResult r;
  for (auto* v : {&r.spearman, &r.spearman_low, &r.spearman_high, &r.prcc, &r.prcc_low, &r.prcc_high,
                  &r.first_order, &r.first_order_low, &r.first_order_high})
    *v = Eigen::VectorXd::Constant(k, nan);
  if (order.places.size() != static_cast<std::size_t>(k) || order.values.size() != order.places.size())
    throw InternalError("sensitivity: the column order is not of these parameters");

  // kept[i]: row i's index among the rows where y and every parameter are finite.
  constexpr std::size_t not_kept = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> kept(static_cast<std::size_t>(x.rows()), not_kept);
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    if (std::isfinite(y(i)) && x.row(i).allFinite()) {
      kept[static_cast<std::size_t>(i)] = rows.size();
      rows.push_back(i);
    }
  r.rows_used = rows.size();
  const auto n = static_cast<Eigen::Index>(rows.size());
  Eigen::VectorXd ya(n);
  for (Eigen::Index i = 0; i < n; ++i) ya(i) = y(rows[static_cast<std::size_t>(i)]);
  // Each parameter's kept values in ascending order: its order over all
  // rows with the others left out, so no sort per output.
  std::vector<Eigen::Index> cols;  // only the parameters that vary over the rows kept
  std::vector<detail::OrderView> x_ordered;
  std::vector<detail::Ordered> filtered;  // the orders of the kept rows, where rows were dropped
  filtered.reserve(static_cast<std::size_t>(k));  // views into it stay valid
  for (Eigen::Index j = 0; j < k; ++j) {
    const auto& places = order.places[static_cast<std::size_t>(j)];
    const auto& sorted = order.values[static_cast<std::size_t>(j)];
    if (places.size() != static_cast<std::size_t>(x.rows()) || sorted.size() != places.size())
      throw InternalError("sensitivity: the column order is not of these parameters");
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
  if (kv == 0 || n < kv + 3 || !detail::varies(ya)) return r;

  // The ranks, the output's last; rank_correlations() centres them.
  Eigen::MatrixXd ranks(n, kv + 1);
  for (Eigen::Index c = 0; c < kv; ++c)
    detail::assign_average_ranks(x_ordered[static_cast<std::size_t>(c)], ranks.col(c));
  const detail::Ordered y_ordered = detail::ordered(ya);
  detail::assign_average_ranks(y_ordered.view(), ranks.col(kv));
  const Eigen::VectorXd s1 = first_order_ranked(ranks.leftCols(kv), ya);
  const auto [rho, pr] = detail::rank_correlations(ranks);
  for (Eigen::Index c = 0; c < kv; ++c) {
    r.spearman(cols[static_cast<std::size_t>(c)]) = rho(c);
    r.prcc(cols[static_cast<std::size_t>(c)]) = pr(c);
    r.first_order(cols[static_cast<std::size_t>(c)]) = s1(c);
  }
  if (bootstrap == 0) return r;

  const auto m = static_cast<Eigen::Index>(std::min<std::size_t>(rows.size(), max_rows));
  r.bootstrap_rows = static_cast<std::size_t>(m);
  // Resample b draws its rows from its own stream and stores its statistics
  // at b: the resamples run on every core and give the same intervals for
  // any thread count.
  const auto columns = static_cast<std::size_t>(kv);
  std::vector<std::vector<double>> boot_rho(columns, std::vector<double>(bootstrap)),
      boot_prcc(columns, std::vector<double>(bootstrap)), boot_s1(columns, std::vector<double>(bootstrap));
  // A resample's ranks come from how many times it drew each of the first
  // m rows, visited in each column's order of ties (average_ranks' values,
  // in O(m) instead of a sort).
  std::vector<TieRuns> x_runs;
  for (const detail::OrderView& o : x_ordered) x_runs.push_back(detail::tie_runs_below(o, static_cast<std::size_t>(m)));
  const TieRuns y_runs = detail::tie_runs_below(y_ordered.view(), static_cast<std::size_t>(m));
  const auto resample = [&](const tbb::blocked_range<std::size_t>& range) {
    Eigen::MatrixXd ranks_b(m, kv + 1);  // the output's last
    Eigen::VectorXd by(m);
    Resample sample;
    sample.drawn.resize(static_cast<std::size_t>(m));
    for (std::size_t b = range.begin(); b < range.end(); ++b) {
      Stream stream(seed, 0, b, 7);
      for (Eigen::Index i = 0; i < m; ++i) {
        const auto row = static_cast<std::size_t>(stream.uniform_index(static_cast<std::uint64_t>(m)));
        sample.drawn[static_cast<std::size_t>(i)] = row;
        by(i) = ya(static_cast<Eigen::Index>(row));
      }
      count_times(sample, static_cast<std::size_t>(m));
      for (Eigen::Index c = 0; c < kv; ++c) resample_ranks(x_runs[static_cast<std::size_t>(c)], sample, ranks_b.col(c));
      resample_ranks(y_runs, sample, ranks_b.col(kv));
      const Eigen::VectorXd f = first_order_ranked(ranks_b.leftCols(kv), by);
      const auto [s, p] = detail::rank_correlations(ranks_b);
      for (std::size_t c = 0; c < columns; ++c) {
        const auto e = static_cast<Eigen::Index>(c);
        boot_rho[c][b] = s(e);
        boot_prcc[c][b] = p(e);
        boot_s1[c][b] = f(e);
      }
    }
  };
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, bootstrap), detail::Handed(resample));
  detail::handoff.acquire();
  // With more rows than were resampled, the intervals describe the subsample's
  // estimate: move them onto the full-sample estimate and narrow them by
  // sqrt(m / n), the usual scaling of a statistic's sampling spread.
  Eigen::VectorXd rho_sub = rho, pr_sub = pr, s1_sub = s1;
  const double shrink = std::sqrt(static_cast<double>(m) / static_cast<double>(n));
  if (m < n) {
    // The first m rows' own average ranks, from their tie runs.
    Resample first;
    first.drawn.resize(static_cast<std::size_t>(m));
    std::iota(first.drawn.begin(), first.drawn.end(), std::size_t{0});
    count_times(first, static_cast<std::size_t>(m));
    Eigen::MatrixXd sub_ranks(m, kv + 1);
    for (Eigen::Index c = 0; c < kv; ++c) resample_ranks(x_runs[static_cast<std::size_t>(c)], first, sub_ranks.col(c));
    resample_ranks(y_runs, first, sub_ranks.col(kv));
    s1_sub = first_order_ranked(sub_ranks.leftCols(kv), ya.head(m));
    auto sub = detail::rank_correlations(sub_ranks);
    rho_sub = std::move(sub.spearman);
    pr_sub = std::move(sub.prcc);
  }
  const auto rescale = [&](std::pair<double, double> q, double full, double sub) {
    return std::pair<double, double>{full + (q.first - sub) * shrink, full + (q.second - sub) * shrink};
  };
  for (Eigen::Index c = 0; c < kv; ++c) {
    const Eigen::Index j = cols[static_cast<std::size_t>(c)];
    std::tie(r.spearman_low(j), r.spearman_high(j)) =
        rescale(bootstrap_interval(boot_rho[static_cast<std::size_t>(c)]), rho(c), rho_sub(c));
    std::tie(r.prcc_low(j), r.prcc_high(j)) =
        rescale(bootstrap_interval(boot_prcc[static_cast<std::size_t>(c)]), pr(c), pr_sub(c));
    std::tie(r.first_order_low(j), r.first_order_high(j)) =
        rescale(bootstrap_interval(boot_s1[static_cast<std::size_t>(c)]), s1(c), s1_sub(c));
  }
  return r;
}

}  // namespace samdsim
