// ResultWriter: the file, its datasets and attributes, scenarios, compression
// levels and the commit. The rows are in result_rows.cpp; the plan, the
// summaries and bands in result_summaries.cpp; checkpoints and resumes in
// result_checkpoint.cpp; the temporary file's identity in result_temporary.cpp.
#include "samdsim/result_writer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "result_chunks.hpp"
#include "result_layout.hpp"
#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/numbers.hpp"
#include "samdsim/version.hpp"

namespace samdsim {

namespace fs = std::filesystem;
using hdf5::check;
using hdf5::Id;
using detail::series_chunk_width;

std::string utc_timestamp_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

// 16384 values per chunk (128 KiB of float64) keeps chunks large enough for
// deflate to pay off (0.6 % larger files than 65536) and small enough that
// chunks complete often, so their compression overlaps the simulation in
// small pieces (7-9 % faster runs at 2 threads than 65536, measured).
constexpr hsize_t chunk_values = 16384;
hid_t file_type_of(ValueType type) {
  if (type == ValueType::Integer) return H5T_STD_I64LE;
  return type == ValueType::Boolean ? H5T_STD_U8LE : H5T_IEEE_F64LE;
}

void check_name(const std::string& name, const std::string& what, std::set<std::string>& seen, bool user_input) {
  std::string problem;
  if (name.empty() || name == "." || name == "..")
    problem = "is not a valid name";
  else if (name.find('/') != std::string::npos)
    problem = "contains '/', which HDF5 reserves for paths";
  else if (!seen.insert(name).second)
    problem = "is declared twice";
  if (problem.empty()) return;
  const std::string message = what + " '" + name + "' " + problem;
  if (user_input) throw InputError(message);
  throw InternalError(message);
}

struct DatasetShape {
  hsize_t rows = 0;
  hsize_t width = 0;  // 0 for a 1-D dataset
};

Id create_dataset(hid_t group, const std::string& name, ValueType type, DatasetShape shape, int deflate) {
  const int rank = shape.width > 0 ? 2 : 1;
  const hsize_t dims[2] = {shape.rows, shape.width};
  const hsize_t max_dims[2] = {H5S_UNLIMITED, shape.width};
  const hsize_t chunk_width = rank == 2 ? std::min(shape.width, series_chunk_width) : 1;
  // Rows planned are cut into equal chunks of at most chunk_values values,
  // so the last chunk is not mostly padding (stored as it is when a group
  // is not compressed).
  const hsize_t most_rows = std::max<hsize_t>(1, chunk_values / chunk_width);
  const hsize_t chunks_down = std::max<hsize_t>(1, (shape.rows + most_rows - 1) / most_rows);
  const hsize_t chunk_rows = std::clamp<hsize_t>((shape.rows + chunks_down - 1) / chunks_down, 1, most_rows);
  const hsize_t chunk[2] = {chunk_rows, chunk_width};
  const auto context = [&] { return "cannot create dataset '" + name + "' under " + hdf5::describe(group); };

  Id space = check(H5Screate_simple(rank, dims, max_dims), context);
  Id dcpl = check(H5Pcreate(H5P_DATASET_CREATE), context);
  check(H5Pset_chunk(dcpl.get(), rank, chunk), context);
  // Shuffle before deflate; a checksum of every stored chunk, verified on
  // each read: a damaged block of a result, shard or checkpoint is refused
  // instead of read as numbers.
  detail::ChunkFilters{deflate > 0, deflate, true}.apply(dcpl.get());
  // Rows never written read back as missing, not as zero.
  switch (type) {
    case ValueType::Real:
      check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &nan), context);
      break;
    case ValueType::Integer:
      check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_INT64, &integer_missing_value), context);
      break;
    case ValueType::Boolean:
      check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_UINT8, &boolean_missing_value), context);
      break;
  }
  // The writer stores whole chunks itself (result_chunks.hpp); the cache
  // serves reading a column back for its summaries, a row of chunks at a
  // time. The preemption weight stays at HDF5's default 0.75: with 1.0,
  // HDF5 1.10's memory use grows with the rows written (measured).
  Id dapl = check(H5Pcreate(H5P_DATASET_ACCESS), context);
  const std::size_t chunks_across = rank == 2 ? (shape.width + chunk_width - 1) / chunk_width : 1;
  const std::size_t cache_bytes = 2 * chunks_across * chunk_rows * chunk_width * sizeof(double) + (1u << 20);
  check(H5Pset_chunk_cache(dapl.get(), 12421, cache_bytes, 0.75), context);

  Id dataset = check(H5Dcreate2(group, name.c_str(), file_type_of(type), space.get(), H5P_DEFAULT, dcpl.get(),
                                dapl.get()),
                     context);
  if (type == ValueType::Integer) hdf5::write_int64_attribute(dataset.get(), "missing_value", integer_missing_value);
  if (type == ValueType::Boolean) hdf5::write_int64_attribute(dataset.get(), "missing_value", boolean_missing_value);
  return dataset;
}

}  // namespace

