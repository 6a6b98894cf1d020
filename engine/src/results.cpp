#include "samdsim/results.hpp"

#include <stdexcept>

namespace samdsim {

Block::Block(const std::vector<OutputSpec>& outputs, std::size_t parameters, std::size_t capacity)
    : capacity_(capacity) {
  for (const auto& o : outputs) {
    widths_.push_back(o.width());
    outputs_.emplace_back(capacity * o.width());
  }
  params_.assign(parameters, std::vector<double>(capacity));
}

void Block::reset(std::uint64_t first, std::size_t count) {
  if (count > capacity_) throw std::logic_error("Block::reset: count exceeds capacity");
  first_ = first;
  count_ = count;
}

}  // namespace samdsim
