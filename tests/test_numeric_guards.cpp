// Numerical guards: a value a model (or a parameter draw) produces that is not
// a valid number of its declared type stops the run with an error naming the
// replicate and the output, instead of being written. A tiny model defined
// here produces the bad values on purpose. An output a replicate leaves
// unset is missing (NaN), never an earlier replicate's value.

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include "samdsim/error.hpp"
#include "samdsim/runner.hpp"

using namespace samdsim;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();

// Writes 1 to every output, except `bad` to output `output` in replicate `replicate`.
class PoisonedSimulation final : public Simulation {
 public:
  PoisonedSimulation(std::vector<OutputSpec> outputs, std::size_t output, std::uint64_t replicate, double bad)
      : outputs_(std::move(outputs)), output_(output), replicate_(replicate), bad_(bad) {}
  const std::vector<OutputSpec>& outputs() const override { return outputs_; }
  void simulate(ReplicateContext& ctx, Workspace*, OutputRow out) const override {
    for (std::size_t k = 0; k < outputs_.size(); ++k) {
      auto values = out.series(k);
      std::fill(values.begin(), values.end(), 1.0);
      if (k == output_ && ctx.replicate() == replicate_) values[values.size() - 1] = bad_;
    }
  }

 private:
  std::vector<OutputSpec> outputs_;
  std::size_t output_;
  std::uint64_t replicate_;
  double bad_;
};

class NullSink final : public BlockSink {
 public:
  void consume(const Block& block) override { rows += block.count(); }
  std::uint64_t rows = 0;
};

std::vector<OutputSpec> outputs() {
  return {OutputSpec::scalar("cost_usd", "USD", "a cost"),
          OutputSpec::scalar("patients", "patient", "a count", ValueType::Integer),
          OutputSpec::scalar("authorized", "", "a flag", ValueType::Boolean),
          OutputSpec::series("adopters", "hospital", "a series", 12, "month")};
}

