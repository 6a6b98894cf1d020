// Value of information against closed forms: two options whose incremental
// net benefit is normal (EVPI and EVPPI are the expected positive part of a
// normal less its positive mean part), and a nonlinear case.
#include <catch2/catch.hpp>
#include <tbb/global_control.h>

#include <cmath>

#include "samdsim/random.hpp"
#include "samdsim/smooth_regression.hpp"
#include "samdsim/voi.hpp"

using namespace samdsim;

namespace {

double phi(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI); }
double Phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// E[max(0, X)] - max(0, mu) for X ~ N(mu, sd^2).
double normal_value(double mu, double sd) { return mu * Phi(mu / sd) + sd * phi(mu / sd) - std::max(0.0, mu); }

// n rows of k independent standard normal parameters.
Eigen::MatrixXd parameters(Eigen::Index n, Eigen::Index k, std::uint64_t seed) {
  Eigen::MatrixXd x(n, k);
  for (Eigen::Index i = 0; i < n; ++i) {
    Stream s(seed, 1, static_cast<std::uint64_t>(i));
    for (Eigen::Index j = 0; j < k; ++j) x(i, j) = s.normal();
  }
  return x;
}

// Option 0 has net benefit 0, option 1 the incremental net benefit.
Eigen::MatrixXd two_options(const Eigen::VectorXd& incremental) {
  Eigen::MatrixXd nb(incremental.size(), 2);
  nb.col(0).setZero();
  nb.col(1) = incremental;
  return nb;
}

}  // namespace

TEST_CASE("EVPI of a normal incremental net benefit matches the closed form") {
  const Eigen::MatrixXd x = parameters(200000, 1, 3);
  for (const double mu : {-0.5, 0.0, 0.3, 1.0}) {
    const Evpi r = expected_value_of_perfect_information(two_options(mu + 1.0 * x.col(0).array()));
    INFO("mu " << mu << ": EVPI " << r.value << " +- " << r.se << ", exact " << normal_value(mu, 1.0));
    CHECK(std::abs(r.value - normal_value(mu, 1.0)) < 4 * r.se + 0.005);
    // The option with the larger sample mean (at mu = 0 the sample decides).
    CHECK(r.best_option == (mu + x.col(0).mean() > 0 ? 1 : 0));
  }
}

TEST_CASE("EVPPI of one parameter, a pair and a group of three match the linear-normal closed form") {
  // INB = mu + 0.8 t1 + 0.5 t2 + 0 t3 + simulator noise of sd 0.6.
  const Eigen::Index n = 40000;
  const Eigen::MatrixXd x = parameters(n, 4, 7);
  const double mu = 0.2;
  const Eigen::VectorXd inb = mu + 0.8 * x.col(0).array() + 0.5 * x.col(1).array() + 0.6 * x.col(3).array();
  const Eigen::MatrixXd nb = two_options(inb);
  const Evpi total = expected_value_of_perfect_information(nb);
  CHECK(std::abs(total.value - normal_value(mu, std::sqrt(0.64 + 0.25 + 0.36))) < 4 * total.se + 0.005);

  struct Case {
    std::vector<Eigen::Index> columns;
    double exact;
  };
  const std::vector<Case> cases = {
      {{0}, normal_value(mu, 0.8)},
      {{1}, normal_value(mu, 0.5)},
      {{2}, 0.0},
      {{0, 1}, normal_value(mu, std::sqrt(0.64 + 0.25))},
      {{0, 1, 2}, normal_value(mu, std::sqrt(0.64 + 0.25))},
  };
  for (const auto& c : cases) {
    Eigen::MatrixXd sub(n, static_cast<Eigen::Index>(c.columns.size()));
    for (std::size_t j = 0; j < c.columns.size(); ++j) sub.col(static_cast<Eigen::Index>(j)) = x.col(c.columns[j]);
    const Evppi r = expected_value_of_partial_perfect_information(nb, sub, 50, 11);
    INFO(c.columns.size() << " parameter(s) from column " << c.columns.front() << ": EVPPI " << r.value << " +- "
                          << r.se << " (edf " << r.effective_df << "), exact " << c.exact << ", EVPI "
                          << total.value);
    CHECK(r.value >= 0.0);
    CHECK(r.value <= total.value + 3 * total.se);
    CHECK(std::abs(r.value - c.exact) < 4 * r.se + 0.01);
  }
}

TEST_CASE("EVPPI of a nonlinear net benefit matches numerical integration") {
  // INB = t^2 - 0.8 (+ noise): E[max(0, t^2 - c)] = 2 [a phi(a) + (1 - c)(1 - Phi(a))], a = sqrt(c).
  const Eigen::Index n = 40000;
  const Eigen::MatrixXd x = parameters(n, 2, 9);
  const double c = 0.8, a = std::sqrt(c);
  const double exact = 2.0 * (a * phi(a) + (1.0 - c) * (1.0 - Phi(a))) - std::max(0.0, 1.0 - c);
  const Eigen::VectorXd inb = x.col(0).array().square() - c + 0.5 * x.col(1).array();
  const Evppi r = expected_value_of_partial_perfect_information(two_options(inb), x.col(0), 50, 5);
  INFO("EVPPI " << r.value << " +- " << r.se << ", exact " << exact);
  CHECK(std::abs(r.value - exact) < 4 * r.se + 0.01);
  // A straight line through a U-shaped relation would find no value at all.
  CHECK(r.value > 0.3);
}

