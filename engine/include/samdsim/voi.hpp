#pragma once

// Value of information from a probabilistic analysis: per replicate, the
// net benefit of each option of a decision (columns), with the parameters
// that were drawn for the replicate.

#include <cstddef>
#include <cstdint>

#include <Eigen/Dense>

namespace samdsim {

// Expected value of perfect information:
//   EVPI = E[max_d NB_d] - max_d E[NB_d],
// estimated by the sample means; `se` is the Monte Carlo standard error of
// the mean opportunity loss max_d NB_d - NB_d* (d* the option with the
// highest mean).
struct Evpi {
  double value = 0.0;
  double se = 0.0;
  Eigen::Index best_option = 0;  // d*
  Eigen::VectorXd expected;      // E[NB_d] per option
};
Evpi expected_value_of_perfect_information(const Eigen::MatrixXd& net_benefit);

// Expected value of partial perfect information about the parameters in x:
//   EVPPI = E_x[max_d E[NB_d | x]] - max_d E[NB_d],
// with E[NB_d - NB_0 | x] estimated by nonparametric regression
// (SmoothRegression) of each option's incremental net benefit over option 0
// on x (Strong, Oakley & Brennan 2014). `se` is the standard deviation of
// the estimate over `draws` draws of the regression coefficients from their
// posterior (Strong et al.'s approach to the estimate's uncertainty);
// reproducible for a given seed.
struct Evppi {
  double value = 0.0;
  double se = 0.0;
  double effective_df = 0.0;  // of the regression (the largest over options)
};
Evppi expected_value_of_partial_perfect_information(const Eigen::MatrixXd& net_benefit, const Eigen::MatrixXd& x,
                                                    std::size_t draws, std::uint64_t seed);

// E_x[max(0, g_1(x), ..., g_{D-1}(x))] - max(0, mean g_1, ..., mean g_{D-1})
// for fitted incremental net benefits g (one column per option after the
// first): the value of deciding with the information in x.
double value_of_deciding_with(const Eigen::MatrixXd& incremental_fitted);

}  // namespace samdsim
