// The rank primitives of the sensitivity analysis: a column's order, its
// average ranks and tie runs, a resample's ranks by counting, and the
// statistics of ranks (Spearman, PRCC, the given-data first-order index).

#include <boost/sort/spreadsort/integer_sort.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "samdsim/error.hpp"
#include "samdsim/numbers.hpp"
#include "samdsim/sensitivity.hpp"
#include "sensitivity_ranks.hpp"

namespace samdsim {
namespace detail {
namespace {

double pearson(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  const Eigen::VectorXd da = a.array() - a.mean();
  const Eigen::VectorXd db = b.array() - b.mean();
  const double den = std::sqrt(da.squaredNorm() * db.squaredNorm());
  return den > 0 ? da.dot(db) / den : nan;
}

// PRCC from the Gram matrix c of the centred ranks (output last).
Eigen::VectorXd prcc_of_gram(Eigen::MatrixXd c) {
  const Eigen::Index k = c.cols() - 1;
  Eigen::VectorXd out = Eigen::VectorXd::Constant(k, nan);
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

void centre(Eigen::Ref<Eigen::MatrixXd> r) {
  const Eigen::RowVectorXd mean = r.colwise().mean();
  r.rowwise() -= mean;
}

RankCorrelations correlations_of_gram(Eigen::MatrixXd c) {
  const Eigen::Index k = c.cols() - 1;
  RankCorrelations out{Eigen::VectorXd::Constant(k, nan), Eigen::VectorXd::Constant(k, nan)};
  for (Eigen::Index j = 0; j < k; ++j) {
    // pearson()'s arithmetic on the same exact sums
    const double den = std::sqrt(c(j, j) * c(k, k));
    out.spearman(j) = den > 0 ? c(k, j) / den : nan;
  }
  out.prcc = prcc_of_gram(std::move(c));
  return out;
}

bool varies(Eigen::Ref<const Eigen::VectorXd> v) { return v.size() > 0 && v.maxCoeff() > v.minCoeff(); }

RankCorrelations rank_correlations(Eigen::Ref<Eigen::MatrixXd> r) {
  const Eigen::Index k = r.cols() - 1, n = r.rows();
  RankCorrelations out{Eigen::VectorXd::Constant(k, nan), Eigen::VectorXd::Constant(k, nan)};
  if (n < 2) return out;
  centre(r);
  if (n <= exact_rank_gram_rows) {
    Eigen::MatrixXd c = Eigen::MatrixXd::Zero(k + 1, k + 1);
    c.selfadjointView<Eigen::Lower>().rankUpdate(r.transpose());
    c.triangularView<Eigen::StrictlyUpper>() = c.transpose();
    out = correlations_of_gram(std::move(c));
  } else {
    // Beyond the exact range the sums depend on their order: each column's
    // correlation on its own, and the full product.
    const Eigen::VectorXd ry = r.col(k);
    for (Eigen::Index j = 0; j < k; ++j) out.spearman(j) = pearson(r.col(j), ry);
    out.prcc = prcc_of_gram(r.transpose() * r);
  }
  return out;
}

namespace {

// A double's bits as an unsigned integer in the doubles' order (NaN
// aside): negatives with every bit flipped, others with the sign bit set.
// -0 comes just before +0; both directions are exact.
std::uint64_t order_key(double v) {
  const auto u = std::bit_cast<std::uint64_t>(v);
  return u >> 63 ? ~u : u | (std::uint64_t{1} << 63);
}
double from_order_key(std::uint64_t key) {
  return std::bit_cast<double>(key >> 63 ? key & ~(std::uint64_t{1} << 63) : ~key);
}

}  // namespace

// Boost's spreadsort (a radix sort on the keys' bits that falls back to a
// comparison sort in small bins) is 1.4-1.8 times as fast as std::sort on
// the columns of a design. NaN is set apart first. Unsigned keys: its
// float_sort subtracts signed integers, which overflow on a column of both
// signs.
Ordered ordered(Eigen::Ref<const Eigen::VectorXd> values) {
  struct Place {
    std::uint64_t key;
    std::uint32_t at;
  };
  const auto n = static_cast<std::size_t>(values.size());
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw InputError(fmt::format("a sensitivity analysis takes at most {} rows, not {}",
                                 std::numeric_limits<std::uint32_t>::max(), n));
  std::vector<Place> sorted;
  sorted.reserve(n);
  std::vector<std::uint32_t> missing;
  for (std::uint32_t i = 0; i < n; ++i) {
    const double v = values(static_cast<Eigen::Index>(i));
    if (std::isnan(v))
      missing.push_back(i);
    else
      sorted.push_back({order_key(v), i});
  }
  boost::sort::spreadsort::integer_sort(
      sorted.begin(), sorted.end(), [](const Place& p, unsigned offset) { return p.key >> offset; },
      [](const Place& a, const Place& b) { return a.key < b.key; });
  Ordered o;
  o.value.reserve(n);
  o.at.reserve(n);
  for (const Place& p : sorted) {
    o.value.push_back(from_order_key(p.key));
    o.at.push_back(p.at);
  }
  o.value.insert(o.value.end(), missing.size(), nan);
  o.at.insert(o.at.end(), missing.begin(), missing.end());
  return o;
}

// The tie run holding sorted places i+1 .. j shares their mean.
void assign_average_ranks(OrderView o, Eigen::Ref<Eigen::VectorXd> ranks) {
  const std::size_t n = o.value.size();
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && o.value[j] == o.value[i]) ++j;
    const double rank = 0.5 * static_cast<double>(i + 1 + j);  // mean of ranks i+1 .. j
    for (std::size_t k = i; k < j; ++k) ranks(static_cast<Eigen::Index>(o.at[k])) = rank;
    i = j;
  }
}

TieRuns tie_runs_below(OrderView o, std::size_t m) {
  TieRuns runs;
  runs.rows.reserve(m);
  double last = 0.0;
  for (std::size_t i = 0; i < o.value.size(); ++i) {
    if (o.at[i] >= m) continue;
    if (!runs.rows.empty() && !(o.value[i] == last))
      runs.run_end.push_back(static_cast<std::uint32_t>(runs.rows.size()));
    runs.rows.push_back(o.at[i]);
    last = o.value[i];
  }
  if (!runs.rows.empty()) runs.run_end.push_back(static_cast<std::uint32_t>(runs.rows.size()));
  if (runs.run_end.size() == runs.rows.size()) runs.run_end = {};  // every run one value
  return runs;
}

}  // namespace detail

using detail::assign_average_ranks;
using detail::ordered;
using detail::rank_correlations;
using detail::tie_runs_below;
using detail::varies;

Eigen::VectorXd average_ranks(const Eigen::VectorXd& values) {
  Eigen::VectorXd ranks(values.size());
  assign_average_ranks(ordered(values).view(), ranks);
  return ranks;
}

TieRuns tie_runs(const Eigen::VectorXd& values) {
  return tie_runs_below(ordered(values).view(), static_cast<std::size_t>(values.size()));
}

ColumnOrder column_order(const Eigen::MatrixXd& x) {
  ColumnOrder order;
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    detail::Ordered o = ordered(x.col(j));
    order.values.push_back(std::move(o.value));
    order.places.push_back(std::move(o.at));
  }
  return order;
}

