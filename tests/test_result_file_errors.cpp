#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <catch2/catch.hpp>

#include "result_file_fixture.hpp"
#include "samdsim/error.hpp"
#include "samdsim/hdf5_attribute.hpp"

using namespace samdsim;
using namespace samdsim::testing;

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

TEST_CASE("A failed HDF5 call names the object and keeps the library's reason, though its message is built late") {
  // The messages of calls that usually succeed are built only on failure,
  // after HDF5's error stack is read (describing the object clears it).
  TempDir dir;
  const fs::path path = dir.path / "groups.h5";
  hdf5::initialize();
  const hdf5::Id file = hdf5::check(H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), "create");
  const hdf5::Id group = hdf5::create_group(file.get(), "g");
  const auto message_of = [](const auto& call) {
    try {
      call();
    } catch (const InternalError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string twice = message_of([&] { hdf5::create_group(file.get(), "g"); });
  CHECK_THAT(twice, Catch::Contains("cannot create group 'g' under '/' in '") && Catch::Contains("groups.h5"));
  const std::string missing = message_of([&] { hdf5::open_dataset(group.get(), "nothing"); });
  CHECK_THAT(missing, Catch::Contains("cannot open dataset 'nothing' in '/g' in '"));
  hdf5::write_double_attribute(group.get(), "x", 1.0);
  const std::string shape = message_of([&] { hdf5::dataset_shape(group.get()); });
  CHECK_THAT(shape, Catch::Contains("cannot get the dataspace of '/g'"));
  for (const std::string& m : {twice, missing, shape}) {
    INFO(m);
    CHECK_THAT(m, !Catch::Contains("unknown HDF5 error"));
  }
}

// Last in the file: HDF5 cannot release a file whose final write failed, and
// later tests in the same process would make that visible to LeakSanitizer.
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
