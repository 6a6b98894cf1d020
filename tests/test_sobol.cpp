// Sobol indices by the Saltelli design: the Ishigami function and Sobol's
// g-function, whose indices are known in closed form, are reproduced within
// their intervals; A and every A_B^g share the model's random numbers row by
// row, B has its own, and the design gives the same numbers for any thread
// count.
#include <catch2/catch.hpp>

#include <Eigen/Dense>

#include <cmath>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include "samdsim/model.hpp"
#include "samdsim/parameters.hpp"
#include "samdsim/sensitivity.hpp"
#include "samdsim/sobol.hpp"

using namespace samdsim;

namespace {

using Function = std::function<double(const std::vector<double>&, Stream&)>;

// y = f(x, noise) of the parameters x1..xk, a test-only model.
class FunctionSimulation : public Simulation {
 public:
  FunctionSimulation(const Group& g, std::size_t k, Function f) : f_(std::move(f)) {
    for (std::size_t i = 0; i < k; ++i) x_.push_back(g.number("x" + std::to_string(i + 1)));
    outputs_.push_back(OutputSpec{"y", "", "f(x)"});
  }
  const std::vector<OutputSpec>& outputs() const override { return outputs_; }
  void simulate(ReplicateContext& ctx, Workspace*, OutputRow out) const override {
    thread_local std::vector<double> x;
    x.resize(x_.size());
    for (std::size_t i = 0; i < x_.size(); ++i) x[i] = ctx[x_[i]];
    out.set(0, f_(x, ctx.rng()));
  }

 private:
  std::vector<Param> x_;
  std::vector<OutputSpec> outputs_;
  Function f_;
};

struct TestModel {
  ResolvedParameters parameters;
  std::unique_ptr<FunctionSimulation> simulation;
};

// k parameters x1..xk, each drawn from `dist` (YAML).
TestModel make_model(std::size_t k, const std::string& dist, Function f) {
  static Schema schema = [] {
    Schema s;
    for (int i = 1; i <= 8; ++i) s.number("x" + std::to_string(i), "", Range::any(), "input").default_value(0.0);
    return s;
  }();
  std::string yaml;
  for (std::size_t i = 1; i <= k; ++i) yaml += "x" + std::to_string(i) + ": " + dist + "\n";
  TestModel m;
  m.parameters = resolve_parameters(schema, YAML::Load(yaml), "t.yaml", Location{"t.yaml", 1, 1});
  m.simulation = std::make_unique<FunctionSimulation>(m.parameters.root, k, std::move(f));
  m.parameters.table->finalize();
  return m;
}

std::vector<SobolGroup> singletons(std::size_t k) {
  std::vector<SobolGroup> groups;
  for (std::uint32_t i = 0; i < k; ++i) groups.push_back({"x" + std::to_string(i + 1), {i}});
  return groups;
}

SobolSamples run(const TestModel& m, const std::vector<SobolGroup>& groups, std::uint64_t rows, unsigned threads = 2,
                 std::uint64_t first_row = 0) {
  SobolRunOptions o;
  o.first_row = first_row;
  o.end_row = rows;
  o.seed = 11;
  o.threads = threads;
  return run_sobol_design(*m.simulation, *m.parameters.table, groups, {OutputColumn{0, 0}}, o).front();
}

// Each index lies in its 95 % interval widened by a slack of 0.01 (the
// bootstrap interval of one run covers the truth 95 % of the time; the seed
// is fixed, so the check is deterministic).
void check_indices(const SobolIndices& s, const std::vector<double>& first, const std::vector<double>& total) {
  for (std::size_t i = 0; i < first.size(); ++i) {
    const auto g = static_cast<Eigen::Index>(i);
    INFO("group " << i << ": S = " << s.first(g) << " [" << s.first_low(g) << ", " << s.first_high(g) << "], T = "
                  << s.total(g) << " [" << s.total_low(g) << ", " << s.total_high(g) << "]");
    CHECK(first[i] >= s.first_low(g) - 0.01);
    CHECK(first[i] <= s.first_high(g) + 0.01);
    CHECK(total[i] >= s.total_low(g) - 0.01);
    CHECK(total[i] <= s.total_high(g) + 0.01);
    CHECK(s.first_high(g) - s.first_low(g) < 0.12);
  }
}

double ishigami(const std::vector<double>& x, Stream&) {
  return std::sin(x[0]) + 7.0 * std::pow(std::sin(x[1]), 2) + 0.1 * std::pow(x[2], 4) * std::sin(x[0]);
}

const std::string uniform_pi = "{dist: uniform, min: -3.141592653589793, max: 3.141592653589793}";

}  // namespace

