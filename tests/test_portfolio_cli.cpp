// `samdsim portfolio`: the chosen set and frontier from proposals given as
// numbers or read from result files, the HDF5 file it writes, and bad input.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <cmath>

#include "cli_fixture.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/hdf5_file.hpp"
#include "samdsim/result_reader.hpp"

using namespace samdsim;

namespace {

const std::string numbers = R"(portfolio:
  budget: 100
  currency: JPY
  step: 40
  proposals:
    - {name: a, cost: 60, value: 90}
    - {name: b, cost: 50, value: 60, value_se: 3}
    - {name: c, cost: 50, value: 55, value_se: 4}
    - {name: d, cost: 0, value: 5}
    - {name: e, cost: 10, value: -5}
)";

std::vector<double> doubles(const fs::path& file, const std::string& path) {
  hdf5::initialize();
  hdf5::Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  hdf5::Id ds = hdf5::open_dataset(f.get(), path);
  const auto n = hdf5::dataset_shape(ds.get())[0];
  std::vector<double> out(n);
  if (n > 0) hdf5::read_doubles(ds.get(), 0, n, 0, 1, out);
  return out;
}

std::vector<std::string> strings(const fs::path& file, const std::string& path) {
  hdf5::initialize();
  hdf5::Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  hdf5::Id ds = hdf5::open_dataset(f.get(), path);
  hdf5::Id type(H5Dget_type(ds.get()));
  const auto n = hdf5::dataset_shape(ds.get())[0];
  std::vector<char*> raw(n);
  H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data());
  std::vector<std::string> out(raw.begin(), raw.end());
  hdf5::Id space(H5Dget_space(ds.get()));
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, raw.data());
  return out;
}

std::string root_attribute(const fs::path& file, const std::string& name) {
  hdf5::initialize();
  hdf5::Id f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  return hdf5::attribute_text(f.get(), name);
}

// A small demonstration trial with a roll-out decision (see
// test_demonstration_decision.cpp): its mean enbs and total_cost.
const std::string trial = R"(model: demonstration
replicates: 2000
seed: 5
parameters:
  design: {type: parallel, clusters: 12, baseline_periods: 1, periods: 2, cases_per_period: 20}
  outcome: {type: continuous, unit: minute, effect: {dist: normal, mean: -2, sd: 3}, sd: 20, icc: 0.05, cac: 0.8}
  analysis: {variance: known, test: z}
  costs: {fixed: 10000000, per_hospital: 1000000}
  decision: {value_per_effect_unit: -5000000, cost_per_hospital_year: 8000000, hospitals: 100, horizon_years: 5,
             discount_rate_per_year: 0.02}
)";

const Summary& find(const std::vector<Summary>& all, const std::string& name) {
  for (const auto& s : all)
    if (s.name == name) return s;
  throw std::runtime_error("no output " + name);
}

}  // namespace

TEST_CASE("portfolio chooses the set of most value within the budget and writes it with its frontier") {
  const fs::path dir = scratch("portfolio_numbers");
  write(dir, "p.yaml", numbers);
  const fs::path out = dir / "p.h5";
  const Result r = run("portfolio " + (dir / "p.yaml").string() + " -o " + out.string(), dir);
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  // a alone (90) or b + c (115): b + c, and the free d.
  CHECK_THAT(r.out, Catch::Contains("chosen: b, c, d"));
  CHECK(root_attribute(out, "filetype") == "samdsim portfolio");
  CHECK(root_attribute(out, "config_yaml") == numbers);
  CHECK(root_attribute(out, "value") == "120");
  CHECK(std::stod(root_attribute(out, "value_se")) == Approx(5.0));  // sqrt(3^2 + 4^2)
  CHECK(doubles(out, "/proposals/chosen") == std::vector<double>{0, 1, 1, 1, 0});
  CHECK(strings(out, "/proposals/name") == std::vector<std::string>{"a", "b", "c", "d", "e"});
  // Budgets 0, 40, 80 and the full 100.
  CHECK(doubles(out, "/frontier/budget") == std::vector<double>{0, 40, 80, 100});
  CHECK(doubles(out, "/frontier/value") == std::vector<double>{5, 5, 95, 120});
  CHECK(doubles(out, "/frontier/marginal_value") == std::vector<double>{5, 0, 90, 25});
  CHECK(strings(out, "/frontier/chosen") == std::vector<std::string>{"d", "d", "a, d", "b, c, d"});
  for (const auto& e : fs::directory_iterator(dir)) CHECK(e.path().extension() != ".tmp");
}