Compression parse_compression(const std::string& text) {
  Compression c;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    const std::string part = text.substr(start, end - start);
    const auto eq = part.find('=');
    const std::string group = part.substr(0, eq);
    const std::string level = eq == std::string::npos ? "" : part.substr(eq + 1);
    if (eq == std::string::npos || level.size() != 1 || level[0] < '0' || level[0] > '9')
      throw InputError("--compression: '" + part + "' is not GROUP=LEVEL with a deflate level 0-9 (e.g. parameters=1)");
    const int value = level[0] - '0';
    if (group == "replicates")
      c.replicates = value;
    else if (group == "timeseries")
      c.timeseries = value;
    else if (group == "parameters")
      c.parameters = value;
    else if (group == "all")
      c = Compression{value, value, value};
    else
      throw InputError("--compression: unknown group '" + group + "' (known: replicates, timeseries, parameters, all)");
    start = end + 1;
  }
  return c;
}

Compression stored_compression(const Compression& compression, OutputsKept kept) {
  Compression c = compression;
  if (kept != OutputsKept::all) c.timeseries = 0;
  if (kept == OutputsKept::summary) c = Compression{0, 0, 0};
  return c;
}

std::string compression_text(const Compression& c) {
  return fmt::format("replicates={},timeseries={},parameters={}", c.replicates, c.timeseries, c.parameters);
}

ResultWriter::Column::Column() = default;
ResultWriter::Column::Column(Column&&) noexcept = default;
ResultWriter::Column& ResultWriter::Column::operator=(Column&&) noexcept = default;
ResultWriter::Column::~Column() = default;

ResultWriter::ResultWriter(fs::path final_path, const RunInfo& info, const std::vector<OutputSpec>& outputs,
                           const std::vector<ParameterColumn>& parameters)
    : final_path_(std::move(final_path)) {
  open_file(info);
  try {
    begin_scenario("", outputs, parameters, info.replicates);
  } catch (...) {
    close_all();
    remove_temporary();
    throw;
  }
}

ResultWriter::ResultWriter(fs::path final_path, const RunInfo& info) : final_path_(std::move(final_path)) {
  open_file(info);
}

void ResultWriter::open_file(const RunInfo& info) {
  hdf5::initialize();
  if (final_path_.empty() || !final_path_.has_filename())
    throw InputError("result file path '" + final_path_.string() + "' does not name a file");
  const fs::path dir = final_path_.has_parent_path() ? final_path_.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw InputError("output directory '" + dir.string() + "' does not exist");
  if (!fs::is_directory(dir, ec)) throw InputError("output path '" + dir.string() + "' is not a directory");
  if (fs::is_directory(final_path_, ec))
    throw InputError("result file path '" + final_path_.string() + "' is a directory");
  files::require_regular_output(final_path_, "result file path");
  lock_ = std::make_unique<files::OutputLock>(final_path_);

  temp_path_ = partial_path(final_path_);
  // A leftover from a killed or interrupted run: unlinked, not truncated, and
  // the new file created exclusively, so nothing is written through a link.
  files::require_regular_output(temp_path_, "partial result");
  fs::remove(temp_path_, ec);
  Id fcpl = hdf5::ordered_file_creation_plist();
  Id fapl = check(H5Pcreate(H5P_FILE_ACCESS), "cannot create a file access property list");
  // Closing the file also closes anything left open, so the file is never kept alive by a stray identifier.
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "cannot set the file close degree");
  const hid_t file = H5Fcreate(temp_path_.c_str(), H5F_ACC_EXCL, fcpl.get(), fapl.get());
  if (file < 0)
    throw InputError("cannot create result file '" + final_path_.string() + "' in directory '" + dir.string() +
                     "': " + hdf5::error_detail());
  file_ = Id(file);
  compression_ = stored_compression(info.compression, info.kept);
  kept_ = info.kept;
  store_parameters_ = info.kept != OutputsKept::summary;
  claim_temporary();
  try {
    write_root_attributes(info);
  } catch (...) {
    close_all();
    remove_temporary();
    throw;
  }
}



