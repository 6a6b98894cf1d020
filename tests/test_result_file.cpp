#include <cstdlib>

#include <catch2/catch.hpp>

#include "result_file_fixture.hpp"
#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"

using namespace samdsim;
using namespace samdsim::testing;

TEST_CASE("Replicate values read back exactly, with missing values as NaN") {
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  const SyntheticRun run = write_synthetic_file(file);
  for (std::size_t k = 0; k < run.outputs.size(); ++k) {
    const auto& o = run.outputs[k];
    std::vector<double> expected;
    for (std::uint64_t r = 0; r < 1037; ++r)
      for (std::size_t i = 0; i < o.width(); ++i) expected.push_back(synthetic_value(k, r, i));
    const std::string group = o.is_series() ? "/timeseries/" : "/replicates/";
    INFO(o.name);
    CHECK(same_values(read_column(file, group + o.name), expected));
  }
}

TEST_CASE("Outputs are stored as float64, int64 and uint8 by their declared type") {
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  write_synthetic_file(file);
  CHECK(stored_type(file, "/replicates/cost_usd") == std::pair{H5T_FLOAT, std::size_t{8}});
  CHECK(stored_type(file, "/replicates/patients") == std::pair{H5T_INTEGER, std::size_t{8}});
  CHECK(stored_type(file, "/replicates/authorized") == std::pair{H5T_INTEGER, std::size_t{1}});
  CHECK(stored_type(file, "/timeseries/live_sites") == std::pair{H5T_INTEGER, std::size_t{8}});
}

TEST_CASE("Datasets carry their unit, doc, type and axis attributes") {
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  write_synthetic_file(file);
  hdf5::Id f = open_result_file(file);
  hdf5::Id cost = hdf5::open_dataset(f.get(), "/replicates/cost_usd");
  CHECK(hdf5::read_string_attribute(cost.get(), "unit") == "USD");
  CHECK(hdf5::read_string_attribute(cost.get(), "doc") == "total cost");
  CHECK(hdf5::read_string_attribute(cost.get(), "type") == "real");
  hdf5::Id adopters = hdf5::open_dataset(f.get(), "/timeseries/adopters");
  CHECK(hdf5::read_string_attribute(adopters.get(), "axis") == "month");
  CHECK(hdf5::dataset_shape(adopters.get()) == std::vector<hsize_t>{1037, 6});
}

TEST_CASE("Root attributes record the run") {
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  write_synthetic_file(file);
  const ResultFileSummary s = read_result_summary(file);
  CHECK(s.attributes.at("filetype") == "samdsim-result");
  CHECK(s.attributes.at("version") == "1.4");
  CHECK(s.attributes.at("model") == "synthetic");
  CHECK(s.attributes.at("name") == "baseline plan");
  CHECK(s.attributes.at("seed") == "20261121");
  CHECK(s.attributes.at("scenario") == "0");
  CHECK(s.attributes.at("replicates") == "1037");
  CHECK(s.attributes.at("threads") == "8");
  CHECK(s.attributes.at("shards") == "1");
  CHECK(s.attributes.at("created_utc") == "2026-11-21T09:30:00Z");
  CHECK(s.attributes.at("wall_seconds") == "1.5");
  CHECK(s.attributes.count("samdsim_version") == 1);
  CHECK(s.attributes.count("git_revision") == 1);
  CHECK(s.attributes.count("config_yaml") == 0);
  CHECK(s.config_yaml == synthetic_info(1037).config_yaml);
}

TEST_CASE("Summaries in the file equal statistics computed directly from the values") {
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  const SyntheticRun run = write_synthetic_file(file);
  const ResultFileSummary s = read_result_summary(file);
  REQUIRE(s.summaries.size() == 3);  // the scalar outputs, in declared order
  for (std::size_t k = 0; k < 3; ++k) {
    const Summary& got = s.summaries[k];
    INFO(got.name);
    CHECK(got.name == run.outputs[k].name);
    CHECK(got.unit == run.outputs[k].unit);
    CHECK(got.type == run.outputs[k].type);
    std::vector<double> present;
    Moments direct;
    for (std::uint64_t r = 0; r < 1037; ++r) {
      const double v = synthetic_value(k, r, 0);
      direct.add(v);
      if (!std::isnan(v)) present.push_back(v);
    }
    std::sort(present.begin(), present.end());
    CHECK(got.n == present.size());
    CHECK(got.missing == 1037 - present.size());
    CHECK(got.mean == Approx(direct.mean).epsilon(1e-13));
    CHECK(got.sd == Approx(direct.sd()).epsilon(1e-12));
    CHECK(got.se == Approx(direct.sd() / std::sqrt(static_cast<double>(present.size()))).epsilon(1e-12));
    CHECK(got.min == present.front());
    CHECK(got.max == present.back());
    CHECK(got.p05 == quantile_sorted(present, 0.05));
    CHECK(got.p25 == quantile_sorted(present, 0.25));
    CHECK(got.p50 == quantile_sorted(present, 0.50));
    CHECK(got.p75 == quantile_sorted(present, 0.75));
    CHECK(got.p95 == quantile_sorted(present, 0.95));
    CHECK(got.mean == run.summaries[k].mean);  // what write_summaries returned is what the file holds
  }
  CHECK(s.summaries[2].probability == Approx(346.0 / 1037.0).epsilon(1e-13));
  CHECK(std::isnan(s.summaries[0].probability));
}