TEST_CASE("portfolio funds at most one proposal of a mutually exclusive group") {
  const fs::path dir = scratch("portfolio_exclusive");
  write(dir, "p.yaml", numbers + "  mutually_exclusive: [[b, c]]\n");
  const Result r = run("portfolio " + (dir / "p.yaml").string(), dir);
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("chosen: a, d"));
  CHECK_THAT(r.out, Catch::Contains("at most one of: b | c"));
}

TEST_CASE("portfolio reads costs and ENBS from a result file and from a point of a sweep") {
  const fs::path dir = scratch("portfolio_results");
  write(dir, "t.yaml", trial);
  write(dir, "s.yaml", trial + "sweep:\n  grid:\n    design.clusters: [4, 8]\n");
  REQUIRE(run("run " + (dir / "t.yaml").string() + " --progress never -o " + (dir / "t.h5").string(), dir).status == 0);
  REQUIRE(run("run " + (dir / "s.yaml").string() + " --progress never -o " + (dir / "s.h5").string(), dir).status == 0);
  const ResultFileSummary t = read_result_summary(dir / "t.h5");
  const ResultFileSummary s = read_result_summary(dir / "s.h5");
  const Summary& enbs_t = find(t.summaries, "enbs");
  const Summary& enbs_s = find(s.scenarios[1].summaries, "enbs");
  const double cost_t = find(t.summaries, "total_cost").mean;
  const double cost_s = find(s.scenarios[1].summaries, "total_cost").mean;
  // The result files are found beside the portfolio file, wherever it is run from.
  fs::create_directories(dir / "elsewhere");
  write(dir, "p.yaml", fmt::format(R"(portfolio:
  budget: {}
  proposals:
    - {{name: twelve, result: t.h5, value_output: enbs, cost_output: total_cost}}
    - {{name: eight, result: s.h5, point: 1, value_output: enbs, cost_output: total_cost}}
)",
                                   cost_t + cost_s));
  const fs::path out = dir / "p.h5";
  REQUIRE(shell("cd " + (dir / "elsewhere").string() + " && " + SAMDSIM_BINARY + " portfolio ../p.yaml -o " +
                out.string() + " >/dev/null") == 0);
  const auto cost = doubles(out, "/proposals/cost");
  const auto value = doubles(out, "/proposals/value");
  const auto se = doubles(out, "/proposals/value_se");
  CHECK(cost == std::vector<double>{cost_t, cost_s});
  CHECK(value == std::vector<double>{enbs_t.mean, enbs_s.mean});
  CHECK(se == std::vector<double>{enbs_t.se, enbs_s.se});
  CHECK(strings(out, "/proposals/source") == std::vector<std::string>{"t.h5", "s.h5 point 1"});
  // Both fit the budget: each is chosen where its ENBS is positive.
  const auto chosen = doubles(out, "/proposals/chosen");
  CHECK(chosen[0] == (enbs_t.mean > 0 ? 1 : 0));
  CHECK(chosen[1] == (enbs_s.mean > 0 ? 1 : 0));

  // A sweep needs point:, an output the file lacks is named with a suggestion.
  write(dir, "q.yaml", "portfolio:\n  budget: 1\n  proposals:\n    - {name: x, result: s.h5, value_output: enbs, cost: 1}\n");
  const std::string q_args = "portfolio " + (dir / "q.yaml").string() + " -o " + (dir / "q.h5").string();
  Result q = run(q_args, dir);
  CHECK(q.status == 2);
  CHECK_THAT(q.err, Catch::Contains("q.yaml:4:") && Catch::Contains("give point:"));
  write(dir, "q.yaml", "portfolio:\n  budget: 1\n  proposals:\n    - {name: x, result: t.h5, value_output: ensb, cost: 1}\n");
  q = run(q_args, dir);
  CHECK(q.status == 2);
  CHECK_THAT(q.err, Catch::Contains("portfolio.proposals[0].value_output") && Catch::Contains("did you mean 'enbs'"));
  CHECK_FALSE(fs::exists(dir / "q.h5"));
}

