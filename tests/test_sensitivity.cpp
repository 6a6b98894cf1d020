// samdsim sensitivity: Spearman and PRCC statistics, bootstrap intervals,
// and the command that writes /sensitivity into a result file.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <set>

#include "cli_fixture.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/hdf5_file.hpp"
#include "samdsim/random.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/sensitivity.hpp"

using namespace samdsim;

namespace {

// y = 3 * exp(x1) + noise, x2 unrelated, x3 weakly related (negatively).
void synthetic(Eigen::Index n, Eigen::MatrixXd& x, Eigen::VectorXd& y) {
  Stream s(11, 0, 0);
  x.resize(n, 3);
  y.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    x(i, 0) = s.uniform();
    x(i, 1) = s.normal();
    x(i, 2) = s.uniform();
    y(i) = 3.0 * std::exp(x(i, 0)) - 0.5 * x(i, 2) + 0.1 * s.normal();
  }
}

}  // namespace

TEST_CASE("average ranks share ties", "[sensitivity]") {
  Eigen::VectorXd v(6);
  v << 3.0, 1.0, 3.0, 2.0, 3.0, -1.0;
  const Eigen::VectorXd r = average_ranks(v);
  Eigen::VectorXd want(6);
  want << 5.0, 2.0, 5.0, 3.0, 5.0, 1.0;
  CHECK(r.isApprox(want));
}

TEST_CASE("average ranks of both signs, zeros, infinities, subnormals and NaN match counting", "[sensitivity]") {
  // Enough values for the radix sort's bins (not its comparison-sort
  // fallback), drawn across signs and magnitudes with special values mixed
  // in; each finite or infinite value's average rank is the number of
  // values below it plus half of those equal to it (itself included) plus 1/2.
  constexpr Eigen::Index n = 5000;
  const double specials[] = {0.0, -0.0, std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::denorm_min(),
                             -std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::lowest(), std::numeric_limits<double>::quiet_NaN(), 1.5};
  Stream s(21, 0, 0);
  Eigen::VectorXd v(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double u = s.uniform();
    v(i) = u < 0.1 ? specials[s.uniform_index(std::size(specials))]
                   : (s.uniform() < 0.5 ? -1.0 : 1.0) * std::exp(80.0 * s.normal());
  }
  const Eigen::VectorXd r = average_ranks(v);
  for (Eigen::Index i = 0; i < n; ++i) {
    if (std::isnan(v(i))) continue;
    double below = 0.0, equal = 0.0;
    for (Eigen::Index j = 0; j < n; ++j) {
      below += v(j) < v(i) ? 1.0 : 0.0;
      equal += v(j) == v(i) ? 1.0 : 0.0;
    }
    CAPTURE(i, v(i));
    REQUIRE(r(i) == below + 0.5 * (equal + 1.0));
  }
}

TEST_CASE("A resample's ranks from its tie runs are the average ranks of the resampled values", "[sensitivity]") {
  // Counting a resample's draws per tie run of the original values must
  // give average_ranks() of the resample, bit for bit: the bootstrap's
  // intervals depend on it.
  Stream s(12, 0, 0);
  for (const int distinct : {1, 2, 5, 1000000}) {
    for (const Eigen::Index n : {1, 2, 7, 300}) {
      INFO(distinct << " distinct values, n = " << n);
      Eigen::VectorXd v(n);
      for (Eigen::Index i = 0; i < n; ++i)
        v(i) = static_cast<double>(s.uniform_index(static_cast<std::uint64_t>(distinct))) * 0.25;
      const TieRuns runs = tie_runs(v);
      const std::set<double> values(v.begin(), v.end());
      CHECK(runs.run_end.empty() == (values.size() == static_cast<std::size_t>(n)));  // no ties: no run ends kept
      Resample r;
      for (int b = 0; b < 20; ++b) {
        r.drawn.resize(static_cast<std::size_t>(n));
        Eigen::VectorXd resampled(n);
        for (Eigen::Index i = 0; i < n; ++i) {
          r.drawn[static_cast<std::size_t>(i)] = static_cast<std::size_t>(s.uniform_index(static_cast<std::uint64_t>(n)));
          resampled(i) = v(static_cast<Eigen::Index>(r.drawn[static_cast<std::size_t>(i)]));
        }
        count_times(r, static_cast<std::size_t>(n));
        Eigen::VectorXd ranks(n);
        resample_ranks(runs, r, ranks);
        const Eigen::VectorXd want = average_ranks(resampled);
        for (Eigen::Index i = 0; i < n; ++i) CHECK(ranks(i) == want(i));
      }
    }
  }
}

