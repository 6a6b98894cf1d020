#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/result_writer.hpp"

using namespace samdsim;
namespace fs = std::filesystem;

namespace {

constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();

// A fresh directory per test, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("samdsim-result-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::vector<OutputSpec> synthetic_outputs() {
  return {
      {"cost_usd", "USD", "total cost", ValueType::Real, 0, ""},
      {"patients", "patients", "patients enrolled", ValueType::Integer, 0, ""},
      {"authorized", "", "authorized by the horizon", ValueType::Boolean, 0, ""},
      {"adopters", "hospitals", "adopting hospitals", ValueType::Real, 6, "month"},
      {"live_sites", "sites", "live sites", ValueType::Integer, 4, "month"},
  };
}

std::vector<ParameterColumn> synthetic_parameters() {
  return {{"studies[1].per_patient_cost_usd", "USD"}, {"fda_review_days", "days"}};
}

// Value of output k (index i of a series) for replicate r: a deterministic
// pattern with missing values, so expectations can be computed independently.
double synthetic_value(std::size_t k, std::uint64_t r, std::size_t i) {
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

double synthetic_parameter(std::size_t j, std::uint64_t r) {
  return j == 0 ? 8000.0 + 3.5 * static_cast<double>(r) : 200.0 + static_cast<double>(r % 13);
}

struct SyntheticRun {
  std::vector<OutputSpec> outputs = synthetic_outputs();
  std::vector<Moments> moments;
  std::vector<Summary> summaries;
};

// Writes `replicates` rows in blocks the way the runner does, accumulating
// each block's moments and merging them in block order.
void write_rows(ResultWriter& writer, SyntheticRun& run, std::uint64_t replicates, std::size_t block_size) {
  Block block(run.outputs, 2, block_size);
  run.moments.assign(run.outputs.size(), Moments{});
  for (std::uint64_t first = 0; first < replicates; first += block_size) {
    const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(block_size, replicates - first));
    block.reset(first, count);
    for (std::size_t k = 0; k < run.outputs.size(); ++k) {
      Moments m;
      for (std::size_t b = 0; b < count; ++b) {
        auto values = block.output(k, b);
        for (std::size_t i = 0; i < values.size(); ++i) values[i] = synthetic_value(k, first + b, i);
        if (!run.outputs[k].is_series()) m.add(values[0]);
      }
      run.moments[k].merge(m);
    }
    for (std::size_t j = 0; j < 2; ++j)
      for (std::size_t b = 0; b < count; ++b) block.parameter(j)[b] = synthetic_parameter(j, first + b);
    writer.write_block(block);
  }
}

RunInfo synthetic_info(std::uint64_t replicates) {
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

SyntheticRun write_synthetic_file(const fs::path& path, std::uint64_t replicates = 1037, std::size_t block_size = 128) {
  SyntheticRun run;
  ResultWriter writer(path, synthetic_info(replicates), run.outputs, synthetic_parameters());
  write_rows(writer, run, replicates, block_size);
  run.summaries = writer.write_summaries(run.moments);
  writer.commit(1.5);
  return run;
}

bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The HDF5 storage class and size of a dataset, e.g. {H5T_INTEGER, 8}.
std::pair<H5T_class_t, std::size_t> stored_type(const fs::path& file, const std::string& dataset) {
  hdf5::Id f = open_result_file(file);
  hdf5::Id ds = hdf5::open_dataset(f.get(), dataset);
  hdf5::Id type(H5Dget_type(ds.get()));
  return {H5Tget_class(type.get()), H5Tget_size(type.get())};
}

}  // namespace

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
  CHECK(s.attributes.at("version") == "1.0");
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

TEST_CASE("An uncommitted writer removes its temporary file and creates nothing under the final name") {
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  fs::path temp;
  {
    SyntheticRun run;
    ResultWriter writer(file, synthetic_info(500), run.outputs, synthetic_parameters());
    temp = writer.temporary_path();
    write_rows(writer, run, 500, 128);
    CHECK(fs::exists(temp));
    CHECK(temp.parent_path() == dir.path);
    CHECK_FALSE(fs::exists(file));
  }
  CHECK_FALSE(fs::exists(temp));
  CHECK_FALSE(fs::exists(file));
  CHECK(fs::is_empty(dir.path));
}

TEST_CASE("An existing result file stays byte-identical until a new run commits") {
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  write_synthetic_file(file, 200, 64);
  const std::string before = read_bytes(file);
  {
    SyntheticRun run;
    ResultWriter writer(file, synthetic_info(400), run.outputs, synthetic_parameters());
    write_rows(writer, run, 400, 64);
    writer.write_summaries(run.moments);
  }
  CHECK(read_bytes(file) == before);
  write_synthetic_file(file, 400, 64);
  CHECK(read_result_summary(file).attributes.at("replicates") == "400");
}

TEST_CASE("A missing output directory is an InputError naming it") {
  TempDir dir;
  const fs::path missing = dir.path / "no-such-dir";
  SyntheticRun run;
  try {
    ResultWriter writer(missing / "out.h5", synthetic_info(10), run.outputs, {});
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Contains(missing.string()));
  }
  CHECK_FALSE(fs::exists(missing));
}

TEST_CASE("An output path below a regular file is an InputError") {
  TempDir dir;
  std::ofstream(dir.path / "plain.txt") << "not a directory";
  SyntheticRun run;
  CHECK_THROWS_AS(ResultWriter(dir.path / "plain.txt" / "out.h5", synthetic_info(10), run.outputs, {}), InputError);
}

