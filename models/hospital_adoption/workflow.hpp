#pragma once

// The pieces of the monthly model that are pure functions of their inputs:
// the Bass adoption probability over a window, and the balance of workload,
// capacity, overtime and extra cases in one hospital-month.

#include <cstdint>
#include <vector>

#include "samdsim/random.hpp"

namespace samdsim::hospital_adoption {

// Share of a Bass population adopted after `years` (Bass 1969, Management
// Science 15(5)): F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).
double bass_share(double p, double q, double years);

// Probability that a hospital that has not adopted at the start of a window
// adopts within it, when the population follows the Bass equation
// dF/dt = a (p + q F)(1 - F) from the share F at the start: the exact flow of
// that equation over the window, 1 - (1 - F_end) / (1 - F). `decay` is
// exp(-a (p + q) years) for the hospital's attractiveness a.
double bass_window_probability(double p, double q, double share, double decay);

// 1 - bass_window_probability: the chance of still waiting at the window's
// end, (1 - F_end) / (1 - F) = d (p + q) / (p + q F + q (1 - F) d), every
// term >= 0. Exactly 1 where d = 1 (attractiveness 0) or the denominator
// vanishes, so such a hospital never decides.
inline double bass_window_survival(double p, double q, double share, double decay) {
  const double denominator = p + q * share + q * (1.0 - share) * decay;
  return decay < 1.0 && denominator > 0.0 ? decay * (p + q) / denominator : 1.0;
}

// Working minutes of n cases whose minutes have mean m and coefficient of
// variation cv: a lognormal with the sum's mean n m and variance n (cv m)^2
// (Fenton 1960, IRE Trans. Commun. Syst. 8(1); Wilkinson's moment matching),
// one draw whatever n. Exact for one lognormal case and, unlike a normal
// approximation, never negative and right-skewed like the sum. Its
// parameters, sigma^2 = log(1 + cv^2 / n) and mu = log n + log m -
// sigma^2 / 2, depend on the hospital only through log m: the terms in n
// are kept for n below `tabled` once computed, each with the cv it was
// computed for, a pure function of (cv, n), so a thread's table never
// changes a result, and a cv drawn per replicate costs nothing to switch.
class MonthMinutes {
 public:
  static constexpr std::uint64_t tabled = 4096;
  MonthMinutes();  // the table, allocated once with the workspace
  // The case-to-case cv of the replicate.
  void set_cv(double cv) { cv_ = cv; }
  double draw(std::uint64_t n, double mean_minutes, double log_mean_minutes, Stream& rng);

 private:
  struct Terms {
    double cv = 0.0;     // the cv they were computed for; NaN: never computed
    double shift = 0.0;  // log n - sigma^2 / 2
    double sigma = 0.0;
  };
  Terms terms(std::uint64_t n) const;
  double cv_ = 0.0;
  std::vector<Terms> table_;
};

// One hospital-month. Staff can be busy at most `max_utilisation` of the hours
// they are staffed (queues grow without bound as it nears 1), so the staffed
// hours the work needs are working hours / max_utilisation; beyond the
// regular capacity they are overtime.
struct Workload {
  double hours_without = 0.0;           // working hours the month's cases need without the SaMD
  double hours_saved = 0.0;             // working hours the SaMD saves on those cases
  double capacity_hours = 0.0;          // regular staffed hours (FTE x hours per FTE-month)
  double max_utilisation = 1.0;         // in (0, 1]
  double waiting_cases = 0.0;           // demand that waits for staff time
  double minutes_per_extra_case = 0.0;  // working minutes one more case takes with the SaMD
  bool whole_cases = true;              // extra cases in whole numbers (a month) or as an expectation
};

struct Balance {
  double overtime_without = 0.0;  // staffed hours beyond capacity
  double overtime_with = 0.0;
  double extra_cases = 0.0;
  double hours_with = 0.0;  // working hours with the SaMD, extra cases included
  double staffed_without = 0.0;  // capacity + overtime
  double staffed_with = 0.0;
};

// The saving first removes overtime; what it frees of regular hours then
// takes waiting cases, as many as fit and no more than wait.
Balance balance_workload(const Workload& w);

// Mean report turnaround in minutes (queue wait plus reading) of `cases`
// arriving over the staffed hours of `servers` readers who need
// `working_hours` for them: M/M/c with utilisation working / staffed hours.
// NaN without cases.
double turnaround_minutes(double cases, double working_hours, double staffed_hours, int servers);

}  // namespace samdsim::hospital_adoption