void count_times(Resample& r, std::size_t values) {
  r.times.assign(values, 0);
  for (const std::size_t i : r.drawn) ++r.times[i];
}

void resample_ranks(const TieRuns& runs, Resample& r, Eigen::Ref<Eigen::VectorXd> ranks) {
  if (r.times.size() != runs.rows.size() || ranks.size() != static_cast<Eigen::Index>(r.drawn.size()))
    throw InternalError("resample_ranks: the resample is not of these values");
  // A run drawn c times after `start` smaller draws holds ranks start + 1
  // to start + c: each of its values gets their mean, as average_ranks()
  // computes it. The values are visited in ascending order, and every
  // array read or written at random (times, rank_of) is shared by all the
  // parameters of a resample.
  r.rank_of.resize(runs.rows.size());
  const std::uint32_t* const rows = runs.rows.data();
  std::size_t start = 0;
  if (runs.run_end.empty()) {
    for (std::size_t p = 0; p < runs.rows.size(); ++p) {
      const std::size_t c = r.times[rows[p]];
      r.rank_of[rows[p]] = 0.5 * static_cast<double>(start + 1 + (start + c));
      start += c;
    }
  } else {
    std::size_t p = 0;
    for (const std::uint32_t end : runs.run_end) {
      std::size_t c = 0;
      for (std::size_t q = p; q < end; ++q) c += r.times[rows[q]];
      const double rank = 0.5 * static_cast<double>(start + 1 + (start + c));
      for (; p < end; ++p) r.rank_of[rows[p]] = rank;
      start += c;
    }
  }
  for (std::size_t i = 0; i < r.drawn.size(); ++i) ranks(static_cast<Eigen::Index>(i)) = r.rank_of[r.drawn[i]];
}