TEST_CASE("Spearman with ties is the Pearson correlation of average ranks", "[sensitivity]") {
  Eigen::MatrixXd x(5, 2);
  x << 1, 5, 2, 4, 2, 3, 3, 2, 4, 1;
  Eigen::VectorXd y(5);
  y << 10, 20, 20, 30, 40;
  const Eigen::VectorXd rho = spearman(x, y);
  // x1 ranks 1, 2.5, 2.5, 4, 5 and y ranks 1, 2.5, 2.5, 4, 5: identical.
  CHECK(rho(0) == Approx(1.0));
  CHECK(rho(1) < -0.9);
  // By hand: ranks of x2 are 5,4,3,2,1; of y 1,2.5,2.5,4,5.
  const double rx[5] = {5, 4, 3, 2, 1}, ry[5] = {1, 2.5, 2.5, 4, 5};
  double sxy = 0, sxx = 0, syy = 0;
  for (int i = 0; i < 5; ++i) {
    sxy += (rx[i] - 3) * (ry[i] - 3);
    sxx += (rx[i] - 3) * (rx[i] - 3);
    syy += (ry[i] - 3) * (ry[i] - 3);
  }
  CHECK(rho(1) == Approx(sxy / std::sqrt(sxx * syy)));
  // A constant column has no correlation.
  Eigen::MatrixXd c = Eigen::MatrixXd::Ones(5, 1);
  CHECK(std::isnan(spearman(c, y)(0)));
}

TEST_CASE("PRCC finds the monotone driver and equals the residual definition", "[sensitivity]") {
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  synthetic(2000, x, y);
  const Eigen::VectorXd p = prcc(x, y), q = prcc_residuals(x, y);
  CHECK(p(0) > 0.95);
  CHECK(std::abs(p(1)) < 0.1);
  CHECK(p(2) < -0.3);
  for (Eigen::Index j = 0; j < 3; ++j) CHECK(p(j) == Approx(q(j)).margin(1e-9));

  // Singular rank correlation (a duplicated column): NaN, not garbage.
  Eigen::MatrixXd d(x.rows(), 2);
  d.col(0) = x.col(0);
  d.col(1) = x.col(0);
  const Eigen::VectorXd s = prcc(d, y);
  CHECK(std::isnan(s(0)));
  CHECK(std::isnan(s(1)));
}

namespace {

// The Ishigami function, y = sin x1 + a sin^2 x2 + b x3^4 sin x1 with x_i ~
// U(-pi, pi), a = 7, b = 0.1 (Ishigami & Homma 1990). Its first-order indices
// in closed form: V1 = (1 + b pi^4 / 5)^2 / 2, V2 = a^2 / 8, V3 = 0 over
// V = a^2 / 8 + b pi^4 / 5 + b^2 pi^8 / 18 + 1 / 2.
void ishigami(Eigen::Index n, Eigen::MatrixXd& x, Eigen::VectorXd& y) {
  const double pi = std::numbers::pi;
  Stream stream(2024, 0, 0, 0);
  x.resize(n, 3);
  y.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < 3; ++j) x(i, j) = stream.uniform(-pi, pi);
    y(i) = std::sin(x(i, 0)) + 7.0 * std::pow(std::sin(x(i, 1)), 2) + 0.1 * std::pow(x(i, 2), 4) * std::sin(x(i, 0));
  }
}

}  // namespace

