// Result files, shards and partial files are inputs like any other: altered,
// truncated or unfinished ones are refused with status 2 and a message
// naming the file, within seconds, and nothing is written.
#include <catch2/catch.hpp>

#include <chrono>

#include "cli_fixture.hpp"

namespace {

// Runs samdsim with `dir` as its working directory.
Result run_in(const std::string& args, const fs::path& dir) {
  const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  const std::string cmd = "cd " + dir.string() + " && " + std::string(SAMDSIM_BINARY) + " " + args + " >" +
                          out.string() + " 2>" + err.string();
  const int raw = std::system(cmd.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
}

const std::string config = R"(model: us_pathway
replicates: 2500
seed: 3
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

// Alters a copy of `from` into `to` with a few lines of h5py (`f` is the open file).
void alter(const fs::path& dir, const std::string& from, const std::string& to, const std::string& code) {
  REQUIRE(shell("cp " + (dir / from).string() + " " + (dir / to).string()) == 0);
  const fs::path script = write(dir, "alter.py",
                                "import sys, h5py, numpy as np\nf = h5py.File(sys.argv[1], 'r+')\n" + code + "\nf.close()\n");
  REQUIRE(shell(python + " " + script.string() + " " + (dir / to).string()) == 0);
}

void refused(const std::string& args, const fs::path& dir, const std::string& message) {
  const auto before = std::chrono::steady_clock::now();
  const Result r = run_in(args, dir);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count();
  INFO(args << "\n" << r.err);
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains(message));
  CHECK(seconds < 10.0);
}

}  // namespace

TEST_CASE("summarize, sensitivity and voi refuse unfinished, partial and damaged result files") {
  const fs::path dir = scratch("untrusted_results");
  write(dir, "c.yaml", config);
  write(dir, "s.yaml", config + "sweep:\n  grid:\n    burn_usd_per_month: [100000, 200000, 300000]\n");
  REQUIRE(run_in("run c.yaml -o good.h5 --progress never", dir).status == 0);
  REQUIRE(run_in("run s.yaml -o sweep.h5 --progress never", dir).status == 0);
  REQUIRE(run_in("run c.yaml -o shard.h5 --shard 0/2 --progress never", dir).status == 0);

  alter(dir, "good.h5", "unfinished.h5", "del f.attrs['wall_seconds']");
  refused("summarize unfinished.h5", dir, "has not finished");
  refused("sensitivity unfinished.h5 --no-tornado", dir, "has not finished");
  alter(dir, "good.h5", "nosummary.h5", "del f['summary']");
  refused("summarize nosummary.h5", dir, "has no /summary");
  alter(dir, "sweep.h5", "nopoint.h5", "del f['points/1']");
  refused("summarize nopoint.h5", dir, "without the summaries of point 1");
  alter(dir, "sweep.h5", "notable.h5", "del f['scenarios']");
  refused("summarize notable.h5", dir, "without its /scenarios table");
  refused("summarize shard.h5", dir, "join the shards with samdsim merge");

  const std::string parameter = "parameters/parameters.burn_usd_per_month";
  alter(dir, "good.h5", "text.h5",
        "del f['" + parameter + "']\nf.create_dataset('" + parameter + "', data=np.array([b'x'] * 2500))");
  refused("sensitivity text.h5 --no-tornado", dir, "does not hold numbers");
  alter(dir, "good.h5", "short.h5", "del f['replicates/total_cost_usd']\nf['replicates/total_cost_usd'] = np.zeros(10)");
  refused("sensitivity short.h5 --no-tornado", dir, "has shape 10");
  refused("voi short.h5 --incremental total_cost_usd", dir, "has shape 10");
  alter(dir, "good.h5", "link.h5",
        "del f['" + parameter + "']\nf['" + parameter + "'] = h5py.ExternalLink('elsewhere.h5', '/x')");
  refused("sensitivity link.h5 --no-tornado", dir, "is a link");
  alter(dir, "good.h5", "huge.h5", "f.attrs.modify('replicates', np.uint64(10**15))");
  refused("voi huge.h5 --incremental total_cost_usd", dir, "more than samdsim runs");

  refused("sensitivity good.h5 --bootstrap -1", dir, "--bootstrap");
  const Result point = run_in("sensitivity good.h5 --point -1", dir);
  CHECK(point.status == 2);
  CHECK_THAT(point.err, !Catch::Contains("18446744073709551615"));
  refused("sensitivity good.h5 --output total_cost_usd --output total_cost_usd --no-tornado", dir, "given twice");
}

