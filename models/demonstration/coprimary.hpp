#pragma once

// A second endpoint measured on the same cases (e.g. net revenue per case
// beside reading minutes per case), correlated with the first, and the power
// of the two together: co-primary success needs both tests significant in the
// planned direction. docs/models/demonstration.md ("Two endpoints: co-primary
// power") has the equations.

#include <cstddef>
#include <string>
#include <vector>

#include "demonstration/endpoint.hpp"
#include "demonstration/gls.hpp"
#include "samdsim/model.hpp"

namespace samdsim::demonstration {

struct SecondEndpoint {
  bool enabled = false;  // a second_outcome group with an effect
  Endpoint outcome;
  // Correlation of the two endpoints within one case (individual errors), and
  // of their hospital and hospital-period effects.
  double correlation = 0.0, cluster_correlation = 0.0;

  // As the first endpoint's: GLS weights and variance fixed at load time when
  // nothing that enters this endpoint's covariance varies.
  bool precomputed = false;
  std::vector<double> weights;
  double precomputed_variance = 0.0;

  double analytic_se = 0.0;
  double analytic_power_value = 0.0;
  // Correlation of the two GLS estimates at the planning values, and the
  // probability that both tests reject in the planned direction.
  double estimate_correlation = 0.0;
  double analytic_power_both = 0.0;
};

void declare_second_outcome(Field& second);

// Covariance of the cross terms of the two endpoints' components: the
// cluster, cluster-period and individual covariances.
Components cross_components(const Components& first, const Components& second, double correlation,
                            double cluster_correlation);

// Covariance of two linear estimators sum a' ybar and sum b' zbar (weights per
// group cell, as gls_weights gives them) whose cluster-period means have the
// cross-covariance c.tau2 11' + diag(c.gamma2 + c.sigma2 / m) within a
// cluster and none between clusters.
double estimate_covariance(const Trial& trial, const std::vector<double>& a, const std::vector<double>& b,
                           const Components& c);

// P(Z1 <= h, Z2 <= k) for standard normals with correlation rho, by Owen's T
// function (Owen 1956, eq. 3.1): Phi(h)/2 + Phi(k)/2 - T(h, a_h) - T(k, a_k) - beta.
double bivariate_normal_cdf(double h, double k, double rho);

// The probability that two Wald tests with critical value `critical` both
// reject in the direction of their effects, for estimates with means
// `effect1`, `effect2`, standard errors `se1`, `se2` and correlation `rho`.
double joint_power(double effect1, double se1, double effect2, double se2, double rho, double critical);

struct Plan;

// Reads `second_outcome` (disabled without its effect) and computes, at the
// planning values, its analytic power, the correlation of the two estimates
// and the joint power. `plan` holds the first endpoint's design, trial, GLS
// weights and analytic standard error; `first` its planning components.
SecondEndpoint make_second_endpoint(const Group& parameters, const Plan& plan, const Components& first,
                                    GlsScratch& scratch);

// The outputs of the second endpoint, written after the others.
enum SecondOutput : std::size_t {
  reject_second,
  reject_second_prior,
  estimate_second,
  estimate_second_prior,
  standard_error_second,
  analytic_power_second,
  analytic_standard_error_second,
  reject_both,
  reject_both_prior,
  analytic_power_both,
  estimate_correlation,
  second_output_count
};
std::vector<OutputSpec> second_output_specs(const std::string& second_unit);

}  // namespace samdsim::demonstration