Eigen::MatrixXd rank_columns(const Eigen::MatrixXd& a) {
  Eigen::MatrixXd r(a.rows(), a.cols());
  for (Eigen::Index j = 0; j < a.cols(); ++j) r.col(j) = average_ranks(a.col(j));
  return r;
}

namespace {
// rank_correlations() of x's columns with y.
detail::RankCorrelations rank_correlations_of(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
  Eigen::MatrixXd r(x.rows(), x.cols() + 1);
  r.leftCols(x.cols()) = rank_columns(x);
  r.col(x.cols()) = average_ranks(y);
  return rank_correlations(r);
}
}  // namespace

Eigen::VectorXd spearman(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
  return rank_correlations_of(x, y).spearman;
}

Eigen::VectorXd prcc(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) { return rank_correlations_of(x, y).prcc; }

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

void detail::BinnedRanks::assign(Eigen::Ref<const Eigen::MatrixXd> rx) {
  n_ = rx.rows();
  k_ = rx.cols();
  const double dn = static_cast<double>(n_);
  bins_ = static_cast<Eigen::Index>(std::max(2.0, std::round(std::cbrt(dn))));
  // Average ranks run from 1 to n; equal values share one rank, so one bin.
  const auto bin_of_rank = [&](double rank) {
    const double position = (rank - 0.5) / dn;
    return static_cast<std::uint32_t>(
        std::clamp<Eigen::Index>(static_cast<Eigen::Index>(position * static_cast<double>(bins_)), 0, bins_ - 1));
  };
  // An average rank is a multiple of 1/2: the bin of each, found once per n
  // (every resample of a bootstrap has the same n) as above, is looked up.
  // The table is kept by the thread for the next call up to 2^20 rows
  // (8 MiB).
  constexpr Eigen::Index max_kept_rows = Eigen::Index{1} << 20;
  const bool keep = n_ <= max_kept_rows;
  thread_local std::vector<std::uint32_t> bin_of_twice;
  thread_local Eigen::Index tabled_n = -1;
  const std::size_t twice_n = keep ? static_cast<std::size_t>(2 * n_) : 0;
  if (keep && tabled_n != n_) {
    bin_of_twice.resize(twice_n + 1);
    for (std::size_t h = 0; h <= twice_n; ++h) bin_of_twice[h] = bin_of_rank(0.5 * static_cast<double>(h));
    tabled_n = n_;
  }
  const auto bin = [&](double rank) {
    const double twice = 2.0 * rank;
    if (keep && twice >= 0.0 && twice <= static_cast<double>(twice_n)) {
      const auto h = static_cast<std::size_t>(twice);
      if (static_cast<double>(h) == twice) return bin_of_twice[h];
    }
    return bin_of_rank(rank);
  };
  const auto n = static_cast<std::size_t>(n_), nb = static_cast<std::size_t>(bins_);
  rows_.resize(n * static_cast<std::size_t>(k_));
  ends_.assign(nb * static_cast<std::size_t>(k_), 0);
  varies_.assign(static_cast<std::size_t>(k_), 0);
  bin_of_row_.resize(n);
  next_.resize(nb);
  std::uint32_t* const bin_of_row = bin_of_row_.data();
  std::uint32_t* const next = next_.data();
  for (Eigen::Index j = 0; j < k_; ++j) {
    // A counting sort of the rows by bin keeps each bin's rows ascending.
    std::uint32_t* const end = ends_.data() + static_cast<std::size_t>(j) * nb;
    for (std::size_t i = 0; i < n; ++i) {
      bin_of_row[i] = bin(rx(static_cast<Eigen::Index>(i), j));
      ++end[bin_of_row[i]];
    }
    // Ranks in two bins differ; within one bin they are compared.
    const auto filled = std::count_if(end, end + nb, [](std::uint32_t c) { return c > 0; });
    varies_[static_cast<std::size_t>(j)] = filled > 1 || (n > 0 && rx.col(j).maxCoeff() > rx.col(j).minCoeff());
    std::uint32_t start = 0;
    for (std::size_t b = 0; b < nb; ++b) {
      next[b] = start;
      start += end[b];
      end[b] = start;
    }
    std::uint32_t* const rows = rows_.data() + static_cast<std::size_t>(j) * n;
    for (std::size_t i = 0; i < n; ++i) rows[next[bin_of_row[i]]++] = static_cast<std::uint32_t>(i);
  }
}

