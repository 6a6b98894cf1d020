#include "samdsim/results.hpp"

#include <algorithm>
#include <cctype>

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

std::string output_label(const std::string& text, const std::string& fallback, std::size_t index,
                         std::vector<std::string>& taken) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 128 && std::isalnum(u))
      out += static_cast<char>(std::tolower(u));
    else if (!out.empty() && out.back() != '_')
      out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty()) out = fallback;
  if (std::find(taken.begin(), taken.end(), out) != taken.end()) out += "_" + std::to_string(index);
  taken.push_back(out);
  return out;
}

}  // namespace samdsim
