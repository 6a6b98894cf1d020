#include "samdsim/sensitivity.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "samdsim/error.hpp"
#include "samdsim/numbers.hpp"
#include "samdsim/random.hpp"
#include "samdsim/stats.hpp"
#include "tbb_handoff.hpp"

namespace samdsim {

namespace {

double pearson(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  const Eigen::VectorXd da = a.array() - a.mean();
  const Eigen::VectorXd db = b.array() - b.mean();
  const double den = std::sqrt(da.squaredNorm() * db.squaredNorm());
  return den > 0 ? da.dot(db) / den : nan;
}

bool varies(Eigen::Ref<const Eigen::VectorXd> v) { return v.size() > 0 && v.maxCoeff() > v.minCoeff(); }

Eigen::VectorXd spearman_ranked(const Eigen::MatrixXd& rx, const Eigen::VectorXd& ry) {
  Eigen::VectorXd out(rx.cols());
  for (Eigen::Index j = 0; j < rx.cols(); ++j) out(j) = pearson(rx.col(j), ry);
  return out;
}

Eigen::VectorXd prcc_ranked(const Eigen::MatrixXd& rx, const Eigen::VectorXd& ry) {
  const Eigen::Index k = rx.cols(), n = rx.rows();
  Eigen::VectorXd out = Eigen::VectorXd::Constant(k, nan);
  if (n < 2) return out;
  Eigen::MatrixXd r(n, k + 1);
  r.leftCols(k) = rx;
  r.col(k) = ry;
  const Eigen::RowVectorXd mean = r.colwise().mean();
  r.rowwise() -= mean;
  Eigen::MatrixXd c = r.transpose() * r;
  const Eigen::VectorXd sd = c.diagonal().array().sqrt();
  if (!(sd.array() > 0).all()) return out;
  c = sd.asDiagonal().inverse() * c * sd.asDiagonal().inverse();
  if (!c.allFinite()) return out;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(c);
  if (eig.info() != Eigen::Success) return out;
  const Eigen::VectorXd lambda = eig.eigenvalues();
  if (!(lambda.minCoeff() > 1e-12 * std::max(1.0, lambda.maxCoeff()))) return out;  // singular
  const Eigen::MatrixXd p = eig.eigenvectors() * lambda.cwiseInverse().asDiagonal() * eig.eigenvectors().transpose();
  for (Eigen::Index j = 0; j < k; ++j) out(j) = -p(j, k) / std::sqrt(p(j, j) * p(k, k));
  return out;
}

}  // namespace

std::pair<double, double> bootstrap_interval(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
               values.end());
  std::sort(values.begin(), values.end());
  return {quantile_sorted(values, 0.025), quantile_sorted(values, 0.975)};
}

namespace {
// The values with their places, ascending; ties in any order (they share
// their rank) and NaN last.
std::vector<std::pair<double, std::size_t>> sorted_with_places(const Eigen::VectorXd& values) {
  std::vector<std::pair<double, std::size_t>> sorted(static_cast<std::size_t>(values.size()));
  for (std::size_t i = 0; i < sorted.size(); ++i) sorted[i] = {values(static_cast<Eigen::Index>(i)), i};
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.first < b.first || (std::isnan(b.first) && !std::isnan(a.first));
  });
  return sorted;
}

// Values in ascending order (NaN last) with the index each ranks. A NaN
// equals nothing, so each NaN is a tie run and a tie group of its own.
struct Ordered {
  std::vector<double> value;
  std::vector<std::size_t> at;
};

Ordered ordered(const Eigen::VectorXd& values) {
  const auto sorted = sorted_with_places(values);
  Ordered o;
  o.value.reserve(sorted.size());
  o.at.reserve(sorted.size());
  for (const auto& v : sorted) {
    o.value.push_back(v.first);
    o.at.push_back(v.second);
  }
  return o;
}

// Average ranks: the tie run holding sorted places i+1 .. j shares their mean.
void assign_average_ranks(const Ordered& o, Eigen::Ref<Eigen::VectorXd> ranks) {
  const std::size_t n = o.value.size();
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && o.value[j] == o.value[i]) ++j;
    const double rank = 0.5 * static_cast<double>(i + 1 + j);  // mean of ranks i+1 .. j
    for (std::size_t k = i; k < j; ++k) ranks(static_cast<Eigen::Index>(o.at[k])) = rank;
    i = j;
  }
}

