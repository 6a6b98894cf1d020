#include "evidence_program/cash_flow.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace samdsim::evidence_program {

void MonthlyCosts::add(double from, double to, double usd) {
  if (usd == 0.0) return;
  const std::size_t last = usd_.size() - 1;
  auto month = [&](double t) { return std::min(static_cast<std::size_t>(std::max(0.0, std::floor(t))), last); };
  if (!(to > from)) {  // a payment at one moment
    const std::size_t m = month(from);
    usd_[m] += usd;
    used_ = std::max(used_, m + 1);
    return;
  }
  // Evenly over [from, to): each month gets its share of the interval.
  const double rate = usd / (to - from);
  const std::size_t first = month(from), end = month(to);
  for (std::size_t m = first; m <= end; ++m) {
    const double lo = std::max(from, static_cast<double>(m));
    const double hi = m == last ? to : std::min(to, static_cast<double>(m + 1));
    if (hi > lo) usd_[m] += rate * (hi - lo);
  }
  used_ = std::max(used_, end + 1);
}

void MonthlyCosts::clear() {
  std::fill(usd_.begin(), usd_.begin() + static_cast<std::ptrdiff_t>(used_), 0.0);
  used_ = 0;
}

void MonthlyCosts::truncate(std::size_t m) {
  if (m >= used_) return;
  std::fill(usd_.begin() + static_cast<std::ptrdiff_t>(m), usd_.begin() + static_cast<std::ptrdiff_t>(used_), 0.0);
  used_ = m;
}

CashMeasures measure_cash(std::span<const double> cash, double discount_rate_per_year, std::span<double> cumulative) {
  CashMeasures r;
  const double monthly = std::pow(1.0 + discount_rate_per_year, -1.0 / 12.0);
  double discount = monthly, sum = 0.0, lowest = 0.0;
  std::size_t lowest_month = 0;
  for (std::size_t m = 0; m < cash.size(); ++m) {
    sum += cash[m];
    cumulative[m] = sum;
    r.npv += discount * cash[m];
    discount *= monthly;
    if (sum < lowest) {
      lowest = sum;
      lowest_month = m;
    }
  }
  r.peak_funding_need = -lowest;
  // Break-even: the first month end, after the deepest deficit, at which the
  // cumulative cash is back at zero or above; 0 when it never went negative.
  r.months_to_break_even = 0.0;
  if (lowest < 0.0) {
    r.months_to_break_even = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t m = lowest_month + 1; m < cash.size(); ++m)
      if (cumulative[m] >= 0.0) {
        r.months_to_break_even = static_cast<double>(m + 1);
        break;
      }
  }
  return r;
}

}  // namespace samdsim::evidence_program
