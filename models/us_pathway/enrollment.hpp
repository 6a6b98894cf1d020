#pragma once

// Recruitment through sites that activate over time, Poisson-gamma model of
// Anisimov & Fedorov (2007), "Modelling, prediction and adaptive adjustment
// of recruitment in multicentre trials", Statistics in Medicine 26:4958-4975.
//
// Site j opens at a_j (months) and screens patients as a Poisson process of
// rate lambda_j per month (the model draws lambda_j ~ Gamma(shape, mean),
// 0 for sites that never enroll, and a_j = +inf for sites that never open).
// Pooled screening is a Poisson process with intensity sum_j lambda_j
// 1{t >= a_j}, cumulative intensity Lambda(t) = sum_j lambda_j max(0, t - a_j),
// piecewise linear and non-decreasing. Its S-th event is at Lambda^{-1}(G),
// G ~ Gamma(S, 1) (the S-th arrival of a unit-rate process, time-changed).

#include <cstdint>
#include <span>

#include "samdsim/random.hpp"

namespace samdsim::us_pathway {

// Scratch element: one site with a positive rate and a finite opening time.
struct SiteEvent {
  double activation_month = 0.0;
  double rate_per_month = 0.0;
};

struct EnrollmentResult {
  double months_to_full_enrollment = 0.0;  // +inf when never_completes
  std::uint64_t screened = 0;              // patients screened to enroll n
  std::uint64_t sites_activated = 0;       // sites open by completion (enrolling or not)
  bool never_completes = false;            // no open site ever screens anyone
};

// Draws the number screened S = n + NegBin(failures before n enrollments,
// success probability 1 - screen_failure), then the time of the S-th
// screening. `scratch` must hold at least activation_months.size() elements;
// it is overwritten. Sites whose activation time is not finite never open;
// sites with rate 0 open (and count in sites_activated: they still cost
// money) but never screen anyone.
EnrollmentResult simulate_enrollment(Stream& stream, std::span<const double> activation_months,
                                     std::span<const double> rates_per_month,
                                     std::uint64_t n_enroll, double screen_failure,
                                     std::span<SiteEvent> scratch);

// The same, with the number screened given (no screen-failure draw): the time
// of the `screened`-th screening event.
EnrollmentResult time_to_screen(Stream& stream, std::span<const double> activation_months,
                                std::span<const double> rates_per_month, std::uint64_t screened,
                                std::span<SiteEvent> scratch);

// Sum over sites of max(0, end_month - a_j): site-months open, for cost.
// Sites that never open (a_j not finite) contribute nothing.
double site_months(std::span<const double> activation_months, double end_month);

// Mean time to recruit n patients when all sites open at time 0 with rates
// Gamma(shape alpha, rate beta): the pooled rate is Gamma(sites alpha, beta)
// and T | rate ~ Gamma(n, rate), so E[T] = n beta / (sites alpha - 1)
// (Anisimov & Fedorov 2007); finite only for sites * alpha > 1.
double expected_enrollment_time_all_active(std::uint64_t n, std::uint64_t sites, double alpha,
                                           double beta_rate);

}  // namespace samdsim::us_pathway
