#include "samdsim/correlation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <unordered_map>

#include "samdsim/parameters.hpp"
#include "samdsim/sweep.hpp"
#include "samdsim/yaml_util.hpp"

namespace samdsim {

namespace {

const std::vector<std::string> block_keys = {"parameters", "spearman", "kendall", "normal", "repair"};
const std::vector<std::string> measure_keys = {"spearman", "kendall", "normal"};

// Matrices given as numbers are compared with this slack: a value written
// with 15 digits in one half and 16 in the other is still symmetric.
constexpr double symmetry_tolerance = 1e-12;

Eigen::MatrixXd read_matrix(const YAML::Node& node, std::size_t k, const std::string& path, const std::string& file) {
  Eigen::MatrixXd m = Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k));
  if (node.IsScalar()) {
    if (k != 2)
      throw InputError(location_of(node, file), path,
                       fmt::format("a single number correlates two parameters; this block names {}: give a {}x{} "
                                   "matrix (a list of {} rows)",
                                   k, k, k, k));
    m(0, 1) = m(1, 0) = read_number(node, path, file);
  } else {
    if (!node.IsSequence() || node.size() != k)
      throw InputError(location_of(node, file), path,
                       fmt::format("expected a {}x{} matrix: a list of {} rows, one per parameter, in the order "
                                   "of 'parameters'{}",
                                   k, k, k, k == 2 ? " (or a single number for the two)" : ""));
    for (std::size_t i = 0; i < k; ++i) {
      const YAML::Node row = node[i];
      const std::string row_path = index_path(path, i);
      if (!row.IsSequence() || row.size() != k)
        throw InputError(location_of(row, file), row_path, fmt::format("expected a row of {} numbers", k));
      for (std::size_t j = 0; j < k; ++j)
        m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
            read_number(row[j], index_path(row_path, j), file);
    }
  }
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      const auto a = static_cast<Eigen::Index>(i), b = static_cast<Eigen::Index>(j);
      const YAML::Node cell = node.IsScalar() ? node : node[i][j];
      const std::string cell_path = node.IsScalar() ? path : index_path(index_path(path, i), j);
      if (i == j && m(a, b) != 1.0)
        throw InputError(location_of(cell, file), cell_path,
                         fmt::format("the diagonal must be 1 (a parameter's correlation with itself), got {:g}", m(a, b)));
      if (!(m(a, b) >= -1.0 && m(a, b) <= 1.0))
        throw InputError(location_of(cell, file), cell_path,
                         fmt::format("a correlation lies in [-1, 1], got {:g}", m(a, b)));
      if (i != j && std::fabs(m(a, b)) == 1.0)
        throw InputError(location_of(cell, file), cell_path,
                         fmt::format("a correlation of {:g} makes one parameter a function of the other, which the "
                                     "Gaussian copula cannot draw; give a value strictly between -1 and 1",
                                     m(a, b)));
      if (j < i && std::fabs(m(a, b) - m(b, a)) > symmetry_tolerance)
        throw InputError(location_of(cell, file), cell_path,
                         fmt::format("the matrix must be symmetric: entry [{}][{}] is {:g} but [{}][{}] is {:g}", i, j,
                                     m(a, b), j, i, m(b, a)));
    }
  return m;
}

CorrelationBlock parse_block(const YAML::Node& node, const std::string& path, const std::string& file) {
  if (!node.IsMap())
    throw InputError(location_of(node, file), path,
                     "expected a mapping: {parameters: [a, b], spearman: 0.5} (or kendall: / normal:)");
  refuse_unknown_keys(node, block_keys, path, file);
  CorrelationBlock b;
  b.key_path = path;
  b.where = location_of(node, file);
  const YAML::Node params = node["parameters"];
  const std::string params_path = child_path(path, "parameters");
  if (!params)
    throw InputError(b.where, params_path, "missing 'parameters': the key paths of the correlated parameters");
  if (!params.IsSequence() || params.size() < 2)
    throw InputError(location_of(params, file), params_path,
                     "expected a list of at least two key paths (as under parameters:, e.g. workflow.effect)");
  if (params.size() > max_correlated_parameters)
    throw InputError(location_of(params, file), params_path,
                     fmt::format("a block correlates at most {} parameters, got {}; split it into independent blocks",
                                 max_correlated_parameters, params.size()));
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string p = strip_parameters_prefix(read_string(params[i], index_path(params_path, i), file));
    for (std::size_t j = 0; j < b.parameters.size(); ++j)
      if (b.parameters[j] == p)
        throw InputError(location_of(params[i], file), index_path(params_path, i),
                         fmt::format("'{}' is named twice in this block (also at index {})", p, j));
    b.parameters.push_back(p);
    b.parameter_at.push_back(location_of(params[i], file));
  }
  std::string measure;
  for (const auto& m : measure_keys) {
    if (!node[m]) continue;
    if (!measure.empty())
      throw InputError(location_of(node[m], file), child_path(path, m),
                       "give one matrix: '" + measure + "' and '" + m + "' are both here");
    measure = m;
  }
  if (measure.empty())
    throw InputError(b.where, path,
                     "missing the correlations: give 'spearman' (rank correlation), 'kendall' or 'normal' "
                     "(the copula's own correlation)");
  b.measure = measure == "spearman" ? CorrelationMeasure::spearman
              : measure == "kendall" ? CorrelationMeasure::kendall
                                     : CorrelationMeasure::normal;
  b.matrix_at = location_of(node[measure], file);
  b.matrix = read_matrix(node[measure], b.parameters.size(), child_path(path, measure), file);
  if (node["repair"]) {
    const std::string r = read_string(node["repair"], child_path(path, "repair"), file);
    if (r != "none" && r != "nearest")
      throw InputError(location_of(node["repair"], file), child_path(path, "repair"),
                       "expected 'none' (refuse a matrix that is not positive definite) or 'nearest' (use the "
                       "nearest correlation matrix), got '" + r + "'");
    b.repair = r == "nearest";
  }
  return b;
}

