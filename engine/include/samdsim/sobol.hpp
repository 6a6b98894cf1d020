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
// for each group g (column g).
struct SobolSamples {
  Eigen::VectorXd a, b;
  Eigen::MatrixXd ab;
};

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

// The Saltelli design of `rows` rows on a finalized table: row r of A holds
// the parameters replicate r of the run draws, row r of B those of replicate
// rows + r, so A is the run's own first rows and B independent of it (a
// copula draws a block's parameters jointly in both). Returns A and B.
std::pair<Eigen::MatrixXd, Eigen::MatrixXd> saltelli_matrices(const ParameterTable& table, std::uint64_t seed,
                                                              std::uint64_t scenario, std::size_t rows);

struct SobolRunOptions {
  std::size_t rows = 0;
  std::uint64_t seed = 0, scenario = 0;
  unsigned threads = 0;
  ProgressMode progress = ProgressMode::Never;
};

// Simulates the design: f(A), f(B) and f(A_B^g) for every group, rows(groups
// + 2) replicates in all. A and B run as the run's replicates 0..2 rows-1 (so
// f(A) and f(B) have independent model random numbers); row r of every
// A_B^g runs on replicate r's model stream, as row r of A does (common random
// numbers: only the group's parameters differ). Returns the samples of the
// scalar outputs `outputs` (indexes into the simulation's outputs). Bitwise
// the same for any thread count.
std::vector<SobolSamples> run_sobol_design(const Simulation& simulation, const ParameterTable& table,
                                           const std::vector<SobolGroup>& groups,
                                           const std::vector<std::size_t>& outputs, const SobolRunOptions& options);

}  // namespace samdsim
