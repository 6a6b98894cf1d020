#include "portfolio.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/hdf5_file.hpp"
#include "samdsim/knapsack.hpp"
#include "samdsim/output_files.hpp"
#include "samdsim/result_annex.hpp"
#include "samdsim/summary_format.hpp"
#include "samdsim/version.hpp"

namespace samdsim::app {

namespace {

using hdf5::check;
using hdf5::Id;

// The format of the portfolio file; a reader refuses a newer major version.
constexpr const char* portfolio_format_version = "1.0";

struct FrontierPoint {
  double budget = 0;
  KnapsackSolution best;
  double marginal = 0;  // value over the previous point's
};

std::vector<KnapsackItem> items_of(const Portfolio& p) {
  std::vector<KnapsackItem> items;
  for (const auto& q : p.proposals) items.push_back({q.cost, q.value});
  return items;
}

// Budgets 0, step, 2 step, ... below the budget, then the budget itself.
std::vector<FrontierPoint> frontier(const Portfolio& p) {
  const auto items = items_of(p);
  std::vector<FrontierPoint> points;
  for (double k = 0;; k += 1) {
    double b = k * p.step;
    const bool last = b >= p.budget * (1 - 1e-12);
    if (last) b = p.budget;
    FrontierPoint f;
    f.budget = b;
    f.best = solve_knapsack(items, b, p.exclusive);
    f.marginal = points.empty() ? f.best.value : f.best.value - points.back().best.value;
    points.push_back(f);
    if (last) break;
  }
  return points;
}

std::string names_of(const Portfolio& p, const std::vector<std::size_t>& chosen) {
  std::string s;
  for (const std::size_t i : chosen) s += (s.empty() ? "" : ", ") + p.proposals[i].name;
  return s.empty() ? "(none)" : s;
}

double total_se(const Portfolio& p, const std::vector<std::size_t>& chosen) {
  double v = 0;
  for (const std::size_t i : chosen) v += p.proposals[i].value_se * p.proposals[i].value_se;
  return std::sqrt(v);
}

void write_uint8_dataset(hid_t group, const std::string& name, const std::vector<std::uint8_t>& values) {
  const std::string context = "cannot write '" + name + "' in " + hdf5::describe(group);
  const hsize_t n = values.size();
  Id space = check(H5Screate_simple(1, &n, nullptr), context);
  Id ds = check(H5Dcreate2(group, name.c_str(), H5T_STD_U8LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                context);
  if (n > 0) check(H5Dwrite(ds.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), context);
}

void write_contents(hid_t root, const Portfolio& p, const KnapsackSolution& best, const std::vector<FrontierPoint>& f) {
  hdf5::write_string_attribute(root, "filetype", "samdsim portfolio");
  hdf5::write_string_attribute(root, "version", portfolio_format_version);
  hdf5::write_string_attribute(root, "samdsim_version", samdsim::version);
  hdf5::write_string_attribute(root, "git_revision", samdsim::git_revision);
  hdf5::write_string_attribute(root, "config_yaml", p.yaml);
  hdf5::write_string_attribute(root, "currency", p.currency);
  hdf5::write_double_attribute(root, "budget", p.budget);
  hdf5::write_double_attribute(root, "step", p.step);
  hdf5::write_double_attribute(root, "value", best.value);
  hdf5::write_double_attribute(root, "value_se", total_se(p, best.chosen));
  hdf5::write_double_attribute(root, "cost", best.cost);
  hdf5::write_string_attribute(root, "method", "exact 0/1 knapsack by branch and bound with the LP relaxation bound");
  {
    Id g = hdf5::create_group(root, "proposals");
    std::vector<std::string> name, source;
    std::vector<double> cost, value, se;
    std::vector<std::uint8_t> chosen(p.proposals.size(), 0);
    for (const auto& q : p.proposals) {
      name.push_back(q.name);
      source.push_back(q.source);
      cost.push_back(q.cost);
      value.push_back(q.value);
      se.push_back(q.value_se);
    }
    for (const std::size_t i : best.chosen) chosen[i] = 1;
    write_string_dataset(g.get(), "name", name);
    write_double_dataset(g.get(), "cost", cost);
    write_double_dataset(g.get(), "value", value);
    write_double_dataset(g.get(), "value_se", se);
    write_uint8_dataset(g.get(), "chosen", chosen);
    write_string_dataset(g.get(), "source", source);
    write_string_dataset(g.get(), "mutually_exclusive", p.exclusive_text);
  }
  Id g = hdf5::create_group(root, "frontier");
  std::vector<double> budget, value, se, cost, marginal;
  std::vector<std::string> chosen;
  for (const auto& pt : f) {
    budget.push_back(pt.budget);
    value.push_back(pt.best.value);
    se.push_back(total_se(p, pt.best.chosen));
    cost.push_back(pt.best.cost);
    marginal.push_back(pt.marginal);
    chosen.push_back(names_of(p, pt.best.chosen));
  }
  write_double_dataset(g.get(), "budget", budget);
  write_double_dataset(g.get(), "value", value);
  write_double_dataset(g.get(), "value_se", se);
  write_double_dataset(g.get(), "cost", cost);
  write_double_dataset(g.get(), "marginal_value", marginal);
  write_string_dataset(g.get(), "chosen", chosen);
}

// A new file under a fresh temporary name beside `path`, renamed onto it
// once complete, under samdsim's output lock.
void write_portfolio_file(const std::filesystem::path& path, const Portfolio& p, const KnapsackSolution& best,
                          const std::vector<FrontierPoint>& f) {
  files::require_regular_output(path, "output file");
  hdf5::initialize();
  files::replace_file(path, "portfolio", [&](const std::filesystem::path& tmp) {
    const std::string context = "cannot write the portfolio file '" + tmp.string() + "'";
    Id fcpl = hdf5::ordered_file_creation_plist();
    Id file = check(H5Fcreate(tmp.c_str(), H5F_ACC_EXCL, fcpl.get(), H5P_DEFAULT), context);
    {
      Id root = hdf5::open_group(file.get(), "/");
      write_contents(root.get(), p, best, f);
    }
    check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), context);
    file.close(context);
  });
}

}  // namespace

