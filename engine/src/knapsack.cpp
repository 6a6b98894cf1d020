#include "samdsim/knapsack.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace samdsim {

bool knapsack_fits(double cost, double budget) {
  return cost <= budget + 1e-12 * std::max(1.0, std::abs(budget));
}

namespace {

void check_instance(const std::vector<KnapsackItem>& items, double budget,
                    const std::vector<std::vector<std::size_t>>& exclusive) {
  if (!std::isfinite(budget) || budget < 0) throw std::invalid_argument("knapsack: the budget must be finite and >= 0");
  for (const auto& it : items)
    if (!std::isfinite(it.cost) || !std::isfinite(it.value) || it.cost < 0)
      throw std::invalid_argument("knapsack: costs must be finite and >= 0, values finite");
  for (const auto& g : exclusive)
    for (const std::size_t i : g)
      if (i >= items.size()) throw std::invalid_argument("knapsack: an exclusive group names no item");
}

// Each item's groups, for blocking the others in them when it is taken.
std::vector<std::vector<std::size_t>> rivals_of(std::size_t n, const std::vector<std::vector<std::size_t>>& exclusive) {
  std::vector<std::vector<std::size_t>> rivals(n);
  for (const auto& g : exclusive)
    for (const std::size_t i : g)
      for (const std::size_t j : g)
        if (i != j) rivals[i].push_back(j);
  return rivals;
}

class BranchAndBound {
 public:
  BranchAndBound(const std::vector<KnapsackItem>& items, double budget,
                 const std::vector<std::vector<std::size_t>>& exclusive, std::size_t max_nodes)
      : items_(items), budget_(budget), max_nodes_(max_nodes), rivals_(rivals_of(items.size(), exclusive)),
        blocked_(items.size(), 0), taken_(items.size(), false) {
    // Only items that add value can be in a best set; free ones first, then
    // by value per unit cost (ties: the larger value first).
    for (std::size_t i = 0; i < items.size(); ++i)
      if (items[i].value > 0 && knapsack_fits(items[i].cost, budget)) order_.push_back(i);
    std::stable_sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) {
      const auto& x = items_[a];
      const auto& y = items_[b];
      // x.value / x.cost > y.value / y.cost without dividing by zero
      const double lhs = x.value * y.cost, rhs = y.value * x.cost;
      if (lhs != rhs) return lhs > rhs;
      return x.value > y.value;
    });
  }

  KnapsackSolution solve() {
    search(0, 0.0, 0.0);
    KnapsackSolution s;
    s.chosen = best_;
    std::sort(s.chosen.begin(), s.chosen.end());
    for (const std::size_t i : s.chosen) {
      s.value += items_[i].value;
      s.cost += items_[i].cost;
    }
    return s;
  }

 private:
  // The LP relaxation over order_[k...] with the room left, ignoring the
  // exclusive groups (which only lowers the true optimum).
  double bound(std::size_t k, double room) const {
    double extra = 0;
    for (; k < order_.size(); ++k) {
      const auto& it = items_[order_[k]];
      if (blocked_[order_[k]]) continue;
      if (it.cost <= room) {
        room -= it.cost;
        extra += it.value;
      } else {
        return extra + it.value * (room / it.cost);
      }
    }
    return extra;
  }

  void search(std::size_t k, double cost, double value) {
    if (++nodes_ > max_nodes_)
      throw std::runtime_error("knapsack: the search passed " + std::to_string(max_nodes_) + " nodes");
    if (value > best_value_) {
      best_value_ = value;
      best_.clear();
      for (std::size_t i = 0; i < taken_.size(); ++i)
        if (taken_[i]) best_.push_back(i);
    }
    if (k == order_.size()) return;
    const double room = budget_ + 1e-12 * std::max(1.0, std::abs(budget_)) - cost;
    const double slack = 1e-12 * std::max(1.0, std::abs(best_value_));
    if (value + bound(k, room) <= best_value_ + slack) return;
    const std::size_t i = order_[k];
    if (!blocked_[i] && knapsack_fits(cost + items_[i].cost, budget_)) {
      taken_[i] = true;
      for (const std::size_t j : rivals_[i]) ++blocked_[j];
      search(k + 1, cost + items_[i].cost, value + items_[i].value);
      for (const std::size_t j : rivals_[i]) --blocked_[j];
      taken_[i] = false;
    }
    search(k + 1, cost, value);
  }

  const std::vector<KnapsackItem>& items_;
  double budget_;
  std::size_t max_nodes_;
  std::vector<std::vector<std::size_t>> rivals_;
  std::vector<std::size_t> order_;
  std::vector<int> blocked_;
  std::vector<bool> taken_;
  std::vector<std::size_t> best_;
  double best_value_ = 0;  // the empty set
  std::size_t nodes_ = 0;
};

}  // namespace

KnapsackSolution solve_knapsack(const std::vector<KnapsackItem>& items, double budget,
                                const std::vector<std::vector<std::size_t>>& exclusive, std::size_t max_nodes) {
  if (items.size() > knapsack_max_items)
    throw std::invalid_argument("knapsack: at most " + std::to_string(knapsack_max_items) + " items");
  check_instance(items, budget, exclusive);
  return BranchAndBound(items, budget, exclusive, max_nodes).solve();
}

KnapsackSolution solve_knapsack_exhaustive(const std::vector<KnapsackItem>& items, double budget,
                                           const std::vector<std::vector<std::size_t>>& exclusive) {
  if (items.size() > 25) throw std::invalid_argument("knapsack: exhaustive search of at most 25 items");
  check_instance(items, budget, exclusive);
  const auto rivals = rivals_of(items.size(), exclusive);
  KnapsackSolution best;
  const std::size_t n = items.size();
  for (std::uint64_t mask = 0; mask < (std::uint64_t{1} << n); ++mask) {
    double cost = 0, value = 0;
    bool ok = true;
    for (std::size_t i = 0; i < n && ok; ++i) {
      if (!(mask >> i & 1U)) continue;
      cost += items[i].cost;
      value += items[i].value;
      for (const std::size_t j : rivals[i]) ok = ok && !(mask >> j & 1U);
    }
    if (!ok || !knapsack_fits(cost, budget) || value <= best.value) continue;
    best.value = value;
    best.cost = cost;
    best.chosen.clear();
    for (std::size_t i = 0; i < n; ++i)
      if (mask >> i & 1U) best.chosen.push_back(i);
  }
  return best;
}

}  // namespace samdsim