TEST_CASE("Bands hold per-index quantiles and means of a series output") {
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  write_synthetic_file(file);
  const ResultFileSummary s = read_result_summary(file);
  REQUIRE(s.bands.size() == 2);
  const Band& b = s.bands[0];
  CHECK(b.name == "adopters");
  CHECK(b.unit == "hospitals");
  CHECK(b.axis == "month");
  REQUIRE(b.length == 6);
  for (std::size_t i = 0; i < 5; ++i) {
    std::vector<double> column;
    double sum = 0;
    for (std::uint64_t r = 0; r < 1037; ++r) {
      column.push_back(synthetic_value(3, r, i));
      sum += column.back();
    }
    std::sort(column.begin(), column.end());
    for (std::size_t q = 0; q < 5; ++q) CHECK(b.quantiles[q][i] == quantile_sorted(column, standard_probabilities[q]));
    CHECK(b.mean[i] == Approx(sum / 1037.0).epsilon(1e-13));
  }
  // Index 5 is missing in every replicate.
  for (std::size_t q = 0; q < 5; ++q) CHECK(std::isnan(b.quantiles[q][5]));
  CHECK(std::isnan(b.mean[5]));
  CHECK(s.bands[1].name == "live_sites");
  CHECK(s.bands[1].length == 4);
}

TEST_CASE("Parameter names with brackets and dots are stored under /parameters") {
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  write_synthetic_file(file, 300, 64);
  const auto values = read_column(file, "/parameters/studies[1].per_patient_cost_usd");
  REQUIRE(values.size() == 300);
  CHECK(values[0] == 8000.0);
  CHECK(values[299] == 8000.0 + 3.5 * 299);
  hdf5::Id f = open_result_file(file);
  hdf5::Id ds = hdf5::open_dataset(f.get(), "/parameters/studies[1].per_patient_cost_usd");
  CHECK(hdf5::read_string_attribute(ds.get(), "unit") == "USD");
}

TEST_CASE("A run that stops early records only the replicates it wrote") {
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  SyntheticRun run;
  {
    ResultWriter writer(file, synthetic_info(1000), run.outputs, synthetic_parameters());
    write_rows(writer, run, 300, 100);
    writer.write_summaries(run.moments);
    writer.commit(0.1);
  }
  CHECK(read_column(file, "/replicates/cost_usd").size() == 300);
  CHECK(read_column(file, "/timeseries/adopters").size() == 300 * 6);
  const ResultFileSummary s = read_result_summary(file);
  CHECK(s.attributes.at("replicates") == "300");
  CHECK(s.summaries[1].n + s.summaries[1].missing == 300);
}

TEST_CASE("More replicates than planned grow the datasets") {
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  SyntheticRun run;
  {
    ResultWriter writer(file, synthetic_info(50), run.outputs, synthetic_parameters());
    write_rows(writer, run, 250, 100);
    writer.commit(0.1);
  }
  CHECK(read_column(file, "/replicates/patients").size() == 250);
  CHECK(read_column(file, "/timeseries/live_sites").size() == 250 * 4);
}

TEST_CASE("The Python checker accepts a written file and rejects a missing output") {
  if (std::system("/usr/bin/python3 -c 'import h5py, numpy' >/dev/null 2>&1") != 0) {
    WARN("/usr/bin/python3 with h5py and numpy is not available: checker not exercised");
    return;
  }
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  write_synthetic_file(file);
  const std::string checker = "/usr/bin/python3 " SAMDSIM_SOURCE_DIR "/tests/python/check_result_file.py ";
  const std::string quiet = " >/dev/null 2>&1";
  CHECK(std::system((checker + file.string() + " cost_usd=USD patients authorized adopters live_sites" + quiet).c_str()) == 0);
  CHECK(std::system((checker + file.string() + " cost_usd no_such_output" + quiet).c_str()) != 0);
  CHECK(std::system((checker + file.string() + " cost_usd=EUR" + quiet).c_str()) != 0);
}
