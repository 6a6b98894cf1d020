#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "samdsim/hdf5_file.hpp"
#include "samdsim/output_files.hpp"
#include "samdsim/plan_report.hpp"
#include "samdsim/result_compact.hpp"
#include "samdsim/results.hpp"
#include "samdsim/stats.hpp"
#include "samdsim/solve.hpp"
#include "samdsim/sweep.hpp"

namespace samdsim {

namespace detail {
class ChunkBand;
struct PendingChunk;
}

// Identifies the result file format; readers refuse a newer major version.
inline constexpr const char* result_filetype = "samdsim-result";
inline constexpr const char* result_format_version = "1.4";
inline constexpr int result_format_major = 1;

// Stored in place of a missing value (NaN in a Block) in integer and boolean
// datasets, and recorded there as the `missing_value` attribute.
inline constexpr std::int64_t integer_missing_value = INT64_MIN;
inline constexpr std::uint8_t boolean_missing_value = 255;

// The deflate level (1-9; 0: stored as they are) of each group of
// per-replicate datasets. Sampled parameters are random numbers that deflate
// shrinks by about a sixth for most of the time it spends, so they are
// stored as they are unless asked.
struct Compression {
  int replicates = 1;
  int timeseries = 1;
  int parameters = 0;
  bool operator==(const Compression&) const = default;
};

// "replicates=1,timeseries=1,parameters=0": any of the groups, in any order,
// or "all=L" for every group; InputError naming the part that is wrong.
Compression parse_compression(const std::string& text);
std::string compression_text(const Compression& compression);

// What the root attributes record about the run.
struct RunInfo {
  std::string model;
  std::string name;         // scenario name, may be empty
  std::string config_yaml;  // the resolved config
  std::string created_utc;  // ISO 8601; filled with the current time when empty
  std::uint64_t seed = 0;
  std::uint64_t scenario = 0;
  std::uint64_t replicates = 0;  // planned; the file records how many were written
  unsigned threads = 1;
  unsigned shards = 1;
  Compression compression;  // asked for the per-replicate datasets
  // What the committed file keeps. The writer never compresses what the
  // committed file drops, and with `summary` never stores the sampled
  // parameters at all (nothing is computed from them).
  OutputsKept kept = OutputsKept::all;
};

// The levels the datasets are stored with: `compression`, except 0 for the
// groups that `kept` drops.
Compression stored_compression(const Compression& compression, OutputsKept kept);

// "2026-11-21T09:30:00Z"
std::string utc_timestamp_now();

// Streams a run's replicate values into an HDF5 file under a temporary name
// and renames it onto the final path only when complete, so a killed or
// failed run never leaves a partial file under the final name. Not
// thread-safe: the runner calls it from one thread, blocks in index order.
class ResultWriter {
 public:
  // Creates "<final>.partial" beside the final path, with datasets sized
  // for info.replicates rows (they grow or shrink to the rows written). A
  // missing or unwritable directory is an InputError naming it; nothing is
  // created then.
  ResultWriter(std::filesystem::path final_path, const RunInfo& info, const std::vector<OutputSpec>& outputs,
               const std::vector<ParameterColumn>& parameters);
  // A file for several scenarios (a sweep): root attributes only; each
  // scenario's datasets come with begin_scenario().
  ResultWriter(std::filesystem::path final_path, const RunInfo& info);

  // Opens the partial file of an interrupted run (partial_path(final_path))
  // read-only, to check it against the command line (root_attribute);
  // InputError when there is none or it cannot be read. take_over() then
  // continues it in a copy: the partial file itself is replaced only by a
  // complete new checkpoint (suspend) and removed only once the final file
  // is in place, so a resume that fails or is killed leaves it as it was.
  struct Resume {};
  ResultWriter(std::filesystem::path final_path, Resume);
  void take_over();
  // Whether the partial file was closed by a clean suspend (not left by a
  // killed run, whose checkpoint may be older than its last rows).
  bool suspended_cleanly() const;

  // Where a run writes until it is complete: "<final>.partial" beside it.
  static std::filesystem::path partial_path(const std::filesystem::path& final_path);

