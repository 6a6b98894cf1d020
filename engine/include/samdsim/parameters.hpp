#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "samdsim/distribution.hpp"
#include "samdsim/error.hpp"
#include "samdsim/results.hpp"
#include "samdsim/schema.hpp"

namespace samdsim {

class Stream;

// A handle to a numeric parameter's per-replicate value.
struct Param {
  std::uint32_t slot = 0;
};

// Every numeric parameter of a scenario, in declaration order: its key path,
// unit and distribution. Drawing a replicate's values samples only the
// parameters that are distributions; fixed ones keep their value.
class ParameterTable {
 public:
  struct Slot {
    std::string path;
    std::string unit;
    Distribution distribution;
    bool integer = false;
    bool per_unit = false;  // drawn by the model per site/hospital, not per replicate
    std::uint32_t stream = 0;  // which parameter stream draws it (see add_stream)
  };

  Param add(Slot slot);
  const Slot& slot(Param p) const { return slots_[p.slot]; }
  std::size_t size() const { return slots_.size(); }

  // Models read only the parameters they need (e.g. the review settings of
  // the chosen pathway); only those are drawn and stored. Group::number()
  // marks a parameter as read; finalize() fixes the drawn set after the model
  // has been prepared.
  void mark_used(Param p) const { used_[p.slot] = true; }
  bool used(Param p) const { return used_[p.slot]; }
  void finalize();

  // The parameters drawn per replicate, in the order of their columns in Block.
  std::vector<ParameterColumn> sampled_columns() const;
  std::size_t sampled_count() const { return sampled_.size(); }

  // Fixed values everywhere, to be filled per replicate by draw().
  std::vector<double> initial_values() const;
  // Draws the sampled parameters into `values` (all slots) and `drawn` (one
  // value per sampled parameter). Allocates nothing. Only for tables with
  // the one parameter stream and no copula.
  void draw(Stream& stream, std::span<double> values, std::span<double> drawn) const;
  // The same for replicate `replicate` of a run: each parameter stream draws
  // its parameters, in slot order, from the replicate's parameter substream
  // of its own stage. A table with one stream draws exactly as draw(Stream).
  void draw(std::uint64_t seed, std::uint64_t scenario, std::uint64_t replicate, std::span<double> values,
            std::span<double> drawn) const;

  // Parameter streams: stream 0 (stage 0) is the scenario's own; every
  // resolved group declared with Field::own_stream adds one, `path` naming
  // that group (parameters.strategies[0].evidence).
  std::uint32_t add_stream(std::uint64_t stage, std::string path = "");
  void set_stream_stage(std::uint32_t stream, std::uint64_t stage) const { stream_stages_.at(stream) = stage; }
  std::uint64_t stream_stage(std::uint32_t stream) const { return stream_stages_.at(stream); }
  std::size_t stream_count() const { return stream_stages_.size(); }
  // A parameter's path within the group that owns its stream (within
  // parameters: for stream 0), so that a group drawn on stage 0 names its
  // parameters as the model it embeds does.
  std::string stream_relative_path(Param p) const;

  // A parameter the model needs independent of every other (its closed
  // forms assume it): a correlation block that names it is refused, with `why`.
  void require_independent(Param p, std::string why) const { independent_[p.slot] = std::move(why); }
  const std::string& independence(Param p) const;

  // Whether finalize() made the parameter one drawn per replicate, and its
  // index among those (its column in Block).
  bool is_sampled(Param p) const;
  std::uint32_t sampled_index(Param p) const;

  // A Gaussian copula over parameters drawn per replicate (correlation.hpp).
  // Each replicate draws the block's normal scores z from its own substream,
  // takes x = L z and sets parameter i to F_i^{-1}(Phi(x_i)). Every parameter
  // is first drawn as without the copula, so that the parameters outside
  // the block keep their draws exactly.
  struct Copula {
    std::vector<std::uint32_t> columns;  // indexes among the sampled parameters
    std::vector<double> lower;           // Cholesky factor L, k x k, row-major
    std::uint64_t substream = 0;
    std::string key_path;  // correlations[i]
  };
  void set_copulas(std::vector<Copula> copulas);
  const std::vector<Copula>& copulas() const { return copulas_; }

