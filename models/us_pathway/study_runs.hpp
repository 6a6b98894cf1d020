#pragma once

// One attempt of a study of the evidence plan, drawn from the replicate's
// stream: whether it met its endpoint, its observed effect, its months, cost,
// patients and sites (internal to the us_pathway model).

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "us_pathway/enrollment.hpp"
#include "us_pathway/us_pathway.hpp"

namespace samdsim::us_pathway {

// Months are calendar months; durations given in days convert with
// 365.25/12 days a month.
inline constexpr double days_per_month = 365.25 / 12.0;

// Per-thread scratch of the prospective studies: each site's opening month
// and screening rate, reserved once so that an attempt allocates nothing.
struct StudyWorkspace {
  std::vector<double> activation, rates, shifted;
  std::vector<SiteEvent> scratch;
  void reserve(std::size_t sites);
};

struct Attempt {
  bool success = false;
  double estimate = std::numeric_limits<double>::quiet_NaN();  // the observed effect, where the test gives one
  double months = 0.0;
  double cost_usd = 0.0;
  std::int64_t patients = 0;
  std::int64_t sites = 0;
};

// `ide_months` (an IDE review before a significant-risk study's first
// attempt) is counted in the attempt's months.
Attempt run_attempt(const StudyPlan& s, const StudyPlan::Size& z, const ReplicateContext& ctx, Stream& rng,
                    StudyWorkspace& w, double ide_months);

}  // namespace samdsim::us_pathway
