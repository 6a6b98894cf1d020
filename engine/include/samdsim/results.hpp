#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace samdsim {

enum class ValueType : std::uint8_t { Real, Integer, Boolean };

// An output a model declares: one value per replicate (length 0), or a series
// of `length` values per replicate along `axis` (e.g. 60 months).
struct OutputSpec {
  std::string name;
  std::string unit;
  std::string doc;
  ValueType type = ValueType::Real;
  std::size_t length = 0;
  std::string axis;  // label of the series axis, e.g. "month"
  // A Boolean output that, true in any replicate of a sweep point, marks the
  // point's estimates as biased: choose: leaves such points out unless the
  // config includes them (e.g. a design whose effect is confounded with time).
  bool marks_bias = false;
  // A categorical integer output: value i means labels[i]; summarized as
  // the share of replicates in each category.
  std::vector<std::string> labels;
  // The month an event happened, NaN when it never did (within the run):
  // summarized as the cumulative probability of the event by each month,
  // counting the replicates without it as never.
  bool time_to_event = false;
  // The name of a Boolean output: this output's mean divided by that
  // output's probability is summarized as the expected value per event,
  // e.g. the expected evidence cost per authorization, E[cost] / P(authorized).
  std::string per_event;

  static OutputSpec scalar(std::string name, std::string unit, std::string doc, ValueType type = ValueType::Real) {
    return {std::move(name), std::move(unit), std::move(doc), type, 0, "", false, {}, false, ""};
  }
  static OutputSpec series(std::string name, std::string unit, std::string doc, std::size_t length, std::string axis,
                           ValueType type = ValueType::Real) {
    return {std::move(name), std::move(unit), std::move(doc), type, length, std::move(axis), false, {}, false, ""};
  }

  static OutputSpec categorical(std::string name, std::string doc, std::vector<std::string> labels) {
    OutputSpec o = scalar(std::move(name), "category", std::move(doc), ValueType::Integer);
    o.labels = std::move(labels);
    return o;
  }
  static OutputSpec event_month(std::string name, std::string doc) {
    OutputSpec o = scalar(std::move(name), "month", std::move(doc));
    o.time_to_event = true;
    return o;
  }

  bool is_series() const { return length > 0; }
  std::size_t width() const { return length > 0 ? length : 1; }
};

// A user's label made fit for an output name: "pivotal single-arm study"
// -> "pivotal_single_arm_study" (ASCII letters and digits in lower case, runs
// of anything else as one '_'); "<fallback>" when nothing is left, and
// "_<index>" appended when `taken` already holds it. The result is added to
// `taken`.
std::string output_label(const std::string& text, const std::string& fallback, std::size_t index,
                         std::vector<std::string>& taken);

// A parameter whose value is drawn per replicate (it was given as a
// distribution); stored under /parameters for sensitivity analysis.
struct ParameterColumn {
  std::string name;  // key path, e.g. "studies[1].per_patient_cost_usd"
  std::string unit;
};

// Values of a contiguous range of replicates, column-wise: every output and
// every sampled parameter has its own contiguous array. All values are held
// as double (integers are exact up to 2^53, booleans are 0/1) and converted
// to their declared type when written. Allocated once, reused for every block.
class Block {
 public:
  Block(const std::vector<OutputSpec>& outputs, std::size_t parameters, std::size_t capacity);

  void reset(std::uint64_t first, std::size_t count);

  std::uint64_t first() const { return first_; }
  std::size_t count() const { return count_; }
  std::size_t capacity() const { return capacity_; }
  std::size_t outputs() const { return widths_.size(); }
  std::size_t parameters() const { return params_.size(); }
  std::size_t width(std::size_t output) const { return widths_[output]; }

  // Output `k` of the block's replicates: count() * width(k) values, replicate-major.
  std::span<double> output(std::size_t k) { return {outputs_[k].data(), count_ * widths_[k]}; }
  std::span<const double> output(std::size_t k) const { return {outputs_[k].data(), count_ * widths_[k]}; }
  // The values of output `k` for the i-th replicate of the block.
  std::span<double> output(std::size_t k, std::size_t i) { return {outputs_[k].data() + i * widths_[k], widths_[k]}; }

  std::span<double> parameter(std::size_t j) { return {params_[j].data(), count_}; }
  std::span<const double> parameter(std::size_t j) const { return {params_[j].data(), count_}; }

 private:
  std::uint64_t first_ = 0;
  std::size_t count_ = 0;
  std::size_t capacity_ = 0;
  std::vector<std::size_t> widths_;
  std::vector<std::vector<double>> outputs_;
  std::vector<std::vector<double>> params_;
};

}  // namespace samdsim
