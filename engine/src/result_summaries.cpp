// The summaries a ResultWriter adds after the replicates: per-output summary
// statistics, quantile bands of series, and a sweep's scenario table.

#include <algorithm>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include <tbb/parallel_for.h>

#include "result_layout.hpp"
#include "tbb_handoff.hpp"
#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/result_writer.hpp"

namespace samdsim {

using hdf5::check;
using hdf5::Id;
using detail::band_buffer_values;
using detail::series_chunk_width;

std::vector<Summary> ResultWriter::write_summaries(const std::vector<Moments>& moments) {
  if (committed_ || !file_) throw InternalError("ResultWriter: write_summaries after commit");
  if (moments.size() != outputs_.size())
    throw InternalError(fmt::format("ResultWriter: {} moments given for {} outputs", moments.size(), outputs_.size()));
  if (hdf5::link_exists(base_.get(), "summary")) throw InternalError("ResultWriter: summaries already written");
  finish_rows();

  Id summary_group = hdf5::create_group(base_.get(), "summary");
  clear_checkpoint();
  // Each scalar output's summary from all its values: kept in memory (then
  // on every core at once), or read back one column at a time.
  const auto summarize = [&](std::size_t k, std::vector<double>& column) {
    const OutputSpec& o = outputs_[k];
    // Shares and event curves first: the quantiles reorder the column.
    Summary shares;
    add_distribution_summaries(shares, o, column);
    Summary s = make_summary(o, moments[k], standard_quantiles(column));
    s.labels = std::move(shares.labels);
    s.shares = std::move(shares.shares);
    s.event_probability = std::move(shares.event_probability);
    return s;
  };
  std::vector<Summary> computed(outputs_.size());
  for (std::size_t k = 0; k < outputs_.size(); ++k)
    if (!outputs_[k].is_series() && moments[k].n + moments[k].missing != rows_)
      throw InternalError(fmt::format("ResultWriter: moments of '{}' count {} values for {} replicates",
                                      outputs_[k].name, moments[k].n + moments[k].missing, rows_));
  if (keeping_) {
    {
      const detail::AcquireAtExit joined;
      // A range body, which oneTBB copies into its task (a copy of Handed
      // states the hand-off to ThreadSanitizer; the index form would not).
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, outputs_.size(), 1),
                        detail::Handed([&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t k = r.begin(); k != r.end(); ++k)
                            if (!outputs_[k].is_series()) computed[k] = summarize(k, kept_values_[k]);
                        }));
    }
    kept_values_.clear();
    keeping_ = false;
  } else {
    std::vector<double> column;
    for (std::size_t k = 0; k < outputs_.size(); ++k) {
      if (outputs_[k].is_series()) continue;
      column.resize(rows_);
      hdf5::read_doubles(output_columns_[k].dataset.get(), 0, rows_, 0, 1, column);
      computed[k] = summarize(k, column);
    }
  }

  std::vector<Summary> summaries;
  for (std::size_t k = 0; k < outputs_.size(); ++k) {
    const OutputSpec& o = outputs_[k];
    if (o.is_series()) {
      write_band(k);
      continue;
    }
    const Summary& s = computed[k];
    Id g = hdf5::create_group(summary_group.get(), o.name);
    const hid_t id = g.get();
    hdf5::write_uint64_attribute(id, "n", s.n);
    hdf5::write_uint64_attribute(id, "missing", s.missing);
    const std::pair<const char*, double> values[] = {{"mean", s.mean}, {"sd", s.sd},   {"se", s.se},
                                                     {"min", s.min},   {"p05", s.p05}, {"p25", s.p25},
                                                     {"p50", s.p50},   {"p75", s.p75}, {"p95", s.p95},
                                                     {"max", s.max}};
    for (const auto& [name, value] : values) hdf5::write_double_attribute(id, name, value);
    hdf5::write_string_attribute(id, "unit", s.unit);
    hdf5::write_string_attribute(id, "type", type_name(s.type));
    if (s.type == ValueType::Boolean) hdf5::write_double_attribute(id, "probability", s.probability);
    if (!s.labels.empty()) {
      std::string labels;
      for (std::size_t c = 0; c < s.labels.size(); ++c) {
        labels += (c ? "," : "") + s.labels[c];
        hdf5::write_double_attribute(id, "share." + s.labels[c], s.shares[c]);
      }
      hdf5::write_string_attribute(id, "labels", labels);
    }
    if (!s.event_probability.empty()) hdf5::write_doubles_attribute(id, "probability_by_month", s.event_probability);
    summaries.push_back(s);
  }
  // The event output may come after the one divided by it.
  add_means_per_event(summaries);
  for (const Summary& s : summaries) {
    if (s.per_event.empty()) continue;
    Id g = hdf5::open_group(summary_group.get(), s.name);
    hdf5::write_string_attribute(g.get(), "per_event", s.per_event);
    hdf5::write_double_attribute(g.get(), "mean_per_event", s.mean_per_event);
  }
  return summaries;
}