TEST_CASE("Given-data first-order indices reproduce the Ishigami function's and see the effect rank correlation misses",
          "[sensitivity]") {
  const double pi4 = std::pow(std::numbers::pi, 4), b = 0.1, a = 7.0;
  const double v1 = 0.5 * std::pow(1.0 + b * pi4 / 5.0, 2), v2 = a * a / 8.0;
  const double v = a * a / 8.0 + b * pi4 / 5.0 + b * b * pi4 * pi4 / 18.0 + 0.5;
  REQUIRE(v1 / v == Approx(0.3139).margin(1e-4));
  REQUIRE(v2 / v == Approx(0.4424).margin(1e-4));
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  ishigami(20000, x, y);
  const Eigen::VectorXd s = first_order(x, y);
  CHECK(s(0) == Approx(v1 / v).margin(0.02));
  CHECK(s(1) == Approx(v2 / v).margin(0.02));
  CHECK(s(2) == Approx(0.0).margin(0.02));
  // x2 acts through sin^2: symmetric, so its rank correlation is about 0.
  CHECK(std::abs(spearman(x, y)(1)) < 0.05);

  // The bootstrap interval covers the true index, and a constant column has none.
  ishigami(3000, x, y);
  x.col(2).setConstant(1.0);
  const SensitivityResult r = sensitivity(x, y, 100, 7);
  CHECK(r.first_order_low(1) <= v2 / v);
  CHECK(r.first_order_high(1) >= v2 / v);
  CHECK(r.first_order_low(1) <= r.first_order(1));
  CHECK(r.first_order_high(1) >= r.first_order(1));
  CHECK(std::isnan(r.first_order(2)));
  // Ties share a bin: a parameter with two values splits y in two, whatever their order.
  Eigen::MatrixXd coin(x.rows(), 1);
  for (Eigen::Index i = 0; i < x.rows(); ++i) coin(i, 0) = x(i, 0) > 0 ? 1.0 : 0.0;
  Eigen::VectorXd step(x.rows());
  for (Eigen::Index i = 0; i < x.rows(); ++i) step(i) = coin(i, 0) * 2.0 + y(i) * 1e-9;
  CHECK(first_order(coin, step)(0) == Approx(1.0).margin(1e-6));
}

TEST_CASE("sensitivity: bootstrap intervals, NaN rows, reproducibility", "[sensitivity]") {
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  synthetic(1500, x, y);
  for (Eigen::Index i = 0; i < 100; ++i) y(i * 7) = std::numeric_limits<double>::quiet_NaN();
  const SensitivityResult r = sensitivity(x, y, 200, 42);
  CHECK(r.rows_used == 1400);
  CHECK(r.bootstrap_rows == 1400);
  CHECK(r.prcc(0) > 0.95);
  CHECK(r.prcc_low(0) > 0.9);
  CHECK(r.prcc_low(0) <= r.prcc(0));
  CHECK(r.prcc_high(0) >= r.prcc(0));
  CHECK(r.prcc_low(1) < 0.0);
  CHECK(r.prcc_high(1) > 0.0);  // the unrelated parameter's interval covers 0
  CHECK(r.spearman_low(1) < 0.0);
  CHECK(r.spearman_high(1) > 0.0);

  // The resamples run in parallel; the intervals are the same on one thread.
  const SensitivityResult again = [&] {
    const tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    return sensitivity(x, y, 200, 42);
  }();
  CHECK(again.prcc_low == r.prcc_low);
  CHECK(again.spearman_high == r.spearman_high);
  CHECK(again.first_order_low == r.first_order_low);
  const SensitivityResult other = sensitivity(x, y, 200, 43);
  CHECK(other.prcc_low != r.prcc_low);
  CHECK(other.prcc == r.prcc);

  // The bootstrap uses at most max_rows rows.
  CHECK(sensitivity(x, y, 5, 42, 500).bootstrap_rows == 500);
  // A constant parameter is NaN; the others are still computed.
  Eigen::MatrixXd xc = x;
  xc.col(1).setConstant(2.0);
  const SensitivityResult c = sensitivity(xc, y, 0, 1);
  CHECK(std::isnan(c.prcc(1)));
  CHECK(c.prcc(0) > 0.95);
}

