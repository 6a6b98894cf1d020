#pragma once

// Running scenarios in memory for the evidence_program tests: every output
// and drawn parameter of every replicate, by name.

#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "samdsim/config.hpp"
#include "samdsim/runner.hpp"

namespace ep_test {

using namespace samdsim;

struct MemorySink : BlockSink {
  std::vector<std::vector<double>> outputs, parameters;
  void consume(const Block& b) override {
    if (outputs.empty()) {
      outputs.resize(b.outputs());
      parameters.resize(b.parameters());
    }
    for (std::size_t k = 0; k < b.outputs(); ++k)
      outputs[k].insert(outputs[k].end(), b.output(k).begin(), b.output(k).end());
    for (std::size_t j = 0; j < b.parameters(); ++j)
      parameters[j].insert(parameters[j].end(), b.parameter(j).begin(), b.parameter(j).end());
  }
};

struct Run {
  Scenario scenario;
  MemorySink sink;

  std::size_t output_index(const std::string& name) const {
    const auto& specs = scenario.simulation->outputs();
    for (std::size_t k = 0; k < specs.size(); ++k)
      if (specs[k].name == name) return k;
    FAIL("no output named " << name);
    return 0;
  }
  const std::vector<double>& output(const std::string& name) const { return sink.outputs[output_index(name)]; }
  // The values drawn for the parameter at `path`, or empty when it is not drawn.
  std::vector<double> parameter(const std::string& path) const {
    const auto columns = scenario.parameters.table->sampled_columns();
    for (std::size_t j = 0; j < columns.size(); ++j)
      if (columns[j].name == path) return sink.parameters[j];
    return {};
  }
};

inline Run run(const std::string& yaml, std::uint64_t replicates, unsigned threads = 2, std::uint64_t first_block = 0,
               std::uint64_t end_block = UINT64_MAX) {
  Run r{parse_scenario(yaml, "test.yaml"), {}};
  RunOptions o;
  o.replicates = replicates;
  o.seed = r.scenario.seed;
  o.threads = threads;
  o.progress = ProgressMode::Never;
  o.first_block = first_block;
  o.end_block = end_block;
  run_replicates(*r.scenario.simulation, *r.scenario.parameters.table, o, r.sink);
  return r;
}

inline bool bitwise_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

inline std::string read_text(const std::string& relative) {
  std::ifstream in(std::string(SAMDSIM_SOURCE_DIR) + "/" + relative);
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The `parameters:` block of a config, each line indented by `indent` more
// spaces, without the line `parameters:` itself.
inline std::string parameters_block(const std::string& config, int indent) {
  const auto at = config.find("\nparameters:\n");
  REQUIRE(at != std::string::npos);
  std::istringstream in(config.substr(at + 13));
  std::string line, out;
  while (std::getline(in, line)) out += std::string(static_cast<std::size_t>(indent), ' ') + line + "\n";
  return out;
}

inline std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// A market that is only there to satisfy the schema (the market is off).
inline const char* stub_market = R"(  market:
    currency: USD
    strata: [{count: 1, annual_cases: 0, staff_fte: 1, hours_per_fte_month: 100, wage_per_hour: 0}]
    workflow: {minutes_per_case: 10, effect: 0}
)";

}  // namespace ep_test