void ResultWriter::write_band(std::size_t k) {
  const OutputSpec& o = outputs_[k];
  const std::size_t length = o.length;
  const std::size_t rows = rows_;
  // As many indices per read as fit the buffer, in whole chunk columns when
  // more than one fits, so each chunk is decompressed as few times as possible.
  std::size_t per_pass = std::clamp<std::size_t>(band_buffer_values / std::max<std::size_t>(rows, 1), 1, length);
  if (per_pass > series_chunk_width) per_pass -= per_pass % series_chunk_width;

  std::vector<double> bands(5 * length), means(length);
  std::vector<double> buffer, column;
  for (std::size_t j0 = 0; j0 < length; j0 += per_pass) {
    const std::size_t cols = std::min(per_pass, length - j0);
    // One index at a time is read straight into the column: one column of memory.
    std::vector<double>& source = cols == 1 ? column : buffer;
    source.resize(rows * cols);
    hdf5::read_doubles(output_columns_[k].dataset.get(), 0, rows, j0, cols, source);
    for (std::size_t c = 0; c < cols; ++c) {
      if (cols > 1) {
        column.resize(rows);
        for (std::size_t i = 0; i < rows; ++i) column[i] = buffer[i * cols + c];
      }
      Moments m;
      for (double v : column) m.add(v);
      means[j0 + c] = m.n > 0 ? m.mean : std::numeric_limits<double>::quiet_NaN();
      const auto q = standard_quantiles(column);
      for (std::size_t p = 0; p < q.size(); ++p) bands[p * length + j0 + c] = q[p];
    }
  }

  const hid_t base = base_.get();
  const Id bands_group =
      hdf5::link_exists(base, "bands") ? hdf5::open_group(base, "bands") : hdf5::create_group(base, "bands");
  const Id means_group = hdf5::link_exists(base, "series_mean") ? hdf5::open_group(base, "series_mean")
                                                                 : hdf5::create_group(base, "series_mean");
  const auto write_small = [&](hid_t group, int rank, const hsize_t* dims, const std::vector<double>& values) {
    const auto context = [&] { return "cannot write '" + o.name + "' under " + hdf5::describe(group); };
    Id space = check(H5Screate_simple(rank, dims, nullptr), context);
    Id ds = check(H5Dcreate2(group, o.name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  context);
    check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), context);
    hdf5::write_string_attribute(ds.get(), "unit", o.unit);
    hdf5::write_string_attribute(ds.get(), "axis", o.axis);
    return ds;
  };
  const hsize_t band_dims[2] = {5, length};
  Id band = write_small(bands_group.get(), 2, band_dims, bands);
  hdf5::write_doubles_attribute(band.get(), "quantiles", standard_probabilities);
  const hsize_t mean_dims[1] = {length};
  write_small(means_group.get(), 1, mean_dims, means);
}

void ResultWriter::write_scenario_table(const std::vector<std::string>& columns,
                                        const std::vector<std::uint64_t>& keys,
                                        const std::vector<std::vector<std::string>>& values,
                                        const ChoiceReport& report, const std::string& rule) {
  if (committed_ || !file_) throw InternalError("ResultWriter: write_scenario_table after commit");
  // Already there only when a resumed partial file had finished every point.
  if (hdf5::link_exists(file_.get(), "scenarios")) return;
  Id table = hdf5::create_group(file_.get(), "scenarios");
  const hsize_t n = keys.size();
  const std::string context = "cannot write the scenario table of '" + temp_path_.string() + "'";
  auto write_dataset = [&](const std::string& name, hid_t file_type, hid_t mem_type, const void* data) {
    Id space = check(H5Screate_simple(1, &n, nullptr), context);
    Id ds = check(H5Dcreate2(table.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  context);
    if (n > 0) check(H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), context);
    return ds;
  };
  std::vector<std::int64_t> index(n);
  for (hsize_t i = 0; i < n; ++i) index[i] = static_cast<std::int64_t>(i);
  write_dataset("index", H5T_STD_I64LE, H5T_NATIVE_INT64, index.data());
  write_dataset("key", H5T_STD_U64LE, H5T_NATIVE_UINT64, keys.data());
  std::vector<std::string> order = {"index", "key"};
  for (std::size_t c = 0; c < columns.size(); ++c) {
    std::vector<double> numbers(n);
    bool numeric = true;
    for (hsize_t i = 0; i < n && numeric; ++i) {
      const std::string& text = values[i][c];
      char* end = nullptr;
      numbers[i] = text.empty() || text == "~" ? std::numeric_limits<double>::quiet_NaN() : std::strtod(text.c_str(), &end);
      numeric = text.empty() || text == "~" || (end && *end == '\0');
    }
    if (numeric) {
      write_dataset(columns[c], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, numbers.data());
    } else {
      std::vector<const char*> texts(n);
      for (hsize_t i = 0; i < n; ++i) texts[i] = values[i][c].c_str();
      Id type = check(H5Tcopy(H5T_C_S1), context);
      check(H5Tset_size(type.get(), H5T_VARIABLE), context);
      check(H5Tset_cset(type.get(), H5T_CSET_UTF8), context);
      write_dataset(columns[c], type.get(), type.get(), texts.data());
    }
    order.push_back(columns[c]);
  }
  std::string listed;
  for (const auto& c : order) listed += (listed.empty() ? "" : "\n") + c;
  hdf5::write_string_attribute(table.get(), "columns", listed);
  if (!rule.empty()) {
    // -1: no point meets the requirements.
    hdf5::write_int64_attribute(table.get(), "chosen",
                                report.chosen ? static_cast<std::int64_t>(*report.chosen) : -1);
    hdf5::write_string_attribute(table.get(), "choose_rule", rule);
    if (report.points.size() == n) {
      const auto flags = [&](const std::string& name, auto get) {
        std::vector<std::uint8_t> v(n);
        for (hsize_t i = 0; i < n; ++i) v[i] = get(report.points[i]) ? 1 : 0;
        write_dataset(name, H5T_STD_U8LE, H5T_NATIVE_UINT8, v.data());
      };
      flags("qualifies", [](const PointJudgement& j) { return j.qualifies; });
      flags("near_threshold", [](const PointJudgement& j) { return j.near_threshold; });
      flags("biased", [](const PointJudgement& j) { return j.biased; });
      flags("near_best", [](const PointJudgement& j) { return j.near_best; });
      std::vector<double> margin(n);
      for (hsize_t i = 0; i < n; ++i) margin[i] = report.points[i].margin;
      write_dataset("requirement_margin_se", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, margin.data());
    }
  }
  hdf5::write_uint64_attribute(file_.get(), "scenarios", n);
}