TEST_CASE("Bad portfolio files exit with status 2 and a located message and write nothing") {
  const fs::path dir = scratch("portfolio_bad");
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases{
      {"portfolio:\n  proposals:\n    - {name: a, cost: 1, value: 1}\n",
       {"p.yaml:2:3", "portfolio.budget", "needs a budget"}},
      {"portfolio:\n  budget: 10\n  budgte: 3\n  proposals:\n    - {name: a, cost: 1, value: 1}\n",
       {"p.yaml:3:3", "portfolio.budgte", "did you mean 'budget'"}},
      {"portfolio:\n  budget: 10\n  proposals:\n    - {name: a, value: 1}\n",
       {"p.yaml:4:7", "portfolio.proposals[0].cost", "has no cost"}},
      {"portfolio:\n  budget: -10\n  proposals:\n    - {name: a, cost: 1, value: 1}\n",
       {"p.yaml:2:11", "portfolio.budget", ">= 0"}},
      {"portfolio:\n  budget: 10\n  proposals:\n    - {name: a, cost: 1, value: 1}\n    - {name: a, cost: 2, value: 1}\n",
       {"p.yaml:5:14", "given to two proposals"}},
      {"portfolio:\n  budget: 10\n  proposals:\n    - {name: a, cost: 1, value: 1}\n  mutually_exclusive: [[a, b]]\n",
       {"p.yaml:5:28", "no proposal is named 'b'"}},
      {"portfolio:\n  budget: 10\n  proposals:\n    - {name: a, result: none.h5, value_output: enbs, cost: 1}\n",
       {"p.yaml:4:25", "none.h5"}},
      {"portfolio:\n  budget: 10\n  step: 0.001\n  proposals:\n    - {name: a, cost: 1, value: 1}\n",
       {"p.yaml:3:9", "larger step"}},
      {"model: demonstration\n", {"p.yaml:1:1", "unknown key 'model'"}},
  };
  for (const auto& [text, messages] : cases) {
    INFO(text);
    write(dir, "p.yaml", text);
    const Result r = run("portfolio " + (dir / "p.yaml").string() + " -o " + (dir / "out.h5").string(), dir);
    INFO(r.err);
    CHECK(r.status == 2);
    for (const auto& m : messages) CHECK_THAT(r.err, Catch::Contains(m));
    CHECK_FALSE(fs::exists(dir / "out.h5"));
  }
}

TEST_CASE("The Japanese programme example runs and chooses within its JPY 920M") {
  const fs::path dir = scratch("portfolio_example");
  const fs::path out = dir / "e.h5";
  const Result r = run("portfolio " + source_dir + "/configs/portfolio_japan_programme.yaml -o " + out.string(), dir);
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(std::stod(root_attribute(out, "budget")) == 920e6);
  CHECK(std::stod(root_attribute(out, "cost")) <= 920e6);
  const auto value = doubles(out, "/frontier/value");
  for (std::size_t i = 1; i < value.size(); ++i) CHECK(value[i] >= value[i - 1]);
  CHECK(value.size() == 11);  // 0, 100M, ..., 900M and 920M
}
