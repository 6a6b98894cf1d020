// The hospital_adoption example scenarios run through the samdsim program as
// a user runs them: validate, run, summarize, and the HDF5 layout read back
// with h5py.
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "scratch_root.hpp"

namespace fs = std::filesystem;

namespace {

struct Result {
  int status = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path scratch(const std::string& name) {
  const fs::path dir = samdsim_tests::scratch_root("samdsim_hospital_cli_") / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

Result shell(const std::string& command, const fs::path& dir) {
  const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  const std::string cmd = command + " >" + out.string() + " 2>" + err.string();
  const int raw = std::system(cmd.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
}

Result samdsim(const std::string& args, const fs::path& dir) {
  return shell(std::string(SAMDSIM_BINARY) + " " + args, dir);
}

const fs::path configs = fs::path(SAMDSIM_SOURCE_DIR) / "configs";
struct Example {
  const char* name;
  const char* currency;
};
const Example scenarios[] = {{"hospital_adoption_japan_ct", "JPY"}, {"hospital_adoption_us_stroke_lvo", "USD"}};

// Reads the result file with h5py (Debian's python3-h5py) and prints what the
// test checks: shapes, the band quantiles, units and an identity.
const char* const reader = R"(import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
a = f["timeseries/adopted_hospitals"]
b = f["bands/adopted_hospitals"]
print("timeseries", a.shape[0], a.shape[1])
print("bands", b.shape[0], b.shape[1])
print("quantiles", " ".join("%g" % q for q in b.attrs["quantiles"]))
u = f["timeseries/hospital_net_benefit"].attrs["unit"]
print("unit", u.decode() if isinstance(u, bytes) else u)
med = np.median(a[:, -1])
print("median_matches", int(abs(b[2, -1] - med) < 1e-9))
print("horizon_matches", int(np.array_equal(a[:, -1], f["replicates/adopters_at_horizon"][:])))
)";

}  // namespace

TEST_CASE("The example scenarios validate, run, summarize and store series with bands") {
  const fs::path dir = scratch("scenarios");
  std::ofstream(dir / "read.py") << reader;
  for (const auto& [name, currency] : scenarios) {
    INFO(name);
    const fs::path config = configs / (std::string(name) + ".yaml");
    Result v = samdsim("validate " + config.string(), dir);
    CHECK(v.status == 0);
    CHECK(v.out.find("hospital_adoption") != std::string::npos);

    const fs::path file = dir / (std::string(name) + ".h5");
    const std::string options = " --replicates 40 --threads 2 --progress never";
    Result r = samdsim("run " + config.string() + " -o " + file.string() + options, dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    REQUIRE(fs::exists(file));

    Result s = samdsim("summarize " + file.string(), dir);
    CHECK(s.status == 0);
    for (const char* scalar : {"adopters_at_horizon", "months_to_10pct_adoption", "hospital_npv", "vendor_npv",
                               "median_payback_months", "cumulative_staff_hours_saved"})
      CHECK(s.out.find(scalar) != std::string::npos);
    CHECK(s.out.find("adopted_hospitals [hospital] by month (60 values)") != std::string::npos);
    CHECK(s.out.find("hospital_net_benefit [" + std::string(currency) + "/month]") != std::string::npos);

    Result h = shell("/usr/bin/python3 " + (dir / "read.py").string() + " " + file.string(), dir);
    INFO(h.err);
    REQUIRE(h.status == 0);
    CHECK(h.out.find("timeseries 40 60") != std::string::npos);
    CHECK(h.out.find("bands 5 60") != std::string::npos);
    CHECK(h.out.find("quantiles 0.05 0.25 0.5 0.75 0.95") != std::string::npos);
    CHECK(h.out.find("median_matches 1") != std::string::npos);
    CHECK(h.out.find("horizon_matches 1") != std::string::npos);
    CHECK(h.out.find("unit " + std::string(currency) + "/month") != std::string::npos);
    // Triage outputs exist only where triage is enabled (the US scenario).
    CHECK((s.out.find("positive_wait_minutes_priority") != std::string::npos) == (std::string(currency) == "USD"));
  }
  fs::remove_all(dir);
}

TEST_CASE("A scenario with too many hospitals exits with status 2 and a located message") {
  const fs::path dir = scratch("too_many");
  std::string text = slurp(configs / "hospital_adoption_japan_ct.yaml");
  const std::string from = "count: 3107";
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), "count: 99000");
  std::ofstream(dir / "big.yaml") << text;
  Result r = samdsim("run " + (dir / "big.yaml").string() + " -o " + (dir / "big.h5").string() + " --progress never",
                     dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("big.yaml:") != std::string::npos);
  CHECK(r.err.find("parameters.strata: the strata hold 104131 hospitals in total") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "big.h5"));
  fs::remove_all(dir);
}
