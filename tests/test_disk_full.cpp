// A full disk or a refused write ends the run with exit status 1, a message
// naming the file and the reason, no file under the final name, no temporary
// file left, and an earlier result at the path untouched.
//
// Two ways to make writes fail: a 1 MiB tmpfs (needs mount rights: root with
// CAP_SYS_ADMIN, as in the CI container; skipped with a warning otherwise),
// and a file-size limit (RLIMIT_FSIZE) on the child process, which works for
// any user and fails writes with EFBIG the way a full disk fails them with ENOSPC.

#include <sys/mount.h>

#include <catch2/catch.hpp>

#include "robustness_fixture.hpp"

using namespace robustness;

namespace {

// Incompressible enough (many drawn parameters over 60000 replicates) to need
// several MiB on disk.
const std::vector<std::string> big_run = {"run", (source_dir / "configs" / "pma_breakthrough_rct.yaml").string(), "-o",
                                          "out.h5", "--replicates", "60000", "--threads", "2", "--progress", "never"};

// A tmpfs mounted for the lifetime of the object, when the system allows it.
struct SmallDisk {
  fs::path path;
  bool mounted = false;
  explicit SmallDisk(const fs::path& where) : path(where) {
    fs::create_directories(path);
    mounted = ::mount("tmpfs", path.c_str(), "tmpfs", 0, "size=1m") == 0;
  }
  ~SmallDisk() {
    if (mounted) ::umount2(path.c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
};

void check_failed_cleanly(const Outcome& o, const fs::path& dir, const std::set<std::string>& before) {
  INFO("status " << o.status << "\nstderr: " << o.err);
  CHECK(o.status == 1);
  CHECK_THAT(o.err, Catch::StartsWith("samdsim: "));
  CHECK_THAT(o.err, Catch::Contains("out.h5"));
  CHECK(listing(dir) == before);
}

}  // namespace

TEST_CASE("A full disk ends the run with status 1 and a clear message and no file under the final name") {
  Scratch scratch("disk-full");
  SmallDisk disk(scratch.path / "disk");
  if (!disk.mounted) {
    WARN("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): full-disk case not exercised");
    return;
  }
  const Outcome o = run(big_run, disk.path, Limits{600.0, {}, {}});
  check_failed_cleanly(o, disk.path, {});
  CHECK_THAT(o.err, Catch::Contains("No space left on device"));
}

TEST_CASE("A full disk leaves an earlier result at the path byte-identical") {
  Scratch scratch("disk-full-earlier");
  SmallDisk disk(scratch.path / "disk");
  if (!disk.mounted) {
    WARN("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): full-disk case not exercised");
    return;
  }
  spit(disk.path / "small.yaml", good_config);
  REQUIRE(run({"run", "small.yaml", "-o", "out.h5", "--progress", "never"}, disk.path).status == 0);
  const std::string earlier = slurp(disk.path / "out.h5");
  const Outcome o = run(big_run, disk.path, Limits{600.0, {}, {}});
  check_failed_cleanly(o, disk.path, {"small.yaml", "out.h5"});
  CHECK(slurp(disk.path / "out.h5") == earlier);
}

TEST_CASE("A refused write (file-size limit) ends the run with status 1 and leaves nothing behind") {
  Scratch dir("fsize");
  const Outcome o = run(big_run, dir.path, Limits{600.0, rlim_t{512} * 1024, {}});
  check_failed_cleanly(o, dir.path, {});
  CHECK_THAT(o.err, Catch::Contains("File too large"));
}

TEST_CASE("A refused write leaves an earlier result at the path byte-identical") {
  Scratch dir("fsize-earlier");
  spit(dir.path / "small.yaml", good_config);
  REQUIRE(run({"run", "small.yaml", "-o", "out.h5", "--progress", "never"}, dir.path).status == 0);
  const std::string earlier = slurp(dir.path / "out.h5");
  REQUIRE(earlier.size() < 512 * 1024);
  const Outcome o = run(big_run, dir.path, Limits{600.0, rlim_t{512} * 1024, {}});
  check_failed_cleanly(o, dir.path, {"small.yaml", "out.h5"});
  CHECK(slurp(dir.path / "out.h5") == earlier);
}