double smallest_eigenvalue(const Eigen::MatrixXd& m) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(m, Eigen::EigenvaluesOnly);
  if (es.info() != Eigen::Success) throw InternalError("smallest_eigenvalue: the eigensolver did not converge");
  return es.eigenvalues().minCoeff();
}

const char* measure_name(CorrelationMeasure m) {
  switch (m) {
    case CorrelationMeasure::spearman: return "spearman";
    case CorrelationMeasure::kendall: return "kendall";
    case CorrelationMeasure::normal: return "normal";
  }
  return "normal";
}

// The copula's Cholesky factor of a block (row-major), repaired when the
// block asks; the repair's warning is added to `warnings`.
std::vector<double> copula_factor(const CorrelationBlock& b, std::vector<std::string>& warnings) {
  Eigen::MatrixXd r = normal_correlation(b.measure, b.matrix);
  const double smallest = smallest_eigenvalue(r);
  Eigen::LLT<Eigen::MatrixXd> llt(r);
  // A factor that exists but is this close to singular makes the copula's
  // draws hinge on rounding; such a matrix is treated as semidefinite.
  constexpr double min_eigenvalue = 1e-10;
  if (llt.info() != Eigen::Success || smallest < min_eigenvalue) {
    const std::string what =
        b.measure == CorrelationMeasure::normal
            ? fmt::format("the matrix is not positive definite (smallest eigenvalue {:.3g})", smallest)
            : fmt::format("the normal-score matrix converted from these {} correlations is not positive definite "
                          "(smallest eigenvalue {:.3g})",
                          measure_name(b.measure), smallest);
    if (!b.repair)
      throw InputError(b.matrix_at, child_path(b.key_path, measure_name(b.measure)),
                       what + ": the Gaussian copula cannot draw these correlations together; correct them, or add "
                              "'repair: nearest' to use the nearest correlation matrix");
    Eigen::MatrixXd repaired;
    try {
      repaired = nearest_correlation(r);
    } catch (const InternalError& e) {
      throw InputError(b.matrix_at, child_path(b.key_path, measure_name(b.measure)),
                       what + "; the nearest correlation matrix could not be found (" + e.what() +
                           "): correct the correlations");
    }
    Eigen::Index bi = 0, bj = 0;
    const double change = (repaired - r).cwiseAbs().maxCoeff(&bi, &bj);
    warnings.push_back(fmt::format("{}: {}; repaired to the nearest correlation matrix (Higham 2002), the largest "
                                   "change {:.3g} on the normal scale, between {} and {}",
                                   b.key_path, what, change, b.parameters[static_cast<std::size_t>(bi)],
                                   b.parameters[static_cast<std::size_t>(bj)]));
    r = repaired;
    llt.compute(r);
    if (llt.info() != Eigen::Success)
      throw InternalError(b.key_path + ": the repaired correlation matrix has no Cholesky factor");
  }
  const Eigen::MatrixXd lower = llt.matrixL();
  const auto k = static_cast<std::size_t>(lower.rows());
  std::vector<double> out(k * k, 0.0);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j <= i; ++j)
      out[i * k + j] = lower(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
  return out;
}

}  // namespace

Eigen::MatrixXd normal_correlation(CorrelationMeasure measure, const Eigen::MatrixXd& given) {
  Eigen::MatrixXd r = given;
  for (Eigen::Index i = 0; i < r.rows(); ++i)
    for (Eigen::Index j = 0; j < r.cols(); ++j) {
      if (i == j) continue;
      switch (measure) {
        case CorrelationMeasure::spearman: r(i, j) = 2.0 * std::sin(std::numbers::pi * given(i, j) / 6.0); break;
        case CorrelationMeasure::kendall: r(i, j) = std::sin(std::numbers::pi * given(i, j) / 2.0); break;
        case CorrelationMeasure::normal: break;
      }
    }
  return r;
}