TEST_CASE("merge refuses altered shards: values, summaries, indices, records and extents") {
  const fs::path dir = scratch("untrusted_shards");
  write(dir, "c.yaml", config);
  REQUIRE(run_in("run c.yaml -o a.h5 --shard 0/2 --progress never", dir).status == 0);
  REQUIRE(run_in("run c.yaml -o b.h5 --shard 1/2 --progress never", dir).status == 0);
  REQUIRE(run_in("run c.yaml -o ta.h5 --shard 0/2 --target-rse 0.01 --progress never", dir).status == 0);
  REQUIRE(run_in("run c.yaml -o tb.h5 --shard 1/2 --target-rse 0.01 --progress never", dir).status == 0);

  alter(dir, "b.h5", "value.h5", "d = f['replicates/total_cost_usd']\nd[5] = d[5] * 1000");
  refused("merge a.h5 value.h5 -o m.h5", dir, "disagrees with its values");
  alter(dir, "b.h5", "inf.h5", "f['replicates/total_cost_usd'][7] = np.inf");
  refused("merge a.h5 inf.h5 -o m.h5", dir, "invalid value inf");
  alter(dir, "b.h5", "index.h5", "f.attrs.modify('shard_index', np.uint64(7))");
  refused("merge a.h5 index.h5 -o m.h5", dir, "does not exist");
  alter(dir, "b.h5", "moments.h5", "del f['block_moments']");
  refused("merge a.h5 moments.h5 -o m.h5", dir, "has no block summaries");
  // The first shard too: it is not taken for a shard given no blocks.
  alter(dir, "a.h5", "first.h5", "del f['block_moments']");
  refused("merge first.h5 b.h5 -o m.h5", dir, "has no block summaries");
  // A shard that lost all its groups looks like one given no blocks: the
  // replicates missing are laid to it, not to the next shard.
  alter(dir, "a.h5", "bare.h5", "for g in list(f.keys()):\n    del f[g]");
  refused("merge bare.h5 b.h5 -o m.h5", dir,
          "replicates 0 to 1023 of the run are in none of the shards: 'bare.h5' stores nothing of it, so it was "
          "altered; run it again");
  alter(dir, "b.h5", "start.h5", "f.attrs.modify('first_row', np.uint64(2048))");
  refused("merge a.h5 start.h5 -o m.h5", dir, "starts the run at replicate 2048 where the shards before it end at 1024");
  alter(dir, "b.h5", "rows.h5", "f['replicates/total_cost_usd'].resize((100,))");
  refused("merge a.h5 rows.h5 -o m.h5", dir, "has shape 100");
  alter(dir, "ta.h5", "target.h5", "f.attrs['target_rse'] = 'abc'");
  refused("merge target.h5 tb.h5 -o m.h5", dir, "is not a relative standard error");
  CHECK_FALSE(fs::exists(dir / "m.h5"));
  REQUIRE(run_in("merge a.h5 b.h5 -o m.h5", dir).status == 0);
}

TEST_CASE("A resume whose checkpoint summaries disagree with the rows written is refused and keeps the partial file") {
  const fs::path dir = scratch("untrusted_partial");
  write(dir, "c.yaml", config);
  REQUIRE(run_in("run c.yaml -o good.h5 --progress never", dir).status == 0);
  // A partial file of 2048 rows whose stored summaries claim a mean of 341,345.
  alter(dir, "good.h5", "p.h5.partial",
        "del f['summary']\nf.attrs['checkpoint_rows'] = np.uint64(2048)\n"
        "for name in f['replicates']:\n"
        "    f.attrs['checkpoint_moments:' + name] = np.array([2048.0, 341345.0, 1.0, 0.0, 1e6, 0.0])");
  const std::string before = slurp(dir / "p.h5.partial");
  refused("run c.yaml -o p.h5 --resume --progress never", dir, "disagrees with the values written");
  CHECK(slurp(dir / "p.h5.partial") == before);
  CHECK_FALSE(fs::exists(dir / "p.h5"));
}

