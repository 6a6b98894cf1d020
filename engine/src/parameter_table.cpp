// ParameterTable: the parameters a model declared, the streams they draw
// from, and each replicate's draw (independent or through a copula). The
// config side (groups, resolving, defaults) is in parameters.cpp.
#include "samdsim/parameters.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "samdsim/correlation.hpp"
#include "samdsim/random.hpp"

namespace samdsim {

Param ParameterTable::add(Slot slot) {
  const auto index = static_cast<std::uint32_t>(slots_.size());
  slots_.push_back(std::move(slot));
  used_.push_back(false);
  return Param{index};
}

void ParameterTable::finalize() {
  sampled_.clear();
  copulas_.clear();  // they name sampled columns: linked again after finalizing
  for (std::uint32_t i = 0; i < slots_.size(); ++i)
    if (used_[i] && !slots_[i].distribution.is_fixed() && !slots_[i].per_unit) sampled_.push_back(i);
}

std::vector<ParameterColumn> ParameterTable::sampled_columns() const {
  std::vector<ParameterColumn> columns;
  for (auto i : sampled_) columns.push_back({slots_[i].path, slots_[i].unit});
  return columns;
}

std::vector<double> ParameterTable::initial_values() const {
  std::vector<double> values(slots_.size());
  for (std::size_t i = 0; i < slots_.size(); ++i) values[i] = slots_[i].distribution.mean();
  return values;
}

std::uint32_t ParameterTable::add_stream(std::uint64_t stage, std::string path) {
  stream_stages_.push_back(stage);
  stream_paths_.push_back(std::move(path));
  return static_cast<std::uint32_t>(stream_stages_.size() - 1);
}

std::string ParameterTable::stream_relative_path(Param p) const {
  const Slot& s = slot(p);
  const std::string& group = stream_paths_.at(s.stream);
  if (s.path.rfind(group + ".", 0) != 0) return s.path;
  return s.path.substr(group.size() + 1);
}

const std::string& ParameterTable::independence(Param p) const {
  static const std::string none;
  const auto it = independent_.find(p.slot);
  return it == independent_.end() ? none : it->second;
}

void ParameterTable::set_copulas(std::vector<Copula> copulas) {
  for (const Copula& c : copulas)
    if (c.columns.size() > max_correlated_parameters || c.lower.size() != c.columns.size() * c.columns.size())
      throw std::logic_error("ParameterTable::set_copulas: a block of more than max_correlated_parameters or a "
                             "factor of the wrong size");
  copulas_ = std::move(copulas);
}

bool ParameterTable::is_sampled(Param p) const {
  return std::find(sampled_.begin(), sampled_.end(), p.slot) != sampled_.end();
}

std::uint32_t ParameterTable::sampled_index(Param p) const {
  const auto it = std::find(sampled_.begin(), sampled_.end(), p.slot);
  if (it == sampled_.end()) throw std::logic_error("parameter '" + slot(p).path + "' is not drawn per replicate");
  return static_cast<std::uint32_t>(it - sampled_.begin());
}

const ParameterTable::UnitCopula* ParameterTable::unit_copula(Param p) const {
  for (const UnitCopula& c : unit_copulas_)
    if (std::find(c.slots.begin(), c.slots.end(), p.slot) != c.slots.end()) return &c;
  return nullptr;
}

namespace {
// x = L z for the block's normal scores z drawn from `stream`; `value(i, x_i)` sets parameter i.
template <class SetValue>
void draw_normal_scores(const std::vector<double>& lower, std::size_t n, Stream& stream, SetValue value) {
  std::array<double, max_correlated_parameters> z;
  for (std::size_t i = 0; i < n; ++i) z[i] = stream.normal();
  for (std::size_t i = 0; i < n; ++i) {
    double x = 0.0;
    for (std::size_t j = 0; j <= i; ++j) x += lower[i * n + j] * z[j];
    value(i, x);
  }
}
}  // namespace

void ParameterTable::UnitCopula::draw(Stream& stream, std::span<double> out) const {
  draw_normal_scores(lower, slots.size(), stream, [&](std::size_t i, double x) {
    out[i] = distributions[i]->from_normal_score(x);
  });
}

void ParameterTable::draw(std::uint64_t seed, std::uint64_t scenario, std::uint64_t replicate,
                          std::span<double> values, std::span<double> drawn) const {
  if (given_rows_) {
    const std::size_t k = sampled_.size();
    const std::uint64_t i = (replicate - given_first_) / given_step_;
    if (replicate < given_first_ || (replicate - given_first_) % given_step_ != 0 || (i + 1) * k > given_rows_->size())
      throw std::logic_error("ParameterTable::draw: no given row for replicate " + std::to_string(replicate));
    const double* row = given_rows_->data() + i * k;
    for (std::size_t j = 0; j < k; ++j) {
      values[sampled_[j]] = row[j];
      drawn[j] = row[j];
    }
    return;
  }
  for (std::uint32_t g = 0; g < stream_stages_.size(); ++g) {
    Stream stream(seed, scenario, replicate, parameter_substream, stream_stages_[g]);
    for (std::size_t k = 0; k < sampled_.size(); ++k) {
      const Slot& slot = slots_[sampled_[k]];
      if (slot.stream != g) continue;
      const double v = slot.distribution.sample(stream);
      values[sampled_[k]] = v;
      drawn[k] = v;
    }
  }
  for (const Copula& c : copulas_) {
    Stream stream(seed, scenario, replicate, c.substream);
    draw_normal_scores(c.lower, c.columns.size(), stream, [&](std::size_t i, double x) {
      const std::uint32_t k = c.columns[i];
      const double v = slots_[sampled_[k]].distribution.from_normal_score(x);
      values[sampled_[k]] = v;
      drawn[k] = v;
    });
  }
}

void ParameterTable::draw(Stream& stream, std::span<double> values, std::span<double> drawn) const {
  if (stream_stages_.size() != 1 || !copulas_.empty())
    throw std::logic_error("ParameterTable::draw(Stream&): the table has several parameter streams or a copula");
  for (std::size_t k = 0; k < sampled_.size(); ++k) {
    const double v = slots_[sampled_[k]].distribution.sample(stream);
    values[sampled_[k]] = v;
    drawn[k] = v;
  }
}

}  // namespace samdsim