TEST_CASE("sensitivity: Spearman and PRCC are exact sums of ranks, whatever the order of the rows", "[sensitivity]") {
  // Centred average ranks are multiples of 1/2 and their products' sums are
  // exact, whatever order they are added in: Spearman equals the Pearson
  // correlation of the ranks added up row by row, and neither statistic
  // moves by a bit when the rows come in another order, with ties and with
  // a column more than half one value.
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  synthetic(2001, x, y);
  x.conservativeResize(Eigen::NoChange, 5);
  Stream s(5, 0, 1);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    x(i, 3) = std::floor(4.0 * s.uniform());                  // four tie groups
    x(i, 4) = s.uniform() < 0.7 ? 1.0 : s.uniform();           // one large tie run
    y(i) += 0.3 * x(i, 3);
  }
  const Eigen::Index n = x.rows();
  const SensitivityResult r = sensitivity(x, y, 0, 1);
  const Eigen::VectorXd rho = spearman(x, y), pr = prcc(x, y);
  const Eigen::VectorXd ry = average_ranks(y);
  const double mid = 0.5 * static_cast<double>(n + 1);
  const auto bits = [](double v) { return std::bit_cast<std::uint64_t>(v); };
  // Rows in another order: reversed, then every 7th (7 and 2001 are coprime).
  Eigen::MatrixXd px(n, x.cols());
  Eigen::VectorXd py(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index from = n - 1 - (7 * i) % n;
    px.row(i) = x.row(from);
    py(i) = y(from);
  }
  const SensitivityResult permuted = sensitivity(px, py, 0, 1);
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    CAPTURE(j);
    const Eigen::VectorXd rx = average_ranks(x.col(j));
    double sxy = 0, sxx = 0, syy = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      sxy += (rx(i) - mid) * (ry(i) - mid);
      sxx += (rx(i) - mid) * (rx(i) - mid);
      syy += (ry(i) - mid) * (ry(i) - mid);
    }
    CHECK(bits(r.spearman(j)) == bits(sxy / std::sqrt(sxx * syy)));
    CHECK(bits(rho(j)) == bits(r.spearman(j)));
    CHECK(bits(pr(j)) == bits(r.prcc(j)));
    CHECK(bits(permuted.spearman(j)) == bits(r.spearman(j)));
    CHECK(bits(permuted.prcc(j)) == bits(r.prcc(j)));
  }
  const Eigen::VectorXd by_residuals = prcc_residuals(x, y);
  for (Eigen::Index j = 0; j < x.cols(); ++j) CHECK(r.prcc(j) == Approx(by_residuals(j)).margin(1e-9));
}

TEST_CASE("sensitivity: rows with a NaN are as if they were not there, and a given column order changes nothing",
          "[sensitivity]") {
  // The rows kept are ranked by each parameter's order over all rows with
  // the others skipped: the result must equal, bit for bit, that of the
  // kept rows alone (ties included, and a parameter that varies only in
  // dropped rows counted as constant).
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  synthetic(600, x, y);
  x.conservativeResize(Eigen::NoChange, 5);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    x(i, 3) = std::round(4.0 * x(i, 1)) / 4.0;  // ties
    x(i, 4) = i % 5 == 0 ? static_cast<double>(i) : 1.0;  // varies only where a row is dropped
  }
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<Eigen::Index> clean_rows;
  Eigen::MatrixXd dirty_x = x;
  Eigen::VectorXd dirty_y = y;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    if (i % 5 == 0) {
      dirty_y(i) = i % 10 == 0 ? nan : inf;
    } else if (i % 7 == 0) {
      dirty_x(i, i % 4) = i % 3 == 0 ? -inf : nan;
    } else {
      clean_rows.push_back(i);
    }
  }
  const auto kept = static_cast<Eigen::Index>(clean_rows.size());
  Eigen::MatrixXd clean_x(kept, x.cols());
  Eigen::VectorXd clean_y(kept);
  for (Eigen::Index i = 0; i < kept; ++i) {
    clean_x.row(i) = x.row(clean_rows[static_cast<std::size_t>(i)]);
    clean_y(i) = y(clean_rows[static_cast<std::size_t>(i)]);
  }
  const auto same = [](const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    REQUIRE(a.size() == b.size());
    for (Eigen::Index i = 0; i < a.size(); ++i) {
      INFO("element " << i << ": " << a(i) << " vs " << b(i));
      CHECK(((std::isnan(a(i)) && std::isnan(b(i))) || a(i) == b(i)));
    }
  };
  for (const std::size_t max_rows : {std::size_t{100}, max_bootstrap_rows}) {
    INFO("max_rows " << max_rows);
    const SensitivityResult want = sensitivity(clean_x, clean_y, 40, 9, max_rows);
    const SensitivityResult got = sensitivity(dirty_x, column_order(dirty_x), dirty_y, 40, 9, max_rows);
    CHECK(got.rows_used == static_cast<std::size_t>(kept));
    CHECK(got.bootstrap_rows == want.bootstrap_rows);
    CHECK(std::isnan(got.prcc(4)));
    CHECK(got.prcc(0) > 0.9);
    for (const auto member : {&SensitivityResult::spearman, &SensitivityResult::spearman_low,
                              &SensitivityResult::spearman_high, &SensitivityResult::prcc, &SensitivityResult::prcc_low,
                              &SensitivityResult::prcc_high, &SensitivityResult::first_order,
                              &SensitivityResult::first_order_low, &SensitivityResult::first_order_high})
      same(got.*member, want.*member);
    // The ranks themselves: the kept rows' average ranks, ties shared.
    same(want.spearman, spearman(clean_x, clean_y));
  }
}

