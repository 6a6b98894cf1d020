#pragma once

// Exact 0/1 knapsack on real costs and values: which items to take for the
// most value within a budget, optionally with groups of which at most one
// item may be taken. Branch and bound (Horowitz & Sahni 1974; Martello &
// Toth 1990, ch. 2): items in order of value per unit cost, depth first,
// each node bounded by the linear-programming relaxation (Dantzig's greedy
// with one fractional item), which stays an upper bound when the exclusive
// groups are relaxed.

#include <cstddef>
#include <vector>

namespace samdsim {

struct KnapsackItem {
  double cost = 0;   // >= 0
  double value = 0;  // any sign; items worth <= 0 are never taken
};

struct KnapsackSolution {
  std::vector<std::size_t> chosen;  // indices into the items, ascending
  double value = 0;
  double cost = 0;
};

// At most this many items: the search is exponential in the worst case.
inline constexpr std::size_t knapsack_max_items = 60;

// The set of largest total value whose total cost is at most `budget` (with a
// relative tolerance of 1e-12, so that sums rounded in another order still
// fit) and that takes at most one item of each group in `exclusive` (lists
// of item indices). Among sets of equal value the first found, which favours
// items of high value per cost. std::invalid_argument for a negative or
// non-finite budget, cost or value, a negative cost, an index out of range,
// or more than knapsack_max_items items; std::runtime_error when the search
// passes `max_nodes` nodes (never on instances of a few dozen items in
// practice).
KnapsackSolution solve_knapsack(const std::vector<KnapsackItem>& items, double budget,
                                const std::vector<std::vector<std::size_t>>& exclusive = {},
                                std::size_t max_nodes = 200'000'000);

// The same answer by trying every subset: for tests, at most 25 items.
KnapsackSolution solve_knapsack_exhaustive(const std::vector<KnapsackItem>& items, double budget,
                                           const std::vector<std::vector<std::size_t>>& exclusive = {});

// Whether `cost` fits `budget` under the tolerance solve_knapsack uses.
bool knapsack_fits(double cost, double budget);

}  // namespace samdsim
