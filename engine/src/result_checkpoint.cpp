// Interrupting and resuming a run: the partial file records, per scenario,
// the rows written and the summaries of those rows, so that a resumed run
// continues with exactly the state an uninterrupted run had at that block.
#include <fmt/format.h>

#include <cmath>

#include "result_chunks.hpp"
#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/output_files.hpp"
#include "samdsim/result_annex.hpp"
#include "samdsim/config.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/result_writer.hpp"
#include "samdsim/runner.hpp"

namespace samdsim {

namespace fs = std::filesystem;
using hdf5::check;
using hdf5::Id;

namespace {
constexpr const char* rows_attribute = "checkpoint_rows";
// Set by a clean suspend, absent while a run writes: a partial file without
// it was left by a killed run.
constexpr const char* clean_attribute = "suspended_cleanly";
// One attribute per output: n, mean, m2, min, max, missing. Counts below 2^53
// are exact as doubles, and max_replicates keeps them there.
std::string moments_attribute(const std::string& output) { return "checkpoint_moments:" + output; }
}  // namespace

ResultWriter::ResultWriter(fs::path final_path, Resume) : final_path_(std::move(final_path)) {
  hdf5::initialize();
  const fs::path partial = partial_path(final_path_);
  files::require_regular_output(final_path_, "result file path");
  lock_ = std::make_unique<files::OutputLock>(final_path_);
  std::error_code ec;
  if (!fs::exists(partial, ec))
    throw InputError("nothing to resume: there is no partial result '" + partial.string() + "'");
  files::require_regular_input(partial, "partial result");
  file_ = open_partial(partial, H5F_ACC_RDONLY);
}

hdf5::Id ResultWriter::open_partial(const fs::path& path, unsigned flags) {
  Id fapl = check(H5Pcreate(H5P_FILE_ACCESS), "cannot create a file access property list");
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "cannot set the file close degree");
  const hid_t file = H5Fis_hdf5(path.c_str()) > 0 ? H5Fopen(path.c_str(), flags, fapl.get()) : -1;
  if (file < 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError("cannot resume from '" + partial_path(final_path_).string() +
                     "': it is not a readable partial result (a run killed outright may leave one that cannot be "
                     "resumed; remove it and run again)");
  }
  return Id(file);
}

bool ResultWriter::suspended_cleanly() const { return hdf5::has_attribute(file_.get(), clean_attribute); }

void ResultWriter::take_over() {
  if (resuming_ || !file_) throw InternalError("ResultWriter: take_over twice");
  file_.reset();
  const fs::path copy = files::temporary_name(final_path_, "resume");
  files::register_temporary(copy);
  try {
    files::copy_file_exclusive(partial_path(final_path_), copy);
  } catch (...) {
    files::unregister_temporary(copy);
    throw;
  }
  temp_path_ = copy;
  resuming_ = true;
  claim_temporary();
  try {
    file_ = open_partial(copy, H5F_ACC_RDWR);
    if (hdf5::has_attribute(file_.get(), clean_attribute)) H5Adelete(file_.get(), clean_attribute);
    // Datasets of scenarios still to start are made as the run made its
    // first ones: `outputs` and `compression` are what it started with.
    kept_ = parse_outputs_kept(root_attribute("outputs"));
    store_parameters_ = kept_ != OutputsKept::summary;
    compression_ = parse_compression(root_attribute("compression"));
  } catch (...) {
    close_all();
    remove_temporary();
    throw;
  }
}

std::string ResultWriter::root_attribute(const std::string& name) const {
  return hdf5::attribute_text(file_.get(), name);
}