// The tie groups of the values ranked at indices below m (the others left out).
TieGroups tie_groups_below(const Ordered& o, std::size_t m) {
  TieGroups groups;
  groups.of.resize(m);
  double last = 0.0;
  for (std::size_t i = 0; i < o.value.size(); ++i) {
    if (o.at[i] >= m) continue;
    if (groups.count == 0 || !(o.value[i] == last)) ++groups.count;
    groups.of[o.at[i]] = static_cast<std::uint32_t>(groups.count - 1);
    last = o.value[i];
  }
  return groups;
}

}  // namespace

Eigen::VectorXd average_ranks(const Eigen::VectorXd& values) {
  Eigen::VectorXd ranks(values.size());
  assign_average_ranks(ordered(values), ranks);
  return ranks;
}

TieGroups tie_groups(const Eigen::VectorXd& values) {
  return tie_groups_below(ordered(values), static_cast<std::size_t>(values.size()));
}

ColumnOrder column_order(const Eigen::MatrixXd& x) {
  ColumnOrder order;
  order.places.resize(static_cast<std::size_t>(x.cols()));
  for (Eigen::Index j = 0; j < x.cols(); ++j) order.places[static_cast<std::size_t>(j)] = ordered(x.col(j)).at;
  return order;
}

void resample_ranks(const TieGroups& groups, const std::vector<std::size_t>& drawn, ResampleScratch& scratch,
                    Eigen::Ref<Eigen::VectorXd> ranks) {
  // A group of c values after `start` smaller ones holds ranks start + 1 to
  // start + c: their mean, as average_ranks() computes it.
  scratch.counts.assign(groups.count, 0);
  for (const std::size_t d : drawn) ++scratch.counts[groups.of[d]];
  scratch.ranks.resize(groups.count);
  std::size_t start = 0;
  for (std::size_t g = 0; g < groups.count; ++g) {
    const std::size_t end = start + scratch.counts[g];
    scratch.ranks[g] = 0.5 * static_cast<double>(start + 1 + end);
    start = end;
  }
  for (std::size_t i = 0; i < drawn.size(); ++i) ranks(static_cast<Eigen::Index>(i)) = scratch.ranks[groups.of[drawn[i]]];
}

Eigen::MatrixXd rank_columns(const Eigen::MatrixXd& a) {
  Eigen::MatrixXd r(a.rows(), a.cols());
  for (Eigen::Index j = 0; j < a.cols(); ++j) r.col(j) = average_ranks(a.col(j));
  return r;
}

Eigen::VectorXd spearman(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
  return spearman_ranked(rank_columns(x), average_ranks(y));
}

Eigen::VectorXd prcc(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
  return prcc_ranked(rank_columns(x), average_ranks(y));
}

Eigen::VectorXd prcc_residuals(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
  const Eigen::MatrixXd rx = rank_columns(x);
  const Eigen::VectorXd ry = average_ranks(y);
  const Eigen::Index n = rx.rows(), k = rx.cols();
  Eigen::VectorXd out = Eigen::VectorXd::Constant(k, nan);
  for (Eigen::Index j = 0; j < k; ++j) {
    Eigen::MatrixXd z(n, k);
    z.col(0).setOnes();
    Eigen::Index c = 1;
    for (Eigen::Index i = 0; i < k; ++i)
      if (i != j) z.col(c++) = rx.col(i);
    const auto qr = z.colPivHouseholderQr();
    const Eigen::VectorXd ex = rx.col(j) - z * qr.solve(Eigen::VectorXd(rx.col(j)));
    const Eigen::VectorXd ey = ry - z * qr.solve(ry);
    const double den = std::sqrt(ex.squaredNorm() * ey.squaredNorm());
    if (den > 0) out(j) = ex.dot(ey) / den;
  }
  return out;
}

