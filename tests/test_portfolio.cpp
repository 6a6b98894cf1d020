#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "samdsim/knapsack.hpp"

using namespace samdsim;

namespace {

// Small instances with integer and real costs, ties, free items and values
// of every sign.
std::vector<KnapsackItem> random_items(std::mt19937_64& rng, std::size_t n) {
  std::uniform_int_distribution<int> kind(0, 9), small(0, 9);
  std::uniform_real_distribution<double> real(0.0, 100.0);
  std::vector<KnapsackItem> items(n);
  for (auto& it : items) {
    const int k = kind(rng);
    it.cost = k == 0 ? 0.0 : k < 5 ? static_cast<double>(small(rng) + 1) : real(rng);
    it.value = k == 1 ? 0.0 : k == 2 ? -real(rng) : k < 6 ? static_cast<double>(small(rng)) : real(rng);
  }
  return items;
}

double value_of(const std::vector<KnapsackItem>& items, const std::vector<std::size_t>& chosen) {
  double v = 0;
  for (const std::size_t i : chosen) v += items[i].value;
  return v;
}

double cost_of(const std::vector<KnapsackItem>& items, const std::vector<std::size_t>& chosen) {
  double c = 0;
  for (const std::size_t i : chosen) c += items[i].cost;
  return c;
}

}  // namespace

TEST_CASE("Branch and bound finds the value of exhaustive search on 500 random small instances") {
  std::mt19937_64 rng(20261126);
  std::uniform_int_distribution<std::size_t> size(0, 14);
  std::uniform_real_distribution<double> share(0.0, 0.8);
  for (int t = 0; t < 500; ++t) {
    const auto items = random_items(rng, size(rng));
    double total = 0;
    for (const auto& it : items) total += it.cost;
    const double budget = t % 7 == 0 ? std::floor(total * share(rng)) : total * share(rng);
    const auto bb = solve_knapsack(items, budget);
    const auto ex = solve_knapsack_exhaustive(items, budget);
    INFO("instance " << t);
    CHECK(bb.value == Approx(ex.value).margin(1e-9));
    CHECK(bb.value == Approx(value_of(items, bb.chosen)).margin(1e-9));
    CHECK(bb.cost == Approx(cost_of(items, bb.chosen)).margin(1e-9));
    CHECK(knapsack_fits(bb.cost, budget));
    for (const std::size_t i : bb.chosen) CHECK(items[i].value > 0);  // nothing worthless or harmful is funded
  }
}

TEST_CASE("Branch and bound with mutually exclusive groups finds the value of exhaustive search") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::size_t> size(2, 12);
  std::uniform_real_distribution<double> share(0.0, 0.9);
  for (int t = 0; t < 300; ++t) {
    const auto items = random_items(rng, size(rng));
    // Two to three disjoint or overlapping groups of two to four items.
    std::vector<std::vector<std::size_t>> groups;
    std::uniform_int_distribution<std::size_t> pick(0, items.size() - 1);
    const std::size_t ngroups = 1 + t % 3;
    for (std::size_t g = 0; g < ngroups; ++g) {
      std::vector<std::size_t> members;
      const std::size_t m = 2 + g % 3;
      while (members.size() < std::min(m, items.size())) {
        const std::size_t i = pick(rng);
        if (std::find(members.begin(), members.end(), i) == members.end()) members.push_back(i);
      }
      groups.push_back(members);
    }
    double total = 0;
    for (const auto& it : items) total += it.cost;
    const double budget = total * share(rng);
    const auto bb = solve_knapsack(items, budget, groups);
    const auto ex = solve_knapsack_exhaustive(items, budget, groups);
    INFO("instance " << t);
    CHECK(bb.value == Approx(ex.value).margin(1e-9));
    for (const auto& g : groups) {
      int taken = 0;
      for (const std::size_t i : g) taken += std::count(bb.chosen.begin(), bb.chosen.end(), i) > 0 ? 1 : 0;
      CHECK(taken <= 1);
    }
  }
}

TEST_CASE("The value against budget is non-decreasing and each point is the knapsack at that budget") {
  std::mt19937_64 rng(11);
  for (int t = 0; t < 50; ++t) {
    const auto items = random_items(rng, 12);
    double previous = 0;
    for (double b = 0; b <= 300; b += 25) {
      const auto s = solve_knapsack(items, b);
      CHECK(s.value >= previous - 1e-9);
      CHECK(s.value == Approx(solve_knapsack_exhaustive(items, b).value).margin(1e-9));
      previous = s.value;
    }
  }
}

TEST_CASE("Free items of value are always taken, worthless and harmful ones never") {
  const std::vector<KnapsackItem> items{{0, 5}, {0, 0}, {0, -3}, {10, 20}, {10, -1}, {5, 0}};
  const auto s = solve_knapsack(items, 0);
  CHECK(s.chosen == std::vector<std::size_t>{0});
  CHECK(s.value == 5);
  const auto t = solve_knapsack(items, 100);
  CHECK(t.chosen == std::vector<std::size_t>{0, 3});
  CHECK(solve_knapsack({}, 10).chosen.empty());
}

TEST_CASE("The knapsack refuses a negative budget or cost, bad groups and too many items") {
  CHECK_THROWS_AS(solve_knapsack({{1, 1}}, -1), std::invalid_argument);
  CHECK_THROWS_AS(solve_knapsack({{-1, 1}}, 1), std::invalid_argument);
  CHECK_THROWS_AS(solve_knapsack({{1, NAN}}, 1), std::invalid_argument);
  CHECK_THROWS_AS(solve_knapsack({{1, 1}}, 1, {{0, 3}}), std::invalid_argument);
  CHECK_THROWS_AS(solve_knapsack(std::vector<KnapsackItem>(knapsack_max_items + 1, {1, 1}), 1), std::invalid_argument);
}

TEST_CASE("Sixty items of nearly equal value per cost are solved exactly and quickly") {
  // Strongly correlated instances (value = cost + 10) are the classic hard
  // case for branch and bound (Pisinger 2005).
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int> cost(1, 1000);
  std::vector<KnapsackItem> items(knapsack_max_items);
  double total = 0;
  for (auto& it : items) {
    it.cost = cost(rng);
    it.value = it.cost + 10;
    total += it.cost;
  }
  const auto s = solve_knapsack(items, std::floor(total / 2));
  CHECK(knapsack_fits(s.cost, std::floor(total / 2)));
  // An upper bound: the LP relaxation.
  CHECK(s.value <= std::floor(total / 2) + 10.0 * knapsack_max_items);
  CHECK(s.value > std::floor(total / 2) - 1000);
}
