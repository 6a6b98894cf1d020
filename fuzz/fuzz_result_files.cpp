// libFuzzer target: the commands that read result files back (`summarize`,
// `sensitivity`, `voi`, `merge`, `run --resume`) on real result files altered object by
// object. At start it runs a small config into a result, a sweep, two
// shards and a result analysed by `sensitivity` (in-process, through the
// program's own command line). An input
// picks one of them and one to three changes, made with the HDF5 library so
// that the file stays a well-formed HDF5 file whose samdsim content is wrong:
// an object deleted, a root attribute removed or rewritten (another type or
// value), a value overwritten (inf, NaN, ±1e308, -1, 2^63), a dataset resized
// or replaced by text or by a soft or external link. The command must end
// with status 0 or 2; status 1 (an internal error), a crash, a sanitizer
// report or a hang is a finding, printed with the changes.
//
// Run with -close_fd_mask=3: the commands' own output is not wanted.

#include <fuzzer/FuzzedDataProvider.h>
#include <hdf5.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"

namespace fs = std::filesystem;

namespace {

const char* config = R"(model: us_pathway
replicates: 2100
seed: 5
parameters:
  pathway: 510k
  burn_usd_per_month: {dist: uniform, min: 150000, max: 300000}
  studies:
    - type: standalone
      sensitivity: {dist: beta, mean: 0.92, sd: 0.02}
      specificity: 0.9
      sensitivity_goal: 0.85
      specificity_goal: 0.85
)";

int program(std::vector<std::string> args) {
  args.insert(args.begin(), "samdsim");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return samdsim::app::main(static_cast<int>(args.size()), argv.data());
}

struct Seeds {
  fs::path dir;
  std::vector<std::string> files;  // result, sweep, shard 0, shard 1, result with /sensitivity
};

// stderr as it was before -close_fd_mask closed it: findings are reported there.
int report_fd = 2;

const Seeds& seeds() {
  static const Seeds s = [] {
    Seeds out;
    std::string pattern = (fs::temp_directory_path() / "samdsim-fuzz-results-XXXXXX").string();
    out.dir = ::mkdtemp(pattern.data());
    std::ofstream(out.dir / "c.yaml") << config;
    std::ofstream(out.dir / "s.yaml") << config << "sweep:\n  grid:\n    burn_usd_per_month: [100000, 200000]\n";
    const auto in = [&](const std::string& name) { return (out.dir / name).string(); };
    const std::vector<std::vector<std::string>> runs = {
        {"run", in("c.yaml"), "-o", in("result.h5"), "--progress", "never"},
        {"run", in("s.yaml"), "-o", in("sweep.h5"), "--progress", "never"},
        {"run", in("c.yaml"), "-o", in("shard0.h5"), "--shard", "0/2", "--progress", "never"},
        {"run", in("c.yaml"), "-o", in("shard1.h5"), "--shard", "1/2", "--progress", "never"},
        {"run", in("c.yaml"), "-o", in("analysed.h5"), "--progress", "never"},
        {"sensitivity", in("analysed.h5"), "--bootstrap", "20", "--tornado-replicates", "64"},
    };
    for (const auto& r : runs)
      if (program(r) != 0) std::abort();
    out.files = {in("result.h5"), in("sweep.h5"), in("shard0.h5"), in("shard1.h5"), in("analysed.h5")};
    return out;
  }();
  return s;
}

struct Object {
  std::string path;
  H5O_type_t type;
};

herr_t collect(hid_t, const char* name, const H5O_info_t* info, void* data) {
  if (std::string(name) != ".") static_cast<std::vector<Object>*>(data)->push_back({std::string("/") + name, info->type});
  return 0;
}

herr_t collect_attribute(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->push_back(name);
  return 0;
}

void write_text_attribute(hid_t file, const std::string& name, const std::string& value) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, value.size() + 1);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(file, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
  if (a >= 0) H5Awrite(a, type, value.c_str()), H5Aclose(a);
  H5Sclose(space);
  H5Tclose(type);
}

