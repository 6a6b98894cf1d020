// The structured GLS/REML of the demonstration model against dense matrix
// computations of the same quantities (V built cell by cell and inverted).
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "demonstration/gls.hpp"
#include "samdsim/random.hpp"

using namespace samdsim;
using namespace samdsim::demonstration;

namespace {

// A trial in which every cluster is its own group, from rows of 0/1/. and a
// case count per cell; means drawn at random.
Trial per_cluster_trial(const std::vector<std::string>& rows, const std::vector<std::vector<double>>& m,
                        bool period_effects, std::uint64_t seed) {
  Trial t;
  const std::size_t periods = rows.front().size();
  t.columns = (period_effects ? periods : 1) + 1;
  Stream rng(seed, 0, 0);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CellGroup g;
    g.first = t.cell_column.size();
    const double alpha = rng.normal(0.0, 1.5);
    for (std::size_t j = 0; j < periods; ++j) {
      if (rows[i][j] == '.') continue;
      t.cell_column.push_back(period_effects ? j : 0);
      t.cell_treated.push_back(rows[i][j] == '1' ? 1.0 : 0.0);
      t.cell_period.push_back(static_cast<double>(j));
      t.cell_inverse_cases.push_back(1.0 / m[i][j]);
      t.y.push_back(0.3 * static_cast<double>(j) + 0.8 * t.cell_treated.back() + alpha + rng.normal());
    }
    g.size = t.cell_column.size() - g.first;
    t.groups.push_back(g);
    t.cluster_group.push_back(i);
    t.cluster_first.push_back(g.first);
  }
  return t;
}

struct Dense {
  double theta, variance, loglik, trend_weight;
  double score[2], information[2][2];
};

// Every quantity from its definition with dense n x n matrices.
Dense dense(const Trial& t, const Components& c) {
  std::vector<std::size_t> cluster_of, cell_of;
  for (std::size_t i = 0; i < t.clusters(); ++i) {
    const CellGroup& g = t.groups[t.cluster_group[i]];
    for (std::size_t j = 0; j < g.size; ++j) {
      cluster_of.push_back(i);
      cell_of.push_back(g.first + j);
    }
  }
  const auto n = static_cast<Eigen::Index>(cell_of.size());
  const auto p = static_cast<Eigen::Index>(t.columns);
  Eigen::MatrixXd v(n, n), f = Eigen::MatrixXd::Zero(n, p), gc(n, n);
  Eigen::VectorXd y(n), period(n);
  std::size_t row = 0;
  for (std::size_t i = 0; i < t.clusters(); ++i) {
    const CellGroup& g = t.groups[t.cluster_group[i]];
    for (std::size_t j = 0; j < g.size; ++j, ++row) y(static_cast<Eigen::Index>(row)) = t.y[t.cluster_first[i] + j];
  }
  for (Eigen::Index a = 0; a < n; ++a) {
    const std::size_t cell = cell_of[static_cast<std::size_t>(a)];
    f(a, static_cast<Eigen::Index>(t.cell_column[cell])) = 1.0;
    f(a, p - 1) = t.cell_treated[cell];
    period(a) = t.cell_period[cell];
    for (Eigen::Index b = 0; b < n; ++b) {
      const bool same = cluster_of[static_cast<std::size_t>(a)] == cluster_of[static_cast<std::size_t>(b)];
      gc(a, b) = same ? 1.0 : 0.0;
      v(a, b) = (same ? c.tau2 : 0.0) + (a == b ? c.gamma2 + c.sigma2 * t.cell_inverse_cases[cell] : 0.0);
    }
  }
  const Eigen::MatrixXd vi = v.inverse();
  const Eigen::MatrixXd a = f.transpose() * vi * f;
  const Eigen::MatrixXd ai = a.inverse();
  const Eigen::VectorXd beta = ai * f.transpose() * vi * y;
  const Eigen::MatrixXd pm = vi - vi * f * ai * f.transpose() * vi;
  const Eigen::VectorXd py = pm * y;
  Dense d;
  d.theta = beta(p - 1);
  d.variance = ai(p - 1, p - 1);
  d.trend_weight = (ai * f.transpose() * vi * period)(p - 1);
  d.loglik = -0.5 * (std::log(v.determinant()) + std::log(a.determinant()) + y.dot(py));
  const Eigen::MatrixXd id = Eigen::MatrixXd::Identity(n, n);
  const Eigen::MatrixXd* g[2] = {&gc, &id};
  for (int k = 0; k < 2; ++k) {
    d.score[k] = -0.5 * (pm * *g[k]).trace() + 0.5 * py.dot(*g[k] * py);
    for (int l = 0; l < 2; ++l) d.information[k][l] = 0.5 * (*g[k] * py).dot(pm * (*g[l] * py));
  }
  return d;
}

