// Every impossible or malformed distribution spec is an InputError that
// names the file, line and column of the offending node, its key path, and
// what was expected.

#include <catch2/catch.hpp>

#include <string>

#include "samdsim/distribution.hpp"
#include "samdsim/error.hpp"

using samdsim::Distribution;
using samdsim::InputError;

namespace {

// "bad.yaml:LINE:COL" of the first occurrence of `needle` in `text`.
std::string where(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  REQUIRE(at != std::string::npos);
  int line = 1, column = 1;
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "bad.yaml:" + std::to_string(line) + ":" + std::to_string(column);
}

// Parses `spec` as parameters.x of a small config; the error must point at
// the first occurrence of `at` in the document and mention `path` and every
// one of `words`.
void check_rejected(const std::string& spec, const std::string& at, const std::string& path,
                    const std::vector<std::string>& words) {
  const std::string text = "model: demo\nparameters:\n  x: " + spec + "\n";
  const YAML::Node root = YAML::Load(text);
  INFO("spec: " << spec);
  try {
    Distribution::from_yaml(root["parameters"]["x"], "parameters.x", "bad.yaml");
    FAIL("accepted an impossible spec");
  } catch (const InputError& e) {
    const std::string what = e.what();
    INFO("error: " << what);
    CHECK(what.find(where(text, at)) != std::string::npos);
    CHECK(what.find(path) != std::string::npos);
    for (const auto& w : words) CHECK(what.find(w) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("An unknown family name is rejected with a suggestion") {
  check_rejected("{dist: lognorml, mu: 1, sigma: 1}", "lognorml", "parameters.x.dist",
                 {"unknown distribution 'lognorml'", "did you mean 'lognormal'"});
}

TEST_CASE("A map without dist is rejected, with a hint when a key looks like a misspelt dist") {
  check_rejected("{mean: 1, sd: 2}", "{mean", "parameters.x", {"needs a 'dist' key"});
  check_rejected("{dsit: normal, mean: 1, sd: 2}", "{dsit", "parameters.x", {"'dsit' looks like a misspelt 'dist'"});
}

TEST_CASE("An unknown key inside a family is rejected with a suggestion from that family's keys") {
  check_rejected("{dist: normal, mean: 1, sdd: 2}", "sdd", "parameters.x.sdd",
                 {"unknown key 'sdd'", "did you mean 'sd'"});
  check_rejected("{dist: gamma, shape: 2, sacle: 2}", "sacle", "parameters.x.sacle", {"did you mean 'scale'"});
}

TEST_CASE("Missing keys are rejected naming every accepted form") {
  check_rejected("{dist: gamma, shape: 2}", "{dist", "parameters.x",
                 {"missing", "{shape, scale}, {shape, rate} or {mean, sd}", "got {shape}"});
  check_rejected("{dist: lognormal, median: 250}", "{dist", "parameters.x", {"missing", "{median, pNN}"});
}

TEST_CASE("Two complete forms at once are rejected as conflicting") {
  check_rejected("{dist: gamma, shape: 2, scale: 1, rate: 3}", "{dist", "parameters.x",
                 {"conflicting", "{shape, scale}", "{shape, rate}"});
}

TEST_CASE("A key of another form beside a complete form is rejected as conflicting") {
  check_rejected("{dist: lognormal, mu: 1, sigma: 0.5, mean: 3}", "3}", "parameters.x.mean",
                 {"conflicts", "{mu, sigma}"});
  check_rejected("{dist: gamma, shape: 2, scale: 1, sd: 5}", "5}", "parameters.x.sd", {"conflicts", "{shape, scale}"});
}

TEST_CASE("Non-numbers, NaN and infinity are rejected where a number is expected") {
  check_rejected("{dist: normal, mean: abc, sd: 1}", "abc", "parameters.x.mean", {"expected a number", "'abc'"});
  check_rejected("{dist: normal, mean: .nan, sd: 1}", ".nan", "parameters.x.mean", {"expected a", "'.nan'"});
  check_rejected("{dist: normal, mean: nan, sd: 1}", "nan", "parameters.x.mean", {"finite"});
  check_rejected("{dist: uniform, min: 0, max: .inf}", ".inf", "parameters.x.max", {"expected a", "'.inf'"});
  check_rejected("{dist: uniform, min: 0, max: inf}", "inf}", "parameters.x.max", {"finite"});
  check_rejected("{dist: normal, mean: [1], sd: 1}", "[1]", "parameters.x.mean", {"expected a number"});
}

TEST_CASE("Something that is neither a number nor a map is rejected with an example") {
  check_rejected("high", "high", "parameters.x", {"'high'", "{dist: normal"});
  check_rejected("[1, 2]", "[1, 2]", "parameters.x", {"got a list"});
}

TEST_CASE("A uniform needs min below max") {
  check_rejected("{dist: uniform, min: 5, max: 5}", "5}", "parameters.x.max", {"greater than min (5)", "got 5"});
}

TEST_CASE("Standard deviations and scales must be positive") {
  check_rejected("{dist: normal, mean: 1, sd: -2}", "-2", "parameters.x.sd", {"sd must be > 0", "got -2"});
  check_rejected("{dist: normal, mean: 1, sd: 0}", "0}", "parameters.x.sd", {"> 0"});
  check_rejected("{dist: lognormal, mu: 1, sigma: 0}", "0}", "parameters.x.sigma", {"> 0"});
  check_rejected("{dist: gamma, shape: 2, scale: -1}", "-1", "parameters.x.scale", {"> 0"});
  check_rejected("{dist: gamma, shape: 0, scale: 1}", "0,", "parameters.x.shape", {"> 0"});
  check_rejected("{dist: gamma, shape: 2, rate: 0}", "0}", "parameters.x.rate", {"> 0"});
  check_rejected("{dist: gamma, mean: -4, sd: 1}", "-4", "parameters.x.mean", {"> 0"});
  check_rejected("{dist: beta, alpha: -1, beta: 2}", "-1", "parameters.x.alpha", {"> 0"});
  check_rejected("{dist: truncated_normal, mean: 0, sd: -1, min: 0}", "-1", "parameters.x.sd", {"> 0"});
}

TEST_CASE("A truncated normal needs a bound, and min below max") {
  check_rejected("{dist: truncated_normal, mean: 0, sd: 1}", "{dist", "parameters.x", {"needs min, max or both"});
  check_rejected("{dist: truncated_normal, mean: 0, sd: 1, min: 3, max: 2}", "2}", "parameters.x.max",
                 {"greater than min (3)"});
}

TEST_CASE("A lognormal percentile must lie on its side of the median") {
  check_rejected("{dist: lognormal, median: 250, p95: 200}", "200", "parameters.x.p95",
                 {"p95 must be greater than the median (250)", "got 200"});
  check_rejected("{dist: lognormal, median: 250, p5: 300}", "300", "parameters.x.p5",
                 {"p5 must be less than the median (250)"});
  check_rejected("{dist: lognormal, median: -1, p95: 3}", "-1", "parameters.x.median", {"> 0"});
}

TEST_CASE("A lognormal percentile key must name one percentile strictly between 0 and 100, not 50") {
  check_rejected("{dist: lognormal, median: 250, p100: 400}", "p100", "parameters.x.p100", {"strictly between 0 and 100"});
  check_rejected("{dist: lognormal, median: 250, p50: 400}", "p50", "parameters.x.p50", {"median"});
  check_rejected("{dist: lognormal, median: 250, p90: 400, p95: 500}", "p95", "parameters.x.p95",
                 {"one percentile", "'p90'", "'p95'"});
}

TEST_CASE("A beta by mean and sd needs the mean inside the range and an sd below the largest allowed") {
  check_rejected("{dist: beta, mean: 0.7, sd: 0.5}", "0.5", "parameters.x.sd",
                 {"sd too large", "less than 0.458258", "got 0.5"});
  check_rejected("{dist: beta, mean: 1.2, sd: 0.1}", "1.2", "parameters.x.mean", {"strictly between min and max"});
  check_rejected("{dist: beta, mean: 30, sd: 30, min: 10, max: 60}", "30, min", "parameters.x.sd",
                 {"less than 24.4949"});
  check_rejected("{dist: beta, alpha: 1, beta: 1, min: 3, max: 1}", "1}", "parameters.x.max", {"greater than min"});
}

TEST_CASE("Triangular and PERT need min <= mode <= max with min < max, and PERT a positive lambda") {
  check_rejected("{dist: triangular, min: 1, mode: 5, max: 3}", "5,", "parameters.x.mode",
                 {"mode must lie in [min, max] = [1, 3]", "got 5"});
  check_rejected("{dist: triangular, min: 2, mode: 2, max: 2}", "2}", "parameters.x.max", {"greater than min"});
  check_rejected("{dist: pert, min: 1, mode: 2, max: 3, lambda: 0}", "0}", "parameters.x.lambda", {"> 0"});
  check_rejected("{dist: pert, min: 1, mode: 0, max: 3}", "0,", "parameters.x.mode", {"[min, max]"});
}

TEST_CASE("Count families need a non-negative mean, an overdispersed sd or positive size, and p in [0,1]") {
  check_rejected("{dist: poisson, mean: -1}", "-1", "parameters.x.mean", {">= 0"});
  check_rejected("{dist: negative_binomial, mean: 10, sd: 3}", "3}", "parameters.x.sd",
                 {"sd^2 must exceed the mean", "sqrt(10)", "got 3"});
  check_rejected("{dist: negative_binomial, mean: 10, size: 0}", "0}", "parameters.x.size", {"> 0"});
  check_rejected("{dist: bernoulli, p: 1.5}", "1.5", "parameters.x.p", {"[0, 1]", "got 1.5"});
  check_rejected("{dist: bernoulli, p: -0.1}", "-0.1", "parameters.x.p", {"[0, 1]"});
}

TEST_CASE("Discrete and empirical lists must be non-empty lists of numbers with matching valid weights") {
  check_rejected("{dist: discrete, values: []}", "[]", "parameters.x.values", {"non-empty"});
  check_rejected("{dist: empirical, values: []}", "[]", "parameters.x.values", {"non-empty"});
  check_rejected("{dist: empirical, values: 3}", "3}", "parameters.x.values", {"list of numbers"});
  check_rejected("{dist: discrete, values: [1, x]}", "x]", "parameters.x.values[1]", {"expected a number"});
  check_rejected("{dist: discrete, values: [1, 2], weights: [1, -2]}", "-2", "parameters.x.weights[1]", {">= 0"});
  check_rejected("{dist: discrete, values: [1, 2], weights: [1]}", "[1]", "parameters.x.weights",
                 {"one weight per value (2 values)", "got 1 weights"});
  check_rejected("{dist: discrete, values: [1, 2], weights: [0, 0]}", "[0, 0]", "parameters.x.weights",
                 {"positive sum"});
}

TEST_CASE("Building a distribution in code checks its parameters too") {
  using F = Distribution::Family;
  CHECK_THROWS_AS(Distribution::make(F::normal, {0.0, -1.0}), InputError);
  CHECK_THROWS_AS(Distribution::fixed(std::nan("")), InputError);
  CHECK_THROWS_AS(Distribution::make_table(F::discrete, {}, {}, false), InputError);
  CHECK_NOTHROW(Distribution::make(F::gamma, {2.0, 3.0}));
}