TEST_CASE("sensitivity: outputs analysed together get, bit for bit, the result each gets alone", "[sensitivity]") {
  // Outputs with the same finite rows share the parameters' ranks, bins and
  // Gram block in the data and in every resample; none may leak into
  // another output's statistics, and each group keeps its own rows.
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  synthetic(500, x, y);
  x.conservativeResize(Eigen::NoChange, 4);
  for (Eigen::Index i = 0; i < x.rows(); ++i) x(i, 3) = std::round(4.0 * x(i, 1)) / 4.0;  // ties
  x(17, 2) = std::numeric_limits<double>::quiet_NaN();  // dropped for every output
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Eigen::MatrixXd outputs(x.rows(), 6);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    outputs(i, 0) = y(i);
    outputs(i, 1) = i % 6 == 0 ? nan : std::sin(3.0 * x(i, 0)) + x(i, 3);  // rows of its own
    outputs(i, 2) = -y(i) * y(i);                                           // the rows of output 0
    outputs(i, 3) = 5.0;                                                    // constant: NaN statistics
    outputs(i, 4) = i % 6 == 0 ? nan : std::floor(2.0 * x(i, 1));          // output 1's rows, ties
    outputs(i, 5) = i % 4 == 0 ? std::numeric_limits<double>::infinity() : x(i, 2) - x(i, 0);
  }
  const ColumnOrder order = column_order(x);
  for (const std::size_t max_rows : {std::size_t{150}, max_bootstrap_rows}) {
    INFO("max_rows " << max_rows);
    const std::vector<SensitivityResult> together = sensitivity(x, order, outputs, 30, 5, max_rows);
    REQUIRE(together.size() == 6);
    for (Eigen::Index o = 0; o < outputs.cols(); ++o) {
      INFO("output " << o);
      const SensitivityResult alone = sensitivity(x, order, Eigen::VectorXd(outputs.col(o)), 30, 5, max_rows);
      const SensitivityResult& got = together[static_cast<std::size_t>(o)];
      CHECK(got.rows_used == alone.rows_used);
      CHECK(got.bootstrap_rows == alone.bootstrap_rows);
      for (const auto member : {&SensitivityResult::spearman, &SensitivityResult::spearman_low,
                                &SensitivityResult::spearman_high, &SensitivityResult::prcc,
                                &SensitivityResult::prcc_low, &SensitivityResult::prcc_high,
                                &SensitivityResult::first_order, &SensitivityResult::first_order_low,
                                &SensitivityResult::first_order_high}) {
        REQUIRE((got.*member).size() == x.cols());
        for (Eigen::Index j = 0; j < x.cols(); ++j) {
          INFO("parameter " << j << ": " << (got.*member)(j) << " vs " << (alone.*member)(j));
          CHECK(std::bit_cast<std::uint64_t>((got.*member)(j)) == std::bit_cast<std::uint64_t>((alone.*member)(j)));
        }
      }
    }
    CHECK(together[0].rows_used == 499);
    CHECK(together[1].rows_used == 415);
    CHECK(std::isnan(together[3].prcc(0)));
    CHECK(together[2].prcc(0) < -0.9);
    CHECK(together[2].first_order_low(0) > 0.5);
  }
}