int command_portfolio(const PortfolioArgs& a) {
  if (!a.output.empty()) files::require_regular_output(a.output, "output file");
  const Portfolio p = load_portfolio(a.file);
  const auto items = items_of(p);
  KnapsackSolution best;
  std::vector<FrontierPoint> f;
  try {
    best = solve_knapsack(items, p.budget, p.exclusive);
    f = frontier(p);
  } catch (const std::runtime_error& e) {
    // The node limit: an instance far harder than programmes of tens of proposals.
    throw InputError(fmt::format("'{}': {}; give fewer proposals", a.file, e.what()));
  }
  const std::string cur = p.currency.empty() ? "" : p.currency + " ";

  std::cout << fmt::format("portfolio '{}': {} proposals, budget {}{}{}\n", a.file, p.proposals.size(), cur,
                           format_number(p.budget),
                           p.exclusive.empty() ? ""
                           : fmt::format(", {} mutually exclusive group{}", p.exclusive.size(),
                                         p.exclusive.size() == 1 ? "" : "s"));
  std::size_t width = 8;
  for (const auto& q : p.proposals) width = std::max(width, q.name.size());
  std::cout << fmt::format("\n{:<{}}  {:>14}  {:>14}  {:>12}  {:>8}  {:>6}  {}\n", "proposal", width, "cost", "value",
                           "value se", "value/cost", "chosen", "source");
  std::vector<bool> taken(p.proposals.size(), false);
  for (const std::size_t i : best.chosen) taken[i] = true;
  for (std::size_t i = 0; i < p.proposals.size(); ++i) {
    const auto& q = p.proposals[i];
    std::cout << fmt::format("{:<{}}  {:>14}  {:>14}  {:>12}  {:>10}  {:>6}  {}\n", q.name, width, format_number(q.cost),
                             format_number(q.value), format_number(q.value_se),
                             q.cost > 0 ? fmt::format("{:.3g}", q.value / q.cost) : "free", taken[i] ? "yes" : "-",
                             q.source);
  }
  for (const auto& g : p.exclusive_text) std::cout << "at most one of: " << g << "\n";
  std::cout << fmt::format("\nchosen: {}\n  cost {}{} of {}{}; value {}{} (se {})\n", names_of(p, best.chosen), cur,
                           format_number(best.cost), cur, format_number(p.budget), cur, format_number(best.value),
                           format_number(total_se(p, best.chosen)));
  std::cout << fmt::format("\nfrontier (best value for each budget; marginal: what the step buys)\n{:>14}  {:>14}  "
                           "{:>14}  {:>14}  {}\n",
                           "budget", "value", "marginal", "cost", "chosen");
  for (const auto& pt : f)
    std::cout << fmt::format("{:>14}  {:>14}  {:>14}  {:>14}  {}\n", format_number(pt.budget),
                             format_number(pt.best.value), format_number(pt.marginal), format_number(pt.best.cost),
                             names_of(p, pt.best.chosen));
  if (!a.output.empty()) {
    write_portfolio_file(a.output, p, best, f);
    std::cout << fmt::format("\nwrote {}\n", a.output);
  }
  return 0;
}

}  // namespace samdsim::app
