#pragma once

// Shared by the result-file tests: a scratch directory and a synthetic run
// whose every value is a known function of (output, replicate, index).

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "samdsim/hdf5_file.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/result_writer.hpp"

namespace samdsim::testing {

namespace fs = std::filesystem;

inline constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();

// A fresh directory per test, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;  // one per test executable; the pid separates executables
    path = fs::temp_directory_path() / ("samdsim-result-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

inline std::vector<OutputSpec> synthetic_outputs() {
  return {
      {"cost_usd", "USD", "total cost", ValueType::Real, 0, ""},
      {"patients", "patients", "patients enrolled", ValueType::Integer, 0, ""},
      {"authorized", "", "authorized by the horizon", ValueType::Boolean, 0, ""},
      {"adopters", "hospitals", "adopting hospitals", ValueType::Real, 6, "month"},
      {"live_sites", "sites", "live sites", ValueType::Integer, 4, "month"},
  };
}

inline std::vector<ParameterColumn> synthetic_parameters() {
  return {{"studies[1].per_patient_cost_usd", "USD"}, {"fda_review_days", "days"}};
}

// Value of output k (index i of a series) for replicate r: a deterministic
// pattern with missing values, so expectations can be computed independently.
inline double synthetic_value(std::size_t k, std::uint64_t r, std::size_t i) {
  const double x = static_cast<double>(r);
  switch (k) {
    case 0:
      return r % 97 == 5 ? nan_value : 1000.0 + 37.0 * static_cast<double>(r % 101) + 0.25 * x;
    case 1:
      return r % 89 == 3 ? nan_value : static_cast<double>(r % 17);
    case 2:
      return r % 3 == 0 ? 1.0 : 0.0;
    case 3:
      return i == 5 ? nan_value : static_cast<double>(r % 11) + 2.5 * static_cast<double>(i);
    default:
      return static_cast<double>((r * (i + 1)) % 7);
  }
}

inline double synthetic_parameter(std::size_t j, std::uint64_t r) {
  return j == 0 ? 8000.0 + 3.5 * static_cast<double>(r) : 200.0 + static_cast<double>(r % 13);
}

struct SyntheticRun {
  std::vector<OutputSpec> outputs = synthetic_outputs();
  std::vector<Moments> moments;
  std::vector<Summary> summaries;
};

// Writes `replicates` rows in blocks the way the runner does, accumulating
// each block's moments and merging them in block order.
inline void write_rows(ResultWriter& writer, SyntheticRun& run, std::uint64_t replicates, std::size_t block_size) {
  Block block(run.outputs, 2, block_size);
  run.moments.assign(run.outputs.size(), Moments{});
  for (std::uint64_t first = 0; first < replicates; first += block_size) {
    const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(block_size, replicates - first));
    block.reset(first, count);
    for (std::size_t k = 0; k < run.outputs.size(); ++k) {
      for (std::size_t b = 0; b < count; ++b) {
        auto values = block.output(k, b);
        for (std::size_t i = 0; i < values.size(); ++i) values[i] = synthetic_value(k, first + b, i);
      }
      if (!run.outputs[k].is_series()) run.moments[k].merge(Moments::of(block.output(k)));
    }
    for (std::size_t j = 0; j < 2; ++j)
      for (std::size_t b = 0; b < count; ++b) block.parameter(j)[b] = synthetic_parameter(j, first + b);
    writer.write_block(block);
  }
}

inline RunInfo synthetic_info(std::uint64_t replicates) {
  RunInfo info;
  info.model = "synthetic";
  info.name = "baseline plan";
  info.config_yaml = "model: synthetic\nreplicates: " + std::to_string(replicates) + "\nnote: \"quoted\"\n";
  info.created_utc = "2026-11-21T09:30:00Z";
  info.seed = 20261121;
  info.replicates = replicates;
  info.threads = 8;
  return info;
}

inline SyntheticRun write_synthetic_file(const fs::path& path, std::uint64_t replicates = 1037, std::size_t block_size = 128) {
  SyntheticRun run;
  ResultWriter writer(path, synthetic_info(replicates), run.outputs, synthetic_parameters());
  write_rows(writer, run, replicates, block_size);
  run.summaries = writer.write_summaries(run.moments);
  writer.commit(1.5);
  return run;
}

inline bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

inline std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The HDF5 storage class and size of a dataset, e.g. {H5T_INTEGER, 8}.
inline std::pair<H5T_class_t, std::size_t> stored_type(const fs::path& file, const std::string& dataset) {
  hdf5::Id f = open_result_file(file);
  hdf5::Id ds = hdf5::open_dataset(f.get(), dataset);
  hdf5::Id type(H5Dget_type(ds.get()));
  return {H5Tget_class(type.get()), H5Tget_size(type.get())};
}


}  // namespace samdsim::testing