TEST_CASE("Sobol indices of the Ishigami function match the closed form", "[sobol]") {
  // a = 7, b = 0.1 (Ishigami & Homma 1990; Saltelli et al. 2008, section 4.9):
  // V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2, V1 = (1 + b pi^4/5)^2 / 2,
  // V2 = a^2/8, V13 = b^2 pi^8 (1/18 - 1/50).
  const double pi4 = std::pow(std::numbers::pi, 4), pi8 = pi4 * pi4;
  const double v = 49.0 / 8.0 + 0.1 * pi4 / 5.0 + 0.01 * pi8 / 18.0 + 0.5;
  const double v1 = 0.5 * std::pow(1.0 + 0.1 * pi4 / 5.0, 2), v2 = 49.0 / 8.0, v13 = 0.01 * pi8 * (1.0 / 18 - 1.0 / 50);
  const TestModel m = make_model(3, uniform_pi, ishigami);
  const SobolSamples samples = run(m, singletons(3), 20000);
  const SobolIndices s = sobol_indices(samples, 200, 3);
  CHECK(s.rows_used == 20000);
  CHECK(s.variance == Approx(v).epsilon(0.05));
  check_indices(s, {v1 / v, v2 / v, 0.0}, {(v1 + v13) / v, v2 / v, v13 / v});

  // The given-data first-order index of the stored runs (f(A) on A) agrees.
  const auto [a, b] = saltelli_matrices(*m.parameters.table, 11, 0, 0, 20000);
  const Eigen::VectorXd given = first_order(a, samples.a);
  for (Eigen::Index i = 0; i < 3; ++i) CHECK(given(i) == Approx(s.first(i)).margin(0.05));
}

TEST_CASE("Sobol indices of the g-function match the closed form, for single parameters and a group", "[sobol]") {
  // g(x) = prod (|4 x_i - 2| + a_i) / (1 + a_i), x_i ~ U(0, 1) (Sobol 1993):
  // V_i = 1 / (3 (1 + a_i)^2), V = prod (1 + V_i) - 1.
  const std::vector<double> a_i = {0.0, 1.0, 4.5, 9.0};
  const auto g = [a_i](const std::vector<double>& x, Stream&) {
    double y = 1.0;
    for (std::size_t i = 0; i < x.size(); ++i) y *= (std::fabs(4.0 * x[i] - 2.0) + a_i[i]) / (1.0 + a_i[i]);
    return y;
  };
  std::vector<double> vi;
  double all = 1.0;
  for (double a : a_i) {
    vi.push_back(1.0 / (3.0 * (1.0 + a) * (1.0 + a)));
    all *= 1.0 + vi.back();
  }
  const double v = all - 1.0;
  std::vector<double> first, total;
  for (double x : vi) {
    first.push_back(x / v);
    total.push_back(x * all / (1.0 + x) / v);
  }
  const TestModel m = make_model(4, "{dist: uniform, min: 0, max: 1}", g);
  check_indices(sobol_indices(run(m, singletons(4), 20000), 200, 5), first, total);

  // Group {x1, x2}: its first-order index is V1 + V2 + V12 over V, its total 1 - S_{x3,x4} closed.
  const std::vector<SobolGroup> groups = {{"x1+x2", {0, 1}}, {"x3", {2}}, {"x4", {3}}};
  const double v12 = (1 + vi[0]) * (1 + vi[1]) - 1.0, v34 = (1 + vi[2]) * (1 + vi[3]) - 1.0;
  check_indices(sobol_indices(run(m, groups, 20000), 200, 5), {v12 / v, vi[2] / v, vi[3] / v},
                {1.0 - v34 / v, vi[2] * all / (1 + vi[2]) / v, vi[3] * all / (1 + vi[3]) / v});
}