const std::vector<std::string> incomplete_rows = {"0011", "0.11", "0001", "001.", "0111", "0011"};
std::vector<std::vector<double>> varying_cases() {
  return {{5, 7, 9, 4}, {12, 1, 3, 8}, {6, 6, 6, 6}, {2, 9, 11, 1}, {20, 3, 5, 7}, {4, 4, 10, 2}};
}

void check_against_dense(const Trial& t, const Components& c) {
  GlsScratch w(t.columns, t.cell_column.size(), t.groups.size(), 8);
  Evaluation e;
  REQUIRE(evaluate(t, c, Need::derivatives, true, w, e));
  const Dense d = dense(t, c);
  CHECK(e.theta == Approx(d.theta).epsilon(1e-10));
  CHECK(e.variance == Approx(d.variance).epsilon(1e-10));
  CHECK(e.trend_weight == Approx(d.trend_weight).margin(1e-10));
  CHECK(e.loglik == Approx(d.loglik).epsilon(1e-10));
  for (int k = 0; k < 2; ++k) {
    CHECK(e.score[k] == Approx(d.score[k]).margin(1e-9));
    for (int l = 0; l < 2; ++l) CHECK(e.information[k][l] == Approx(d.information[k][l]).epsilon(1e-9));
  }
}

}  // namespace

TEST_CASE("GLS estimate, variance, REML likelihood, score and information equal their dense computation") {
  for (const Components& c : {Components{0.4, 0.15, 2.0}, Components{1.0, 0.0, 5.0}, Components{0.0, 0.3, 1.0}}) {
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      INFO("tau2 " << c.tau2 << " gamma2 " << c.gamma2 << " seed " << seed);
      check_against_dense(per_cluster_trial(incomplete_rows, varying_cases(), true, seed), c);
      check_against_dense(per_cluster_trial(incomplete_rows, varying_cases(), false, seed), c);
    }
  }
}

TEST_CASE("Clusters sharing a group give the same GLS as one group per cluster") {
  Design d;
  d.sequences = {"00111", "00011", "0.001", "01111"};
  d.sequence_clusters = {3, 2, 4, 1};
  d.clusters = 10;
  d.periods = 5;
  Trial shared = make_trial(d, 7.0);
  std::vector<std::string> rows;
  for (std::size_t s = 0; s < d.sequences.size(); ++s) rows.insert(rows.end(), d.sequence_clusters[s], d.sequences[s]);
  Trial single = per_cluster_trial(rows, std::vector<std::vector<double>>(10, std::vector<double>(5, 7.0)), true, 9);
  shared.y = single.y;  // clusters are numbered sequence by sequence in both
  const Components c{0.5, 0.2, 3.0};
  check_against_dense(shared, c);
  GlsScratch w1(shared.columns, shared.cell_column.size(), shared.groups.size(), 5);
  GlsScratch w2(single.columns, single.cell_column.size(), single.groups.size(), 5);
  Evaluation a, b;
  REQUIRE(evaluate(shared, c, Need::derivatives, false, w1, a));
  REQUIRE(evaluate(single, c, Need::derivatives, false, w2, b));
  CHECK(a.theta == Approx(b.theta).epsilon(1e-12));
  CHECK(a.loglik == Approx(b.loglik).epsilon(1e-12));
  CHECK(a.score[0] == Approx(b.score[0]).margin(1e-10));
  CHECK(a.information[1][1] == Approx(b.information[1][1]).epsilon(1e-10));
}