Eigen::MatrixXd nearest_correlation(const Eigen::MatrixXd& a, double floor) {
  // Higham (2002), "Computing the nearest correlation matrix", IMA J. Numer.
  // Anal. 22:329-343, algorithm 3.3 with unit weights: alternate the
  // projections onto the positive semidefinite cone and onto the unit-diagonal
  // matrices, with Dykstra's correction on the former.
  const auto psd_part = [](const Eigen::MatrixXd& m, double min_eigenvalue) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(m);
    if (es.info() != Eigen::Success) throw InternalError("nearest_correlation: the eigensolver did not converge");
    const Eigen::VectorXd lambda = es.eigenvalues().cwiseMax(min_eigenvalue);
    return Eigen::MatrixXd(es.eigenvectors() * lambda.asDiagonal() * es.eigenvectors().transpose());
  };
  // Higham's stopping rule: the relative changes of X and Y and their
  // distance all below the tolerance.
  constexpr double tolerance = 1e-10;
  constexpr int max_iterations = 10000;
  Eigen::MatrixXd y = a, x = a;
  Eigen::MatrixXd correction = Eigen::MatrixXd::Zero(a.rows(), a.cols());
  bool converged = false;
  for (int iteration = 0; iteration < max_iterations && !converged; ++iteration) {
    const Eigen::MatrixXd r = y - correction;
    const Eigen::MatrixXd next_x = psd_part(r, 0.0);
    correction = next_x - r;
    Eigen::MatrixXd next_y = next_x;
    next_y.diagonal().setOnes();
    converged = (next_x - x).norm() <= tolerance * next_x.norm() && (next_y - y).norm() <= tolerance * next_y.norm() &&
                (next_y - next_x).norm() <= tolerance * next_y.norm();
    x = next_x;
    y = next_y;
  }
  if (!converged) throw InternalError("nearest_correlation: no convergence in 10000 iterations");
  // The limit is only semidefinite; lift its smallest eigenvalues and put the
  // unit diagonal back, which keeps every eigenvalue at least about `floor`.
  Eigen::MatrixXd lifted = psd_part(0.5 * (y + y.transpose()), floor);
  const Eigen::VectorXd scale = lifted.diagonal().cwiseSqrt().cwiseInverse();
  lifted = scale.asDiagonal() * lifted * scale.asDiagonal();
  lifted.diagonal().setOnes();
  return lifted;
}

std::vector<CorrelationBlock> parse_correlations(const YAML::Node& node, const std::string& file,
                                                 std::vector<std::string>& warnings) {
  std::vector<CorrelationBlock> blocks;
  if (!node || node.IsNull()) return blocks;
  if (!node.IsSequence())
    throw InputError(location_of(node, file), "correlations",
                     "expected a list of blocks, each {parameters: [a, b, ...], spearman: matrix}");
  // A parameter belongs to one block: its normal score has one source.
  std::unordered_map<std::string, std::size_t> block_of;
  for (std::size_t i = 0; i < node.size(); ++i) {
    CorrelationBlock b = parse_block(node[i], index_path("correlations", i), file);
    for (std::size_t p = 0; p < b.parameters.size(); ++p) {
      const auto [it, added] = block_of.emplace(b.parameters[p], i);
      if (!added)
        throw InputError(b.parameter_at[p], index_path(child_path(b.key_path, "parameters"), p),
                         fmt::format("'{}' is already in {}; a parameter belongs to one block (merge the two)",
                                     b.parameters[p], blocks[it->second].key_path));
    }
    b.lower = copula_factor(b, warnings);
    blocks.push_back(std::move(b));
  }
  return blocks;
}

