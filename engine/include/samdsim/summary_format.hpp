#pragma once

#include <string>

#include "samdsim/result_reader.hpp"

namespace samdsim {

// A number for people: 5 significant digits, thousands separators from
// 10,000 up, scientific notation only for the very large or very small,
// "n/a" for NaN.
std::string format_number(double x);

// Fixed-width text: the run's record, one row per scalar output (booleans
// also as a percentage), and a compact view of each series' bands.
std::string format_summary_table(const ResultFileSummary& summary);

// The same content as JSON (NaN and infinities as null), for scripts.
std::string format_summary_json(const ResultFileSummary& summary);

}  // namespace samdsim
