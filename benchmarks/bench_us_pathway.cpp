// Throughput of the us_pathway model through the engine's runner, measured
// side by side in one run (SPEC, "Performance"): pure simulation, simulation
// with the HDF5 writer, and a raw loop that only draws the same number of
// random words, the physical limit of this work. Prints ratios, asserts
// nothing. Usage: bench_us_pathway [--replicates N] [--quick] [--configs DIR]

#include <fmt/format.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "samdsim/config.hpp"
#include "samdsim/error.hpp"
#include "samdsim/result_writer.hpp"
#include "samdsim/runner.hpp"

namespace {

using samdsim::bench::count_option;
using samdsim::bench::DiscardSink;
using samdsim::bench::load_average;
using samdsim::bench::parse_bench_options;
using samdsim::bench::seconds_since;

using namespace samdsim;
namespace fs = std::filesystem;

// The substreams runner.cpp gives every replicate.
constexpr std::uint64_t parameter_substream = 0;
constexpr std::uint64_t model_substream = 1;

constexpr std::uint64_t default_replicates = 150'000;  // about 45 s in all on 2 cores
constexpr std::uint64_t quick_replicates = 20'000;
constexpr std::uint64_t word_sample_replicates = 20'000;
constexpr int repetitions = 3;  // best of 3: the least disturbed by other load
constexpr unsigned thread_counts[] = {1, 2};

const char* const config_names[] = {"ai_triage_510k", "de_novo_single_arm", "pma_breakthrough_rct"};

struct Options {
  std::uint64_t replicates = default_replicates;
  fs::path configs;
};

// Average 64-bit words one replicate takes from each of its two streams.
struct WordsPerReplicate {
  std::uint64_t sampled = 0;
  std::uint64_t parameter_words = 0;  // totals over the sample
  std::uint64_t model_words = 0;
  double parameter() const { return static_cast<double>(parameter_words) / static_cast<double>(sampled); }
  double model() const { return static_cast<double>(model_words) / static_cast<double>(sampled); }
};



// The runner hands blocks to the sink from one thread, so this time is not
// overlapped with simulation: it is the writer's serial share.
class WriterSink : public BlockSink {
 public:
  explicit WriterSink(ResultWriter& writer) : writer_(writer) {}
  void consume(const Block& block) override {
    const auto start = std::chrono::steady_clock::now();
    writer_.write_block(block);
    seconds_ += seconds_since(start);
  }
  double seconds() const { return seconds_; }

 private:
  ResultWriter& writer_;
  double seconds_ = 0.0;
};

// Where the time of one run with the HDF5 writer went.
struct WriterTimes {
  double total = 0.0;
  double open = 0.0;  // create the file and its datasets
  double write_blocks = 0.0;
  double summaries = 0.0;  // read each column back for quantiles, write /summary
  double commit = 0.0;
};

// Re-simulates the first replicates exactly as runner.cpp does, one at a
// time, to count what the model consumes from each stream.
WordsPerReplicate measure_words(const Scenario& s, std::uint64_t sample) {
  const ParameterTable& table = *s.parameters.table;
  const Simulation& simulation = *s.simulation;
  auto workspace = simulation.make_workspace();
  std::vector<double> values = table.initial_values();
  std::vector<double> drawn(table.sampled_count());
  Block block(simulation.outputs(), table.sampled_count(), 1);
  WordsPerReplicate words;
  for (std::uint64_t r = 0; r < sample; ++r) {
    block.reset(r, 1);
    for (std::size_t k = 0; k < block.outputs(); ++k) {
      auto row = block.output(k, 0);
      std::fill(row.begin(), row.end(), std::numeric_limits<double>::quiet_NaN());
    }
    Stream parameter_stream(s.seed, 0, r, parameter_substream);
    table.draw(parameter_stream, values, drawn);
    Stream model_stream(s.seed, 0, r, model_substream);
    ReplicateContext ctx(r, values, model_stream);
    simulation.simulate(ctx, workspace.get(), OutputRow(block, 0));
    words.parameter_words += parameter_stream.words_used();
    words.model_words += model_stream.words_used();
  }
  words.sampled = sample;
  return words;
}

// The exact share of `total` words (over `sample` replicates) that replicate
// r draws, so that the loop draws the measured average without rounding it.
std::uint64_t share(std::uint64_t r, std::uint64_t total, std::uint64_t sample) {
  return ((r + 1) * total) / sample - (r * total) / sample;
}

// The physical limit: per replicate, the two streams the runner creates and
// as many uniform() draws from each as the model made on average; parallel
// in blocks of replicates like the runner.
double raw_loop_seconds(const Scenario& s, const WordsPerReplicate& words, std::uint64_t n, unsigned threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  tbb::enumerable_thread_specific<double> sums(0.0);
  const auto start = std::chrono::steady_clock::now();
  tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, n, replicates_per_block),
                    [&](const tbb::blocked_range<std::uint64_t>& range) {
                      double sum = 0.0;
                      for (std::uint64_t r = range.begin(); r != range.end(); ++r) {
                        Stream parameter_stream(s.seed, 0, r, parameter_substream);
                        for (auto i = share(r, words.parameter_words, words.sampled); i > 0; --i)
                          sum += parameter_stream.uniform();
                        Stream model_stream(s.seed, 0, r, model_substream);
                        for (auto i = share(r, words.model_words, words.sampled); i > 0; --i)
                          sum += model_stream.uniform();
                      }
                      sums.local() += sum;
                    });
  const double elapsed = seconds_since(start);
  // Observed after timing so the draws cannot be optimised away.
  volatile double sink = sums.combine([](double a, double b) { return a + b; });
  (void)sink;
  return elapsed;
}