Eigen::VectorXd first_order_ranked(const Eigen::MatrixXd& rx, const Eigen::VectorXd& y) {
  const Eigen::Index n = rx.rows(), k = rx.cols();
  Eigen::VectorXd out = Eigen::VectorXd::Constant(k, nan);
  if (n < 4 || !varies(y)) return out;
  const double dn = static_cast<double>(n);
  const double mean = y.mean();
  const double total = (y.array() - mean).square().sum() / dn;
  const auto bins = static_cast<Eigen::Index>(std::max(2.0, std::round(std::cbrt(dn))));
  // Average ranks run from 1 to n; equal values share one rank, so one bin.
  const auto bin_of_rank = [&](double rank) {
    const double position = (rank - 0.5) / dn;
    return static_cast<std::uint32_t>(
        std::clamp<Eigen::Index>(static_cast<Eigen::Index>(position * static_cast<double>(bins)), 0, bins - 1));
  };
  // An average rank is a multiple of 1/2: the bin of each, found once per n
  // (every resample of a bootstrap has the same n) as above, is looked up.
  // The table and the deviations are kept by the thread for the next call
  // up to 2^20 rows (16 MiB), beyond which a call is a single estimate.
  constexpr Eigen::Index max_kept_rows = Eigen::Index{1} << 20;
  const bool keep = n <= max_kept_rows;
  thread_local std::vector<std::uint32_t> bin_of_twice;
  thread_local Eigen::Index tabled_n = -1;
  const std::size_t twice_n = keep ? static_cast<std::size_t>(2 * n) : 0;
  if (keep && tabled_n != n) {
    bin_of_twice.resize(twice_n + 1);
    for (std::size_t h = 0; h <= twice_n; ++h) bin_of_twice[h] = bin_of_rank(0.5 * static_cast<double>(h));
    tabled_n = n;
  }
  const auto bin = [&](double rank) {
    const double twice = 2.0 * rank;
    if (keep && twice >= 0.0 && twice <= static_cast<double>(twice_n)) {
      const auto h = static_cast<std::size_t>(twice);
      if (static_cast<double>(h) == twice) return bin_of_twice[h];
    }
    return bin_of_rank(rank);
  };
  thread_local std::vector<double> kept_deviation;
  std::vector<double> own_deviation;
  std::vector<double>& deviation = keep ? kept_deviation : own_deviation;  // y - mean, the same for every column
  deviation.resize(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) deviation[static_cast<std::size_t>(i)] = y(i) - mean;
  std::vector<double> sum(static_cast<std::size_t>(bins)), sum2(static_cast<std::size_t>(bins));
  std::vector<double> count(static_cast<std::size_t>(bins));
  for (Eigen::Index j = 0; j < k; ++j) {
    if (!varies(rx.col(j))) continue;
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(sum2.begin(), sum2.end(), 0.0);
    std::fill(count.begin(), count.end(), 0.0);
    for (Eigen::Index i = 0; i < n; ++i) {
      const std::uint32_t b = bin(rx(i, j));
      const double d = deviation[static_cast<std::size_t>(i)];
      sum[b] += d;
      sum2[b] += d * d;
      count[b] += 1.0;
    }
    double between = 0.0, within = 0.0, used = 0.0;
    for (std::size_t b = 0; b < sum.size(); ++b) {
      if (count[b] == 0.0) continue;
      between += sum[b] * sum[b] / count[b];
      within += sum2[b] - sum[b] * sum[b] / count[b];
      used += 1.0;
    }
    between /= dn;
    // E[between] = Var(E[y | bin]) + (M - 1) / n * (within-bin variance).
    const double noise = used > 1.0 && dn > used ? (used - 1.0) / dn * within / (dn - used) : 0.0;
    out(j) = (between - noise) / total;
  }
  return out;
}

