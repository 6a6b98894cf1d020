#pragma once

// A company's money month by month: costs spread over the months they fall
// in, and the measures of a cash flow (NPV, cumulative cash, peak funding
// need, break-even). Month m covers [m, m + 1); its cash flow falls at its end.

#include <cstddef>
#include <span>
#include <vector>

#include "us_pathway/us_pathway.hpp"

namespace samdsim::evidence_program {

// Costs by month, from us_pathway's ledger and the program's own entries.
// Months past the buckets held fall into the last one (far beyond any horizon).
class MonthlyCosts final : public us_pathway::CostLedger {
 public:
  explicit MonthlyCosts(std::size_t months) : usd_(months, 0.0) {}
  void add(double from_month, double to_month, double usd) override;
  void clear();
  // Costs of month m (0 past the months used).
  double operator[](std::size_t m) const { return m < usd_.size() ? usd_[m] : 0.0; }
  std::size_t months_used() const { return used_; }
  // Drops every cost from month m on.
  void truncate(std::size_t m);

 private:
  std::vector<double> usd_;
  std::size_t used_ = 0;  // months [0, used_) may hold costs
};

struct CashMeasures {
  double npv = 0.0;
  double peak_funding_need = 0.0;  // largest cumulative deficit, >= 0
  double months_to_break_even = 0.0;  // NaN: not within the horizon
};

// `cash` is the net cash flow of each month; `cumulative` receives its
// running sum. Discounting at the end of month m by (1 + r)^-((m + 1) / 12).
CashMeasures measure_cash(std::span<const double> cash, double discount_rate_per_year, std::span<double> cumulative);

}  // namespace samdsim::evidence_program
