#include "hospital_adoption/workflow.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "hospital_adoption/queueing.hpp"

namespace samdsim::hospital_adoption {

double bass_share(double p, double q, double years) {
  if (!(p > 0.0)) return 0.0;  // without innovators nobody starts
  const double e = std::exp(-(p + q) * years);
  return (1.0 - e) / (1.0 + (q / p) * e);
}

double bass_window_probability(double p, double q, double share, double decay) {
  // Along the Bass solution through F at time t0 (bass_window_survival);
  // the result lies in [0, 1 - d].
  return 1.0 - bass_window_survival(p, q, share, decay);
}

MonthMinutes::MonthMinutes() : table_(tabled, Terms{std::numeric_limits<double>::quiet_NaN(), 0.0, 0.0}) {}

MonthMinutes::Terms MonthMinutes::terms(std::uint64_t n) const {
  const double cases = static_cast<double>(n);
  const double sigma2 = std::log1p(cv_ * cv_ / cases);
  return {cv_, std::log(cases) - 0.5 * sigma2, std::sqrt(sigma2)};
}

double MonthMinutes::draw(std::uint64_t n, double mean_minutes, double log_mean_minutes, Stream& rng) {
  if (n == 0 || cv_ == 0.0) return static_cast<double>(n) * mean_minutes;
  Terms t;
  if (n < tabled) {
    Terms& kept = table_[n];
    if (!(kept.cv == cv_)) kept = terms(n);  // also when never computed (NaN)
    t = kept;
  } else {
    t = terms(n);
  }
  return std::exp(t.shift + log_mean_minutes + t.sigma * rng.normal());
}

Balance balance_workload(const Workload& w) {
  Balance b;
  const double u = w.max_utilisation;
  const double per_u = 1.0 / u;  // staffed hours per working hour
  const double cap = w.capacity_hours;
  const double hours_with = w.hours_without - w.hours_saved;
  b.overtime_without = std::max(w.hours_without * per_u - cap, 0.0);
  b.overtime_with = std::max(hours_with * per_u - cap, 0.0);
  // Regular staffed hours that the saving frees once overtime is gone.
  const double freed = std::min(w.hours_saved * per_u, std::max(cap - hours_with * per_u, 0.0));
  if (freed > 0.0 && w.waiting_cases > 0.0 && w.minutes_per_extra_case > 0.0) {
    double fit = freed * u * 60.0 / w.minutes_per_extra_case;
    if (w.whole_cases) fit = std::floor(fit);
    b.extra_cases = std::min(w.waiting_cases, fit);
  }
  b.hours_with = hours_with + b.extra_cases * w.minutes_per_extra_case / 60.0;
  b.staffed_without = cap + b.overtime_without;
  b.staffed_with = cap + b.overtime_with;
  return b;
}

double turnaround_minutes(double cases, double working_hours, double staffed_hours, int servers) {
  if (!(cases > 0.0) || !(working_hours > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  // Arrivals spread over each reader's staffed minutes; service time is the
  // month's mean working minutes per case. Utilisation = working / staffed.
  const double service_minutes = 60.0 * working_hours / cases;
  const double minutes_per_server = 60.0 * staffed_hours / static_cast<double>(servers);
  const double arrival_rate = cases / minutes_per_server;
  return mmc_wait(servers, arrival_rate, 1.0 / service_minutes) + service_minutes;
}

}  // namespace samdsim::hospital_adoption