Eigen::VectorXd first_order(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
  return first_order_ranked(rank_columns(x), y);
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
  if (order.places.size() != static_cast<std::size_t>(k))
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
  std::vector<Ordered> x_ordered;
  for (Eigen::Index j = 0; j < k; ++j) {
    const auto& places = order.places[static_cast<std::size_t>(j)];
    if (places.size() != static_cast<std::size_t>(x.rows()))
      throw InternalError("sensitivity: the column order is not of these parameters");
    Ordered o;
    o.value.reserve(rows.size());
    o.at.reserve(rows.size());
    for (const std::size_t place : places)
      if (kept[place] != not_kept) {
        o.value.push_back(x(static_cast<Eigen::Index>(place), j));
        o.at.push_back(kept[place]);
      }
    if (!o.value.empty() && o.value.front() < o.value.back()) {
      cols.push_back(j);
      x_ordered.push_back(std::move(o));
    }
  }
  const auto kv = static_cast<Eigen::Index>(cols.size());
  if (kv == 0 || n < kv + 3 || !varies(ya)) return r;

  Eigen::MatrixXd rx(n, kv);
  for (Eigen::Index c = 0; c < kv; ++c) assign_average_ranks(x_ordered[static_cast<std::size_t>(c)], rx.col(c));
  const Ordered y_ordered = ordered(ya);
  Eigen::VectorXd ry(n);
  assign_average_ranks(y_ordered, ry);
  const Eigen::VectorXd rho = spearman_ranked(rx, ry), pr = prcc_ranked(rx, ry), s1 = first_order_ranked(rx, ya);
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
  // A resample's ranks come from counting its rows per tie group of the
  // first m rows (average_ranks' values, in O(m) instead of a sort).
  std::vector<TieGroups> x_groups;
  for (const Ordered& o : x_ordered) x_groups.push_back(tie_groups_below(o, static_cast<std::size_t>(m)));
  const TieGroups y_groups = tie_groups_below(y_ordered, static_cast<std::size_t>(m));
  const auto resample = [&](const tbb::blocked_range<std::size_t>& range) {
    Eigen::MatrixXd brx(m, kv);
    Eigen::VectorXd by(m), bry(m);
    std::vector<std::size_t> drawn(static_cast<std::size_t>(m));
    ResampleScratch scratch;
    for (std::size_t b = range.begin(); b < range.end(); ++b) {
      Stream stream(seed, 0, b, 7);
      for (Eigen::Index i = 0; i < m; ++i) {
        drawn[static_cast<std::size_t>(i)] = static_cast<std::size_t>(stream.uniform_index(static_cast<std::uint64_t>(m)));
        by(i) = ya(static_cast<Eigen::Index>(drawn[static_cast<std::size_t>(i)]));
      }
      for (Eigen::Index c = 0; c < kv; ++c) resample_ranks(x_groups[static_cast<std::size_t>(c)], drawn, scratch, brx.col(c));
      resample_ranks(y_groups, drawn, scratch, bry);
      const Eigen::VectorXd s = spearman_ranked(brx, bry), p = prcc_ranked(brx, bry), f = first_order_ranked(brx, by);
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
    // The first m rows' own average ranks, from their tie groups.
    std::vector<std::size_t> first(static_cast<std::size_t>(m));
    std::iota(first.begin(), first.end(), std::size_t{0});
    ResampleScratch scratch;
    Eigen::MatrixXd sx(m, kv);
    Eigen::VectorXd sy(m);
    for (Eigen::Index c = 0; c < kv; ++c) resample_ranks(x_groups[static_cast<std::size_t>(c)], first, scratch, sx.col(c));
    resample_ranks(y_groups, first, scratch, sy);
    rho_sub = spearman_ranked(sx, sy);
    pr_sub = prcc_ranked(sx, sy);
    s1_sub = first_order_ranked(sx, ya.head(m));
  }
  const auto rescale = [&](std::pair<double, double> q, double full, double sub) {
    return std::pair<double, double>{full + (q.first - sub) * shrink, full + (q.second - sub) * shrink};
  };
  for (Eigen::Index c = 0; c < kv; ++c) {
    const Eigen::Index j = cols[static_cast<std::size_t>(c)];
    std::tie(r.spearman_low(j), r.spearman_high(j)) =
        rescale(bootstrap_interval(boot_rho[static_cast<std::size_t>(c)]), rho(c), rho_sub(c));
    std::tie(r.prcc_low(j), r.prcc_high(j)) = rescale(bootstrap_interval(boot_prcc[static_cast<std::size_t>(c)]), pr(c), pr_sub(c));
    std::tie(r.first_order_low(j), r.first_order_high(j)) =
        rescale(bootstrap_interval(boot_s1[static_cast<std::size_t>(c)]), s1(c), s1_sub(c));
  }
  return r;
}

}  // namespace samdsim