TEST_CASE("The REML score is the derivative of the REML log-likelihood") {
  const Trial t = per_cluster_trial(incomplete_rows, varying_cases(), true, 4);
  GlsScratch w(t.columns, t.cell_column.size(), t.groups.size(), 8);
  const Components c{0.6, 0.25, 2.5};
  Evaluation e;
  REQUIRE(evaluate(t, c, Need::derivatives, false, w, e));
  const double h = 1e-6;
  for (int k = 0; k < 2; ++k) {
    Components up = c, down = c;
    (k == 0 ? up.tau2 : up.gamma2) += h;
    (k == 0 ? down.tau2 : down.gamma2) -= h;
    Evaluation eu, ed;
    REQUIRE(evaluate(t, up, Need::likelihood, false, w, eu));
    REQUIRE(evaluate(t, down, Need::likelihood, false, w, ed));
    CHECK(e.score[k] == Approx((eu.loglik - ed.loglik) / (2 * h)).epsilon(1e-5));
  }
}

TEST_CASE("REML ends at a maximum: zero score inside, no ascent at a bound, nothing higher nearby") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const Trial t = per_cluster_trial(incomplete_rows, varying_cases(), true, seed);
    GlsScratch w(t.columns, t.cell_column.size(), t.groups.size(), 8);
    Components c{1.0, 0.5, 1.0};
    Evaluation e;
    REQUIRE(reml_fit(t, c, true, false, w, e));
    Evaluation at;
    REQUIRE(evaluate(t, c, Need::derivatives, false, w, at));
    CHECK(at.loglik == Approx(e.loglik).epsilon(1e-12));
    const double value[2] = {c.tau2, c.gamma2};
    for (int k = 0; k < 2; ++k) {
      INFO("seed " << seed << " component " << k << " value " << value[k] << " score " << at.score[k]);
      if (value[k] > 0.0)
        CHECK(std::fabs(at.score[k]) < 1e-3);
      else
        CHECK(at.score[k] <= 1e-6);
    }
    for (double dt : {-0.05, 0.0, 0.05})
      for (double dg : {-0.05, 0.0, 0.05}) {
        const Components near{std::max(0.0, c.tau2 + dt), std::max(0.0, c.gamma2 + dg), c.sigma2};
        Evaluation other;
        REQUIRE(evaluate(t, near, Need::likelihood, false, w, other));
        CHECK(other.loglik <= e.loglik + 1e-9);
      }
  }
}

TEST_CASE("The precomputed GLS weights give the same estimate as the full GLS") {
  Design d;
  d.sequences = {"0111", "0011", "0001"};
  d.sequence_clusters = {2, 3, 2};
  d.clusters = 7;
  d.periods = 4;
  Trial t = make_trial(d, 12.0);
  Stream rng(5, 0, 0);
  for (double& y : t.y) y = rng.normal();
  const Components c{0.3, 0.1, 4.0};
  GlsScratch w(t.columns, t.cell_column.size(), t.groups.size(), 4);
  std::vector<double> weights;
  double variance = 0.0;
  REQUIRE(gls_weights(t, c, w, weights, variance));
  double estimate = 0.0;
  for (std::size_t i = 0; i < t.clusters(); ++i) {
    const CellGroup& g = t.groups[t.cluster_group[i]];
    for (std::size_t j = 0; j < g.size; ++j) estimate += weights[g.first + j] * t.y[t.cluster_first[i] + j];
  }
  Evaluation e;
  REQUIRE(evaluate(t, c, Need::estimate, false, w, e));
  CHECK(estimate == Approx(e.theta).epsilon(1e-12));
  CHECK(variance == Approx(e.variance).epsilon(1e-14));
}

