// The writer filters and stores chunks itself (shuffle, deflate,
// Fletcher-32, then H5Dwrite_chunk): checked against HDF5's own filter
// pipeline (byte for byte, or before deflate where level 1 uses another
// zlib strategy), across chunk boundaries, checkpoints and resumes.

#include <catch2/catch.hpp>
#include <zlib.h>

#include "result_file_fixture.hpp"
#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/result_compact.hpp"
#include "samdsim/random.hpp"
#include "samdsim/runner.hpp"

using namespace samdsim;
using namespace samdsim::testing;

namespace {

std::vector<std::string> stored_datasets(hid_t file) {
  std::vector<std::string> paths;
  for (const char* group : {"replicates", "timeseries", "parameters"}) {
    if (!hdf5::link_exists(file, group)) continue;
    hdf5::Id g = hdf5::open_group(file, group);
    for (const auto& name : hdf5::member_names(g.get())) paths.push_back(std::string(group) + "/" + name);
  }
  return paths;
}

// What a stored chunk held before deflate (its checksum stripped and its
// zlib stream inflated): deflate at level 1 uses another zlib strategy than
// HDF5, so those chunks are compared before deflate.
std::string inflated(const std::string& stored, std::size_t raw_bytes) {
  std::string out(raw_bytes, '\0');
  uLongf size = raw_bytes;
  REQUIRE(stored.size() > 4);
  REQUIRE(uncompress(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(stored.data()),
                     static_cast<uLong>(stored.size() - 4)) == Z_OK);
  CHECK(size == raw_bytes);
  return out;
}

// Every stored chunk of `path`, as raw filtered bytes, in chunk order.
std::vector<std::string> raw_chunks(hid_t dataset) {
  hdf5::Id space(H5Dget_space(dataset));
  hsize_t chunks = 0;
  REQUIRE(H5Dget_num_chunks(dataset, space.get(), &chunks) >= 0);
  std::vector<std::string> out;
  for (hsize_t i = 0; i < chunks; ++i) {
    hsize_t offset[2] = {0, 0};
    unsigned mask = 0;
    haddr_t address = 0;
    hsize_t size = 0;
    REQUIRE(H5Dget_chunk_info(dataset, space.get(), i, offset, &mask, &address, &size) >= 0);
    CHECK(mask == 0);  // every filter applied
    std::string bytes(size, '\0');
    std::uint32_t read_mask = 0;
    REQUIRE(H5Dread_chunk(dataset, H5P_DEFAULT, offset, &read_mask, bytes.data()) >= 0);
    out.push_back(std::to_string(offset[0]) + "," + std::to_string(offset[1]) + ":" + bytes);
  }
  return out;
}

// Rewrites each dataset of `file` through HDF5's own pipeline (same creation
// properties, values written with H5Dwrite) and compares the stored chunks.
void check_chunks_match_hdf5(const fs::path& file, const fs::path& scratch) {
  hdf5::Id f = open_result_file(file);
  hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  hdf5::Id copy(H5Fcreate(scratch.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT));
  H5Pclose(fcpl);
  const auto paths = stored_datasets(f.get());
  REQUIRE(!paths.empty());
  int k = 0;
  for (const auto& path : paths) {
    INFO(path);
    hdf5::Id ds = hdf5::open_dataset(f.get(), path);
    hdf5::Id type(H5Dget_type(ds.get()));
    hdf5::Id space(H5Dget_space(ds.get()));
    hdf5::Id dcpl(H5Dget_create_plist(ds.get()));
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
    std::string values(n * H5Tget_size(type.get()), '\0');
    REQUIRE(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
    const std::string name = "d" + std::to_string(k++);
    hdf5::Id theirs(H5Dcreate2(copy.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    REQUIRE(theirs.get() >= 0);
    REQUIRE(H5Dwrite(theirs.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
    REQUIRE(H5Fflush(copy.get(), H5F_SCOPE_GLOBAL) >= 0);
    auto ours = raw_chunks(ds.get());
    auto hdf5_own = raw_chunks(theirs.get());
    CHECK(ours.size() >= 1);
    REQUIRE(ours.size() == hdf5_own.size());
    unsigned flags = 0, config = 0, level[1] = {0};
    std::size_t count = 1;
    if (H5Pget_filter_by_id2(dcpl.get(), H5Z_FILTER_DEFLATE, &flags, &count, level, 0, nullptr, &config) >= 0 &&
        level[0] == 1) {
      hsize_t chunk[2] = {1, 1};
      const int rank = H5Pget_chunk(dcpl.get(), 2, chunk);
      const std::size_t raw_bytes = chunk[0] * (rank == 2 ? chunk[1] : 1) * H5Tget_size(type.get());
      for (std::size_t i = 0; i < ours.size(); ++i) {
        const auto colon_a = ours[i].find(':'), colon_b = hdf5_own[i].find(':');
        CHECK(ours[i].substr(0, colon_a) == hdf5_own[i].substr(0, colon_b));
        CHECK(inflated(ours[i].substr(colon_a + 1), raw_bytes) == inflated(hdf5_own[i].substr(colon_b + 1), raw_bytes));
      }
      H5Eclear2(H5E_DEFAULT);
      continue;
    }
    H5Eclear2(H5E_DEFAULT);
    CHECK(ours == hdf5_own);
  }
}

struct Filters {
  int deflate = -1;  // -1: no deflate
  bool shuffle = false, fletcher32 = false;
};

Filters filters_of(const fs::path& file, const std::string& path) {
  hdf5::Id f = open_result_file(file);
  hdf5::Id ds = hdf5::open_dataset(f.get(), path);
  hdf5::Id dcpl(H5Dget_create_plist(ds.get()));
  Filters out;
  for (int i = 0; i < H5Pget_nfilters(dcpl.get()); ++i) {
    unsigned flags = 0, config = 0, values[4] = {};
    std::size_t count = 4;
    const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &count, values, 0, nullptr, &config);
    if (id == H5Z_FILTER_DEFLATE) out.deflate = static_cast<int>(values[0]);
    if (id == H5Z_FILTER_SHUFFLE) out.shuffle = true;
    if (id == H5Z_FILTER_FLETCHER32) out.fletcher32 = true;
  }
  return out;
}

// Writes rows [from, to) of the synthetic run in blocks of `block_size` and
// returns their moments, merged block by block as the runner does.
std::vector<Moments> write_range(ResultWriter& writer, const std::vector<OutputSpec>& outputs, std::uint64_t from,
                                 std::uint64_t to, std::size_t block_size) {
  std::vector<Moments> total(outputs.size());
  Block block(outputs, 2, block_size);
  for (std::uint64_t first = from; first < to; first += block_size) {
    const auto count = static_cast<std::size_t>(std::min<std::uint64_t>(block_size, to - first));
    block.reset(first, count);
    for (std::size_t k = 0; k < outputs.size(); ++k) {
      for (std::size_t b = 0; b < count; ++b) {
        auto values = block.output(k, b);
        for (std::size_t i = 0; i < values.size(); ++i) values[i] = synthetic_value(k, first + b, i);
      }
      if (!outputs[k].is_series()) total[k].merge(Moments::of(block.output(k)));
    }
    for (std::size_t j = 0; j < 2; ++j)
      for (std::size_t b = 0; b < count; ++b) block.parameter(j)[b] = synthetic_parameter(j, first + b);
    writer.write_block(block);
  }
  return total;
}

void check_synthetic_values(const fs::path& file, std::uint64_t rows) {
  const auto outputs = synthetic_outputs();
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    std::vector<double> expected;
    for (std::uint64_t r = 0; r < rows; ++r)
      for (std::size_t i = 0; i < outputs[k].width(); ++i) expected.push_back(synthetic_value(k, r, i));
    INFO(outputs[k].name);
    CHECK(same_values(read_column(file, (outputs[k].is_series() ? "/timeseries/" : "/replicates/") + outputs[k].name),
                      expected));
  }
  for (std::size_t j = 0; j < 2; ++j) {
    std::vector<double> expected;
    for (std::uint64_t r = 0; r < rows; ++r) expected.push_back(synthetic_parameter(j, r));
    CHECK(same_values(read_column(file, "/parameters/" + synthetic_parameters()[j].name), expected));
  }
}

}  // namespace

TEST_CASE("Chunks the writer stores are those HDF5's own filters store, byte for byte or before deflate at level 1") {
  TempDir dir;
  // 1037 rows: one chunk per dataset, an odd byte count for the uint8
  // output; 30000 rows in blocks of 1000: several chunks down, series
  // chunked across, a last chunk partly filled.
  for (const std::uint64_t rows : {std::uint64_t{1037}, std::uint64_t{30000}}) {
    for (const char* levels : {"replicates=1,timeseries=1,parameters=0", "all=6", "all=0", "replicates=9,parameters=2"}) {
      INFO(rows << " rows, " << levels);
      const fs::path file = dir.path / "out.h5";
      RunInfo info = synthetic_info(rows);
      info.compression = parse_compression(levels);
      SyntheticRun run;
      {
        ResultWriter writer(file, info, run.outputs, synthetic_parameters());
        run.moments = write_range(writer, run.outputs, 0, rows, rows == 1037 ? 128 : 1000);
        writer.write_summaries(run.moments);
        writer.commit(0.1);
      }
      check_synthetic_values(file, rows);
      check_chunks_match_hdf5(file, dir.path / "hdf5.h5");
      fs::remove(file);
    }
  }
}

TEST_CASE("A series chunked across with padding columns is stored as HDF5 stores it, chunk row after chunk row") {
  // 20 months in chunks 8 wide: the last chunk column holds 4 months and 4
  // padding columns, which keep the fill value in every chunk row although
  // the writer reuses each chunk's memory for the next row.
  TempDir dir;
  const std::vector<OutputSpec> outputs = {{"cost_usd", "USD", "total cost", ValueType::Real, 0, ""},
                                           {"adopters", "hospitals", "adopting hospitals", ValueType::Real, 20, "month"}};
  for (const char* levels : {"all=6", "all=0"}) {
    INFO(levels);
    const fs::path file = dir.path / "wide.h5";
    RunInfo info = synthetic_info(30000);
    info.compression = parse_compression(levels);
    {
      ResultWriter writer(file, info, outputs, synthetic_parameters());
      const auto moments = write_range(writer, outputs, 0, 30000, 1000);
      writer.write_summaries(moments);
      writer.commit(0.1);
    }
    check_chunks_match_hdf5(file, dir.path / "hdf5.h5");
    fs::remove(file);
  }
}

TEST_CASE("At level 1 the byte planes of random values are stored within the zlib stream and read back exactly") {
  TempDir dir;
  const fs::path file = dir.path / "random.h5";
  const std::vector<OutputSpec> outputs = {{"cost_usd", "USD", "total cost", ValueType::Real, 0, ""},
                                           {"visits", "visits", "visits", ValueType::Integer, 0, ""},
                                           {"rate", "", "rate", ValueType::Real, 0, ""}};
  const std::uint64_t rows = 40000;
  std::vector<double> cost(rows), visits(rows), rate(rows);
  Stream rng(7, 0, 0);
  for (std::uint64_t r = 0; r < rows; ++r) {
    cost[r] = 1000.0 + 1000.0 * rng.uniform();  // low bytes random: stored from the first plane
    visits[r] = static_cast<double>(r % 7);      // every plane compresses
    // A float's precision: the four low planes are zeros, the next two
    // random, the top two compressible, so the level drops to 0 after
    // compressed planes and rises again.
    rate[r] = static_cast<double>(static_cast<float>(rng.uniform()));
  }
  {
    ResultWriter writer(file, synthetic_info(rows), outputs, {});
    std::vector<Moments> total(outputs.size());
    Block block(outputs, 0, 1000);
    for (std::uint64_t first = 0; first < rows; first += 1000) {
      block.reset(first, 1000);
      for (std::size_t b = 0; b < 1000; ++b) {
        block.output(0, b)[0] = cost[first + b];
        block.output(1, b)[0] = visits[first + b];
        block.output(2, b)[0] = rate[first + b];
      }
      for (std::size_t k = 0; k < outputs.size(); ++k) total[k].merge(Moments::of(block.output(k)));
      writer.write_block(block);
    }
    writer.write_summaries(total);
    writer.commit(0.1);
  }
  CHECK(same_values(read_column(file, "/replicates/cost_usd"), cost));
  CHECK(same_values(read_column(file, "/replicates/visits"), visits));
  CHECK(same_values(read_column(file, "/replicates/rate"), rate));
  check_chunks_match_hdf5(file, dir.path / "hdf5.h5");
  // The random columns' streams differ from zlib's level 1 of the same
  // bytes (stored blocks) and are no larger than it beyond a few bytes per
  // plane.
  hdf5::Id f = open_result_file(file);
  for (const char* path : {"replicates/cost_usd", "replicates/rate"}) {
    INFO(path);
    hdf5::Id ds = hdf5::open_dataset(f.get(), path);
    hdf5::Id dcpl(H5Dget_create_plist(ds.get()));
    hsize_t chunk_rows = 0;
    REQUIRE(H5Pget_chunk(dcpl.get(), 1, &chunk_rows) == 1);
    const auto chunks = raw_chunks(ds.get());
    REQUIRE(chunks.size() >= 2);
    for (const std::string& c : chunks) {
      const std::string stored = c.substr(c.find(':') + 1);
      const std::string shuffled = inflated(stored, chunk_rows * 8);
      z_stream z{};
      REQUIRE(deflateInit2(&z, 1, Z_DEFLATED, 15, 8, Z_RLE) == Z_OK);
      std::string plain(deflateBound(&z, static_cast<uLong>(shuffled.size())), '\0');
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(shuffled.data()));
      z.avail_in = static_cast<uInt>(shuffled.size());
      z.next_out = reinterpret_cast<Bytef*>(plain.data());
      z.avail_out = static_cast<uInt>(plain.size());
      REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
      plain.resize(z.total_out);
      deflateEnd(&z);
      const std::string stream = stored.substr(0, stored.size() - 4);  // without the checksum
      CHECK(stream != plain);
      CHECK(stream.size() <= plain.size() + 64);
      CHECK(stream.size() < shuffled.size());
    }
  }
}

TEST_CASE("Each group is stored with its own deflate level, always with a checksum") {
  TempDir dir;
  const fs::path file = dir.path / "out.h5";
  SyntheticRun run;
  {
    RunInfo info = synthetic_info(500);
    info.compression = parse_compression("timeseries=4,parameters=2,replicates=0");
    ResultWriter writer(file, info, run.outputs, synthetic_parameters());
    run.moments = write_range(writer, run.outputs, 0, 500, 100);
    writer.write_summaries(run.moments);
    writer.commit(0.1);
  }
  const Filters replicates = filters_of(file, "/replicates/cost_usd");
  const Filters series = filters_of(file, "/timeseries/adopters");
  const Filters parameters = filters_of(file, "/parameters/fda_review_days");
  CHECK((replicates.deflate == -1 && !replicates.shuffle && replicates.fletcher32));
  CHECK((series.deflate == 4 && series.shuffle && series.fletcher32));
  CHECK((parameters.deflate == 2 && parameters.shuffle && parameters.fletcher32));
  CHECK(read_result_summary(file).attributes.at("compression") == "replicates=0,timeseries=4,parameters=2");

  CHECK(compression_text(Compression{}) == "replicates=1,timeseries=1,parameters=0");
  CHECK(parse_compression("all=3") == Compression{3, 3, 3});
  CHECK(parse_compression("all=3,parameters=0") == Compression{3, 3, 0});
  CHECK_THROWS_WITH(parse_compression("weights=1"), Catch::Contains("unknown group 'weights'"));
  CHECK_THROWS_WITH(parse_compression("replicates=10"), Catch::Contains("deflate level 0-9"));
  CHECK_THROWS_WITH(parse_compression("replicates"), Catch::Contains("GROUP=LEVEL"));
  CHECK_THROWS_AS(parse_compression(""), InputError);
}

TEST_CASE("A checkpoint inside a chunk, more rows after it, and a resume from it all read back exactly, with the same summaries") {
  TempDir dir;
  const std::uint64_t rows = 30000;
  // Blocks as the runner makes them (a resume checks the checkpoint's
  // summaries block by block); the stop lies inside a chunk of every dataset.
  const std::size_t block = replicates_per_block;
  const std::uint64_t stop = 14 * block;
  const auto outputs = synthetic_outputs();

  // One writer: a checkpoint stores the partial chunks, then the rows go on.
  const fs::path straight = dir.path / "straight.h5";
  {
    ResultWriter writer(straight, synthetic_info(rows), outputs, synthetic_parameters());
    std::vector<Moments> m = write_range(writer, outputs, 0, stop, block);
    writer.save_checkpoint(m);
    const std::vector<Moments> rest = write_range(writer, outputs, stop, rows, block);
    for (std::size_t k = 0; k < m.size(); ++k) m[k].merge(rest[k]);
    writer.write_summaries(m);
    writer.commit(0.1);
  }
  check_synthetic_values(straight, rows);
  check_chunks_match_hdf5(straight, dir.path / "hdf5.h5");

  // Suspended there, and resumed by a new writer that reads the partial chunk back.
  const fs::path resumed = dir.path / "resumed.h5";
  {
    ResultWriter writer(resumed, synthetic_info(rows), outputs, synthetic_parameters());
    writer.save_checkpoint(write_range(writer, outputs, 0, stop, block));
    writer.suspend();
  }
  {
    ResultWriter writer(resumed, ResultWriter::Resume{});
    writer.take_over();
    auto [done, m] = writer.resume_scenario("", outputs, synthetic_parameters());
    REQUIRE(done == stop);
    const std::vector<Moments> rest = write_range(writer, outputs, stop, rows, block);
    for (std::size_t k = 0; k < m.size(); ++k) m[k].merge(rest[k]);
    writer.write_summaries(m);
    writer.commit(0.1);
  }
  check_synthetic_values(resumed, rows);
  // The straight run summarized the values it kept in memory, the resumed
  // one read them back from the file: the same summaries, bit for bit.
  const ResultFileSummary a = read_result_summary(straight), b = read_result_summary(resumed);
  REQUIRE(a.summaries.size() == 3);
  REQUIRE(b.summaries.size() == 3);
  for (std::size_t k = 0; k < a.summaries.size(); ++k) {
    const Summary &x = a.summaries[k], &y = b.summaries[k];
    INFO(x.name);
    CHECK((x.n == y.n && x.missing == y.missing));
    CHECK((x.mean == y.mean && x.sd == y.sd && x.min == y.min && x.max == y.max));
    CHECK((x.p05 == y.p05 && x.p25 == y.p25 && x.p50 == y.p50 && x.p75 == y.p75 && x.p95 == y.p95));
  }
  for (const auto& o : outputs) {
    const std::string path = (o.is_series() ? "/timeseries/" : "/replicates/") + o.name;
    hdf5::Id a = open_result_file(straight), b = open_result_file(resumed);
    hdf5::Id da = hdf5::open_dataset(a.get(), path), db = hdf5::open_dataset(b.get(), path);
    INFO(path);
    CHECK(raw_chunks(da.get()) == raw_chunks(db.get()));
  }
}

TEST_CASE("A file that keeps only summaries stores no parameters and cannot be resumed as a full one") {
  TempDir dir;
  const auto outputs = synthetic_outputs();
  const fs::path full = dir.path / "full.h5", small = dir.path / "small.h5";
  const std::size_t block = replicates_per_block;
  write_synthetic_file(full, 3000, block);
  {
    RunInfo info = synthetic_info(3000);
    info.kept = OutputsKept::summary;
    ResultWriter writer(small, info, outputs, synthetic_parameters());
    writer.write_summaries(write_range(writer, outputs, 0, 3000, block));
    writer.commit(0.1);
  }
  const ResultFileSummary a = read_result_summary(full), b = read_result_summary(small);
  REQUIRE(a.summaries.size() == b.summaries.size());
  for (std::size_t k = 0; k < a.summaries.size(); ++k) {
    INFO(a.summaries[k].name);
    CHECK(a.summaries[k].mean == b.summaries[k].mean);
    CHECK(a.summaries[k].p50 == b.summaries[k].p50);
    CHECK(a.summaries[k].p95 == b.summaries[k].p95);
  }
  CHECK(b.attributes.at("outputs") == "summary");
  {
    hdf5::Id f = open_result_file(small);
    CHECK_FALSE(hdf5::link_exists(f.get(), "parameters"));
    CHECK_FALSE(hdf5::link_exists(f.get(), "replicates"));
  }

  // Interrupted: its partial file holds no parameter values, so only a summary run can finish it.
  const fs::path out = dir.path / "out.h5";
  {
    RunInfo info = synthetic_info(3000);
    info.kept = OutputsKept::summary;
    ResultWriter writer(out, info, outputs, synthetic_parameters());
    writer.save_checkpoint(write_range(writer, outputs, 0, 2 * block, block));
    writer.suspend();
  }
  {
    ResultWriter writer(out, ResultWriter::Resume{});
    writer.take_over();
    CHECK_THROWS_WITH(writer.set_kept(OutputsKept::all), Catch::Contains("holds no parameter values"));
  }
  ResultWriter writer(out, ResultWriter::Resume{});
  writer.take_over();
  writer.set_kept(OutputsKept::summary);
  auto [done, m] = writer.resume_scenario("", outputs, synthetic_parameters());
  CHECK(done == 2 * block);
  const std::vector<Moments> rest = write_range(writer, outputs, 2 * block, 3000, block);
  for (std::size_t k = 0; k < m.size(); ++k) m[k].merge(rest[k]);
  writer.write_summaries(m);
  writer.commit(0.1);
  const ResultFileSummary c = read_result_summary(out);
  for (std::size_t k = 0; k < a.summaries.size(); ++k) CHECK(a.summaries[k].p50 == c.summaries[k].p50);
}

TEST_CASE("A full partial file resumed as summaries and suspended again still resumes as a full one") {
  TempDir dir;
  const auto outputs = synthetic_outputs();
  const std::size_t block = replicates_per_block;
  const fs::path out = dir.path / "out.h5";
  {
    ResultWriter writer(out, synthetic_info(4000), outputs, synthetic_parameters());
    writer.save_checkpoint(write_range(writer, outputs, 0, block, block));
    writer.suspend();
  }
  const auto resume = [&](OutputsKept kept, std::uint64_t from, std::uint64_t to, bool finish) {
    ResultWriter writer(out, ResultWriter::Resume{});
    writer.take_over();
    CHECK(writer.kept() == OutputsKept::all);  // what the run started with
    writer.set_kept(kept);
    auto [done, m] = writer.resume_scenario("", outputs, synthetic_parameters());
    CHECK(done == from);
    const std::vector<Moments> rest = write_range(writer, outputs, from, to, block);
    for (std::size_t k = 0; k < m.size(); ++k) m[k].merge(rest[k]);
    if (!finish) {
      writer.save_checkpoint(m);
      writer.suspend();
      return;
    }
    writer.write_summaries(m);
    writer.commit(0.1);
  };
  resume(OutputsKept::summary, block, 2 * block, false);
  resume(OutputsKept::all, 2 * block, 4000, true);
  check_synthetic_values(out, 4000);
  CHECK(read_result_summary(out).attributes.at("outputs") == "all");
}