  // Extra records: on the root, or on the current scenario's group.
  void set_root_attribute(const std::string& name, const std::string& value);
  void set_root_attribute(const std::string& name, std::uint64_t value);
  void set_scenario_attribute(const std::string& name, double value);
  void set_scenario_attribute(const std::string& name, const std::string& value);

  // A root attribute of the file as text ("" when absent).
  std::string root_attribute(const std::string& name) const;
  bool scenario_started(const std::string& group) const;
  bool scenario_complete(const std::string& group) const;  // its summaries are written
  std::vector<Summary> scenario_summaries(const std::string& group) const;
  // Reopens a started scenario's datasets; returns the replicates written
  // up to its last checkpoint and the summaries of those replicates.
  std::pair<std::uint64_t, std::vector<Moments>> resume_scenario(const std::string& group,
                                                                 const std::vector<OutputSpec>& outputs,
                                                                 const std::vector<ParameterColumn>& parameters);
  // Records, with the rows written so far, the summaries of those rows, so a
  // resumed run continues exactly here.
  void save_checkpoint(const std::vector<Moments>& moments);
  // Keeps the partial file (complete up to its last checkpoint), marks it
  // as cleanly suspended and closes it.
  void suspend();

  // Starts the datasets of one scenario under `group` (e.g. "points/3"; ""
  // for the root). The previous scenario must have its summaries written.
  // A shard stores the replicates from `first_row` on: its datasets hold
  // rows [first_row, first_row + rows written).
  void begin_scenario(const std::string& group, const std::vector<OutputSpec>& outputs,
                      const std::vector<ParameterColumn>& parameters, std::uint64_t replicates,
                      std::uint64_t first_row = 0);

  // Marks the file as shard `index` of `count` (root attributes shard_index, shards).
  void mark_shard(std::uint64_t index, std::uint64_t count);

  // A shard's per-block summaries ([block][output]), which merge needs to
  // reproduce a single run's summaries exactly; written instead of /summary.
  void write_block_moments(std::uint64_t first_block, const std::vector<std::vector<Moments>>& blocks);

  // The /scenarios table of a sweep: one row per point; `keys` are the
  // random-stream scenario keys; `values[point][column]` the swept values as
  // YAML text (stored as float64 columns where every value is a number).
  // `report` judges each point against a sweep's choose: rule (if any),
  // `rule` describes that rule.
  void write_scenario_table(const std::vector<std::string>& columns, const std::vector<std::uint64_t>& keys,
                            const std::vector<std::vector<std::string>>& values, const ChoiceReport& report = {},
                            const std::string& rule = "");
  // The /solve group: how a solve: found its size (attributes only).
  void write_solve_record(const SolveRecord& record);
  // The current scenario's /plan (a sweep: points/<i>/plan): one group per
  // section, a value per attribute, its unit in "<name>.unit"; nothing when
  // the plan is empty or is already there (a resumed file).
  void write_plan(const PlanReport& plan);

  ResultWriter(const ResultWriter&) = delete;
  ResultWriter& operator=(const ResultWriter&) = delete;
  // Unless committed: closes and removes the temporary file. Never throws.
  ~ResultWriter();

  // Stores rows [block.first(), block.first() + block.count()). Blocks must
  // be contiguous and in index order. Integer outputs must hold whole numbers
  // and Boolean outputs 0 or 1 (NaN is missing in every type).
  void write_block(const Block& block);

  // Writes /summary (scalar outputs) and /bands (series outputs) from the
  // data already written, reading one column back at a time so memory stays
  // about one column. `moments` holds one entry per output (entries for
  // series outputs are ignored), accumulated by the runner in block order;
  // they give n, missing, mean, sd, se, min and max.
  std::vector<Summary> write_summaries(const std::vector<Moments>& moments);

  // Records the wall time, closes the file and renames it onto the final
  // path (replacing an existing file only now), then removes the partial
  // file. Failures are InternalError. When RunInfo::kept is other than
  // all, the committed file is a copy without the datasets it drops
  // (result_compact.hpp), renamed onto the final path before the full file
  // is removed.
  void commit(double wall_seconds);