TEST_CASE("The first-order index adds each bin's values in the order of their rows", "[sensitivity]") {
  // The definition written out: M = round(n^(1/3)) bins of equal counts of
  // the average ranks, each bin's sums taken over its rows in row order.
  const auto by_definition = [](const Eigen::MatrixXd& rx, const Eigen::VectorXd& y) {
    const Eigen::Index n = rx.rows();
    const double dn = static_cast<double>(n);
    const auto bins = static_cast<Eigen::Index>(std::max(2.0, std::round(std::cbrt(dn))));
    const double mean = y.mean();
    const double total = (y.array() - mean).square().sum() / dn;
    Eigen::VectorXd out = Eigen::VectorXd::Constant(rx.cols(), std::numeric_limits<double>::quiet_NaN());
    for (Eigen::Index j = 0; j < rx.cols(); ++j) {
      if (!(rx.col(j).maxCoeff() > rx.col(j).minCoeff())) continue;
      std::vector<double> sum(static_cast<std::size_t>(bins)), sum2(sum), count(sum);
      for (Eigen::Index i = 0; i < n; ++i) {
        const auto b = static_cast<std::size_t>(std::clamp<Eigen::Index>(
            static_cast<Eigen::Index>((rx(i, j) - 0.5) / dn * static_cast<double>(bins)), 0, bins - 1));
        const double d = y(i) - mean;
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
      const double noise = used > 1.0 && dn > used ? (used - 1.0) / dn * within / (dn - used) : 0.0;
      out(j) = (between - noise) / total;
    }
    return out;
  };
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  synthetic(2000, x, y);
  x.conservativeResize(Eigen::NoChange, 5);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    x(i, 3) = std::round(3.0 * x(i, 1));  // a few values, long ties across bins
    x(i, 4) = i < 3 ? 1.0 : 0.0;          // almost constant
  }
  y.array() += 1e3;  // a mean far from 0: the deviations' rounding shows in the sums
  const Eigen::MatrixXd rx = rank_columns(x);
  const Eigen::VectorXd got = first_order_ranked(rx, y), want = by_definition(rx, y);
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    INFO("parameter " << j << ": " << got(j) << " vs " << want(j));
    CHECK(std::bit_cast<std::uint64_t>(got(j)) == std::bit_cast<std::uint64_t>(want(j)));
  }
  CHECK(got(0) > 0.8);
}

namespace {

const char* config = R"(model: us_pathway
name: sensitivity test
replicates: 3000
seed: 42
parameters:
  pathway: 510k
  burn_usd_per_month: {dist: triangular, min: 150000, mode: 250000, max: 400000}
  presubmission:
    meetings: 1
    cost_usd: {dist: uniform, min: 15000, max: 40000}
  studies:
    - type: standalone
      sensitivity: {dist: beta, mean: 0.90, sd: 0.03}
      specificity: 0.91
      sensitivity_goal: 0.80
      specificity_goal: 0.80
)";

std::vector<std::string> strings(const fs::path& file, const std::string& name) {
  hdf5::Id f = open_result_file(file);
  hdf5::Id ds = hdf5::open_dataset(f.get(), name);
  const hsize_t n = hdf5::dataset_shape(ds.get()).at(0);
  hdf5::Id type = hdf5::check(H5Tcopy(H5T_C_S1), "type");
  H5Tset_size(type.get(), H5T_VARIABLE);
  std::vector<char*> raw(n);
  hdf5::check(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), "read");
  std::vector<std::string> out(raw.begin(), raw.end());
  hdf5::Id space = hdf5::check(H5Dget_space(ds.get()), "space");
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, raw.data());
  return out;
}

}  // namespace