TEST_CASE("An unwritable output directory is an InputError and leaves nothing behind") {
  if (::geteuid() == 0) {
    WARN("running as root, which may write anywhere: permission check not exercised");
    return;
  }
  TempDir dir;
  const fs::path locked = dir.path / "locked";
  fs::create_directory(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  SyntheticRun run;
  CHECK_THROWS_AS(ResultWriter(locked / "out.h5", synthetic_info(10), run.outputs, {}), InputError);
  fs::permissions(locked, fs::perms::owner_all);
  CHECK(fs::is_empty(locked));
}

TEST_CASE("Duplicate or slash-containing parameter names are an InputError") {
  TempDir dir;
  SyntheticRun run;
  CHECK_THROWS_AS(ResultWriter(dir.path / "a.h5", synthetic_info(10), run.outputs, {{"a/b", ""}}), InputError);
  CHECK_THROWS_AS(ResultWriter(dir.path / "b.h5", synthetic_info(10), run.outputs, {{"x", ""}, {"x", ""}}), InputError);
  CHECK(fs::is_empty(dir.path));
}

TEST_CASE("Blocks out of order are rejected") {
  TempDir dir;
  SyntheticRun run;
  ResultWriter writer(dir.path / "out.h5", synthetic_info(100), run.outputs, synthetic_parameters());
  Block block(run.outputs, 2, 10);
  block.reset(10, 10);
  CHECK_THROWS_AS(writer.write_block(block), InternalError);
}

TEST_CASE("Integer outputs that are not whole numbers are rejected") {
  TempDir dir;
  SyntheticRun run;
  ResultWriter writer(dir.path / "out.h5", synthetic_info(10), run.outputs, synthetic_parameters());
  Block block(run.outputs, 2, 10);
  block.reset(0, 10);
  for (std::size_t k = 0; k < run.outputs.size(); ++k)
    for (double& v : block.output(k)) v = 1.0;
  block.output(1)[4] = 2.5;
  CHECK_THROWS_WITH(writer.write_block(block), Catch::Contains("patients") && Catch::Contains("replicate 4"));
}

TEST_CASE("A write failure is an InternalError and leaves no file under the final name") {
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  // A file-size limit makes the kernel refuse writes, like a full disk.
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  ::getrlimit(RLIMIT_FSIZE, &old);
  rlimit small = old;
  small.rlim_cur = 64 * 1024;
  ::setrlimit(RLIMIT_FSIZE, &small);
  std::vector<OutputSpec> outputs = {{"noise", "", "", ValueType::Real, 0, ""}};
  std::string message;
  try {
    ResultWriter writer(file, synthetic_info(200000), outputs, {});
    Block block(outputs, 0, 10000);
    std::uint64_t state = 12345;
    for (std::uint64_t first = 0; first < 200000; first += 10000) {
      block.reset(first, 10000);
      for (double& v : block.output(0)) {  // incompressible, so the data really reach the disk
        state = state * 6364136223846793005u + 1442695040888963407u;
        v = static_cast<double>(state >> 11);
      }
      writer.write_block(block);
    }
    writer.commit(0.0);
  } catch (const InternalError& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  CHECK_THAT(message, Catch::Contains("out.h5"));
  CHECK_FALSE(fs::exists(file));
  CHECK(fs::is_empty(dir.path));
}

TEST_CASE("Reading a missing file is an InputError naming it") {
  TempDir dir;
  CHECK_THROWS_WITH(read_result_summary(dir.path / "absent.h5"), Catch::Contains("absent.h5"));
  CHECK_THROWS_AS(read_result_summary(dir.path / "absent.h5"), InputError);
}

TEST_CASE("Reading a file that is not HDF5 is an InputError naming it") {
  TempDir dir;
  const fs::path file = dir.path / "notes.h5";
  std::ofstream(file) << "model: us_pathway\n";
  CHECK_THROWS_AS(read_result_summary(file), InputError);
  CHECK_THROWS_WITH(read_column(file, "/replicates/x"), Catch::Contains("notes.h5") && Catch::Contains("not an HDF5"));
}

TEST_CASE("Reading an HDF5 file that is not a samdsim result is an InputError") {
  TempDir dir;
  const fs::path file = dir.path / "other.h5";
  hdf5::Id f(H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  REQUIRE(f);
  hdf5::write_string_attribute(f.get(), "filetype", "statepoint");
  f.close("closing");
  CHECK_THROWS_WITH(read_result_summary(file), Catch::Contains("not a samdsim result") && Catch::Contains("statepoint"));
}

TEST_CASE("Reading a result file of a newer major format version is an InputError") {
  TempDir dir;
  const fs::path file = dir.path / "future.h5";
  write_synthetic_file(file, 50, 50);
  {
    hdf5::Id f(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    REQUIRE(f);
    hdf5::write_string_attribute(f.get(), "version", "2.0");
    f.close("closing");
  }
  CHECK_THROWS_AS(read_result_summary(file), InputError);
  CHECK_THROWS_WITH(read_result_summary(file), Catch::Contains("2.0") && Catch::Contains("newer"));
}

TEST_CASE("Reading a dataset the file lacks is an InputError") {
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  write_synthetic_file(file, 50, 50);
  CHECK_THROWS_AS(read_column(file, "/replicates/nothing"), InputError);
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
