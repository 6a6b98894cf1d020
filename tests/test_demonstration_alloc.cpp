// The demonstration model's hot loop allocates nothing (SPEC: outputs are
// preallocated and the hot loop does no allocation). Eigen allocates with
// malloc, not operator new, so this executable interposes glibc's malloc
// family and counts the calls made while a replicate is simulated.
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "samdsim/config.hpp"
#include "samdsim/model.hpp"

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
thread_local bool counting = false;
thread_local std::size_t allocations = 0;
void count() {
  if (counting) ++allocations;
}
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
  count();
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  count();
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  count();
  return __libc_realloc(p, n);
}
void* memalign(std::size_t alignment, std::size_t n) {
  count();
  return __libc_memalign(alignment, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  count();
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  count();
  void* p = __libc_memalign(alignment, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* p) { __libc_free(p); }
}

using namespace samdsim;

namespace {

// Allocations made while simulating `replicates` replicates after a warm-up.
std::size_t allocations_in_hot_loop(const std::string& parameters, std::uint64_t replicates) {
  const Scenario s = parse_scenario("model: demonstration\nparameters:\n" + parameters, "alloc.yaml");
  const Simulation& sim = *s.simulation;
  const ParameterTable& table = *s.parameters.table;
  auto workspace = sim.make_workspace();
  std::vector<double> values = table.initial_values();
  std::vector<double> drawn(table.sampled_count());
  Block block(sim.outputs(), table.sampled_count(), 1);
  auto one = [&](std::uint64_t r) {
    Stream parameter_stream(9, 0, r, 0);
    table.draw(parameter_stream, values, drawn);
    Stream model_stream(9, 0, r, 1);
    ReplicateContext ctx(r, values, model_stream);
    sim.simulate(ctx, workspace.get(), OutputRow(block, 0));
  };
  block.reset(0, 1);
  for (std::uint64_t r = 0; r < 5; ++r) one(r);  // function-local statics of the libraries settle here
  allocations = 0;
  counting = true;
  for (std::uint64_t r = 5; r < 5 + replicates; ++r) one(r);
  counting = false;
  return allocations;
}

}  // namespace

// Sanitizer runtimes own malloc, so interposing it counts nothing there: the
// allocation checks run in the plain build.
bool sanitized() {
#ifdef SAMDSIM_SANITIZED
  WARN("sanitizer build: its runtime replaces malloc, allocations are not counted");
  return true;
#else
  return false;
#endif
}

std::vector<double>* volatile escaped = nullptr;  // so the compiler cannot elide the allocations below

TEST_CASE("The interposed allocator counts allocations") {
  if (sanitized()) return;
  counting = true;
  allocations = 0;
  escaped = new std::vector<double>(100);  // the vector, then its buffer
  counting = false;
  delete escaped;
  CHECK(allocations == 2);
}

TEST_CASE("Simulating a replicate allocates nothing, whichever analysis path it takes") {
  if (sanitized()) return;
  const std::string outcome =
      "  outcome: {effect: {dist: normal, mean: -1.5, sd: 0.5}, sd: 8, icc: 0.05, cac: 0.8, "
      "trend_per_period: 0.2}\n";
  const std::string drawn_icc = "  outcome: {effect: -1.5, sd: 8, icc: {dist: beta, mean: 0.05, sd: 0.02}, cac: 0.8}\n";
  const std::string sw = "  design: {type: stepped_wedge, steps: 4, clusters_per_step: 3, cases_per_period: 20}\n";
  const std::string sw_drawn =
      "  design: {type: stepped_wedge, steps: 4, clusters_per_step: 3, cases_per_period: "
      "{dist: poisson, mean: 4}}\n";
  const std::string pre_post = "  design: {type: pre_post, clusters: 8, baseline_periods: 2, periods: 2}\n";
  const std::string second =
      "  second_outcome: {effect: 800, sd: 6000, icc: {dist: uniform, min: 0.02, max: 0.08}, cac: 0.9, "
      "correlation: -0.5}\n";
  struct Path {
    const char* name;
    std::string parameters;
  };
  const Path paths[] = {
      {"precomputed weights", sw + outcome + "  analysis: {variance: known, test: z}\n"},
      {"known variances drawn per replicate", sw + drawn_icc + "  analysis: {variance: known}\n"},
      {"REML", sw + outcome + "  analysis: {variance: estimated, test: t}\n"},
      {"REML, cases drawn per cell, t with per-trial df",
       sw_drawn + drawn_icc + "  analysis: {variance: estimated, test: t, df: within_clusters}\n"},
      {"REML on a pre-post design", pre_post + outcome + "  analysis: {variance: estimated}\n"},
      {"two endpoints, precomputed weights", sw + outcome + "  analysis: {variance: known, test: z}\n" + second},
      {"two endpoints, REML, cases drawn per cell",
       sw_drawn + drawn_icc + "  analysis: {variance: estimated, test: t, df: within_clusters}\n" + second},
  };
  for (const Path& p : paths) {
    INFO(p.name);
    CHECK(allocations_in_hot_loop(p.parameters, 300) == 0);
  }
}