TEST_CASE("A and A_B share the model's random numbers row by row, for any thread count", "[sobol]") {
  // y = x1 + noise: with common random numbers, f(A) - f(A_B^1) is exactly
  // x1(A) - x1(B), so the total index of x1 is its share without any noise
  // of the difference; on independent noise it would be inflated.
  const TestModel m = make_model(2, "{dist: normal, mean: 0, sd: 1}",
                                 [](const std::vector<double>& x, Stream& rng) { return x[0] + rng.normal(); });
  const SobolSamples one = run(m, singletons(2), 3000, 1), two = run(m, singletons(2), 3000, 2);
  CHECK((one.a.array() == two.a.array()).all());
  CHECK((one.b.array() == two.b.array()).all());
  CHECK((one.ab.array() == two.ab.array()).all());
  const auto [a, b] = saltelli_matrices(*m.parameters.table, 11, 0, 0, 3000);
  CHECK(((one.a - one.ab.col(0)).array() - (a.col(0) - b.col(0)).array()).abs().maxCoeff() < 1e-12);
  CHECK(((one.a - one.ab.col(1)).array()).abs().maxCoeff() == 0.0);  // x2 does nothing: identical rows
  const SobolIndices s = sobol_indices(one, 0, 1);
  CHECK(s.total(1) == 0.0);
  CHECK(s.first(0) == Approx(0.5).margin(0.06));  // Var(x1) / (Var(x1) + Var(noise))
  CHECK(s.total(0) == Approx(0.5).margin(0.06));
}

TEST_CASE("First-order indices leave out a parameter's interaction with the model's own noise", "[sobol]") {
  // y = 1{x + e > 0}, x ~ N(0, 1), e ~ N(0, 3^2) drawn by the model: with
  // V = 1/4, the closed forms are S_x = asin(0.1) / (2 pi) / V = 0.0638
  // (Var E[y | x]) and, the noise held equal between A and A_B,
  // T_x = (1/4 - asin(0.9) / (2 pi)) / V = 0.2871 (E Var(y | e)).
  const TestModel m = make_model(1, "{dist: normal, mean: 0, sd: 1}", [](const std::vector<double>& x, Stream& rng) {
    return x[0] + 3.0 * rng.normal() > 0.0 ? 1.0 : 0.0;
  });
  const SobolIndices s = sobol_indices(run(m, singletons(1), 40000), 200, 9);
  const double v = 0.25;
  check_indices(s, {std::asin(0.1) / (2.0 * std::numbers::pi) / v},
                {(0.25 - std::asin(0.9) / (2.0 * std::numbers::pi)) / v});
}

TEST_CASE("A design's rows are the same run at once, in slices or grown", "[sobol]") {
  // Row r depends on its index only: rows [0, 700) run as slices [0, 250),
  // [250, 251), [251, 700) and appended give the samples of one run, bit for
  // bit; an empty slice gives no rows. A and B are replicates 2r and 2r + 1.
  const TestModel m = make_model(3, uniform_pi, [](const std::vector<double>& x, Stream& rng) {
    return ishigami(x, rng) + rng.normal();
  });
  const SobolSamples whole = run(m, singletons(3), 700, 2);
  SobolSamples grown;
  for (const auto& [first, end] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 250}, {250, 250}, {250, 251}, {251, 700}})
    append_rows(grown, run(m, singletons(3), end, 1, first));
  CHECK((whole.a.array() == grown.a.array()).all());
  CHECK((whole.b.array() == grown.b.array()).all());
  CHECK((whole.ab.array() == grown.ab.array()).all());
  const ParameterTable& table = *m.parameters.table;
  const auto [a, b] = saltelli_matrices(table, 11, 0, 5, 7);
  std::vector<double> values = table.initial_values(), drawn(3);
  for (Eigen::Index i = 0; i < 2; ++i) {
    table.draw(11, 0, 2 * (5 + static_cast<std::uint64_t>(i)), values, drawn);
    CHECK(a(i, 1) == drawn[1]);
    table.draw(11, 0, 2 * (5 + static_cast<std::uint64_t>(i)) + 1, values, drawn);
    CHECK(b(i, 2) == drawn[2]);
  }
}
