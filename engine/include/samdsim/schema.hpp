#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace samdsim {

// The allowed values of a numeric parameter.
struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false;  // min itself excluded
  bool max_open = false;

  static Range any() { return {}; }
  static Range nonnegative() { return {0.0}; }
  static Range positive() { return {0.0, std::numeric_limits<double>::infinity(), true}; }
  static Range probability() { return {0.0, 1.0}; }
  static Range between(double lo, double hi) { return {lo, hi}; }

  bool contains(double x) const;
  std::string str() const;  // "[0, 1]", "(0, inf)"
};

// One declared parameter, group or list of a model: the model states every
// parameter once (name, type, unit, range, default, doc) and the engine
// derives loading, validation, defaults and the `models` listing from it.
class Field {
 public:
  enum class Kind { Number, Integer, Flag, Choice, Text, Group, List };

  Field(Kind kind, std::string name, std::string doc);

  Kind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  const std::string& doc() const { return doc_; }
  const std::string& unit() const { return unit_; }
  const Range& range() const { return range_; }
  const std::vector<std::string>& choices() const { return choices_; }
  const std::optional<double>& number_default() const { return number_default_; }
  const std::optional<std::string>& text_default() const { return text_default_; }
  const std::optional<bool>& flag_default() const { return flag_default_; }
  const std::optional<std::string>& distribution_default() const { return distribution_default_; }
  bool is_optional() const { return optional_; }
  bool is_per_unit() const { return per_unit_; }
  std::string default_text() const;  // "default 90", "default {dist: ...}", "optional" or "required"
  bool required() const;  // no default, and (for groups) some child required
  std::string kind_name() const;

  // --- declaring (groups only) -------------------------------------------
  // A real number that may be given as a distribution, sampled per replicate.
  Field& number(std::string name, std::string unit, Range range, std::string doc);
  // A whole number that may be given as an integer-valued distribution.
  Field& integer(std::string name, std::string unit, Range range, std::string doc);
  Field& flag(std::string name, std::string doc);
  Field& choice(std::string name, std::vector<std::string> choices, std::string doc);
  Field& text(std::string name, std::string doc);
  Field& group(std::string name, std::string doc);
  // A list of groups; each item picks its variant with the key `discriminator`.
  Field& list(std::string name, std::string discriminator, std::string doc);
  // A list of records that all share one schema (no discriminator): returns
  // the record's group, to declare its fields on.
  Field& records(std::string name, std::string doc);
  // A variant of a list (call on a list field): the items whose discriminator is `name`.
  Field& variant(std::string name, std::string doc);

  // --- qualifying the field just declared ----------------------------------
  Field& default_value(double v);
  Field& default_value(const char* v);
  Field& default_value(bool v);
  // A default that is itself a distribution, written as YAML ("{dist: beta, mean: 0.6, sd: 0.05}").
  Field& default_distribution(std::string yaml);
  // A number that may be left out altogether (the model then derives it).
  Field& optional();
  // A distribution the model draws from once per unit (site, hospital), not
  // once per replicate; it is not stored under /parameters.
  Field& per_unit();
  Field& items(std::size_t min_items, std::size_t max_items);
  // A group (or the record of `records`) whose numbers are drawn from their
  // own parameter stream, numbered `stage` (see Stream): each resolved
  // instance starts that stream afresh, so two instances draw the same
  // numbers in the same places (common random numbers), and parameters added
  // elsewhere never move its draws. The model may renumber an instance with
  // Group::set_stream_stage.
  Field& own_stream(std::uint64_t stage);

  // --- reading --------------------------------------------------------------
  const std::vector<std::unique_ptr<Field>>& fields() const { return fields_; }
  const Field* find(const std::string& name) const;
  std::vector<std::string> field_names() const;
  const std::string& discriminator() const { return discriminator_; }
  std::size_t min_items() const { return min_items_; }
  std::size_t max_items() const { return max_items_; }
  const std::optional<std::uint64_t>& stream_stage() const { return stream_stage_; }

 private:
  Field& add(std::unique_ptr<Field> f);

  Kind kind_;
  std::string name_;
  std::string doc_;
  std::string unit_;
  Range range_;
  std::vector<std::string> choices_;
  std::optional<double> number_default_;
  std::optional<std::string> text_default_;
  std::optional<bool> flag_default_;
  std::optional<std::string> distribution_default_;
  bool optional_ = false;
  bool per_unit_ = false;
  std::optional<std::uint64_t> stream_stage_;
  std::vector<std::unique_ptr<Field>> fields_;  // group members, or list variants
  std::string discriminator_;
  std::size_t min_items_ = 0;
  std::size_t max_items_ = 1000;
};

// The root of a model's declarations: the group under `parameters:`.
class Schema : public Field {
 public:
  Schema() : Field(Kind::Group, "parameters", "") {}
};

// A human-readable listing of a schema (for `samdsim models`).
std::string describe_schema(const Field& root, int indent = 2);

}  // namespace samdsim