void ResultWriter::write_solve_record(const SolveRecord& r) {
  if (committed_ || !file_) throw InternalError("ResultWriter: write_solve_record after commit");
  if (hdf5::link_exists(file_.get(), "solve")) return;  // a resumed file that had finished
  Id group = hdf5::create_group(file_.get(), "solve");
  const hid_t g = group.get();
  hdf5::write_string_attribute(g, "rule", r.rule);
  hdf5::write_string_attribute(g, "vary", r.vary);
  hdf5::write_string_attribute(g, "output", r.output);
  hdf5::write_doubles_attribute(g, "range", std::vector<double>{r.low, r.high, r.step});
  hdf5::write_double_attribute(g, "analytic_size", r.analytic_size);
  hdf5::write_double_attribute(g, "analytic_value", r.analytic_value);
  hdf5::write_int64_attribute(g, "evaluations", r.evaluations);
  hdf5::write_double_attribute(g, "confidence", r.confidence);
  hdf5::write_doubles_attribute(g, "sizes", r.sizes);
  hdf5::write_doubles_attribute(g, "planning_values", r.planning_values);
  hdf5::write_doubles_attribute(g, "estimates", r.estimates);
  hdf5::write_doubles_attribute(g, "interval_low", r.interval_low);
  hdf5::write_doubles_attribute(g, "interval_high", r.interval_high);
  hdf5::write_string_attribute(g, "reason", r.reason);
}

void ResultWriter::write_plan(const PlanReport& plan) {
  if (committed_ || !file_) throw InternalError("ResultWriter: write_plan after commit");
  if (plan.empty() || hdf5::link_exists(base_.get(), "plan")) return;
  Id root = hdf5::create_group(base_.get(), "plan");
  for (const PlanSection& s : plan.sections) {
    // Intermediate groups ("studies" of "studies/pivotal") are created on first use.
    for (std::size_t slash = s.name.find('/'); slash != std::string::npos; slash = s.name.find('/', slash + 1))
      if (!hdf5::link_exists(root.get(), s.name.substr(0, slash))) hdf5::create_group(root.get(), s.name.substr(0, slash));
    Id g = hdf5::create_group(root.get(), s.name);
    hdf5::write_string_attribute(g.get(), "title", s.title);
    for (const PlanValue& v : s.values) {
      if (v.values.empty())
        hdf5::write_string_attribute(g.get(), v.name, v.text);
      else if (v.values.size() == 1)
        hdf5::write_double_attribute(g.get(), v.name, v.values.front());
      else
        hdf5::write_doubles_attribute(g.get(), v.name, v.values);
      if (!v.unit.empty()) hdf5::write_string_attribute(g.get(), v.name + ".unit", v.unit);
    }
  }
  std::string warnings;
  for (const PlanWarning& w : plan.warnings) warnings += (warnings.empty() ? "" : "\n") + w.str();
  hdf5::write_string_attribute(root.get(), "warnings", warnings);
}

}  // namespace samdsim