TEST_CASE("EVPPI with three options takes the best of them given the parameter") {
  // NB_0 = 0, NB_1 = t, NB_2 = 0.5 - t: given t the best is max(0, t, 0.5 - t).
  const Eigen::Index n = 40000;
  const Eigen::MatrixXd x = parameters(n, 2, 13);
  Eigen::MatrixXd nb(n, 3);
  nb.col(0).setZero();
  nb.col(1) = x.col(0) + 0.3 * x.col(1);
  nb.col(2) = (0.5 - x.col(0).array()).matrix() - 0.3 * x.col(1);
  // E[max(0, t, 0.5 - t)] - max over means (0.5): by quadrature on a fine grid.
  double expected = 0.0;
  const double h = 1e-4;
  for (double t = -8.0; t < 8.0; t += h) expected += std::max({0.0, t, 0.5 - t}) * phi(t) * h;
  const double exact = expected - 0.5;
  const Evppi r = expected_value_of_partial_perfect_information(nb, x.col(0), 50, 17);
  INFO("EVPPI " << r.value << " +- " << r.se << ", exact " << exact);
  CHECK(std::abs(r.value - exact) < 4 * r.se + 0.01);
}

TEST_CASE("The smoothing regression recovers a smooth curve of a skewed parameter and is reproducible") {
  const Eigen::Index n = 20000;
  Eigen::MatrixXd x = parameters(n, 2, 21);
  x.col(0) = x.col(0).array().exp();  // lognormal: knots by rank, no tuning
  const Eigen::VectorXd truth = (x.col(0).array() + 1.0).log().sin();
  const Eigen::VectorXd y = truth + 0.3 * x.col(1);
  const SmoothRegression fit(x.col(0), y);
  const double rmse = std::sqrt((fit.fitted() - truth).squaredNorm() / static_cast<double>(n));
  INFO("rmse " << rmse << ", edf " << fit.effective_df());
  CHECK(rmse < 0.03);  // noise sd 0.3 over 20000 rows
  CHECK(fit.effective_df() > 3.0);
  CHECK(fit.effective_df() < 23.0);
  const SmoothRegression again(x.col(0), y);
  CHECK(again.fitted() == fit.fitted());
}

TEST_CASE("The smoothing regression's bases kept or computed at each visit give the same fit and draws") {
  const Eigen::Index n = 1500;
  const Eigen::MatrixXd x = parameters(n, 4, 23);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) y(i) = std::sin(x(i, 0)) + x(i, 1) * x(i, 2) + 0.2 * x(i, 3);
  for (const Eigen::Index inputs : {1, 2, 3}) {
    INFO(inputs << " inputs");
    const Eigen::MatrixXd xi = x.leftCols(inputs);
    const SmoothRegression kept(xi, y), computed(xi, y, 0);
    REQUIRE(kept.coefficients() == computed.coefficients());
    CHECK(kept.fitted() == computed.fitted());
    CHECK(kept.lambda() == computed.lambda());
    Stream s(5, 0, static_cast<std::uint64_t>(inputs));
    Eigen::VectorXd z(kept.coefficients());
    for (Eigen::Index k = 0; k < z.size(); ++k) z(k) = s.normal();
    const Eigen::VectorXd a = kept.draw_fitted(z), b = computed.draw_fitted(z);
    CHECK(a == b);
    CHECK((a - kept.fitted()).cwiseAbs().maxCoeff() > 0.0);  // the draw moved the fit
  }
}

TEST_CASE("EVPPI's standard error is the same for any thread count") {
  const Eigen::Index n = 3000;
  const Eigen::MatrixXd x = parameters(n, 2, 31);
  Eigen::MatrixXd nb(n, 3);
  for (Eigen::Index i = 0; i < n; ++i) {
    nb(i, 0) = 0.0;
    nb(i, 1) = x(i, 0) + 0.5 * x(i, 1);
    nb(i, 2) = 0.3 - 0.4 * x(i, 0) * x(i, 0) + x(i, 1);
  }
  const Evppi all = expected_value_of_partial_perfect_information(nb, x.leftCols(1), 40, 17);
  const Evppi one = [&] {
    const tbb::global_control single(tbb::global_control::max_allowed_parallelism, 1);
    return expected_value_of_partial_perfect_information(nb, x.leftCols(1), 40, 17);
  }();
  // The standard error by its definition, one draw after another: draw s
  // takes each option's coefficients from Stream(seed, "voi", s, option).
  const SmoothRegression fit1(x.leftCols(1), nb.col(1) - nb.col(0)), fit2(x.leftCols(1), nb.col(2) - nb.col(0));
  double sum = 0.0, sum2 = 0.0;
  for (std::uint64_t s = 0; s < 40; ++s) {
    Eigen::MatrixXd drawn(n, 2);
    for (std::uint64_t d = 1; d <= 2; ++d) {
      const SmoothRegression& fit = d == 1 ? fit1 : fit2;
      Stream stream(17, 0x766f69, s, d);
      Eigen::VectorXd z(fit.coefficients());
      for (Eigen::Index k = 0; k < z.size(); ++k) z(k) = stream.normal();
      drawn.col(static_cast<Eigen::Index>(d) - 1) = fit.draw_fitted(z);
    }
    const double v = value_of_deciding_with(drawn);
    sum += v;
    sum2 += v * v;
  }
  const double mean = sum / 40.0;
  const double se = std::sqrt(std::max(0.0, (sum2 - 40.0 * mean * mean) / 39.0));
  CHECK(all.value == one.value);
  CHECK(all.se == se);
  CHECK(one.se == se);
  CHECK(all.se > 0.0);
  // Another seed draws other coefficients: the same estimate, another standard error.
  const Evppi other = expected_value_of_partial_perfect_information(nb, x.leftCols(1), 40, 18);
  CHECK(other.value == all.value);
  CHECK(other.se != all.se);
}