TEST_CASE("samdsim sensitivity writes /sensitivity and leaves the data alone", "[sensitivity][cli]") {
  const fs::path dir = scratch("sensitivity");
  write(dir, "c.yaml", config);
  const fs::path out = dir / "o.h5";
  REQUIRE(run("run " + (dir / "c.yaml").string() + " -o " + out.string() + " --progress never", dir).status == 0);
  REQUIRE(shell("cp " + out.string() + " " + (dir / "orig.h5").string()) == 0);

  const Result r = run("sensitivity " + out.string() + " --output total_cost_usd months_to_authorization --bootstrap 50 "
                       "--tornado-replicates 1000",
                       dir);
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("total_cost_usd") != std::string::npos);
  CHECK(r.out.find("burn_usd_per_month") != std::string::npos);
  CHECK_FALSE(fs::exists(out.string() + ".sensitivity-tmp"));
  // The original data are unchanged.
  CHECK(shell("h5diff " + (dir / "orig.h5").string() + " " + out.string() + " /replicates /replicates") == 0);
  CHECK(shell("h5diff " + (dir / "orig.h5").string() + " " + out.string() + " /parameters /parameters") == 0);

  const auto names = strings(out, "/sensitivity/total_cost_usd/parameter");
  REQUIRE(names.size() == 9);
  std::size_t burn = names.size();
  for (std::size_t j = 0; j < names.size(); ++j)
    if (names[j].find("burn_usd_per_month") != std::string::npos) burn = j;
  REQUIRE(burn < names.size());
  for (const char* d : {"spearman", "spearman_low", "spearman_high", "prcc", "prcc_low", "prcc_high", "first_order",
                        "first_order_low", "first_order_high", "tornado_p10_mean", "tornado_p90_mean",
                        "tornado_change"}) {
    INFO(d);
    CHECK(read_column(out, std::string("/sensitivity/total_cost_usd/") + d).size() == names.size());
  }
  const auto rho = read_column(out, "/sensitivity/total_cost_usd/spearman");
  const auto change = read_column(out, "/sensitivity/total_cost_usd/tornado_change");
  const auto p10 = read_column(out, "/sensitivity/total_cost_usd/tornado_p10_mean");
  const auto p90 = read_column(out, "/sensitivity/total_cost_usd/tornado_p90_mean");
  CHECK(rho[burn] > 0.3);
  CHECK(change[burn] > 0.0);  // same sign as Spearman for a strongly monotone driver
  CHECK(change[burn] == Approx(p90[burn] - p10[burn]));
  {
    hdf5::Id f = open_result_file(out);
    hdf5::Id g = hdf5::open_group(f.get(), "/sensitivity/total_cost_usd");
    CHECK(hdf5::read_uint64_attribute(g.get(), "rows_used") == 3000u);
    CHECK(hdf5::read_uint64_attribute(g.get(), "bootstrap") == 50u);
    CHECK(hdf5::read_uint64_attribute(g.get(), "tornado_replicates") == 1000u);
    // The centre, every parameter at its median, lies between the ends of a monotone driver's bar.
    const double base = hdf5::read_double_attribute(g.get(), "tornado_base_mean").value_or(0);
    CHECK(base > p10[burn]);
    CHECK(base < p90[burn]);
    hdf5::Id m = hdf5::open_group(f.get(), "/sensitivity/months_to_authorization");
    CHECK(hdf5::read_uint64_attribute(m.get(), "rows_used").value_or(0) < 3000u);  // NaN when not authorized
  }

  // summarize shows the stored analyses exactly as the command printed them.
  const std::string printed = r.out.substr(0, r.out.find("\nwrote /sensitivity/"));
  REQUIRE(printed.find("== total_cost_usd [USD]") != std::string::npos);
  const Result shown = run("summarize " + out.string(), dir);
  INFO(shown.out << shown.err);
  REQUIRE(shown.status == 0);
  CHECK(shown.out.find("# sensitivity (stored by samdsim sensitivity)\n" + printed) != std::string::npos);
  // --outputs keeps the named outputs' analyses only.
  const Result only = run("summarize " + out.string() + " --outputs authorized", dir);
  REQUIRE(only.status == 0);
  CHECK(only.out.find("== total_cost_usd [USD]") == std::string::npos);
  // The JSON carries the same numbers, in the stored order.
  {
    const Result json = run("summarize --json " + out.string(), dir);
    REQUIRE(json.status == 0);
    const nlohmann::json j = nlohmann::json::parse(json.out);
    const nlohmann::json* cost = nullptr;
    for (const auto& a : j["sensitivity"])
      if (a["output"] == "total_cost_usd") cost = &a;
    REQUIRE(cost != nullptr);
    CHECK((*cost)["rows_used"] == 3000);
    REQUIRE((*cost)["parameters"].size() == names.size());
    CHECK((*cost)["parameters"][burn]["name"] == names[burn]);
    CHECK((*cost)["parameters"][burn]["spearman"].get<double>() == rho[burn]);
    CHECK((*cost)["parameters"][burn]["tornado_change"].get<double>() == change[burn]);
    // The company's burn explains more of the cost's variance on its own than any other parameter.
    const auto s1 = read_column(out, "/sensitivity/total_cost_usd/first_order");
    CHECK(s1[burn] > 0.1);
    for (std::size_t j = 0; j < s1.size(); ++j) CHECK(s1[j] <= s1[burn]);
    CHECK((*cost)["parameters"][burn]["first_order"].get<double>() == s1[burn]);
  }
  {
    // A damaged analysis is refused by summarize as bad input, naming it.
    REQUIRE(shell("cp " + out.string() + " " + (dir / "damaged.h5").string()) == 0);
    hdf5::Id f(H5Fopen((dir / "damaged.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    REQUIRE(H5Ldelete(f.get(), "/sensitivity/total_cost_usd/prcc_low", H5P_DEFAULT) >= 0);
  }
  const Result damaged = run("summarize " + (dir / "damaged.h5").string(), dir);
  CHECK(damaged.status == 2);
  CHECK(damaged.err.find("sensitivity/total_cost_usd/prcc_low") != std::string::npos);
  {
    // A file analysed before first-order indices were stored reads with none.
    REQUIRE(shell("cp " + out.string() + " " + (dir / "older.h5").string()) == 0);
    hdf5::Id f(H5Fopen((dir / "older.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    for (const char* d : {"first_order", "first_order_low", "first_order_high"})
      REQUIRE(H5Ldelete(f.get(), (std::string("/sensitivity/total_cost_usd/") + d).c_str(), H5P_DEFAULT) >= 0);
  }
  const Result older = run("summarize " + (dir / "older.h5").string(), dir);
  CHECK(older.status == 0);
  CHECK(older.out.find("  n/a [  n/a,   n/a]  ") != std::string::npos);

  // Rerunning replaces the group (only the asked output is left).
  const Result again = run("sensitivity " + out.string() + " --output authorized --bootstrap 10 --no-tornado", dir);
  INFO(again.out << again.err);
  REQUIRE(again.status == 0);
  {
    hdf5::Id f = open_result_file(out);
    hdf5::Id g = hdf5::open_group(f.get(), "/sensitivity");
    CHECK(hdf5::member_names(g.get()) == std::vector<std::string>{"authorized"});
  }
  CHECK(std::isnan(read_column(out, "/sensitivity/authorized/tornado_change")[0]));
  CHECK(shell("h5diff " + (dir / "orig.h5").string() + " " + out.string() + " /replicates /replicates") == 0);
}

TEST_CASE("samdsim sensitivity refuses bad input with status 2", "[sensitivity][cli]") {
  const fs::path dir = scratch("sensitivity_bad");
  write(dir, "c.yaml", config);
  const auto at = [&](const std::string& name) { return (dir / name).string(); };
  REQUIRE(run("run " + at("c.yaml") + " -o " + at("o.h5") + " --replicates 300 --progress never", dir).status == 0);
  REQUIRE(run("run " + at("c.yaml") + " -o " + at("s.h5") + " --replicates 300 --outputs summary --progress never", dir)
              .status == 0);
  write(dir, "f.yaml", "model: us_pathway\nname: fixed\nreplicates: 100\nseed: 1\nparameters:\n  pathway: 510k\n"
                       "  burn_usd_per_month: 200000\n  submission:\n    preparation_months: 3\n"
                       "  fda_510k:\n    review_days: 120\n    review_days_without_request: 60\n    ai_request_probability: 0.5\n"
                       "    favourable_probability: 0.8\n  presubmission:\n    meetings: 0\n    feedback_days: 60\n");
  const Result unknown = run("sensitivity " + at("o.h5") + " --output total_cost --no-tornado", dir);
  CHECK(unknown.status == 2);
  CHECK(unknown.err.find("total_cost_usd") != std::string::npos);  // did you mean
  const Result summary = run("sensitivity " + at("s.h5"), dir);
  CHECK(summary.status == 2);
  CHECK(summary.err.find("--outputs summary") != std::string::npos);
  CHECK(run("sensitivity " + at("missing.h5"), dir).status == 2);
  CHECK(run("sensitivity " + at("o.h5") + " --point 3 --no-tornado", dir).status == 2);
  if (run("run " + at("f.yaml") + " -o " + at("f.h5") + " --progress never", dir).status == 0) {
    const Result fixed = run("sensitivity " + at("f.h5"), dir);
    CHECK(fixed.status == 2);
    CHECK(fixed.err.find("no parameter") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(dir / "o.h5.sensitivity-tmp"));

  // A sweep needs --point, in range.
  write(dir, "sw.yaml", std::string(config) + "sweep:\n  grid:\n    pathway: [510k, de_novo]\n");
  REQUIRE(run("run " + at("sw.yaml") + " -o " + at("sw.h5") + " --replicates 300 --progress never", dir).status == 0);
  const Result no_point = run("sensitivity " + at("sw.h5") + " --no-tornado", dir);
  CHECK(no_point.status == 2);
  CHECK(no_point.err.find("--point I (0..1)") != std::string::npos);
  CHECK(run("sensitivity " + at("sw.h5") + " --point 2 --no-tornado", dir).status == 2);
  REQUIRE(run("sensitivity " + at("sw.h5") + " --point 1 --output total_cost_usd --bootstrap 10 --tornado-replicates 200",
              dir).status == 0);
  CHECK(read_column(at("sw.h5"), "/points/1/sensitivity/total_cost_usd/prcc").size() == 9);
}
