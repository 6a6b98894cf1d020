#pragma once

// Variance-based (Sobol) sensitivity by the Saltelli design: first-order
// indices by Saltelli et al. (2010), total indices by Jansen (1999), with
// bootstrap intervals, for groups of parameters, on common random numbers
// (docs/sensitivity.md, "Sobol indices").

#include <Eigen/Dense>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "samdsim/model.hpp"
#include "samdsim/parameters.hpp"
#include "samdsim/progress.hpp"

namespace samdsim {

// Parameters varied together: their columns of A are replaced by B's at once.
struct SobolGroup {
  std::string name;                    // a parameter's key path, or a label
  std::vector<std::uint32_t> columns;  // indexes among the table's sampled parameters
};

// The model's values on the design, for one output: f(A), f(B) and f(A_B^g)
// for each group g (column g), one row per design row.
struct SobolSamples {
  Eigen::VectorXd a, b;
  Eigen::MatrixXd ab;
};

// Appends the rows of `more` (the next rows of the same design) to `to`.
void append_rows(SobolSamples& to, const SobolSamples& more);

struct SobolIndices {
  Eigen::VectorXd first, first_low, first_high;  // one per group
  Eigen::VectorXd total, total_low, total_high;
  std::size_t rows_used = 0;  // rows where f(A), f(B) and every f(A_B^g) are finite
  double variance = 0.0;      // Var(Y) over f(A) and f(B)
};

// First-order S_g = mean(f_B (f_ABg - f_A)) / V (Saltelli 2010, table 2 (b)),
// total T_g = mean((f_A - f_ABg)^2) / (2 V) (Jansen 1999), V the variance of
// f(A) and f(B) together; values are centred on their mean first. Rows with a
// NaN anywhere are left out. Bootstrap 95 % percentile intervals resample
// rows (the same rows for every group) with Stream(seed, 0, b, 8). NaN when
// fewer than 3 rows are left or the output does not vary.
SobolIndices sobol_indices(const SobolSamples& samples, std::size_t bootstrap, std::uint64_t seed);

// Rows [first_row, end_row) of the Saltelli design on a finalized table.
// Row r of A holds the parameters replicate 2r of the run draws, row r of B
// those of replicate 2r + 1 (a copula draws a block's parameters jointly in
// both): A and B are independent, together they are the run's own first
// replicates, and a row depends on its index only, so a design of N rows is
// the same whether it is run at once, in shards or grown row by row.
std::pair<Eigen::MatrixXd, Eigen::MatrixXd> saltelli_matrices(const ParameterTable& table, std::uint64_t seed,
                                                              std::uint64_t scenario, std::uint64_t first_row,
                                                              std::uint64_t end_row);

// One analysed value of a replicate: column `column` of the simulation's
// output `output` (0 for a scalar; month index for a series).
struct OutputColumn {
  std::size_t output = 0;
  std::size_t column = 0;
};

struct SobolRunOptions {
  std::uint64_t first_row = 0, end_row = 0;  // the rows [first_row, end_row) of the design
  std::uint64_t seed = 0, scenario = 0;
  unsigned threads = 0;
  ProgressMode progress = ProgressMode::Never;
};

// Simulates rows [first_row, end_row) of the design: f(A), f(B) and f(A_B^g)
// for every group, (end_row - first_row)(groups + 2) replicates in all. Row r
// of A and B runs as replicates 2r and 2r + 1 (so f(A) and f(B) have
// independent model random numbers); row r of every A_B^g runs on replicate
// 2r's model stream, as row r of A does (common random numbers: only the
// group's parameters differ). Returns the samples of `outputs`. Bitwise the
// same for any thread count and any split of the rows.
std::vector<SobolSamples> run_sobol_design(const Simulation& simulation, const ParameterTable& table,
                                           const std::vector<SobolGroup>& groups,
                                           const std::vector<OutputColumn>& outputs, const SobolRunOptions& options);

}  // namespace samdsim
