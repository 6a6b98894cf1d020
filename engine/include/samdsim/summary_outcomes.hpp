#pragma once

#include <string>

#include "samdsim/result_reader.hpp"

namespace samdsim {

// Event horizons printed for time-to-event outputs (months).
inline constexpr double printed_event_months[] = {12, 24, 36, 60};

// The outcomes people ask about, in words: the share of each category of a
// categorical output, and P(event by 12, 24, 36, 60 months) of each
// time-to-event output (counting replicates without the event as never);
// for a sweep, one block per point. Empty when no output is of these kinds.
std::string format_outcomes(const ResultFileSummary& summary);

}  // namespace samdsim
