// The rows of a ResultWriter: each block of replicates checked and put into
// the chunks of its columns (filtered and stored as they complete), the
// scalar outputs' values kept for the summaries, and the datasets' extent.

#include "samdsim/result_writer.hpp"

#include <cmath>

#include <fmt/format.h>
#include <hdf5.h>

#include "result_chunks.hpp"
#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/numbers.hpp"
#include "samdsim/output_files.hpp"

namespace samdsim {

using hdf5::check;

namespace {

// Scalar outputs' values kept for the summaries while they take at most
// this much (about 30 outputs of a million replicates); beyond it the
// summaries read each column back.
constexpr std::uint64_t kept_budget_bytes = 256ULL << 20;

}  // namespace

void ResultWriter::write_block(const Block& block) {
  if (committed_ || !file_) throw InternalError("ResultWriter: write_block after commit");
  hdf5::initialize();  // the runner calls this from a worker thread
  if (block.first() != row_offset_ + rows_)
    throw InternalError(fmt::format("ResultWriter: block starts at replicate {}, expected {} (blocks must arrive in order)",
                                    block.first(), row_offset_ + rows_));
  if (block.outputs() != output_columns_.size() || block.parameters() != parameters_declared_)
    throw InternalError("ResultWriter: block layout does not match the declared outputs and parameters");
  const std::uint64_t end = rows_ + block.count();
  if (end > capacity_) set_rows(end);
  std::vector<detail::PendingChunk> ready;
  for (std::size_t k = 0; k < output_columns_.size(); ++k)
    write_column(output_columns_[k], block.output(k).data(), block.count(), block.first(), ready);
  for (std::size_t j = 0; j < parameter_columns_.size(); ++j)
    write_column(parameter_columns_[j], block.parameter(j).data(), block.count(), block.first(), ready);
  store(ready);
  if (keeping_) {
    std::size_t scalars = 0;
    for (const auto& o : outputs_) scalars += o.is_series() ? 0 : 1;
    if (end * scalars * sizeof(double) > kept_budget_bytes) {
      kept_values_.clear();
      keeping_ = false;
    }
    for (std::size_t k = 0; k < outputs_.size() && keeping_; ++k)
      if (!outputs_[k].is_series()) kept_values_[k].insert(kept_values_[k].end(), block.output(k).begin(), block.output(k).end());
  }
  rows_ = end;
}

void ResultWriter::keep_values(std::uint64_t planned_rows) {
  kept_values_.assign(outputs_.size(), {});
  std::size_t scalars = 0;
  for (const auto& o : outputs_) scalars += o.is_series() ? 0 : 1;
  keeping_ = !shard_ && planned_rows * scalars * sizeof(double) <= kept_budget_bytes;
  if (!keeping_) return;
  for (std::size_t k = 0; k < outputs_.size(); ++k)
    if (!outputs_[k].is_series()) kept_values_[k].reserve(planned_rows);
}

void ResultWriter::attach_band(Column& column) {
  const hid_t type = column.type == ValueType::Integer   ? H5T_NATIVE_INT64
                     : column.type == ValueType::Boolean ? H5T_NATIVE_UINT8
                                                         : H5T_NATIVE_DOUBLE;
  const std::size_t size = column.type == ValueType::Integer ? 8 : column.type == ValueType::Boolean ? 1 : 8;
  const void* fill = column.type == ValueType::Integer   ? static_cast<const void*>(&integer_missing_value)
                     : column.type == ValueType::Boolean ? static_cast<const void*>(&boolean_missing_value)
                                                         : static_cast<const void*>(&nan);
  column.band = std::make_unique<detail::ChunkBand>(column.dataset.get(), column.width, size, type, fill, rows_,
                                                    "'" + column.label + "'");
}

void ResultWriter::flush_chunks() {
  std::vector<detail::PendingChunk> ready;
  for (auto& c : output_columns_)
    if (c.band) c.band->take_partial(ready);
  for (auto& c : parameter_columns_)
    if (c.band) c.band->take_partial(ready);
  store(ready);
}

void ResultWriter::store(std::vector<detail::PendingChunk>& ready) {
  if (ready.empty()) return;
  detail::store_chunks(ready, temp_path_.string());
  start_writeback();
}

void ResultWriter::write_column(Column& column, const double* values, std::size_t count, std::uint64_t first,
                                std::vector<detail::PendingChunk>& ready) {
  if (count == 0) return;
  const std::size_t n = count * column.width;
  const void* data = values;
  const auto bad_value = [&](std::size_t i, const char* expected) {
    return InternalError(fmt::format("output '{}' of replicate {} is {}, {}", column.label, first + i / column.width,
                                     values[i], expected));
  };
  if (column.type == ValueType::Integer) {
    int_buffer_.resize(n);
    // -2^63 itself is excluded: it is the missing-value marker.
    constexpr double limit = 9223372036854775808.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = values[i];
      if (std::isnan(v)) {
        int_buffer_[i] = integer_missing_value;
        continue;
      }
      if (!(v > -limit && v < limit) || v != std::trunc(v)) throw bad_value(i, "not a whole number in int64 range");
      int_buffer_[i] = static_cast<std::int64_t>(v);
    }
    data = int_buffer_.data();
  } else if (column.type == ValueType::Boolean) {
    bool_buffer_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double v = values[i];
      if (std::isnan(v))
        bool_buffer_[i] = boolean_missing_value;
      else if (v == 0.0 || v == 1.0)
        bool_buffer_[i] = static_cast<std::uint8_t>(v);
      else
        throw bad_value(i, "expected 0 or 1");
    }
    data = bool_buffer_.data();
  }
  column.band->put(first - row_offset_, static_cast<const unsigned char*>(data), count, ready);
}

void ResultWriter::set_rows(std::uint64_t rows) {
  const auto resize = [&](Column& c) {
    // A 1-D dataset reads only the first entry.
    const hsize_t dims[2] = {rows, c.width};
    check(H5Dset_extent(c.dataset.get(), dims),
          fmt::format("cannot resize '{}' in '{}' to {} rows", c.label, temp_path_.string(), rows));
  };
  for (auto& c : output_columns_) resize(c);
  for (auto& c : parameter_columns_) resize(c);
  capacity_ = rows;
}

void ResultWriter::start_writeback() const noexcept {
  // Only the POSIX driver, the one this writer creates files with, hands out a descriptor.
  const hid_t access = H5Fget_access_plist(file_.get());
  if (access < 0) return;
  const bool posix = H5Pget_driver(access) == H5FD_SEC2;
  H5Pclose(access);
  void* handle = nullptr;
  if (posix && H5Fget_vfd_handle(file_.get(), H5P_DEFAULT, &handle) >= 0 && handle != nullptr)
    files::start_writeback(*static_cast<const int*>(handle));
}

void ResultWriter::finish_rows() {
  flush_chunks();
  if (capacity_ != rows_) set_rows(rows_);
  hdf5::write_uint64_attribute(base_.get(), "replicates", rows_);
  // The root records the replicates run, except in a shard, whose root keeps
  // the whole run's count (each scenario group records the shard's own).
  if (!shard_) hdf5::write_uint64_attribute(file_.get(), "replicates", rows_);
}

}  // namespace samdsim