TEST_CASE("A sequence matrix whose treatment is a combination of period indicators is not estimable") {
  Design d;
  d.sequences = {"0011"};
  d.sequence_clusters = {5};
  d.clusters = 5;
  d.periods = 4;
  const Trial t = make_trial(d, 10.0);
  GlsScratch w(t.columns, t.cell_column.size(), t.groups.size(), 4);
  Evaluation e;
  CHECK_FALSE(evaluate(t, Components{0.2, 0.1, 1.0}, Need::estimate, false, w, e));
}

namespace {

Design design_of(std::vector<std::string> sequences, std::vector<std::size_t> clusters, bool period_effects = true) {
  Design d;
  d.sequences = std::move(sequences);
  d.sequence_clusters = std::move(clusters);
  d.periods = d.sequences.front().size();
  for (std::size_t c : d.sequence_clusters) d.clusters += c;
  d.period_effects = period_effects;
  return d;
}

// Balanced designs: a stepped wedge, a crossover, a one-period parallel
// trial, a pre-post design (one intercept; the trend's weight), an
// incomplete stepped wedge with one unmeasured period in every sequence, and
// the same analysed with one intercept (the hospitals' mean periods differ,
// so the trend's weight depends on the between-hospital part).
std::vector<Design> balanced_designs() {
  return {design_of({"0111", "0011", "0001"}, {2, 3, 2}), design_of({"01", "10"}, {4, 5}),
          design_of({"0", "1"}, {6, 5}), design_of({"0011"}, {5}, false),
          design_of({"0.11", "00.1", "0.01"}, {3, 2, 3}), design_of({"0.11", "00.1", "0.01"}, {3, 2, 3}, false)};
}

Trial random_means(const Design& d, double m, std::uint64_t seed) {
  Trial t = make_trial(d, m);
  Stream rng(seed, 0, 0);
  for (std::size_t i = 0; i < t.clusters(); ++i) {
    const double alpha = rng.normal(0.0, 1.2);
    const CellGroup& g = t.groups[t.cluster_group[i]];
    for (std::size_t j = 0; j < g.size; ++j)
      t.y[t.cluster_first[i] + j] = 50.0 + 0.3 * t.cell_period[g.first + j] + alpha + rng.normal(0.0, 0.9);
  }
  return t;
}

}  // namespace

TEST_CASE("The balanced REML's GLS, likelihood, score and information equal the general evaluation's") {
  for (const Design& d : balanced_designs())
    for (const Components& c : {Components{0.4, 0.15, 2.0}, Components{1.0, 0.0, 5.0}, Components{0.0, 0.3, 1.0},
                                Components{25.0, 1e-4, 0.5}})
      for (std::uint64_t seed : {1u, 2u}) {
        const Trial t = random_means(d, 7.0, seed);
        const auto balanced = BalancedReml::of(t);
        REQUIRE(balanced);
        GlsScratch w(t.columns, t.cell_column.size(), t.groups.size(), d.periods);
        Evaluation general, fast;
        REQUIRE(evaluate(t, c, Need::derivatives, true, w, general));
        balanced->summarize(t, w);
        REQUIRE(balanced->evaluate(c, w, fast));
        INFO(d.sequences.front() << " x " << d.sequences.size() << ", tau2 " << c.tau2 << " gamma2 " << c.gamma2
                                 << " seed " << seed);
        CHECK(fast.theta == Approx(general.theta).epsilon(1e-10));
        CHECK(fast.variance == Approx(general.variance).epsilon(1e-10));
        CHECK(fast.trend_weight == Approx(general.trend_weight).margin(1e-10));
        CHECK(fast.loglik == Approx(general.loglik).epsilon(1e-10));
        for (int k = 0; k < 2; ++k) {
          const double scale = std::fabs(general.information[k][k]) + 1.0;
          CHECK(fast.score[k] == Approx(general.score[k]).margin(1e-9 * scale));
          for (int l = 0; l < 2; ++l)
            CHECK(fast.information[k][l] == Approx(general.information[k][l]).margin(1e-9 * scale));
        }
      }
}

