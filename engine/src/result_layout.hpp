// Layout choices of result files shared by the parts of ResultWriter.
#pragma once

#include <hdf5.h>

#include <cstddef>

namespace samdsim::detail {

// Series are chunked a few indices wide so that reading one index across all
// replicates (for its quantiles) decompresses only a few indices' worth.
constexpr hsize_t series_chunk_width = 8;

// Values of one series read back per pass when computing bands: about 32 MiB.
constexpr std::size_t band_buffer_values = std::size_t{1} << 22;

}  // namespace samdsim::detail