Eigen::VectorXd detail::BinnedRanks::first_order(Eigen::Ref<const Eigen::VectorXd> y) const {
  if (y.size() != n_) throw InternalError("BinnedRanks: the output is not of these rows");
  Eigen::VectorXd out = Eigen::VectorXd::Constant(k_, nan);
  if (n_ < 4 || !varies(y)) return out;
  const double dn = static_cast<double>(n_);
  const double mean = y.mean();
  const double total = (y.array() - mean).square().sum() / dn;
  const auto n = static_cast<std::size_t>(n_), nb = static_cast<std::size_t>(bins_);
  deviation_.resize(n);  // y - mean, the same for every column
  for (std::size_t i = 0; i < n; ++i) deviation_[i] = y(static_cast<Eigen::Index>(i)) - mean;
  for (Eigen::Index j = 0; j < k_; ++j) {
    if (!varies_[static_cast<std::size_t>(j)]) continue;
    const std::uint32_t* const rows = rows_.data() + static_cast<std::size_t>(j) * n;
    const std::uint32_t* const end = ends_.data() + static_cast<std::size_t>(j) * nb;
    double between = 0.0, within = 0.0, used = 0.0;
    std::uint32_t p = 0;
    for (std::size_t b = 0; b < nb; ++b) {
      if (end[b] == p) continue;
      // The bin's values added in the order of their rows.
      const std::uint32_t start = p;
      double sum = 0.0, sum2 = 0.0;
      for (; p < end[b]; ++p) {
        const double d = deviation_[rows[p]];
        sum += d;
        sum2 += d * d;
      }
      const double count = static_cast<double>(end[b] - start);
      between += sum * sum / count;
      within += sum2 - sum * sum / count;
      used += 1.0;
    }
    between /= dn;
    // E[between] = Var(E[y | bin]) + (M - 1) / n * (within-bin variance).
    const double noise = used > 1.0 && dn > used ? (used - 1.0) / dn * within / (dn - used) : 0.0;
    out(j) = (between - noise) / total;
  }
  return out;
}

Eigen::VectorXd first_order_ranked(Eigen::Ref<const Eigen::MatrixXd> rx, Eigen::Ref<const Eigen::VectorXd> y) {
  const Eigen::Index n = rx.rows(), k = rx.cols();
  if (n < 4 || !varies(y)) return Eigen::VectorXd::Constant(k, nan);
  detail::BinnedRanks bins;
  bins.assign(rx);
  return bins.first_order(y);
}

Eigen::VectorXd first_order(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
  return first_order_ranked(rank_columns(x), y);
}

}  // namespace samdsim