  // A copula over parameters a model draws for each unit (a hospital's volume
  // and staff): linked before the model is prepared, claimed by the model
  // that draws them together, keyed once it is prepared. Each unit draws its
  // normal scores z from the block's stream of the replicate, in unit order.
  struct UnitCopula {
    std::vector<std::uint32_t> slots;
    std::vector<const Distribution*> distributions;  // of the slots
    std::vector<double> lower;                       // Cholesky factor, k x k, row-major
    std::uint64_t substream = 0;
    std::string key_path;  // correlations[i]
    Location where;
    mutable bool claimed = false;
    // One unit's values of the block, in block order: x = L z, value i =
    // F_i^{-1}(Phi(x_i)). Allocates nothing.
    void draw(Stream& stream, std::span<double> out) const;
  };
  void set_unit_copulas(std::vector<UnitCopula> copulas) { unit_copulas_ = std::move(copulas); }
  std::vector<UnitCopula>& unit_copulas() { return unit_copulas_; }
  const std::vector<UnitCopula>& unit_copulas() const { return unit_copulas_; }
  // The unit copula that names `p`, or null.
  const UnitCopula* unit_copula(Param p) const;

  // Given values instead of draws (the rows of a Saltelli design): draw() for
  // replicate first + step i sets the sampled parameters to row i of `rows`
  // (row-major, sampled_count() values a row) and draws nothing.
  void set_given_rows(std::shared_ptr<const std::vector<double>> rows, std::uint64_t first = 0, std::uint64_t step = 1) {
    given_rows_ = std::move(rows);
    given_first_ = first;
    given_step_ = step;
  }

 private:
  std::vector<Slot> slots_;
  mutable std::vector<std::uint64_t> stream_stages_{0};
  std::vector<std::string> stream_paths_{"parameters"};
  mutable std::map<std::uint32_t, std::string> independent_;
  std::vector<Copula> copulas_;
  std::vector<UnitCopula> unit_copulas_;
  std::shared_ptr<const std::vector<double>> given_rows_;
  std::uint64_t given_first_ = 0, given_step_ = 1;
  mutable std::vector<bool> used_;
  std::vector<std::uint32_t> sampled_;
};

// The resolved parameters of one group (or list item): what the file gave,
// completed with declared defaults, validated against the schema.
class Group {
 public:
  const std::string& path() const { return path_; }
  const std::string& variant() const { return variant_; }  // list items: the discriminator value
  const Location& location() const { return location_; }
  const ParameterTable& table() const { return *table_; }

  Param number(const std::string& name) const;
  // The same handle without marking the parameter as read (for listings).
  Param peek(const std::string& name) const;
  // A numeric parameter that must not vary between replicates (it shapes the
  // plan, e.g. a count of meetings); a distribution there is an InputError.
  double fixed(const std::string& name) const;
  const Distribution& distribution(const std::string& name) const;
  bool flag(const std::string& name) const;
  const std::string& choice(const std::string& name) const;
  const std::string& text(const std::string& name) const;
  const Group& group(const std::string& name) const;
  const std::vector<Group>& list(const std::string& name) const;

  // The parameter stream this group's numbers are drawn from, and (for a
  // group declared with Field::own_stream) renumbering its stage.
  std::uint32_t stream() const { return stream_; }
  void set_stream_stage(std::uint64_t stage) const;

  bool given(const std::string& name) const;                // present in the file (not defaulted)
  Location location(const std::string& name) const;         // where it was given, else the group's
  std::string path_of(const std::string& name) const;       // parameters.studies[1].sites

  // An InputError located at `name` (for a model's cross-field checks).
  [[noreturn]] void fail(const std::string& name, const std::string& message) const;

 private:
  friend class ParameterResolver;
  struct Entry {
    Field::Kind kind;
    Param param;
    bool flag = false;
    std::string text;
    std::shared_ptr<Group> group;
    std::vector<Group> items;
    Location location;
    bool given = false;
    bool absent = false;  // an optional number left out
  };
  const Entry& entry(const std::string& name, Field::Kind kind) const;

  std::string path_;
  std::string variant_;
  Location location_;
  std::uint32_t stream_ = 0;
  bool owns_stream_ = false;
  const ParameterTable* table_ = nullptr;
  std::map<std::string, Entry> entries_;
};

struct ResolvedParameters {
  Group root;
  std::shared_ptr<ParameterTable> table;
};

// Validates `node` (the `parameters:` mapping, or a null node when absent)
// against `schema` and resolves defaults. Errors name file:line:col and path.
ResolvedParameters resolve_parameters(const Field& schema, const YAML::Node& node, const std::string& file,
                                      const Location& parent_location);

// The resolved parameters as YAML (defaults filled in, distributions canonical).
void emit_parameters(YAML::Emitter& out, const Field& schema, const Group& group);

}  // namespace samdsim
