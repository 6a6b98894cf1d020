// Stage streams: a group with its own parameter stream draws the same
// numbers whatever other groups draw, every instance of it starts the same
// stream (common random numbers), stage 0 is the stream every model without
// stages uses, and a stage's model stream is independent of the others.
#include <catch2/catch.hpp>

#include <vector>

#include "samdsim/model.hpp"
#include "samdsim/parameters.hpp"
#include "samdsim/random.hpp"

using namespace samdsim;

namespace {

Schema staged_schema() {
  Schema s;
  s.number("root_x", "", Range::any(), "drawn from the scenario's own stream").default_value(0.0);
  Field& a = s.group("a", "stage 1").own_stream(1);
  a.number("extra", "", Range::any(), "present in some configs").default_value(0.0);
  a.number("x", "", Range::any(), "a's value").default_value(0.0);
  Field& b = s.group("b", "stage 2").own_stream(2);
  b.number("y", "", Range::any(), "b's value").default_value(0.0);
  Field& items = s.records("items", "each starts stage 3 afresh").own_stream(3);
  items.number("z", "", Range::any(), "an item's value").default_value(0.0);
  return s;
}

// Values of every slot for replicate r, all parameters read.
std::vector<double> draw(const std::string& yaml, std::uint64_t r) {
  static const Schema schema = staged_schema();
  auto resolved = resolve_parameters(schema, YAML::Load(yaml), "p.yaml", Location{"p.yaml", 1, 1});
  ParameterTable& table = *resolved.table;
  for (std::uint32_t i = 0; i < table.size(); ++i) table.mark_used(Param{i});
  table.finalize();
  std::vector<double> values = table.initial_values(), drawn(table.sampled_count());
  table.draw(7, 0, r, values, drawn);
  return values;
}

const char* normal = "{dist: normal, mean: 0, sd: 1}";

}  // namespace

TEST_CASE("A group's own stream draws the same numbers whatever the other groups draw") {
  const std::string base = std::string("a: {x: ") + normal + "}\nb: {y: " + normal + "}\n";
  const std::string more = std::string("root_x: ") + normal + "\na: {extra: " + normal + ", x: " + normal +
                           "}\nb: {y: " + normal + "}\n";
  for (std::uint64_t r = 0; r < 20; ++r) {
    const auto v1 = draw(base, r), v2 = draw(more, r);
    // Slots: root_x, a.extra, a.x, b.y (no items).
    CHECK(v1[3] == v2[3]);  // b.y: other groups drawing more moves nothing
    CHECK(v1[2] != v2[2]);  // a.x moved within its own group, after a.extra
    CHECK(v2[1] != v2[3]);  // stages 1 and 2 are different streams
  }
}

TEST_CASE("Every instance of a group with its own stream starts it afresh") {
  const std::string yaml = std::string("items:\n  - {z: ") + normal + "}\n  - {z: " + normal + "}\n";
  for (std::uint64_t r = 0; r < 20; ++r) {
    const auto v = draw(yaml, r);
    CHECK(v[4] == v[5]);
  }
}

TEST_CASE("Stage 0 is the stream of a model without stages") {
  Schema plain;
  plain.number("x", "", Range::any(), "").default_value(0.0);
  plain.number("y", "", Range::any(), "").default_value(0.0);
  auto resolved = resolve_parameters(plain, YAML::Load(std::string("{x: ") + normal + ", y: " + normal + "}"),
                                     "p.yaml", Location{"p.yaml", 1, 1});
  ParameterTable& table = *resolved.table;
  table.mark_used(Param{0});
  table.mark_used(Param{1});
  table.finalize();
  std::vector<double> a = table.initial_values(), b = a, da(2), db(2);
  table.draw(11, 2, 5, a, da);
  Stream legacy(11, 2, 5, parameter_substream);
  table.draw(legacy, b, db);
  CHECK(a == b);

  std::vector<double> none;
  Stream model(11, 2, 5, model_substream);
  ReplicateContext ctx(5, none, model, {11, 2});
  Stream stage0 = ctx.stage_stream(0), stage1 = ctx.stage_stream(1), again = ctx.stage_stream(1);
  const std::uint64_t first = model.next_u64();
  CHECK(stage0.next_u64() == first);
  const std::uint64_t one = stage1.next_u64();
  CHECK(one != first);
  CHECK(again.next_u64() == one);  // a stage's stream depends only on the replicate and the stage
}
