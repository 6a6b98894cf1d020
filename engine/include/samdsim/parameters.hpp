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
  // value per sampled parameter). Allocates nothing.
  void draw(Stream& stream, std::span<double> values, std::span<double> drawn) const;

 private:
  std::vector<Slot> slots_;
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
