// ThreadSanitizer canary. The TSan stage suppresses reports inside oneTBB's
// header code (tests/sanitizers/tsan.supp), as Debian's libtbb is not built
// for TSan. This test proves the suppressions hide nothing of samdsim's: a
// model that increments a plain shared counter in every replicate is a data
// race, and under TSan the run must be reported. The visible test runs this
// executable again on the hidden racy test and expects TSan's report and its
// exit status; outside a TSan build it only checks that the racy model runs.

#include <catch2/catch.hpp>

#include "robustness_fixture.hpp"
#include "samdsim/runner.hpp"

#if defined(__SANITIZE_THREAD__)
#define SAMDSIM_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SAMDSIM_TEST_TSAN 1
#endif
#endif

using namespace samdsim;

namespace {

long replicates_seen = 0;  // shared by every worker, on purpose not atomic

class RacySimulation final : public Simulation {
 public:
  const std::vector<OutputSpec>& outputs() const override { return outputs_; }
  void simulate(ReplicateContext&, Workspace*, OutputRow out) const override {
    ++replicates_seen;
    out.series(0)[0] = 1.0;
  }

 private:
  std::vector<OutputSpec> outputs_ = {OutputSpec::scalar("one", "", "always 1")};
};

class NullSink final : public BlockSink {
 public:
  void consume(const Block&) override {}
};

}  // namespace

TEST_CASE("A model with a racy counter runs on two threads", "[.racy]") {
  RacySimulation sim;
  ParameterTable table;
  table.finalize();
  RunOptions options;
  options.replicates = 50000;
  options.seed = 1;
  options.threads = 2;
  options.progress = ProgressMode::Never;
  NullSink sink;
  const RunResult r = run_replicates(sim, table, options, sink);
  CHECK(r.replicates == 50000);
}

TEST_CASE("ThreadSanitizer reports a race planted in a model despite the oneTBB suppressions") {
#ifndef SAMDSIM_TEST_TSAN
  SUCCEED("not a ThreadSanitizer build: the canary runs in the TSan stage (scripts/sanitize.sh thread)");
#else
  robustness::Scratch dir("tsan-canary");
  const robustness::Outcome o =
      robustness::run_program("/proc/self/exe", {"A model with a racy counter runs on two threads"}, dir.path,
                              robustness::Limits{300.0, {}, {}});
  INFO("status " << o.status << "\n" << o.err.substr(0, 4000));
  CHECK(o.err.find("WARNING: ThreadSanitizer: data race") != std::string::npos);
  // The report's top frame is the model's increment, in this file.
  CHECK(o.err.find("#0 simulate ") != std::string::npos);
  CHECK(o.err.find("test_tsan_canary.cpp:") != std::string::npos);
  CHECK(o.status != 0);
#endif
}