ResultWriter::~ResultWriter() {
  if (committed_) return;
  if (suspended_) {
    close_all();
    return;
  }
  close_all();
  remove_temporary();
}

void ResultWriter::close_all() noexcept {
  for (auto& c : output_columns_) c.dataset.reset();
  for (auto& c : parameter_columns_) c.dataset.reset();
  base_.reset();
  file_.reset();
}

void ResultWriter::write_root_attributes(const RunInfo& info) {
  const hid_t root = file_.get();
  hdf5::write_string_attribute(root, "filetype", result_filetype);
  hdf5::write_string_attribute(root, "version", result_format_version);
  hdf5::write_string_attribute(root, "samdsim_version", samdsim::version);
  hdf5::write_string_attribute(root, "git_revision", samdsim::git_revision);
  hdf5::write_string_attribute(root, "model", info.model);
  hdf5::write_string_attribute(root, "name", info.name);
  hdf5::write_uint64_attribute(root, "seed", info.seed);
  hdf5::write_uint64_attribute(root, "scenario", info.scenario);
  hdf5::write_uint64_attribute(root, "replicates", info.replicates);
  hdf5::write_uint32_attribute(root, "threads", info.threads);
  hdf5::write_uint32_attribute(root, "shards", info.shards);
  hdf5::write_string_attribute(root, "created_utc", info.created_utc.empty() ? utc_timestamp_now() : info.created_utc);
  hdf5::write_string_attribute(root, "config_yaml", info.config_yaml);
  hdf5::write_string_attribute(root, "compression", compression_text(compression_));
  hdf5::write_string_attribute(root, "outputs", outputs_kept_name(info.kept));
}

void ResultWriter::set_root_attribute(const std::string& name, const std::string& value) {
  hdf5::write_string_attribute(file_.get(), name, value);
}

void ResultWriter::set_root_attribute(const std::string& name, std::uint64_t value) {
  hdf5::write_uint64_attribute(file_.get(), name, value);
}

void ResultWriter::write_block_moments(std::uint64_t first_block, const std::vector<std::vector<Moments>>& blocks) {
  finish_rows();
  const std::size_t outputs = outputs_.size();
  std::vector<double> values;
  values.reserve(blocks.size() * outputs * 6);
  for (const auto& block : blocks)
    for (const Moments& m : block)
      values.insert(values.end(), {static_cast<double>(m.n), m.mean, m.m2, m.min, m.max, static_cast<double>(m.missing)});
  const hsize_t dims[3] = {blocks.size(), outputs, 6};
  const std::string context = "cannot write the block summaries of '" + temp_path_.string() + "'";
  Id space = check(H5Screate_simple(3, dims, nullptr), context);
  Id ds = check(H5Dcreate2(base_.get(), "block_moments", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                           H5P_DEFAULT),
                context);
  if (!values.empty()) check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), context);
  hdf5::write_uint64_attribute(ds.get(), "first_block", first_block);
  hdf5::write_string_attribute(ds.get(), "fields", "n, mean, m2, min, max, missing");
}

void ResultWriter::set_scenario_attribute(const std::string& name, double value) {
  hdf5::write_double_attribute(base_.get(), name, value);
}

void ResultWriter::set_scenario_attribute(const std::string& name, const std::string& value) {
  hdf5::write_string_attribute(base_.get(), name, value);
}

