// The second endpoint: its parameters, its analytic power and the joint
// power of the two endpoints by the bivariate normal distribution of their
// estimates.
#include "demonstration/coprimary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/owens_t.hpp>
#include <cmath>

#include "demonstration/demonstration.hpp"

namespace samdsim::demonstration {

namespace {

double normal_cdf(double x) { return boost::math::cdf(boost::math::normal_distribution<>(), x); }

// An open interval keeps each level's 2 x 2 covariance, and so the joint
// covariance of the two endpoints' data, positive definite.
constexpr Range correlation_range{-1.0, 1.0, true, true};

}  // namespace

void declare_second_outcome(Field& s) {
  declare_endpoint(s, true);
  s.number("correlation", "", correlation_range,
           "correlation of the two endpoints in one case (their individual errors); required with a second endpoint")
      .optional();
  s.number("cluster_correlation", "", correlation_range,
           "correlation of the two endpoints' hospital and hospital-period effects (default: `correlation`)")
      .optional();
}

Components cross_components(const Components& a, const Components& b, double correlation,
                            double cluster_correlation) {
  return {cluster_correlation * std::sqrt(a.tau2 * b.tau2), cluster_correlation * std::sqrt(a.gamma2 * b.gamma2),
          correlation * std::sqrt(a.sigma2 * b.sigma2)};
}

double estimate_covariance(const Trial& t, const std::vector<double>& a, const std::vector<double>& b,
                           const Components& c) {
  double total = 0.0;
  for (const CellGroup& g : t.groups) {
    double sum_a = 0.0, sum_b = 0.0, diagonal = 0.0;
    for (std::size_t cell = g.first; cell < g.first + g.size; ++cell) {
      sum_a += a[cell];
      sum_b += b[cell];
      diagonal += a[cell] * b[cell] * (c.gamma2 + c.sigma2 * t.cell_inverse_cases[cell]);
    }
    total += g.count * (c.tau2 * sum_a * sum_b + diagonal);
  }
  return total;
}

double bivariate_normal_cdf(double h, double k, double rho) {
  if (rho >= 1.0) return normal_cdf(std::min(h, k));
  if (rho <= -1.0) return std::max(0.0, normal_cdf(h) + normal_cdf(k) - 1.0);
  if (h == 0.0 && k == 0.0) return 0.25 + std::asin(rho) / (2.0 * M_PI);  // Sheppard's orthant probability
  const double s = std::sqrt(1.0 - rho * rho);
  // T(x, (y - rho x) / (x s)); at x = 0 its limit T(0, +-inf) = +-1/4.
  const auto owen = [&](double x, double y) {
    return x == 0.0 ? std::copysign(0.25, y) : boost::math::owens_t(x, (y - rho * x) / (x * s));
  };
  const double beta = h * k > 0.0 || (h * k == 0.0 && h + k >= 0.0) ? 0.0 : 0.5;
  const double p = 0.5 * normal_cdf(h) + 0.5 * normal_cdf(k) - owen(h, k) - owen(k, h) - beta;
  return std::clamp(p, 0.0, 1.0);
}

double joint_power(double effect1, double se1, double effect2, double se2, double rho, double critical) {
  // sign(effect) x estimate / se is N(|effect| / se, 1); both must exceed the
  // critical value. Flipping the sign of one estimate flips the correlation.
  const double r = (effect1 < 0.0) != (effect2 < 0.0) ? -rho : rho;
  return bivariate_normal_cdf(std::fabs(effect1) / se1 - critical, std::fabs(effect2) / se2 - critical, r);
}

SecondEndpoint make_second_endpoint(const Group& parameters, const Plan& plan, const Components& first,
                                    GlsScratch& scratch) {
  SecondEndpoint s;
  const Group& g = parameters.group("second_outcome");
  if (!g.given("effect")) {
    // trend_per_period has a default, so a resolved config names it anyway.
    for (const char* key :
         {"planning_effect", "sd", "control_proportion", "icc", "between_hospital_sd", "cac", "correlation",
          "cluster_correlation"})
      if (g.given(key))
        g.fail(key, fmt::format("'{}' is given but the second endpoint has no 'effect', which switches it on", key));
    return s;
  }
  if (!g.given("correlation")) g.fail("correlation", "a second endpoint needs 'correlation'");
  s.enabled = true;
  s.outcome = read_endpoint(g);
  s.correlation = g.fixed("correlation");
  s.cluster_correlation = g.given("cluster_correlation") ? g.fixed("cluster_correlation") : s.correlation;

  // Co-primary success is a significant result in the planned direction on
  // both endpoints: each planning effect must have a sign.
  const auto at = [](const Group& o) { return o.given("planning_effect") ? "planning_effect" : "effect"; };
  const char* why = "co-primary success is judged in the direction of the planning effect, which must not be 0";
  const Group& first_outcome = parameters.group("outcome");
  if (plan.planning_effect == 0.0) first_outcome.fail(at(first_outcome), why);
  if (s.outcome.planning_effect == 0.0) g.fail(at(g), why);

  const auto mean = [&g](Param p) { return g.table().slot(p).distribution.mean(); };
  const Components second = endpoint_components(s.outcome, mean);
  double variance = 0.0;
  if (!gls_weights(plan.trial, second, scratch, s.weights, variance))
    parameters.group("design").fail("type", "the treatment effect is not estimable in this design at the second "
                                            "endpoint's planning values");
  s.analytic_se = std::sqrt(variance);
  s.analytic_power_value = wald_power(s.outcome.planning_effect, s.analytic_se, plan.planned_critical);
  const Components cross = cross_components(first, second, s.correlation, s.cluster_correlation);
  s.estimate_correlation =
      estimate_covariance(plan.trial, plan.weights, s.weights, cross) / (plan.analytic_se * s.analytic_se);
  s.analytic_power_both = joint_power(plan.planning_effect, plan.analytic_se, s.outcome.planning_effect,
                                      s.analytic_se, s.estimate_correlation, plan.planned_critical);

  const auto fixed = [&g](const char* key) { return g.distribution(key).is_fixed(); };
  s.precomputed = plan.variance == Variance::known && plan.cases_fixed &&
                  fixed(s.outcome.hussey_hughes ? "between_hospital_sd" : "icc") &&
                  (!s.outcome.cac_given || fixed("cac")) &&
                  fixed(s.outcome.binary ? "control_proportion" : "sd");
  if (s.precomputed)
    s.precomputed_variance = variance;
  else
    s.weights.clear();
  return s;
}

std::vector<OutputSpec> second_output_specs(const std::string& u) {
  using T = ValueType;
  std::vector<OutputSpec> o(second_output_count);
  o[reject_second] = OutputSpec::scalar("reject_second", "",
                                        "the trial rejects no effect on the second endpoint at alpha when its true "
                                        "effect is its planning effect (its mean is the second endpoint's power)",
                                        T::Boolean);
  o[reject_second_prior] = OutputSpec::scalar(
      "reject_second_prior", "", "the same with the second endpoint's effect drawn from its prior", T::Boolean);
  o[estimate_second] = OutputSpec::scalar("estimate_second", u, "estimated effect on the second endpoint at its "
                                                                "planning effect");
  o[estimate_second_prior] = OutputSpec::scalar("estimate_second_prior", u,
                                                "estimated effect on the second endpoint when its true effect is "
                                                "drawn from its prior");
  o[standard_error_second] = OutputSpec::scalar("standard_error_second", u,
                                                "standard error of the second endpoint's estimate used by its test");
  o[analytic_power_second] = OutputSpec::scalar("analytic_power_second", "probability",
                                                "Hussey–Hughes power for the second endpoint at the planning values");
  o[analytic_standard_error_second] = OutputSpec::scalar(
      "analytic_standard_error_second", u, "Hussey–Hughes standard error of the second endpoint's estimate");
  o[reject_both] = OutputSpec::scalar("reject_both", "",
                                      "both endpoints significant at alpha in the direction of their planning "
                                      "effects, at the planning effects (its mean is the co-primary power)",
                                      T::Boolean);
  o[reject_both_prior] = OutputSpec::scalar("reject_both_prior", "",
                                            "both endpoints significant in the planned direction with the effects "
                                            "drawn from their priors (its mean is the co-primary assurance)",
                                            T::Boolean);
  o[analytic_power_both] = OutputSpec::scalar("analytic_power_both", "probability",
                                              "co-primary power from the bivariate normal distribution of the two "
                                              "estimates at the planning values");
  o[estimate_correlation] = OutputSpec::scalar("estimate_correlation", "",
                                               "correlation of the two endpoints' GLS estimates at the planning "
                                               "values, from the design and the endpoints' correlations");
  return o;
}

}  // namespace samdsim::demonstration
