#pragma once

// Shared between the distribution sources; not part of the engine's API.

#include <boost/math/policies/policy.hpp>

#include <functional>
#include <string>

#include "samdsim/distribution.hpp"
#include "samdsim/error.hpp"

namespace samdsim::detail {

// Boost.Math without promotion to long double (whose width differs between
// platforms, which would break bitwise reproducibility of sampling), with
// infinite quantiles at p = 0 or 1 instead of exceptions, and discrete
// quantiles as the smallest integer x with cdf(x) >= p.
using BoostPolicy = boost::math::policies::policy<
    boost::math::policies::promote_float<false>, boost::math::policies::promote_double<false>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::discrete_quantile<boost::math::policies::integer_round_up>>;

// Reports an impossible parameter: names the canonical key (e.g. "sd") and
// says what was expected and what was got. Must throw.
using ParamFailure = std::function<void(const std::string& key, const std::string& message)>;

// Checks canonical parameters (see Distribution::Params) and tables.
void check_params(Distribution::Family family, const Distribution::Params& p, const ParamFailure& fail);
void check_table(Distribution::Family family, const std::vector<double>& values,
                 const std::vector<double>& weights, const ParamFailure& fail);

// Shortest text that reads back to the same double ("0.1", "250", "1e+300").
std::string number_text(double v);

// Standard normal truncated to [lo, hi] (lo < hi, either may be infinite).
StdTruncatedNormal make_std_truncated_normal(double lo, double hi);
double truncated_normal_sample(const StdTruncatedNormal& t, Stream& s);  // standard scale
double truncated_normal_cdf(const StdTruncatedNormal& t, double z);
double truncated_normal_quantile(const StdTruncatedNormal& t, double p);
double truncated_normal_mean(const StdTruncatedNormal& t);
double truncated_normal_variance(const StdTruncatedNormal& t);

}  // namespace samdsim::detail