void ResultWriter::begin_scenario(const std::string& group_path, const std::vector<OutputSpec>& outputs,
                                  const std::vector<ParameterColumn>& parameters, std::uint64_t rows,
                                  std::uint64_t first_row) {
  if (committed_ || !file_) throw InternalError("ResultWriter: begin_scenario after commit");
  std::set<std::string> seen;
  for (const auto& o : outputs) check_name(o.name, "output", seen, false);
  seen.clear();
  for (const auto& p : parameters) check_name(p.name, "parameter", seen, true);

  for (auto& c : output_columns_) c.dataset.reset();
  for (auto& c : parameter_columns_) c.dataset.reset();
  output_columns_.clear();
  parameter_columns_.clear();
  outputs_ = outputs;
  rows_ = 0;
  row_offset_ = first_row;
  capacity_ = rows;
  keep_values(rows);
  if (group_path.empty()) {
    base_ = check(H5Gopen2(file_.get(), "/", H5P_DEFAULT), "cannot open the root group");
  } else {
    // Intermediate groups ("points") are created on first use.
    const auto slash = group_path.find('/');
    if (slash != std::string::npos && !hdf5::link_exists(file_.get(), group_path.substr(0, slash)))
      hdf5::create_group(file_.get(), group_path.substr(0, slash));
    base_ = hdf5::create_group(file_.get(), group_path);
  }
  const hid_t root = base_.get();
  if (first_row > 0) hdf5::write_uint64_attribute(root, "first_row", first_row);
  Id replicates = hdf5::create_group(root, "replicates");
  const bool any_series = std::any_of(outputs_.begin(), outputs_.end(), [](const auto& o) { return o.is_series(); });
  Id series = any_series ? hdf5::create_group(root, "timeseries") : Id();
  Id params = hdf5::create_group(root, "parameters");

  for (const auto& o : outputs_) {
    const hid_t group = o.is_series() ? series.get() : replicates.get();
    Column c;
    c.dataset = create_dataset(group, o.name, o.type, {rows, o.length},
                               o.is_series() ? compression_.timeseries : compression_.replicates);
    c.width = o.width();
    c.type = o.type;
    c.label = (o.is_series() ? "/timeseries/" : "/replicates/") + o.name;
    hdf5::write_string_attribute(c.dataset.get(), "unit", o.unit);
    hdf5::write_string_attribute(c.dataset.get(), "doc", o.doc);
    hdf5::write_string_attribute(c.dataset.get(), "type", type_name(o.type));
    if (o.is_series()) hdf5::write_string_attribute(c.dataset.get(), "axis", o.axis);
    attach_band(c);
    output_columns_.push_back(std::move(c));
  }
  parameters_declared_ = parameters.size();
  // A file that keeps only summaries never needs the parameters' values.
  if (!store_parameters_) return;
  for (const auto& p : parameters) {
    Column c;
    c.dataset = create_dataset(params.get(), p.name, ValueType::Real, {rows, 0}, compression_.parameters);
    c.label = "/parameters/" + p.name;
    hdf5::write_string_attribute(c.dataset.get(), "unit", p.unit);
    attach_band(c);
    parameter_columns_.push_back(std::move(c));
  }
}

void ResultWriter::mark_shard(std::uint64_t index, std::uint64_t count) {
  shard_ = true;
  // A shard writes no summaries: nothing to keep its values for.
  kept_values_.clear();
  keeping_ = false;
  hdf5::write_uint64_attribute(file_.get(), "shard_index", index);
  hdf5::write_uint32_attribute(file_.get(), "shards", static_cast<std::uint32_t>(count));
}

void ResultWriter::commit(double wall_seconds) {
  const OutputsKept kept = kept_;
  if (committed_ || !file_) throw InternalError("ResultWriter: commit called twice");
  // No scenario opened: a resumed partial file whose every scenario was complete.
  if (base_) finish_rows();
  hdf5::write_double_attribute(file_.get(), "wall_seconds", wall_seconds);
  hdf5::write_string_attribute(file_.get(), "outputs", outputs_kept_name(kept_));
  const std::string where = "'" + temp_path_.string() + "'";
  base_.reset();
  // Closing writes what the chunk caches still hold: a full disk shows up here.
  for (auto& c : output_columns_) c.dataset.close("cannot finish writing '" + c.label + "' to " + where);
  for (auto& c : parameter_columns_) c.dataset.close("cannot finish writing '" + c.label + "' to " + where);
  check(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "cannot finish writing result file " + where);
  file_.close("cannot finish writing result file " + where);
  files::sync_file(temp_path_);
  if (!owns_temporary())
    throw InternalError("another process replaced '" + temp_path_.string() + "' while this run wrote it: this run's "
                        "result is not kept");
  // The complete file stays until the final one is in place: a stop at any
  // moment leaves either the earlier final file and a resumable partial one,
  // or the new final file.
  fs::path complete = temp_path_;
  if (kept != OutputsKept::all) {
    complete = files::temporary_name(final_path_, "compact");
    files::register_temporary(complete);
    try {
      copy_result_file(temp_path_, complete, kept);
      files::sync_file(complete);
    } catch (...) {
      std::error_code ec;
      fs::remove(complete, ec);
      files::unregister_temporary(complete);
      throw;
    }
  }
  files::durable_rename(complete, final_path_);
  files::unregister_temporary(complete);
  if (complete != temp_path_) remove_temporary();
  if (resuming_) {
    std::error_code ec;
    fs::remove(partial_path(final_path_), ec);
  }
  files::sync_directory(final_path_.has_parent_path() ? final_path_.parent_path() : fs::path("."));
  committed_ = true;
}

}  // namespace samdsim