bool ResultWriter::scenario_started(const std::string& group) const {
  const auto slash = group.find('/');
  if (!group.empty() && !((slash == std::string::npos || hdf5::link_exists(file_.get(), group.substr(0, slash))) &&
                          hdf5::link_exists(file_.get(), group)))
    return false;
  Id base = hdf5::open_group(file_.get(), group.empty() ? "/" : group);
  const bool replicates = hdf5::link_exists(base.get(), "replicates");
  // A scenario is begun with its replicates and parameters together and summarized after them.
  if (replicates != hdf5::link_exists(base.get(), "parameters") ||
      (!replicates && hdf5::link_exists(base.get(), "summary")))
    throw InputError("cannot resume from '" + partial_path(final_path_).string() + "': " +
                     (group.empty() ? std::string("its run") : group) +
                     " lacks the replicates or parameters of its checkpoint; the file was altered, remove it");
  return replicates;
}

bool ResultWriter::scenario_complete(const std::string& group) const {
  if (!scenario_started(group)) return false;
  return hdf5::link_exists(file_.get(), group.empty() ? "summary" : group + "/summary");
}

std::vector<Summary> ResultWriter::scenario_summaries(const std::string& group) const {
  Id base = hdf5::open_group(file_.get(), group.empty() ? "/" : group);
  return read_summaries(base.get());
}

std::pair<std::uint64_t, std::vector<Moments>> ResultWriter::resume_scenario(
    const std::string& group, const std::vector<OutputSpec>& outputs, const std::vector<ParameterColumn>& parameters) {
  base_ = hdf5::open_group(file_.get(), group.empty() ? "/" : group);
  const auto rows = hdf5::read_uint64_attribute(base_.get(), rows_attribute);
  if (!rows)
    throw InputError("cannot resume from '" + temp_path_.string() + "': it holds no checkpoint for " +
                     (group.empty() ? std::string("the run") : group));
  outputs_ = outputs;
  output_columns_.clear();
  parameter_columns_.clear();
  // The rows before the checkpoint are in the file only: the summaries read them back.
  kept_values_.clear();
  keeping_ = false;
  std::vector<Moments> moments(outputs.size());
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const OutputSpec& o = outputs[k];
    Column c;
    const std::string path = (o.is_series() ? "timeseries/" : "replicates/") + o.name;
    c.dataset = open_stored_column(base_.get(), path, "'" + partial_path(final_path_).string() + "': " + path);
    c.width = o.width();
    c.type = o.type;
    c.label = "/" + path;
    output_columns_.push_back(std::move(c));
    if (o.is_series()) continue;
    const Id attr = check(H5Aopen(base_.get(), moments_attribute(o.name).c_str(), H5P_DEFAULT),
                          "cannot read the checkpoint of '" + o.name + "' in '" + temp_path_.string() + "'");
    double v[6];
    check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, v), "cannot read the checkpoint of '" + o.name + "'");
    // Counts are stored as doubles: anything but a whole number a run could reach was altered.
    const auto count = [&](double x) {
      if (!(x >= 0.0 && x <= static_cast<double>(max_replicates) && std::floor(x) == x))
        throw InputError("cannot resume from '" + partial_path(final_path_).string() + "': its checkpoint of '" +
                         o.name + "' holds the count " + fmt::format("{}", x) + "; the file was altered, remove it");
      return static_cast<std::uint64_t>(x);
    };
    moments[k] = Moments{count(v[0]), v[1], v[2], v[3], v[4], count(v[5])};
  }
  parameters_declared_ = parameters.size();
  for (const auto& p : store_parameters_ ? parameters : std::vector<ParameterColumn>{}) {
    Column c;
    c.dataset = open_stored_column(base_.get(), "parameters/" + p.name,
                                   "'" + partial_path(final_path_).string() + "': parameters/" + p.name);
    c.label = "/parameters/" + p.name;
    parameter_columns_.push_back(std::move(c));
  }
  rows_ = *rows;
  capacity_ = hdf5::dataset_shape(output_columns_.empty() ? parameter_columns_.front().dataset.get()
                                                          : output_columns_.front().dataset.get())
                  .at(0);
  const std::string altered = "cannot resume from '" + partial_path(final_path_).string() + "': ";
  for (auto* columns : {&output_columns_, &parameter_columns_})
    for (auto& c : *columns) {
      if (hdf5::dataset_shape(c.dataset.get()).at(0) < rows_)
        throw InputError(altered + c.label + " holds fewer rows than its checkpoint; the file was altered, remove it");
      attach_band(c);
    }
  // The checkpoint's summaries, recomputed from the rows written block by
  // block as the run merged them: stored ones that differ were altered.
  std::vector<double> values;
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    if (outputs[k].is_series()) continue;
    Moments total;
    for (std::uint64_t row = 0; row < rows_; row += replicates_per_block) {
      const std::uint64_t count = std::min<std::uint64_t>(replicates_per_block, rows_ - row);
      values.resize(count);
      hdf5::read_doubles(output_columns_[k].dataset.get(), row, count, 0, 1, values);
      total.merge(Moments::of(values));
    }
    const Moments& m = moments[k];
    const auto same = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
    if (m.n != total.n || m.missing != total.missing || !same(m.mean, total.mean) || !same(m.m2, total.m2) ||
        !same(m.min, total.min) || !same(m.max, total.max))
      throw InputError(altered + "its checkpoint summary of '" + outputs[k].name +
                       "' disagrees with the values written; the file was altered, remove it and run again");
  }
  return {rows_, moments};
}