RunOptions run_options(const Scenario& s, std::uint64_t n, unsigned threads) {
  return RunOptions{n, s.seed, 0, threads, ProgressMode::Never};
}

double simulate_seconds(const Scenario& s, std::uint64_t n, unsigned threads) {
  DiscardSink sink;
  const auto start = std::chrono::steady_clock::now();
  run_replicates(*s.simulation, *s.parameters.table, run_options(s, n, threads), sink);
  return seconds_since(start);
}

// As `samdsim run` does it (app/run.cpp): writer, summaries, commit, all
// within the run's thread limit (the summaries' quantiles are parallel too).
WriterTimes simulate_and_write(const Scenario& s, std::uint64_t n, unsigned threads, const fs::path& file) {
  const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  WriterTimes t;
  const auto start = std::chrono::steady_clock::now();
  {
    RunInfo info;
    info.model = s.model->name();
    info.name = s.name;
    info.config_yaml = s.resolved_yaml();
    info.seed = s.seed;
    info.replicates = n;
    info.threads = threads;
    const ParameterTable& table = *s.parameters.table;
    ResultWriter writer(file, info, s.simulation->outputs(), table.sampled_columns());
    t.open = seconds_since(start);
    WriterSink sink(writer);
    RunResult result = run_replicates(*s.simulation, table, run_options(s, n, threads), sink);
    t.write_blocks = sink.seconds();
    auto phase = std::chrono::steady_clock::now();
    writer.write_summaries(result.moments);
    t.summaries = seconds_since(phase);
    phase = std::chrono::steady_clock::now();
    writer.commit(result.wall_seconds);
    t.commit = seconds_since(phase);
  }
  t.total = seconds_since(start);
  fs::remove(file);
  return t;
}

struct Rates {  // replicates per second, best of the repetitions
  double raw = 0.0;
  double model = 0.0;
  double hdf5 = 0.0;
  WriterTimes hdf5_times;  // of the best run with the writer
};

double rate(std::uint64_t n, double seconds) { return static_cast<double>(n) / std::max(seconds, 1e-12); }

void keep_best(double& best, double candidate) { best = std::max(best, candidate); }

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}


Options parse_options(int argc, char** argv) {
  Options o;
  parse_bench_options(
      "bench_us_pathway", argc, argv,
      {count_option("--replicates", o.replicates, 1, max_replicates,
                    "replicates per measurement (default " + std::to_string(default_replicates) + ")"),
       {"--quick", "", std::to_string(quick_replicates) + " replicates, a smoke run of a few seconds",
        [&](const std::string&) { o.replicates = quick_replicates; }},
       {"--configs", "DIR", "where the scenario files are (default: ./configs, else the source tree's)",
        [&](const std::string& dir) { o.configs = dir; }}});
  if (o.configs.empty()) {
    o.configs = "configs";
    if (!fs::exists(o.configs / "ai_triage_510k.yaml"))
      o.configs = fs::path(__FILE__).parent_path().parent_path() / "configs";
  }
  return o;
}

