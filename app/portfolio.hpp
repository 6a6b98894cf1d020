#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace samdsim::app {

// One proposal of a programme: what it costs and what it is expected to be
// worth, as numbers or read from a result file's summary.
struct Proposal {
  std::string name;
  double cost = 0;
  double value = 0;
  double value_se = 0;  // Monte Carlo standard error of the value (0 for numbers given)
  std::string source;   // "given", or the result file (and point) it came from
};

// A `portfolio:` file: the proposals, the programme budget, the step of the
// value-against-budget frontier and groups of which at most one is funded.
struct Portfolio {
  std::string file;
  std::string yaml;  // the file's text, stored in the output
  double budget = 0;
  double step = 0;
  std::string currency;
  std::vector<Proposal> proposals;
  std::vector<std::vector<std::size_t>> exclusive;  // indices into proposals
  std::vector<std::string> exclusive_text;          // each group as "a | b"
};

// Reads and checks a portfolio file; result files named in it are read too
// (relative paths are taken from the portfolio file's folder). A located
// InputError (file:line:col, key path) for anything wrong.
Portfolio load_portfolio(const std::string& file);

struct PortfolioArgs {
  std::string file;
  std::string output;  // HDF5 file to write ("" : print only)
};

// `samdsim portfolio PORTFOLIO.yaml -o OUT.h5`: the set of proposals of most
// value within the budget, the frontier of the best value for budgets 0,
// step, 2 step, ... up to the budget, printed and written to a new HDF5 file.
int command_portfolio(const PortfolioArgs& args);

}  // namespace samdsim::app
