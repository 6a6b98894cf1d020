#pragma once

// One uncertain quantity of a scenario, sampled once per replicate. Parsed
// from the config vocabulary (SPEC, "Config"), validated at load time, and
// kept in one canonical parameterisation per family so that emit() and
// describe() say exactly what is sampled.

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "samdsim/random.hpp"

namespace samdsim {

namespace detail {
// A standard normal truncated to [lo, hi], reflected (Y = -Z) when the
// interval lies below 0 so that tail probabilities are always upper tails,
// which keep full relative precision.
struct StdTruncatedNormal {
  enum class Mode { central, upper, far_upper };
  Mode mode = Mode::central;
  double sign = 1.0;  // Z = sign * Y
  double lo = 0.0, hi = 0.0;  // bounds of Y
  // central: Phi(lo), Phi(hi); upper: Q(lo), Q(hi) with Q = 1 - Phi;
  // far_upper: the same Q values divided by phi(lo). mass = |top - base|.
  double base = 0.0, top = 0.0, mass = 0.0;
};
}  // namespace detail

class Distribution {
 public:
  enum class Family {
    fixed,
    uniform,
    normal,
    truncated_normal,
    lognormal,
    gamma,
    beta,
    triangular,
    pert,
    poisson,
    negative_binomial,
    bernoulli,
    discrete,
    empirical,
  };

  // A bare number is `fixed`; a map names its family with `dist`.
  static Distribution from_yaml(const YAML::Node& node, const std::string& key_path,
                                const std::string& file);
  static Distribution fixed(double value);

  // Hot path: no allocation, no virtual call.
  double sample(Stream& s) const;
  // sample() in two steps, for values that may never be used: sample_deferred
  // takes from the stream exactly what sample() takes and returns the draw
  // before its last transform, which needs no random numbers; finish_deferred
  // applies that transform. finish_deferred(sample_deferred(s)) is sample(s)
  // bit for bit. Only the lognormal defers anything (its exp: the draw is
  // mu + sigma z); every other family's draw is already the value.
  double sample_deferred(Stream& s) const {
    return family_ == Family::lognormal ? s.normal(p_.a, p_.b) : sample(s);
  }
  double finish_deferred(double drawn) const { return family_ == Family::lognormal ? std::exp(drawn) : drawn; }

  Family kind() const { return family_; }
  bool is_fixed() const { return family_ == Family::fixed; }
  bool is_integer_valued() const;
  double support_min() const;
  double support_max() const;

  double mean() const;
  double variance() const;
  double quantile(double p) const;  // the smallest x with cdf(x) >= p
  // The value at normal score x: quantile(Phi(x)), exact in closed form for
  // normal (mean + sd x) and lognormal (exp(mu + sigma x)), with Phi(x) kept
  // inside (0, 1) for the other families (a Gaussian copula's marginal).
  double from_normal_score(double x) const;
  double cdf(double x) const;       // P(X <= x)

  std::string family() const;    // "lognormal"
  std::string describe() const;  // "lognormal(mu=5.52, sigma=0.31)"
  // The canonical form as a YAML flow map ({dist: lognormal, mu: 5.52,
  // sigma: 0.31}), or a bare number for a fixed value; from_yaml() of it
  // gives back an equal Distribution.
  void emit(YAML::Emitter& out) const;

  friend bool operator==(const Distribution& a, const Distribution& b);

  // Values and weights of `discrete` and `empirical`, kept as given (for
  // emit) and as sorted distinct values with cumulative probabilities (for
  // sampling by inverse CDF, cdf and quantile).
  struct Table {
    std::vector<double> values;   // as given
    std::vector<double> weights;  // as given, or all 1 when omitted
    std::vector<double> sorted_values;
    std::vector<double> cumulative;  // P(X <= sorted_values[i]); last is 1
    bool weights_given = false;
  };

  // Canonical parameters by family (unused ones are 0):
  //   fixed             a=value
  //   uniform           a=min   b=max
  //   normal            a=mean  b=sd
  //   truncated_normal  a=mean  b=sd     c=min (may be -inf)  d=max (may be +inf)
  //   lognormal         a=mu    b=sigma
  //   gamma             a=shape b=scale
  //   beta              a=alpha b=beta   c=min  d=max
  //   triangular        a=min   b=mode   c=max
  //   pert              a=min   b=mode   c=max  d=lambda
  //   poisson           a=mean
  //   negative_binomial a=mean  b=size
  //   bernoulli         a=p
  //   discrete, empirical: the table
  struct Params {
    double a = 0.0, b = 0.0, c = 0.0, d = 0.0;
  };

  // Builds from canonical parameters; checks them (InputError without a
  // location on an impossible spec, so callers building in code learn too).
  static Distribution make(Family family, Params p);
  static Distribution make_table(Family family, std::vector<double> values,
                                 std::vector<double> weights, bool weights_given);
  const Params& params() const { return p_; }

 private:
  Distribution() = default;
  void prepare();  // derived constants for sampling

  Family family_ = Family::fixed;
  Params p_;
  // Constants derived at load time so sample() does no set-up work.
  struct Derived {
    detail::StdTruncatedNormal truncated;  // truncated_normal
    double alpha = 0.0, beta = 0.0;        // beta and pert shape parameters
    double mode_cdf = 0.0;                 // triangular: F(mode)
  } aux_;
  std::shared_ptr<const Table> table_;
};

// Every family name the vocabulary accepts, in the order of the enum.
const std::vector<std::string>& distribution_family_names();

}  // namespace samdsim