TEST_CASE("The balanced REML fit reaches the general fit's estimates") {
  for (const Design& d : balanced_designs()) {
    const bool identifiable = d.periods > 1;
    for (std::uint64_t seed = 1; seed <= 25; ++seed) {
      const Trial t = random_means(d, 12.0, seed);
      const auto balanced = BalancedReml::of(t);
      REQUIRE(balanced);
      GlsScratch w(t.columns, t.cell_column.size(), t.groups.size(), d.periods);
      Components general{0.5, identifiable ? 0.2 : 0.0, 3.0}, fast = general;
      Evaluation eg, ef;
      REQUIRE(reml_fit(t, general, identifiable, true, w, eg));
      REQUIRE(balanced->fit(t, fast, identifiable, w, ef));
      INFO(d.sequences.front() << " x " << d.sequences.size() << " seed " << seed);
      CHECK(fast.tau2 == Approx(general.tau2).margin(1e-6));
      CHECK(fast.gamma2 == Approx(general.gamma2).margin(1e-6));
      CHECK(ef.theta == Approx(eg.theta).margin(1e-7));
      CHECK(ef.variance == Approx(eg.variance).epsilon(1e-6));
      CHECK(ef.loglik == Approx(eg.loglik).margin(1e-9));  // both stop within a 1e-9 decrement
    }
  }
}

TEST_CASE("The balanced REML refuses near-degenerate components where the general one does") {
  // ICC 1 - 1e-11 (almost all variance between hospitals), no cluster-period
  // effect: tau2 runs off to where F'V^-1 F is numerically singular. The
  // balanced fit must not return an estimate the general fit refuses.
  const Design sw = design_of({"01111", "00111", "00011", "00001"}, {4, 4, 4, 4});
  int both = 0, refused = 0;
  for (const double gap : {1e-10, 1e-11, 1e-12})
    for (const double m : {120.0, 1e6})
      for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const Components truth{81.0 * (1.0 - gap), 0.0, 81.0 * gap};
        Trial t = make_trial(sw, m);
        Stream rng(seed, 0, 0);
        for (std::size_t i = 0; i < t.clusters(); ++i) {
          const double alpha = std::sqrt(truth.tau2) * rng.normal();
          const CellGroup& g = t.groups[t.cluster_group[i]];
          for (std::size_t j = 0; j < g.size; ++j)
            t.y[t.cluster_first[i] + j] = -0.1 * t.cell_period[g.first + j] + alpha +
                                          std::sqrt(truth.sigma2 / m) * rng.normal();
        }
        const auto balanced = BalancedReml::of(t);
        REQUIRE(balanced);
        GlsScratch w(t.columns, t.cell_column.size(), t.groups.size(), sw.periods);
        Components general = truth, fast = truth;
        Evaluation eg, ef;
        const bool general_ok = reml_fit(t, general, true, false, w, eg);
        const bool fast_ok = balanced->fit(t, fast, true, w, ef);
        INFO("gap " << gap << " m " << m << " seed " << seed << ": general " << general_ok << " " << eg.theta
                    << ", balanced " << fast_ok << " " << ef.theta << " (tau2 " << fast.tau2 << ")");
        if (fast_ok) {
          CHECK(general_ok);
          CHECK(std::fabs(ef.theta - eg.theta) < 1e-3 * std::sqrt(eg.variance));
          ++both;
        } else {
          ++refused;
        }
      }
  CHECK(both > 0);
  CHECK(refused > 0);
}

