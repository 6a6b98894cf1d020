#pragma once

// Correlated parameters: the `correlations:` section of a config. Each block
// names parameters drawn once per replicate and a correlation matrix; their
// values are drawn through a Gaussian copula, so that each keeps its own
// marginal distribution exactly and the block has the requested dependence
// (docs/configuration.md, "Correlated parameters").

#include <yaml-cpp/yaml.h>

#include <Eigen/Dense>

#include <cstdint>
#include <string>
#include <vector>

#include "samdsim/error.hpp"

namespace samdsim {

class ParameterTable;

// What a block's matrix measures. The copula needs the correlation of its
// normal scores; rank measures are converted to it: Spearman's rho_S by
// 2 sin(pi rho_S / 6), Kendall's tau by sin(pi tau / 2) (exact for the
// Gaussian copula; Kruskal 1958).
enum class CorrelationMeasure { spearman, kendall, normal };

struct CorrelationBlock {
  std::string key_path;  // correlations[0]
  Location where;
  std::vector<std::string> parameters;  // key paths under parameters:, as given
  std::vector<Location> parameter_at;
  CorrelationMeasure measure = CorrelationMeasure::spearman;
  Eigen::MatrixXd matrix;  // as given (a scalar for two parameters is expanded)
  Location matrix_at;
  bool repair = false;  // repair: nearest
  // The copula's Cholesky factor L (row-major, k x k) of the normal scores'
  // correlation, after conversion and any repair.
  std::vector<double> lower;
};

// Blocks hold at most this many parameters (draws keep their scratch on the stack).
inline constexpr std::size_t max_correlated_parameters = 64;

// Reads and checks the section (shape, symmetry, unit diagonal, range) and
// factors each block's matrix once; a null node gives no blocks. A matrix
// that is not positive definite is an error unless the block asks for
// repair; then it is repaired and a line is added to `warnings`. Throws a
// located InputError.
std::vector<CorrelationBlock> parse_correlations(const YAML::Node& node, const std::string& file,
                                                 std::vector<std::string>& warnings);

// The section as YAML (the resolved config written into result files).
void emit_correlations(YAML::Emitter& out, const std::vector<CorrelationBlock>& blocks);

// The copula's correlation matrix of the normal scores.
Eigen::MatrixXd normal_correlation(CorrelationMeasure measure, const Eigen::MatrixXd& given);

// The nearest correlation matrix in the Frobenius norm (Higham 2002,
// alternating projections with Dykstra's correction), then lifted to a
// smallest eigenvalue of `floor` so that it has a Cholesky factor.
Eigen::MatrixXd nearest_correlation(const Eigen::MatrixXd& a, double floor = 1e-8);

// Before the model is prepared: the blocks of parameters drawn per unit
// become the table's unit copulas, for the model to claim. Every path must
// name a parameter given as a distribution; a block holds parameters drawn
// per unit or parameters drawn per replicate, not both.
void link_unit_correlations(ParameterTable& table, const std::vector<CorrelationBlock>& blocks);

// After the model is prepared and the table finalized: the blocks of
// parameters drawn per replicate become the table's copulas, and every block
// gets its stream key. Every parameter must be used, and allowed by the
// model to be correlated; a unit block must have been claimed by the model.
void correlate_parameters(ParameterTable& table, const std::vector<CorrelationBlock>& blocks);

}  // namespace samdsim
