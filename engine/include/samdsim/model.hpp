#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "samdsim/parameters.hpp"
#include "samdsim/plan_report.hpp"
#include "samdsim/random.hpp"
#include "samdsim/results.hpp"
#include "samdsim/schema.hpp"

namespace samdsim {

// What a model sees of one replicate: its index, its sampled parameter values
// and its own random stream (independent of the stream that drew the parameters,
// so giving a parameter a distribution does not shift the model's draws).
// The run a replicate belongs to: what keys its streams besides its index.
struct StreamOrigin {
  std::uint64_t seed = 0, scenario = 0;
};

class ReplicateContext {
 public:
  ReplicateContext(std::uint64_t replicate, std::span<const double> values, Stream& stream, StreamOrigin origin = {})
      : replicate_(replicate), values_(values), stream_(stream), origin_(origin) {}

  std::uint64_t replicate() const { return replicate_; }
  double operator[](Param p) const { return values_[p.slot]; }
  std::span<const double> values() const { return values_; }
  StreamOrigin origin() const { return origin_; }
  Stream& rng() { return stream_; }
  // A fresh model stream for one stage of a simulation made of stages; stage
  // 0 starts where rng() started. Stages never share draws, and how much one
  // stage draws moves no other stage's numbers.
  Stream stage_stream(std::uint64_t stage) const {
    return Stream(origin_.seed, origin_.scenario, replicate_, model_substream, stage);
  }

 private:
  std::uint64_t replicate_;
  std::span<const double> values_;
  Stream& stream_;
  StreamOrigin origin_;
};

// Where a model writes one replicate's outputs, by declared output index.
class OutputRow {
 public:
  OutputRow(Block& block, std::size_t row, std::size_t first_output = 0)
      : block_(block), row_(row), first_(first_output) {}

  void set(std::size_t output, double value) { block_.output(first_ + output, row_)[0] = value; }
  void set(std::size_t output, bool value) { set(output, value ? 1.0 : 0.0); }
  std::span<double> series(std::size_t output) { return block_.output(first_ + output, row_); }
  double get(std::size_t output) const { return block_.output(first_ + output, row_)[0]; }
  // The same row seen from output `first`: a part of a composite simulation
  // writes its own outputs by their own indices.
  OutputRow from(std::size_t first) const { return OutputRow(block_, row_, first_ + first); }

 private:
  Block& block_;
  std::size_t row_;
  std::size_t first_;
};

// Per-thread scratch a simulation reuses across replicates so that the hot
// loop allocates nothing.
struct Workspace {
  virtual ~Workspace() = default;
};

// A model prepared for one scenario: immutable, shared by all threads.
class Simulation {
 public:
  virtual ~Simulation() = default;
  virtual const std::vector<OutputSpec>& outputs() const = 0;
  virtual std::unique_ptr<Workspace> make_workspace() const { return nullptr; }
  // Must depend only on the context (values, stream) — never on threads or time.
  virtual void simulate(ReplicateContext& ctx, Workspace* workspace, OutputRow out) const = 0;
  // What an output is expected to be at the scenario's planning values,
  // where the model has it in closed form (a design's analytic power, say);
  // solve: searches sizes with it before simulating. None by default.
  virtual std::optional<double> planning_value(std::string_view /*output*/) const { return std::nullopt; }
  // What the model derived from the config before simulating (sizes,
  // designs, planning power) and the warnings the plan deserves.
  virtual PlanReport plan_report() const { return {}; }
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  // Declares every parameter once: name, type, unit, range, default, doc.
  virtual void declare(Schema& schema) const = 0;
  // Builds the simulation from validated parameters; cross-field problems are
  // reported with Group::fail (located InputError).
  virtual std::unique_ptr<Simulation> prepare(const Group& parameters) const = 0;
  // The outputs the model can produce (for `samdsim models`); series lengths
  // may depend on parameters and are 0 here.
  virtual std::vector<OutputSpec> output_catalogue() const = 0;

  const Schema& schema() const;

 private:
  mutable std::unique_ptr<Schema> schema_;
};

// Models register themselves; the engine never names one.
void register_model(std::unique_ptr<Model> model);
const Model* find_model(const std::string& name);
std::vector<const Model*> all_models();

template <class M>
struct ModelRegistrar {
  ModelRegistrar() { register_model(std::make_unique<M>()); }
};

}  // namespace samdsim