void write_number_attribute(hid_t file, const std::string& name, hid_t type, const void* value) {
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(file, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
  if (a >= 0) H5Awrite(a, type, value), H5Aclose(a);
  H5Sclose(space);
}

// One change to the open file; returns what it did.
std::string change(FuzzedDataProvider& in, hid_t file) {
  std::vector<Object> objects;
  H5Ovisit(file, H5_INDEX_NAME, H5_ITER_NATIVE, collect, &objects);
  std::vector<std::string> attributes;
  hsize_t at = 0;
  H5Aiterate2(file, H5_INDEX_NAME, H5_ITER_NATIVE, &at, collect_attribute, &attributes);
  std::vector<Object> datasets;
  for (const auto& o : objects)
    if (o.type == H5O_TYPE_DATASET) datasets.push_back(o);
  static constexpr std::array<double, 9> values = {std::numeric_limits<double>::infinity(),
                                                   -std::numeric_limits<double>::infinity(),
                                                   std::numeric_limits<double>::quiet_NaN(),
                                                   1e308, -1e308, -1.0, 0.0, 9.3e18, 1e15};
  switch (in.ConsumeIntegralInRange(0, 5)) {
    case 0: {  // delete an object
      if (objects.empty()) return "nothing";
      const auto& o = objects[in.ConsumeIntegralInRange<std::size_t>(0, objects.size() - 1)];
      H5Ldelete(file, o.path.c_str(), H5P_DEFAULT);
      return "deleted " + o.path;
    }
    case 1: {  // a root attribute removed or rewritten
      if (attributes.empty()) return "nothing";
      const std::string name = attributes[in.ConsumeIntegralInRange<std::size_t>(0, attributes.size() - 1)];
      H5Adelete(file, name.c_str());
      switch (in.ConsumeIntegralInRange(0, 3)) {
        case 0: return "removed attribute " + name;
        case 1: {
          const std::string text = in.ConsumeRandomLengthString(24);
          write_text_attribute(file, name, text);
          return "attribute " + name + " = '" + text + "'";
        }
        case 2: {
          const double v = values[in.ConsumeIntegralInRange<std::size_t>(0, values.size() - 1)];
          write_number_attribute(file, name, H5T_NATIVE_DOUBLE, &v);
          return fmt::format("attribute {} = {} (double)", name, v);
        }
        default: {
          const auto v = in.ConsumeIntegral<std::uint64_t>();
          write_number_attribute(file, name, H5T_NATIVE_UINT64, &v);
          return fmt::format("attribute {} = {} (uint64)", name, v);
        }
      }
    }
    case 2: {  // a value overwritten
      if (datasets.empty()) return "nothing";
      const auto& d = datasets[in.ConsumeIntegralInRange<std::size_t>(0, datasets.size() - 1)];
      const hid_t ds = H5Dopen2(file, d.path.c_str(), H5P_DEFAULT);
      const hid_t space = H5Dget_space(ds);
      const int rank = H5Sget_simple_extent_ndims(space);
      std::array<hsize_t, 4> dims{}, start{}, count{1, 1, 1, 1};
      if (rank > 0 && rank <= 4) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
      bool empty = rank > 4;
      for (int i = 0; i < rank && i < 4; ++i) {
        if (dims[i] == 0) empty = true;
        else start[i] = in.ConsumeIntegralInRange<hsize_t>(0, dims[i] - 1);
      }
      const double v = values[in.ConsumeIntegralInRange<std::size_t>(0, values.size() - 1)];
      if (!empty) {
        if (rank > 0) H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
        const hid_t memory = H5Screate(H5S_SCALAR);
        H5Dwrite(ds, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, &v);
        H5Sclose(memory);
      }
      H5Sclose(space);
      H5Dclose(ds);
      return fmt::format("{}[{}] = {}", d.path, start[0], v);
    }
    case 3: {  // a dataset resized
      if (datasets.empty()) return "nothing";
      const auto& d = datasets[in.ConsumeIntegralInRange<std::size_t>(0, datasets.size() - 1)];
      const hid_t ds = H5Dopen2(file, d.path.c_str(), H5P_DEFAULT);
      const hid_t space = H5Dget_space(ds);
      std::array<hsize_t, 4> dims{};
      const int rank = H5Sget_simple_extent_ndims(space);
      if (rank > 0 && rank <= 4) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
      if (rank > 0) dims[0] = in.ConsumeIntegralInRange<hsize_t>(0, 2 * dims[0] + 3);
      H5Dset_extent(ds, dims.data());
      H5Sclose(space);
      H5Dclose(ds);
      return fmt::format("{} resized to {} rows", d.path, dims[0]);
    }
    case 4: {  // a dataset replaced by text
      if (datasets.empty()) return "nothing";
      const auto& d = datasets[in.ConsumeIntegralInRange<std::size_t>(0, datasets.size() - 1)];
      H5Ldelete(file, d.path.c_str(), H5P_DEFAULT);
      const hid_t type = H5Tcopy(H5T_C_S1);
      H5Tset_size(type, 8);
      const hsize_t n = in.ConsumeIntegralInRange<hsize_t>(0, 4000);
      const hid_t space = H5Screate_simple(1, &n, nullptr);
      const hid_t ds = H5Dcreate2(file, d.path.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      if (ds >= 0) H5Dclose(ds);
      H5Sclose(space);
      H5Tclose(type);
      return fmt::format("{} replaced by {} texts", d.path, n);
    }
    default: {  // an object replaced by a soft or external link
      if (objects.empty()) return "nothing";
      const auto& o = objects[in.ConsumeIntegralInRange<std::size_t>(0, objects.size() - 1)];
      const auto& target = objects[in.ConsumeIntegralInRange<std::size_t>(0, objects.size() - 1)];
      H5Ldelete(file, o.path.c_str(), H5P_DEFAULT);
      if (in.ConsumeBool()) {
        H5Lcreate_soft(target.path.c_str(), file, o.path.c_str(), H5P_DEFAULT, H5P_DEFAULT);
        return o.path + " -> soft link to " + target.path;
      }
      H5Lcreate_external("elsewhere.h5", target.path.c_str(), file, o.path.c_str(), H5P_DEFAULT, H5P_DEFAULT);
      return o.path + " -> external link";
    }
  }
}

// An input the harness cannot try is skipped, not reported as a finding: its
// copy of the seed file failed, or the disk is nearly full (where exit 1 is by
// design, docs/robustness.md). The first ten skips are told on stderr, then
// every hundredth with the count, so that a run that skipped most of its
// inputs does not read as one that found nothing. (libFuzzer 14 treats the
// -1 returned like 0; later versions also keep such inputs out of the corpus.)
int skip_input(const std::string& why) {
  static std::uint64_t skipped = 0;
  ++skipped;
  if (skipped <= 10 || skipped % 100 == 0) {
    const std::string line = fmt::format("fuzz_result_files: input skipped ({} so far): {}\n", skipped, why);
    (void)!::write(report_fd, line.data(), line.size());
  }
  return -1;
}

// Every seed file is still there: no command may remove a file it reads. A
// finding of the input just run, reported with its command.
void check_seeds_kept(const Seeds& s, const std::string& after) {
  for (const auto& f : s.files) {
    std::error_code ec;
    if (fs::exists(f, ec) || ec) continue;
    const std::string report = fmt::format("the seed file {} is gone after{}\n", f, after);
    (void)!::write(report_fd, report.data(), report.size());
    std::abort();
  }
}

// Below this, HDF5 may fail to flush and leak (see LLVMFuzzerTestOneInput).
constexpr std::uintmax_t least_free_mib = 64;

std::uintmax_t free_mib(const fs::path& dir) {
  std::error_code ec;
  const fs::space_info space = fs::space(dir, ec);
  return ec ? std::numeric_limits<std::uintmax_t>::max() : space.available >> 20;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  report_fd = ::dup(2);
  // The seed files (five runs and an analysis) are made here, outside the
  // time limit of each input.
  seeds();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Seeds& s = seeds();
  // On a nearly full disk HDF5 itself leaks what it could not flush (a leak
  // the sanitizer reports whatever the input returns): such inputs are not run.
  if (const std::uintmax_t free = free_mib(s.dir); free < least_free_mib)
    return skip_input(fmt::format("{} MiB free beside the seed files", free));
  FuzzedDataProvider in(data, size);
  const std::size_t which = in.ConsumeIntegralInRange<std::size_t>(0, s.files.size() - 1);
  const fs::path work = s.dir / "work";
  const std::string altered = (work / "altered.h5").string();
  std::error_code ec;
  fs::remove_all(work, ec);
  if (!ec) fs::create_directories(work, ec);
  if (!ec) fs::copy_file(s.files[which], altered, ec);
  if (ec) {
    check_seeds_kept(s, " the harness's own file work");
    return skip_input(fmt::format("cannot copy {} to {}: {} ({} MiB free)", s.files[which], altered, ec.message(),
                                  free_mib(s.dir)));
  }

  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  std::string changes;
  const hid_t file = H5Fopen(altered.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) std::abort();
  for (int k = in.ConsumeIntegralInRange(1, 3); k > 0; --k) changes += "  " + change(in, file) + "\n";
  H5Fclose(file);

  std::vector<std::string> args;
  const bool shard = which == 2 || which == 3;
  switch (in.ConsumeIntegralInRange(0, 4)) {
    case 0:
      // The table also prints what /sensitivity holds.
      args = {"summarize", altered};
      if (in.ConsumeBool()) args.push_back("--json");
      break;
    case 4: {
      // The altered file as the checkpoint of a resume (complete work is committed).
      const std::string out = (work / "resumed.h5").string();
      fs::rename(altered, out + ".partial", ec);
      if (ec) return skip_input(fmt::format("cannot rename {}: {}", altered, ec.message()));
      args = {"run", (s.dir / (which == 1 ? "s.yaml" : "c.yaml")).string(), "-o", out, "--resume", "--progress",
              "never"};
      break;
    }
    case 1: args = {"sensitivity", altered, "--bootstrap", "0"}; break;
    case 2:
      args = {"voi", altered, "--option", "total_cost_usd", "--option", "authorized", "--draws", "10"};
      if (which == 1) args.insert(args.end(), {"--point", "1"});
      break;
    default: {
      const std::string other = s.files[shard ? (which == 2 ? 3 : 2) : 3];
      args = {"merge", altered, other, "-o", (work / "merged.h5").string()};
    }
  }
  const int status = program(args);
  std::string command;
  for (const auto& a : args) command += " " + a;
  check_seeds_kept(s, " samdsim" + command);
  // A full disk is exit 1 by design (docs/robustness.md): not a finding.
  if (const std::uintmax_t free = free_mib(s.dir); status == 1 && free < least_free_mib)
    return skip_input(fmt::format("exit 1 with {} MiB free from samdsim{}", free, command));
  if (status != 0 && status != 2) {
    const std::string report = fmt::format("status {} from samdsim{} on {} with:\n{}", status, command,
                                           fs::path(s.files[which]).filename().string(), changes);
    (void)!::write(report_fd, report.data(), report.size());
    std::abort();
  }
  return 0;
}