TEST_CASE("A stored block whose checksum fails is refused by every reader, and the file is left as it was") {
  const fs::path dir = scratch("untrusted_checksum");
  write(dir, "c.yaml", config);
  REQUIRE(run_in("run c.yaml -o good.h5 --progress never", dir).status == 0);
  REQUIRE(run_in("run c.yaml -o a.h5 --shard 0/2 --progress never", dir).status == 0);
  REQUIRE(run_in("run c.yaml -o b.h5 --shard 1/2 --progress never", dir).status == 0);
  // One flipped byte in the middle of the first stored chunk of a column:
  // it decompresses (or not) to other numbers; the Fletcher32 checksum of
  // the chunk no longer matches.
  const fs::path script = write(dir, "damage.py",
                                "import sys, h5py\n"
                                "with h5py.File(sys.argv[1], 'r') as f:\n"
                                "    c = f[sys.argv[2]].id.get_chunk_info(0)\n"
                                "data = bytearray(open(sys.argv[1], 'rb').read())\n"
                                "data[c.byte_offset + c.size // 2] ^= 0xFF\n"
                                "open(sys.argv[1], 'wb').write(data)\n");
  const auto damage = [&](const std::string& from, const std::string& to, const std::string& dataset) {
    REQUIRE(shell("cp " + (dir / from).string() + " " + (dir / to).string()) == 0);
    REQUIRE(shell(python + " " + script.string() + " " + (dir / to).string() + " " + dataset) == 0);
    return slurp(dir / to);
  };
  const std::string result = damage("good.h5", "bad.h5", "/replicates/total_cost_usd");
  const std::string parameter = damage("good.h5", "badp.h5", "/parameters/parameters.burn_usd_per_month");
  const std::string shard = damage("b.h5", "badb.h5", "/replicates/total_cost_usd");
  const std::string partial = damage("a.h5", "p.h5.partial", "/replicates/total_cost_usd");
  refused("sensitivity bad.h5 --bootstrap 0", dir, "Fletcher32");
  refused("sensitivity badp.h5 --bootstrap 0", dir, "'/parameters/parameters.burn_usd_per_month' in 'badp.h5'");
  refused("voi bad.h5 --option total_cost_usd --option burn_usd_per_month", dir, "the file is damaged");
  refused("merge a.h5 badb.h5 -o m.h5", dir, "'/replicates/total_cost_usd' in 'badb.h5'");
  CHECK(slurp(dir / "bad.h5") == result);
  CHECK(slurp(dir / "badp.h5") == parameter);
  CHECK(slurp(dir / "badb.h5") == shard);
  CHECK_FALSE(fs::exists(dir / "m.h5"));
  // A shard is no checkpoint: resuming from it is refused before its rows are read.
  refused("run c.yaml -o p.h5 --resume --progress never", dir, "no checkpoint");
  CHECK(slurp(dir / "p.h5.partial") == partial);
}

TEST_CASE("Links where a result stores its data, and impossible stored counts, are refused (found by fuzzing)") {
  const fs::path dir = scratch("untrusted_links");
  write(dir, "c.yaml", config);
  REQUIRE(run_in("run c.yaml -o good.h5 --progress never", dir).status == 0);
  REQUIRE(run_in("run c.yaml -o a.h5 --shard 0/2 --progress never", dir).status == 0);
  REQUIRE(run_in("run c.yaml -o b.h5 --shard 1/2 --progress never", dir).status == 0);
  const auto link = [&](const std::string& path) {
    return "del f['" + path + "']\nf['" + path + "'] = h5py.ExternalLink('elsewhere.h5', '/x')";
  };
  alter(dir, "good.h5", "group.h5", link("replicates"));
  refused("sensitivity group.h5 --bootstrap 0", dir, "replicates is not a group stored in the file");
  alter(dir, "good.h5", "summary.h5", link("summary/total_cost_usd"));
  refused("sensitivity summary.h5 --bootstrap 0", dir, "is a link, not an object stored in the file");
  alter(dir, "b.h5", "column.h5", link("replicates/total_cost_usd"));
  refused("merge a.h5 column.h5 -o m.h5", dir, "is a link, not a dataset stored in the file");
  alter(dir, "b.h5", "count.h5", "f['block_moments'][0, 0, 0] = np.inf");
  refused("merge a.h5 count.h5 -o m.h5", dir, "disagrees with its values");
  CHECK_FALSE(fs::exists(dir / "m.h5"));
}

TEST_CASE("A resume refuses a partial file whose groups or checkpoint counts were altered (found by fuzzing)") {
  const fs::path dir = scratch("untrusted_partial_structure");
  write(dir, "c.yaml", config);
  REQUIRE(run_in("run c.yaml -o good.h5 --progress never", dir).status == 0);
  // Complete work without its rows: summaries that no rows back.
  alter(dir, "good.h5", "gone.h5.partial", "del f['replicates']\ndel f['parameters']");
  refused("run c.yaml -o gone.h5 --resume --progress never", dir, "lacks the replicates or parameters");
  // A checkpoint whose stored count is infinite.
  alter(dir, "good.h5", "count.h5.partial",
        "del f['summary']\nf.attrs['checkpoint_rows'] = np.uint64(2048)\n"
        "for name in f['replicates']:\n"
        "    f.attrs['checkpoint_moments:' + name] = np.array([np.inf, 0.0, 0.0, 0.0, 0.0, 0.0])");
  refused("run c.yaml -o count.h5 --resume --progress never", dir, "holds the count inf");
  // A column replaced by a link to another file.
  alter(dir, "good.h5", "link.h5.partial",
        "del f['summary']\nf.attrs['checkpoint_rows'] = np.uint64(2048)\n"
        "del f['replicates/total_cost_usd']\nf['replicates/total_cost_usd'] = h5py.ExternalLink('x.h5', '/y')");
  refused("run c.yaml -o link.h5 --resume --progress never", dir, "cannot resume from 'link.h5.partial'");
  for (const char* name : {"gone.h5", "count.h5", "link.h5"}) CHECK_FALSE(fs::exists(dir / name));
}