// The message of the error a run with one poisoned value raises ("" when none).
std::string run_error(std::size_t output, std::uint64_t replicate, double bad, unsigned threads = 2) {
  PoisonedSimulation sim(outputs(), output, replicate, bad);
  ParameterTable table;
  table.finalize();
  RunOptions options;
  options.replicates = 5000;
  options.seed = 1;
  options.threads = threads;
  options.progress = ProgressMode::Never;
  NullSink sink;
  try {
    run_replicates(sim, table, options, sink);
  } catch (const InternalError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("An infinite real output is reported with its replicate and output name") {
  for (double bad : {inf, -inf}) {
    const std::string e = run_error(0, 3071, bad);
    INFO(e);
    CHECK_THAT(e, Catch::Contains("cost_usd") && Catch::Contains("replicate 3071"));
  }
}

TEST_CASE("NaN and infinite and fractional integer outputs are reported with their replicate") {
  for (double bad : {nan_value, inf, 2.5}) {
    const std::string e = run_error(1, 4242, bad);
    INFO(e);
    CHECK_THAT(e, Catch::Contains("patients") && Catch::Contains("replicate 4242"));
  }
}

TEST_CASE("A boolean output other than 0 or 1 is reported with its replicate") {
  for (double bad : {nan_value, 0.5, 2.0}) {
    const std::string e = run_error(2, 17, bad);
    INFO(e);
    CHECK_THAT(e, Catch::Contains("authorized") && Catch::Contains("replicate 17"));
  }
}

TEST_CASE("An infinite value in a series output names the series and the replicate") {
  const std::string e = run_error(3, 1025, inf);
  INFO(e);
  CHECK_THAT(e, Catch::Contains("adopters") && Catch::Contains("replicate 1025"));
}

TEST_CASE("The reported replicate is the first bad one whatever the thread count") {
  // Every replicate from 100 on is poisoned, as when a parameter makes the
  // model overflow: the error names replicate 100, whichever block a thread
  // happened to finish first, so the message does not depend on scheduling.
  class TwiceBad final : public Simulation {
   public:
    const std::vector<OutputSpec>& outputs() const override { return outputs_; }
    void simulate(ReplicateContext& ctx, Workspace*, OutputRow out) const override {
      // The first block is slow, so with several threads a later block fails first.
      if (ctx.replicate() < 1024) std::this_thread::sleep_for(std::chrono::microseconds(50));
      out.set(0, ctx.replicate() >= 100 ? inf : 1.0);
    }
    std::vector<OutputSpec> outputs_ = {OutputSpec::scalar("cost_usd", "USD", "a cost")};
  } sim;
  for (unsigned threads : {1u, 2u, 8u}) {
    ParameterTable table;
    table.finalize();
    RunOptions options;
    options.replicates = 50000;
    options.threads = threads;
    options.progress = ProgressMode::Never;
    NullSink sink;
    std::string message;
    try {
      run_replicates(sim, table, options, sink);
    } catch (const InternalError& e) {
      message = e.what();
    }
    INFO("threads " << threads << ": " << message);
    CHECK_THAT(message, Catch::Contains("replicate 100"));
  }
}

TEST_CASE("A valid run passes the guards: NaN is a valid real output (an event that never happened)") {
  CHECK(run_error(0, 10, nan_value).empty());
  CHECK(run_error(0, 10, 1e308).empty());
}

TEST_CASE("A parameter draw that overflows is reported with its replicate and key path and not stored") {
  // lognormal(mu = 700, sigma = 10): most draws exceed the largest double.
  ParameterTable table;
  const Param p = table.add({"parameters.burn_usd_per_month", "USD/month",
                             Distribution::from_yaml(YAML::Load("{dist: lognormal, mu: 700, sigma: 10}"),
                                                     "parameters.burn_usd_per_month", "test.yaml"),
                             false, false});
  table.mark_used(p);
  table.finalize();
  class Constant final : public Simulation {
   public:
    const std::vector<OutputSpec>& outputs() const override { return outputs_; }
    void simulate(ReplicateContext&, Workspace*, OutputRow out) const override { out.set(0, 1.0); }
    std::vector<OutputSpec> outputs_ = {OutputSpec::scalar("authorized", "", "a flag", ValueType::Boolean)};
  } sim;
  RunOptions options;
  options.replicates = 2000;
  options.threads = 2;
  options.progress = ProgressMode::Never;
  NullSink sink;
  std::string message;
  try {
    run_replicates(sim, table, options, sink);
  } catch (const std::exception& e) {
    message = e.what();
  }
  INFO(message);
  CHECK_THAT(message, Catch::Contains("parameters.burn_usd_per_month") && Catch::Contains("replicate"));
}

namespace {

// Sets its outputs only in even replicates; odd ones leave them unset.
class EvenOnlySimulation final : public Simulation {
 public:
  explicit EvenOnlySimulation(std::vector<OutputSpec> outputs) : outputs_(std::move(outputs)) {}
  const std::vector<OutputSpec>& outputs() const override { return outputs_; }
  void simulate(ReplicateContext& ctx, Workspace*, OutputRow out) const override {
    if (ctx.replicate() % 2 == 1) return;
    for (std::size_t k = 0; k < outputs_.size(); ++k) {
      auto values = out.series(k);
      std::fill(values.begin(), values.end(), 1.0);
    }
  }

 private:
  std::vector<OutputSpec> outputs_;
};

// Counts, per kind, the values of the blocks it is handed.
class CountingSink final : public BlockSink {
 public:
  void consume(const Block& block) override {
    for (std::size_t k = 0; k < block.outputs(); ++k)
      for (const double v : block.output(k)) (std::isnan(v) ? missing : set) += 1;
  }
  std::uint64_t missing = 0, set = 0;
};

}  // namespace

TEST_CASE("An output a replicate does not set is NaN, even where a block's memory held an earlier block's values") {
  // 20 blocks on one thread are more than two windows of at most 8 blocks,
  // so later blocks reuse the memory of earlier ones.
  // Real values may be missing (integers and flags may not).
  EvenOnlySimulation sim({outputs()[0], outputs()[3]});
  ParameterTable table;
  table.finalize();
  RunOptions options;
  options.replicates = 20 * replicates_per_block;
  options.seed = 1;
  options.threads = 1;
  options.progress = ProgressMode::Never;
  CountingSink sink;
  run_replicates(sim, table, options, sink);
  std::uint64_t per_replicate = 0;
  for (const OutputSpec& o : sim.outputs()) per_replicate += o.width();
  CHECK(sink.set == 10 * replicates_per_block * per_replicate);
  CHECK(sink.missing == 10 * replicates_per_block * per_replicate);
}
