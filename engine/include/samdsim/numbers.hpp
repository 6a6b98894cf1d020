#pragma once

// Not-a-number and infinity, named once for every file of the engine and
// the models.

#include <limits>

namespace samdsim {

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();
inline constexpr double inf = std::numeric_limits<double>::infinity();

}  // namespace samdsim
