#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "samdsim/result_reader.hpp"

namespace samdsim {

// A number for people: 5 significant digits, thousands separators from
// 10,000 up, scientific notation only for the very large or very small,
// "n/a" for NaN.
std::string format_number(double x);

// A probability as a percentage with `decimals` decimals ("41.00 %"), "n/a"
// for NaN.
std::string format_percent(double p, int decimals);

// Fixed-width text: the run's record, one row per scalar output (booleans
// also as a percentage), and a compact view of each series' bands.
std::string format_summary_table(const ResultFileSummary& summary);

// The same content as JSON (NaN and infinities as null, 64-bit keys as
// strings, any bytes in a name made valid UTF-8), for scripts.
std::string format_summary_json(const ResultFileSummary& summary);

// RFC 4180 CSV (CRLF line ends), one row per scalar output: its unit, type,
// n, missing and statistics, full precision, empty for NaN. A sweep gives one
// row per point and output, the point and its swept values first.
std::string format_summary_csv(const ResultFileSummary& summary);

// Sweep point `index` alone, as a single run's summary with the point and its
// swept values in the header. InputError when the file is not a sweep or has
// no such point.
ResultFileSummary point_summary(const ResultFileSummary& summary, std::size_t index, const std::string& file_name);

// Only the outputs named (scalar outputs and series, of every sweep point),
// in the file's order. InputError naming an unknown one, with a suggestion.
ResultFileSummary only_outputs(const ResultFileSummary& summary, const std::vector<std::string>& names);

}  // namespace samdsim
