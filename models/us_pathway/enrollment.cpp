// Poisson-gamma recruitment through staggered site activation. See
// enrollment.hpp for the model and its source.

#include "us_pathway/enrollment.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "us_pathway/design_checks.hpp"

namespace samdsim::us_pathway {

namespace {

using namespace design_detail;

void check_sites(const char* where, std::span<const double> activation_months,
                 std::span<const double> rates_per_month, std::span<SiteEvent> scratch) {
  if (activation_months.size() != rates_per_month.size())
    fail(where, fmt::format("{} activation times but {} rates", activation_months.size(),
                            rates_per_month.size()));
  if (scratch.size() < activation_months.size())
    fail(where,
         fmt::format("scratch holds {} sites, need {}", scratch.size(), activation_months.size()));
  for (std::size_t j = 0; j < activation_months.size(); ++j) {
    // +inf means "never opens"; NaN and -inf are bugs upstream.
    if (std::isnan(activation_months[j]) ||
        activation_months[j] == -std::numeric_limits<double>::infinity())
      fail(where, fmt::format("activation month of site {} is {}", j, activation_months[j]));
    if (!(rates_per_month[j] >= 0.0 && std::isfinite(rates_per_month[j])))
      fail(where, fmt::format("rate of site {} must be non-negative and finite, got {}", j,
                              rates_per_month[j]));
  }
}

std::uint64_t count_open_by(std::span<const double> activation_months, double month) {
  std::uint64_t open = 0;
  for (double a : activation_months)
    if (std::isfinite(a) && a <= month) ++open;
  return open;
}

}  // namespace

EnrollmentResult time_to_screen(Stream& stream, std::span<const double> activation_months,
                                std::span<const double> rates_per_month, std::uint64_t screened,
                                std::span<SiteEvent> scratch) {
  constexpr const char* where = "time_to_screen";
  check_sites(where, activation_months, rates_per_month, scratch);
  if (screened < 1) fail(where, "screened must be at least 1");

  // Drawn before anything depends on the sites, so the stream advances the
  // same way whatever the site configuration.
  const double target = stream.gamma(static_cast<double>(screened), 1.0);

  std::size_t m = 0;
  for (std::size_t j = 0; j < activation_months.size(); ++j)
    if (std::isfinite(activation_months[j]) && rates_per_month[j] > 0.0)
      scratch[m++] = {activation_months[j], rates_per_month[j]};

  EnrollmentResult out;
  out.screened = screened;
  if (m == 0) {
    out.never_completes = true;
    out.months_to_full_enrollment = std::numeric_limits<double>::infinity();
    out.sites_activated = count_open_by(activation_months, out.months_to_full_enrollment);
    return out;
  }
  // Lambda^{-1}(target) by Newton's method from the right, without sorting
  // the sites. Over the sites open before T_k (at first all of them), the
  // line sum_j r_j (t - a_j) lies below Lambda (a sum of r_j max(0, t - a_j))
  // and meets it at T_k; its root T_{k+1} = (target + sum_j r_j a_j) /
  // sum_j r_j therefore lies between the answer and T_k. The sites opening
  // after T_{k+1} leave; when none does, Lambda(T_{k+1}) = target, so T_{k+1}
  // is the answer. With activation months from 0 every term is positive (no
  // cancellation). The set only shrinks: at most m steps, usually one or two.
  double done = 0.0;
  for (std::size_t open = m;;) {
    double rate = 0.0, weighted = 0.0;
    for (std::size_t j = 0; j < open; ++j) {
      rate += scratch[j].rate_per_month;
      weighted += scratch[j].rate_per_month * scratch[j].activation_month;
    }
    done = (target + weighted) / rate;
    std::size_t still = 0;
    for (std::size_t j = 0; j < open; ++j)
      if (scratch[j].activation_month < done) scratch[still++] = scratch[j];
    // None left can happen only by rounding, when target is negligible
    // against the first activation month: done is then that month.
    if (still == open || still == 0) break;
    open = still;
  }
  out.months_to_full_enrollment = done;
  out.sites_activated = count_open_by(activation_months, done);
  return out;
}

EnrollmentResult simulate_enrollment(Stream& stream, std::span<const double> activation_months,
                                     std::span<const double> rates_per_month,
                                     std::uint64_t n_enroll, double screen_failure,
                                     std::span<SiteEvent> scratch) {
  constexpr const char* where = "simulate_enrollment";
  if (n_enroll < 1) fail(where, "n_enroll must be at least 1");
  if (!(screen_failure >= 0.0 && screen_failure < 1.0))
    fail(where, fmt::format("screen_failure must be in [0, 1), got {}", screen_failure));
  // Screen failures before the n-th enrollment: negative binomial with size n
  // and success probability 1 - sf, i.e. mean n sf / (1 - sf) (gamma-Poisson
  // mixture with shape n), so E[screened] = n / (1 - sf).
  const double dn = static_cast<double>(n_enroll);
  const std::uint64_t failures =
      screen_failure > 0.0
          ? stream.negative_binomial(dn * screen_failure / (1.0 - screen_failure), dn)
          : 0;
  return time_to_screen(stream, activation_months, rates_per_month, n_enroll + failures, scratch);
}

double site_months(std::span<const double> activation_months, double end_month) {
  constexpr const char* where = "site_months";
  if (std::isnan(end_month)) fail(where, "end_month is NaN");
  double total = 0.0;
  for (double a : activation_months) {
    if (std::isnan(a)) fail(where, "an activation month is NaN");
    if (std::isfinite(a) && end_month > a) total += end_month - a;
  }
  return total;
}

double expected_enrollment_time_all_active(std::uint64_t n, std::uint64_t sites, double alpha,
                                           double beta_rate) {
  constexpr const char* where = "expected_enrollment_time_all_active";
  if (n < 1) fail(where, "n must be at least 1");
  if (sites < 1) fail(where, "sites must be at least 1");
  require_positive(where, "alpha (gamma shape)", alpha);
  require_positive(where, "beta_rate (gamma rate)", beta_rate);
  const double shape = static_cast<double>(sites) * alpha;
  if (!(shape > 1.0))
    fail(where, fmt::format("sites * alpha = {} must exceed 1 for a finite mean (E[1/rate] "
                            "diverges otherwise)",
                            shape));
  return static_cast<double>(n) * beta_rate / (shape - 1.0);
}

}  // namespace samdsim::us_pathway