TEST_CASE("Only trials with equally many cells per hospital and one case count are balanced") {
  CHECK_FALSE(BalancedReml::of(make_trial(design_of({"0011", "0.11"}, {2, 2}), 5.0)));
  CHECK_FALSE(BalancedReml::of(per_cluster_trial({"0011", "0111"}, {{5, 7, 9, 4}, {5, 5, 5, 5}}, true, 1)));
  // Treatment a combination of the period effects: F'F is singular.
  CHECK_FALSE(BalancedReml::of(make_trial(design_of({"0011"}, {5}), 10.0)));
  CHECK(BalancedReml::of(per_cluster_trial({"0011", "0111"}, {{6, 6, 6, 6}, {6, 6, 6, 6}}, true, 1)));
}

TEST_CASE("REML on cluster-period means and the within-cell variance reproduces lme4's fit of the cases") {
  // One stepped-wedge trial simulated case by case in R (12 hospitals in 4
  // steps of 3, 5 periods, 8 cases per hospital-period, ICC 0.1, CAC 0.7;
  // the script in docs/models/demonstration.md, "Validation", set.seed(2)),
  // fitted there with lmer(y ~ period + treated + (1 | cluster) +
  // (1 | cluster:period), REML = TRUE), lme4 1.1-31. Here: its cell means
  // (cluster by cluster, period by period) and within-cell sum of squares.
  Design d;
  d.sequences = {"01111", "00111", "00011", "00001"};
  d.sequence_clusters = {3, 3, 3, 3};
  d.clusters = 12;
  d.periods = 5;
  Trial t = make_trial(d, 8.0);
  t.y = {-1.446291589, -8.566673262,  -2.851433772,   -5.847103823, -0.2036001332, 4.759577055,   2.308361232,
         -1.627101903, 3.287230383,   -2.484965057,   7.439063993,  2.32431226,    2.346122176,   -6.3099355,
         3.244780653,  -5.740751149,  -0.04933884363, -1.323770161, -0.3350635377, -0.7493643891, -2.477448381,
         4.300825155,  -2.751598552,  -3.227354314,   -5.892670948, 0.2597394321,  6.657090174,   0.014469862,
         -6.844180392, -0.8547543654, -0.9462010201,  9.429515993,  5.499293257,   4.834136205,   3.812287933,
         4.73356649,   -0.9388759833, -0.6890502121,  -1.787792486, 4.199977778,   6.828185224,   -0.972109783,
         0.5067717317, 3.387911984,   3.341028213,    0.5946677972, -1.748733014,  0.1066535933,  -1.259416581,
         5.5312246,    -4.667031822,  -1.846485121,   1.306193288,  -3.470097433,  -2.558739432,  5.789517439,
         5.236406658,  2.348101955,   4.616011723,    0.8746517629};
  const auto balanced = BalancedReml::of(t);
  REQUIRE(balanced);
  for (const bool fast : {false, true}) {
    INFO((fast ? "balanced" : "general") << " REML");
    Components c{1.0, 1.0, 24076.19186 / 420.0};  // sigma2: within-cell SS over its 480 - 60 df
    GlsScratch w(t.columns, t.cell_column.size(), t.groups.size(), 5);
    Evaluation e;
    REQUIRE((fast ? balanced->fit(t, c, true, w, e) : reml_fit(t, c, true, false, w, e)));
    // lme4's values; their last digits reflect its optimizer's tolerance.
    CHECK(e.theta == Approx(-2.18192907).epsilon(1e-6));
    CHECK(std::sqrt(e.variance) == Approx(1.42736513).epsilon(1e-6));
    CHECK(c.tau2 == Approx(3.725980).epsilon(1e-4));
    CHECK(c.gamma2 == Approx(4.335663).epsilon(1e-4));
    CHECK(c.sigma2 == Approx(57.324266).epsilon(1e-6));
  }
}
