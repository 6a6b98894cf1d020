// `samdsim voi` on result files: what it writes, that it keeps other
// analyses, and the bad input it refuses.
#include <catch2/catch.hpp>

#include <algorithm>

#include "cli_fixture.hpp"
#include "samdsim/hdf5_attribute.hpp"
#include "samdsim/hdf5_file.hpp"
#include "samdsim/result_reader.hpp"

using namespace samdsim;

namespace {

std::vector<double> doubles(const fs::path& file, const std::string& name) {
  hdf5::Id f = open_result_file(file);
  hdf5::Id ds = hdf5::open_dataset(f.get(), name);
  std::vector<double> v(hdf5::dataset_shape(ds.get()).at(0));
  hdf5::read_doubles(ds.get(), 0, v.size(), 0, 1, v);
  return v;
}

double attribute(const fs::path& file, const std::string& group, const std::string& name) {
  hdf5::Id f = open_result_file(file);
  hdf5::Id g = hdf5::open_group(f.get(), group);
  return hdf5::read_double_attribute(g.get(), name).value_or(-1.0);
}

bool has(const fs::path& file, const std::string& path) {
  hdf5::Id f = open_result_file(file);
  return hdf5::link_exists(f.get(), path);
}

struct Fixture {
  fs::path dir = scratch("voi_cli");
  fs::path out = dir / "a.h5";
  Fixture() {
    write(dir, "a.yaml", small_adoption_config(36));
    const Result r = run("run " + (dir / "a.yaml").string() + " --replicates 2000 --progress never -o " + out.string(), dir);
    if (r.status != 0) throw std::runtime_error(r.err);
  }
};

}  // namespace

TEST_CASE("samdsim voi writes EVPI and ranked EVPPI under /voi and keeps the data and other analyses") {
  Fixture f;
  REQUIRE(run("sensitivity " + f.out.string() + " --bootstrap 20 --no-tornado", f.dir).status == 0);
  REQUIRE(shell("cp " + f.out.string() + " " + (f.dir / "orig.h5").string()) == 0);
  for (int pass = 0; pass < 2; ++pass) {  // a second analysis replaces the first
    const Result r = run("voi " + f.out.string() + " --incremental hospital_npv --draws 20 --group adoption="
                         "adoption.bass_p_per_year,adoption.bass_q_per_year",
                         f.dir);
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("EVPI"));
  }
  const double evpi = attribute(f.out, "/voi", "evpi"), evpi_se = attribute(f.out, "/voi", "evpi_se");
  CHECK(evpi > 0.0);
  const auto evppi = doubles(f.out, "/voi/evppi");
  REQUIRE(evppi.size() == 1);  // only the group was asked for
  CHECK(evppi[0] >= 0.0);
  CHECK(evppi[0] <= evpi + 3 * evpi_se);
  CHECK(has(f.out, "/sensitivity"));
  CHECK(shell("h5diff " + (f.dir / "orig.h5").string() + " " + f.out.string() + " /replicates /replicates") == 0);
  CHECK(shell("h5diff " + (f.dir / "orig.h5").string() + " " + f.out.string() + " /sensitivity /sensitivity") == 0);

  // Every drawn parameter, ranked by EVPPI.
  REQUIRE(run("voi " + f.out.string() + " --incremental hospital_npv --draws 20", f.dir).status == 0);
  const auto ranked = doubles(f.out, "/voi/evppi");
  CHECK(ranked.size() == 10);  // the US stroke example's drawn parameters
  CHECK(std::is_sorted(ranked.rbegin(), ranked.rend()));
}

TEST_CASE("samdsim voi refuses a decision it cannot value, with status 2 and the file untouched") {
  Fixture f;
  const std::string earlier = slurp(f.out);
  const std::string file = f.out.string();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"voi " + file, "--option NAME"},
      {"voi " + file + " --option hospital_npv", "two or more options"},
      {"voi " + file + " --incremental hospital_nvp", "did you mean 'hospital_npv'"},
      {"voi " + file + " --option hospital_npv --option cumulative_staff_hours_saved", "must share a unit"},
      {"voi " + file + " --incremental hospital_npv --parameter bass_p", "no drawn parameter"},
      {"voi " + file + " --incremental hospital_npv --group =adoption.bass_p_per_year", "LABEL=PARAMETER"},
      {"voi " + file + " --incremental months_to_50pct_adoption", "at least 100"},
      {"voi " + file + " --incremental hospital_npv --point 2", "not a sweep"},
      {"voi " + file + " --incremental hospital_npv --population -3", "--population"},
  };
  for (const auto& [args, message] : cases) {
    const Result r = run(args, f.dir);
    INFO(args << "\n" << r.err);
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains(message));
  }
  CHECK(slurp(f.out) == earlier);
}