void emit_correlations(YAML::Emitter& out, const std::vector<CorrelationBlock>& blocks) {
  out << YAML::BeginSeq;
  for (const CorrelationBlock& b : blocks) {
    out << YAML::BeginMap;
    out << YAML::Key << "parameters" << YAML::Value << YAML::Flow << b.parameters;
    out << YAML::Key << measure_name(b.measure) << YAML::Value << YAML::BeginSeq;
    for (Eigen::Index i = 0; i < b.matrix.rows(); ++i) {
      out << YAML::Flow << YAML::BeginSeq;
      for (Eigen::Index j = 0; j < b.matrix.cols(); ++j) out << b.matrix(i, j);
      out << YAML::EndSeq;
    }
    out << YAML::EndSeq;
    out << YAML::Key << "repair" << YAML::Value << (b.repair ? "nearest" : "none");
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

namespace {

// The parameters a block names, found in the table, with the checks that
// hold before the model is prepared (a numeric parameter, a distribution).
std::vector<Param> block_parameters(const ParameterTable& table, const CorrelationBlock& b) {
  // Paths as a config writes them (under parameters:), for lookup and hints.
  std::vector<std::string> paths(table.size()), drawn;
  for (std::uint32_t i = 0; i < table.size(); ++i) {
    paths[i] = strip_parameters_prefix(table.slot(Param{i}).path);
    if (!table.slot(Param{i}).distribution.is_fixed()) drawn.push_back(paths[i]);
  }
  std::vector<Param> out;
  for (std::size_t p = 0; p < b.parameters.size(); ++p) {
    const std::string at = index_path(child_path(b.key_path, "parameters"), p);
    const auto it = std::find(paths.begin(), paths.end(), b.parameters[p]);
    if (it == paths.end())
      throw InputError(b.parameter_at[p], at,
                       "'" + b.parameters[p] + "' is not a numeric parameter of this scenario" +
                           did_you_mean(b.parameters[p], drawn));
    const Param param{static_cast<std::uint32_t>(it - paths.begin())};
    const ParameterTable::Slot& slot = table.slot(param);
    if (slot.distribution.is_fixed())
      throw InputError(b.parameter_at[p], at,
                       fmt::format("'{}' is a fixed value ({:g}) in this scenario; only a parameter given as a "
                                   "distribution can be correlated",
                                   b.parameters[p], slot.distribution.mean()));
    if (slot.per_unit != table.slot(out.empty() ? param : out.front()).per_unit)
      throw InputError(b.parameter_at[p], at,
                       fmt::format("'{}' is drawn {}, '{}' {}: a block correlates parameters drawn once per "
                                   "replicate, or parameters drawn for each unit, not both",
                                   b.parameters[p], slot.per_unit ? "per unit" : "once per replicate",
                                   b.parameters[0], slot.per_unit ? "once per replicate" : "per unit"));
    out.push_back(param);
  }
  return out;
}


}  // namespace

void link_unit_correlations(ParameterTable& table, const std::vector<CorrelationBlock>& blocks) {
  std::vector<ParameterTable::UnitCopula> copulas;
  for (const CorrelationBlock& b : blocks) {
    const std::vector<Param> params = block_parameters(table, b);
    if (!table.slot(params.front()).per_unit) continue;
    ParameterTable::UnitCopula c;
    for (const Param p : params) {
      c.slots.push_back(p.slot);
      c.distributions.push_back(&table.slot(p).distribution);
    }
    c.lower = b.lower;
    c.key_path = b.key_path;
    c.where = b.where;
    copulas.push_back(std::move(c));
  }
  table.set_unit_copulas(std::move(copulas));
}

void correlate_parameters(ParameterTable& table, const std::vector<CorrelationBlock>& blocks) {
  std::vector<ParameterTable::Copula> copulas;
  std::size_t unit = 0;
  for (const CorrelationBlock& b : blocks) {
    const std::vector<Param> params = block_parameters(table, b);
    const bool per_unit = table.slot(params.front()).per_unit;
    ParameterTable::Copula c;
    std::string key_text;
    for (std::size_t p = 0; p < params.size(); ++p) {
      const std::string at = index_path(child_path(b.key_path, "parameters"), p);
      const ParameterTable::Slot& slot = table.slot(params[p]);
      if (const std::string& why = table.independence(params[p]); !why.empty())
        throw InputError(b.parameter_at[p], at, "'" + b.parameters[p] + "' cannot be correlated: " + why);
      if (!table.used(params[p]))
        throw InputError(b.parameter_at[p], at,
                         "'" + b.parameters[p] +
                             "' is not used by this scenario (its settings make the model skip it), so it is not drawn");
      if (!per_unit) c.columns.push_back(table.sampled_index(params[p]));
      // The stream key names each parameter by its stage and its path within
      // the group that owns the stream, so that strategies sharing a stage
      // share their correlated draws as they share the others.
      key_text += fmt::format("{}:{}\n", table.stream_stage(slot.stream), table.stream_relative_path(params[p]));
    }
    // The top bit keeps the key clear of the replicate's parameter and model substreams.
    const std::uint64_t substream = hash_text(key_text) | (1ULL << 63);
    if (per_unit) {
      ParameterTable::UnitCopula& u = table.unit_copulas().at(unit++);
      if (!u.claimed)
        throw InputError(b.where, b.key_path,
                         "the model does not draw these per-unit parameters together for one unit, so they cannot "
                         "be correlated (docs/configuration.md lists the per-unit parameters each model correlates)");
      u.substream = substream;
      continue;
    }
    c.lower = b.lower;
    c.substream = substream;
    c.key_path = b.key_path;
    copulas.push_back(std::move(c));
  }
  table.set_copulas(std::move(copulas));
}

}  // namespace samdsim