  // What the committed file keeps (RunInfo::kept, or a resumed file's).
  OutputsKept kept() const { return kept_; }
  // Keeps `kept` instead (a resumed run asked for another --outputs);
  // InputError when the partial file lacks what it needs (a run started
  // with --outputs summary stored no parameters). The partial file goes on
  // recording what the run started with; commit records `kept`.
  void set_kept(OutputsKept kept);

  std::uint64_t rows_written() const { return rows_; }
  const std::filesystem::path& temporary_path() const { return temp_path_; }
  const std::filesystem::path& final_path() const { return final_path_; }

 private:
  struct Column {
    Column();
    Column(Column&&) noexcept;
    Column& operator=(Column&&) noexcept;
    ~Column();
    hdf5::Id dataset;
    std::size_t width = 1;  // values per replicate
    ValueType type = ValueType::Real;
    std::string label;  // "/replicates/x", for messages
    // The chunk rows being filled, compressed and stored by the writer.
    std::unique_ptr<detail::ChunkBand> band;
  };

  void open_file(const RunInfo& info);
  hdf5::Id open_partial(const std::filesystem::path& path, unsigned flags);
  void clear_checkpoint();
  void write_root_attributes(const RunInfo& info);
  void write_column(Column& column, const double* values, std::size_t count, std::uint64_t first,
                    std::vector<detail::PendingChunk>& ready);
  // Starts keeping the scalar outputs' values when `planned_rows` of them fit the budget.
  void keep_values(std::uint64_t planned_rows);
  // Starts a column's chunk band after the rows already written.
  void attach_band(Column& column);
  // Stores the chunks still held in the bands (partial ones included), so
  // the file holds every row written.
  void flush_chunks();
  // Filters and stores chunks that are complete (store_chunks), then starts
  // their writeback.
  void store(std::vector<detail::PendingChunk>& ready);
  // Starts writing what the chunks stored so far left in the page cache, so
  // that the commit's fsync does not wait for the whole file.
  void start_writeback() const noexcept;
  void set_rows(std::uint64_t rows);
  void finish_rows();
  void write_band(std::size_t k);
  void close_all() noexcept;
  // Two runs given one output (a resubmitted job) each write their own
  // temporary file: a new run unlinks a leftover one and creates its own,
  // and a run renames or removes the temporary path only while it still
  // names the file this run created (same device and inode).
  void claim_temporary();
  bool owns_temporary() const;
  void remove_temporary() noexcept;

  std::unique_ptr<files::OutputLock> lock_;  // held from construction to destruction
  std::filesystem::path final_path_;
  std::filesystem::path temp_path_;
  std::uint64_t temp_device_ = 0, temp_inode_ = 0;
  std::vector<OutputSpec> outputs_;
  hdf5::Id file_;
  hdf5::Id base_;  // the group of the current scenario (the root for a single one)
  std::vector<Column> output_columns_;     // one per output
  std::vector<Column> parameter_columns_;  // one per sampled parameter
  std::uint64_t rows_ = 0;                 // rows written so far
  std::uint64_t row_offset_ = 0;           // first replicate held (shards)
  std::uint64_t capacity_ = 0;             // current extent of the datasets
  // The values of each scalar output written so far, kept while they fit
  // kept_budget_bytes so that the summaries need not read them back; empty
  // (and keeping_ false) once they do not, or when the rows before this
  // writer's were never seen (a resume).
  std::vector<std::vector<double>> kept_values_;
  bool keeping_ = false;
  std::vector<std::int64_t> int_buffer_;   // conversion scratch, reused across blocks
  std::vector<std::uint8_t> bool_buffer_;
  Compression compression_;                 // the levels datasets are stored with
  OutputsKept kept_ = OutputsKept::all;
  bool store_parameters_ = true;            // false when the file keeps only summaries from its start
  std::size_t parameters_declared_ = 0;     // sampled parameters per block (stored or not)
  bool committed_ = false;
  bool suspended_ = false;
  bool shard_ = false;
  bool resuming_ = false;  // temp_path_ is a copy of the partial file
};

}  // namespace samdsim