void ResultWriter::save_checkpoint(const std::vector<Moments>& moments) {
  if (committed_ || !file_ || !base_) throw InternalError("ResultWriter: save_checkpoint without a scenario");
  for (std::size_t k = 0; k < outputs_.size(); ++k) {
    if (outputs_[k].is_series()) continue;
    const Moments& m = moments[k];
    const double v[6] = {static_cast<double>(m.n), m.mean, m.m2, m.min, m.max, static_cast<double>(m.missing)};
    hdf5::write_doubles_attribute(base_.get(), moments_attribute(outputs_[k].name), v);
  }
  flush_chunks();
  hdf5::write_uint64_attribute(base_.get(), rows_attribute, rows_);
  check(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "cannot flush '" + temp_path_.string() + "'");
}

void ResultWriter::clear_checkpoint() {
  if (hdf5::has_attribute(base_.get(), rows_attribute)) H5Adelete(base_.get(), rows_attribute);
  for (const auto& o : outputs_)
    if (hdf5::has_attribute(base_.get(), moments_attribute(o.name)))
      H5Adelete(base_.get(), moments_attribute(o.name).c_str());
}

void ResultWriter::set_kept(OutputsKept kept) {
  if (!store_parameters_ && kept != OutputsKept::summary)
    throw InputError("cannot resume '" + partial_path(final_path_).string() + "' with --outputs " +
                     outputs_kept_name(kept) + ": it was started with --outputs summary and holds no parameter "
                     "values; resume with --outputs summary, or remove it and run again");
  // The partial file's `outputs` keeps what the run started with (what its
  // datasets hold); the committed file records this choice.
  kept_ = kept;
}

void ResultWriter::suspend() {
  const std::string where = "'" + temp_path_.string() + "'";
  flush_chunks();
  for (auto& c : output_columns_) c.dataset.close("cannot finish writing '" + c.label + "' to " + where);
  for (auto& c : parameter_columns_) c.dataset.close("cannot finish writing '" + c.label + "' to " + where);
  base_.reset();
  hdf5::write_uint64_attribute(file_.get(), clean_attribute, 1);
  check(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "cannot flush " + where);
  file_.close("cannot finish writing " + where);
  files::sync_file(temp_path_);
  // A resumed run worked on a copy: the copy, complete, now replaces the partial file in one step.
  if (resuming_) {
    if (!owns_temporary()) throw InternalError("another process replaced " + where + " while this run wrote it");
    files::durable_rename(temp_path_, partial_path(final_path_));
    files::unregister_temporary(temp_path_);
    temp_path_ = partial_path(final_path_);
    claim_temporary();
  }
  suspended_ = true;
}

}  // namespace samdsim