void run(const Options& o) {
  const std::uint64_t n = o.replicates;
  const auto started = std::chrono::steady_clock::now();
  std::cout << fmt::format("bench_us_pathway: {} replicates per measurement, best of {}\n", n, repetitions)
            << fmt::format("machine: {} hardware threads, {}; load average before: {}\n\n",
                           std::thread::hardware_concurrency(), cpu_model(), load_average());

  std::vector<std::string> table;
  std::vector<std::string> writer_table;
  std::string words_table;
  for (const char* name : config_names) {
    const Scenario s = load_scenario(o.configs / (std::string(name) + ".yaml"));
    const WordsPerReplicate words = measure_words(s, std::min(n, word_sample_replicates));
    words_table += fmt::format("{:<22} {:>9} {:>12.2f} {:>12.2f} {:>12.2f}\n", name, words.sampled, words.parameter(),
                               words.model(), words.parameter() + words.model());

    const fs::path file = fs::temp_directory_path() / fmt::format("bench_us_pathway_{}_{}.h5", getpid(), name);
    std::vector<Rates> rates(std::size(thread_counts));
    // Repetitions outermost, so a burst of other load spoils one sample of
    // each kind rather than every sample of one.
    for (int rep = 0; rep < repetitions; ++rep) {
      for (std::size_t t = 0; t < std::size(thread_counts); ++t) {
        const unsigned threads = thread_counts[t];
        keep_best(rates[t].raw, rate(n, raw_loop_seconds(s, words, n, threads)));
        keep_best(rates[t].model, rate(n, simulate_seconds(s, n, threads)));
        const WriterTimes w = simulate_and_write(s, n, threads, file);
        if (rate(n, w.total) > rates[t].hdf5) {
          rates[t].hdf5 = rate(n, w.total);
          rates[t].hdf5_times = w;
        }
      }
    }
    for (std::size_t t = 0; t < std::size(thread_counts); ++t) {
      const Rates& r = rates[t];
      // Time ratios: model/raw is how many times longer the model takes than
      // drawing its random numbers; the HDF5 and thread ratios are rate ratios.
      table.push_back(
          fmt::format("{:<22} {:>10} {:>7} {:>12.4g} {:>12.4g} {:>12.4g} {:>10.1f} {:>10.2f} {:>10.2f} {:>10.2f}", name,
                      n, thread_counts[t], r.raw, r.model, r.hdf5, r.raw / r.model, r.hdf5 / r.model,
                      r.model / rates[0].model, r.hdf5 / rates[0].hdf5));
      const WriterTimes& w = r.hdf5_times;
      writer_table.push_back(fmt::format("{:<22} {:>7} {:>8.3f} {:>8.3f} {:>8.3f} {:>8.3f} {:>8.3f} {:>8.3f} {:>7.1f}%",
                                         name, thread_counts[t], w.total, static_cast<double>(n) / r.model, w.open,
                                         w.write_blocks, w.summaries, w.commit,
                                         100.0 * (w.open + w.write_blocks + w.summaries + w.commit) / w.total));
    }
  }

  std::cout << "random words consumed per replicate (measured by re-simulating the first replicates)\n"
            << fmt::format("{:<22} {:>9} {:>12} {:>12} {:>12}\n", "config", "sampled", "parameters", "model", "total")
            << words_table << "\n";
  std::cout << "replicates per second (best of " << repetitions << ") and ratios\n"
            << fmt::format("{:<22} {:>10} {:>7} {:>12} {:>12} {:>12} {:>10} {:>10} {:>10} {:>10}\n", "config",
                           "replicates", "threads", "raw loop/s", "model/s", "model+h5/s", "model/raw", "h5/no-h5",
                           "2t/1t", "2t/1t h5");
  for (const auto& line : table) std::cout << line << "\n";
  std::cout << "\nwhere the best run with the HDF5 writer spent its time (seconds)\n"
            << fmt::format("{:<22} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}\n", "config", "threads", "total",
                           "no-HDF5", "open", "blocks", "summary", "commit", "writer");
  for (const auto& line : writer_table) std::cout << line << "\n";
  std::cout << fmt::format("\ntotal {:.1f} s; load average after: {}\n", seconds_since(started), load_average());
}

}  // namespace

int main(int argc, char** argv) {
  return samdsim::bench::guarded_main("bench_us_pathway", [&] { run(parse_options(argc, argv)); });
}
