#include <catch2/catch.hpp>

#include "samdsim/parameters.hpp"
#include "samdsim/random.hpp"

using namespace samdsim;

namespace {
Schema make_schema() {
  Schema s;
  s.number("cost_usd", "USD", Range::nonnegative(), "a cost").default_value(10.0);
  s.number("share", "probability", Range::probability(), "a share").default_distribution("{dist: beta, mean: 0.5, sd: 0.1}");
  s.number("planning", "probability", Range::probability(), "an optional value").optional();
  s.number("wait_days", "day", Range::positive(), "drawn per unit").per_unit().default_value(3.0);
  Field& strata = s.records("strata", "hospital strata");
  strata.integer("count", "hospital", Range::between(0, 1e6), "hospitals");
  strata.number("beds", "bed", Range::positive(), "beds").default_value(100.0);
  return s;
}

ResolvedParameters resolve(const Schema& s, const std::string& yaml) {
  return resolve_parameters(s, YAML::Load(yaml), "p.yaml", Location{"p.yaml", 1, 1});
}
}  // namespace

TEST_CASE("Records lists resolve every item against one schema") {
  const Schema s = make_schema();
  auto r = resolve(s, "strata:\n  - {count: 3}\n  - {count: 5, beds: 250}\n");
  const auto& items = r.root.list("strata");
  REQUIRE(items.size() == 2);
  CHECK(items[1].fixed("beds") == 250.0);
  CHECK(items[0].fixed("beds") == 100.0);
  CHECK(items[0].path() == "parameters.strata[0]");
}

TEST_CASE("A records item with an unknown key is located") {
  const Schema s = make_schema();
  try {
    resolve(s, "strata:\n  - {count: 3, bedz: 4}\n");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("p.yaml:2:16: parameters.strata[0].bedz") != std::string::npos);
    CHECK(std::string(e.what()).find("did you mean 'beds'") != std::string::npos);
  }
}

TEST_CASE("Optional numbers are absent until given, and defaults may be distributions") {
  const Schema s = make_schema();
  auto r = resolve(s, "");
  CHECK_FALSE(r.root.given("planning"));
  CHECK(r.root.distribution("share").family() == "beta");
  auto g = resolve(s, "planning: 0.3\n");
  CHECK(g.root.fixed("planning") == 0.3);
}

TEST_CASE("Only parameters the model reads are drawn, and per-unit ones never per replicate") {
  const Schema s = make_schema();
  auto r = resolve(s, "cost_usd: {dist: uniform, min: 1, max: 2}\nwait_days: {dist: gamma, shape: 2, scale: 1}\n");
  r.table->finalize();
  CHECK(r.table->sampled_count() == 0);  // nothing read yet
  r.root.number("cost_usd");
  r.root.number("share");
  r.root.number("wait_days");
  r.table->finalize();
  REQUIRE(r.table->sampled_count() == 2);
  const auto columns = r.table->sampled_columns();
  CHECK(columns[0].name == "parameters.cost_usd");
  CHECK(columns[1].name == "parameters.share");

  std::vector<double> values = r.table->initial_values(), drawn(2);
  Stream stream(1, 0, 0);
  r.table->draw(stream, values, drawn);
  CHECK(drawn[0] >= 1.0);
  CHECK(drawn[0] <= 2.0);
  CHECK(values[r.root.number("cost_usd").slot] == drawn[0]);
}

TEST_CASE("Resolved parameters emit as YAML that resolves to the same values") {
  const Schema s = make_schema();
  auto r = resolve(s, "cost_usd: {dist: uniform, min: 1, max: 2}\nstrata:\n  - {count: 3}\n");
  YAML::Emitter out;
  emit_parameters(out, s, r.root);
  auto again = resolve(s, out.c_str());
  CHECK(again.root.distribution("cost_usd") == r.root.distribution("cost_usd"));
  CHECK(again.root.list("strata")[0].fixed("count") == 3.0);
}
