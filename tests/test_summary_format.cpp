#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "result_file_fixture.hpp"
#include "samdsim/summary_format.hpp"

using namespace samdsim;
using namespace samdsim::testing;

namespace {

ResultFileSummary example_summary() {
  ResultFileSummary s;
  s.attributes = {{"model", "us_pathway"}, {"name", "de novo \"A\""}, {"replicates", "100000"},
                  {"seed", "20261121"},    {"threads", "8"},              {"samdsim_version", "0.1.0"},
                  {"git_revision", "abc123"}, {"created_utc", "2026-11-21T09:30:00Z"}, {"wall_seconds", "12.5"}};
  s.config_yaml = "model: us_pathway\nnote: \"tab\there\"\n";
  Summary cost;
  cost.name = "total_cost_usd";
  cost.unit = "USD";
  cost.n = 100000;
  cost.mean = 12345678.9;
  cost.sd = 2345678.1;
  cost.se = 7417.6;
  cost.min = 1e6;
  cost.p05 = 8.1e6;
  cost.p25 = 1.0e7;
  cost.p50 = 1.2e7;
  cost.p75 = 1.4e7;
  cost.p95 = 1.7e7;
  cost.max = 3e7;
  Summary authorized;
  authorized.name = "authorized";
  authorized.type = ValueType::Boolean;
  authorized.n = 100000;
  authorized.mean = authorized.probability = 0.73072;
  authorized.sd = 0.44362;
  authorized.se = 0.0014029;
  authorized.p50 = authorized.p75 = authorized.p95 = authorized.max = 1;
  Summary months;
  months.name = "months_to_authorization";
  months.unit = "months";
  months.n = 1;
  months.missing = 99999;
  months.mean = months.min = months.max = months.p05 = months.p50 = months.p95 = 27.25;
  months.sd = months.se = std::numeric_limits<double>::quiet_NaN();
  s.summaries = {cost, authorized, months};
  Band b;
  b.name = "adopters";
  b.unit = "hospitals";
  b.axis = "month";
  b.length = 9;
  for (std::size_t q = 0; q < 5; ++q)
    for (std::size_t i = 0; i < 9; ++i) b.quantiles[q].push_back(static_cast<double>(10 * q + i));
  b.mean.assign(9, 0.5);
  s.bands = {b};
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool python_available() { return std::system("/usr/bin/python3 -c 'import json' >/dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("Numbers are shown with five significant digits and thousands separators") {
  CHECK(format_number(1234.5678) == "1234.6");
  CHECK(format_number(0.5) == "0.5");
  CHECK(format_number(0.012345678) == "0.012346");
  CHECK(format_number(12345678.9) == "12,345,679");
  CHECK(format_number(-98765.4) == "-98,765");
  CHECK(format_number(10000) == "10,000");
  CHECK(format_number(0) == "0");
  CHECK(format_number(1.2345e-5) == "1.2345e-05");
  CHECK(format_number(3e18) == "3.0000e+18");
}

TEST_CASE("Undefined and infinite numbers are shown as words") {
  CHECK(format_number(std::numeric_limits<double>::quiet_NaN()) == "n/a");
  CHECK(format_number(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(format_number(-std::numeric_limits<double>::infinity()) == "-inf");
}

TEST_CASE("The table header records the run") {
  const std::string table = format_summary_table(example_summary());
  CHECK_THAT(table, Catch::Contains("us_pathway"));
  CHECK_THAT(table, Catch::Contains("100,000"));
  CHECK_THAT(table, Catch::Contains("20261121"));
  CHECK_THAT(table, Catch::Contains("0.1.0 (abc123)"));
  CHECK_THAT(table, Catch::Contains("2026-11-21T09:30:00Z"));
  CHECK_THAT(table, Catch::Contains("12.5 s"));
}

TEST_CASE("The table has one aligned row per output with booleans as percentages") {
  const auto lines = lines_of(format_summary_table(example_summary()));
  const auto find = [&](const std::string& start) {
    for (const auto& l : lines)
      if (l.rfind(start, 0) == 0) return l;
    return std::string();
  };
  const std::string head = find("output");
  const std::string cost = find("total_cost_usd");
  const std::string authorized = find("authorized");
  const std::string months = find("months_to_authorization");
  REQUIRE_FALSE(head.empty());
  CHECK_THAT(cost, Catch::Contains("12,345,679") && Catch::Contains("USD"));
  CHECK_THAT(authorized, Catch::Contains("73.07 %"));
  CHECK_THAT(months, Catch::Contains("n/a") && Catch::Contains("99,999"));
  // Right-aligned numbers end where their header ends.
  const auto mean_end = head.find("mean") + 4;
  CHECK(cost.substr(mean_end - 10, 10) == "12,345,679");
  CHECK(authorized.substr(mean_end - 7, 7) == "0.73072");
}

TEST_CASE("Series show their bands at the first, quartile and last indices") {
  const std::string table = format_summary_table(example_summary());
  CHECK_THAT(table, Catch::Contains("adopters [hospitals] by month (9 values)"));
  const auto lines = lines_of(table);
  std::vector<std::string> indices;
  bool in_band = false;
  for (const auto& l : lines) {
    if (l.find("month") != std::string::npos && l.find("p05") != std::string::npos) {
      in_band = true;
      continue;
    }
    if (in_band && !l.empty()) {
      std::istringstream row(l);
      std::string index, p05, p50, p95;
      row >> index >> p05 >> p50 >> p95;
      indices.push_back(index);
      CHECK(p05 == index);  // p05 at index i is i in the example
      CHECK(p50 == std::to_string(20 + std::stoi(index)));
      CHECK(p95 == std::to_string(40 + std::stoi(index)));
    }
  }
  CHECK(indices == std::vector<std::string>{"0", "2", "4", "6", "8"});
}

TEST_CASE("JSON output escapes strings and writes NaN as null") {
  const std::string json = format_summary_json(example_summary());
  CHECK_THAT(json, Catch::Contains(R"("name": "de novo \"A\"")"));
  CHECK_THAT(json, Catch::Contains(R"(model: us_pathway\nnote: \"tab\there\"\n)"));
  CHECK_THAT(json, Catch::Contains(R"("sd": null)"));
  CHECK_THAT(json, Catch::Contains(R"("probability": 0.73072)"));
  CHECK_THAT(json, Catch::Contains(R"("mean": 12345678.9)"));
}

TEST_CASE("JSON output parses and holds every summary field") {
  if (!python_available()) {
    WARN("/usr/bin/python3 is not available: JSON not parsed");
    return;
  }
  TempDir dir;
  const auto path = dir.path / "summary.json";
  std::ofstream(path) << format_summary_json(example_summary());
  const std::string check =
      "/usr/bin/python3 -c \"import json,sys; d=json.load(open(sys.argv[1])); "
      "s=d['summaries'][0]; "
      "assert set(s)=={'name','unit','type','n','missing','mean','sd','se','min','p05','p25','p50','p75','p95','max','probability'}; "
      "assert d['attributes']['seed']=='20261121'; assert d['summaries'][1]['probability']==0.73072; "
      "assert d['bands'][0]['p50'][3]==23 and len(d['bands'][0]['mean'])==9\" " +
      path.string();
  CHECK(std::system(check.c_str()) == 0);
}

TEST_CASE("A summary read from a result file formats as a table and as JSON") {
  TempDir dir;
  const auto file = dir.path / "out.h5";
  write_synthetic_file(file, 500, 100);
  const ResultFileSummary s = read_result_summary(file);
  const std::string table = format_summary_table(s);
  for (const char* name : {"cost_usd", "patients", "authorized", "adopters", "live_sites"})
    CHECK_THAT(table, Catch::Contains(name));
  const std::string json = format_summary_json(s);
  CHECK_THAT(json, Catch::Contains(R"("filetype": "samdsim-result")"));
  CHECK_THAT(json, Catch::Contains(R"("name": "cost_usd")"));
}

TEST_CASE("Outputs named group.output that several groups share are also shown side by side") {
  CHECK(format_summary_table(example_summary()).find("by group") == std::string::npos);
  ResultFileSummary s = example_summary();
  for (const char* group : {"a", "b"})
    for (Summary x : example_summary().summaries) {
      x.name = std::string(group) + "." + x.name;
      s.summaries.push_back(x);
    }
  Summary nested = s.summaries.front();
  nested.name = "a.evidence.total_cost_usd";
  s.summaries.push_back(nested);
  const std::string text = format_summary_table(s);
  const auto at = text.find("by group");
  REQUIRE(at != std::string::npos);
  const auto lines = lines_of(text.substr(at));
  CHECK_THAT(lines[1], Catch::StartsWith("output") && Catch::Contains("a") && Catch::EndsWith("b"));
  CHECK_THAT(lines[2], Catch::StartsWith("total_cost_usd") && Catch::Contains("12,345,679 ± 14,538"));
  CHECK_THAT(lines[3], Catch::StartsWith("authorized") && Catch::EndsWith("73.07 %"));
  CHECK(text.substr(at).find("evidence.total_cost_usd") == std::string::npos);
  // One group alone is not a comparison.
  ResultFileSummary one = example_summary();
  one.summaries[0].name = "a.total_cost_usd";
  CHECK(format_summary_table(one).find("by group") == std::string::npos);
}

namespace {

// A sweep of 6 points over two columns with the example's three outputs and
// many more, chosen point 4.
ResultFileSummary example_sweep() {
  ResultFileSummary s = example_summary();
  s.summaries.clear();
  s.bands.clear();
  s.sweep_columns = {"design.clusters", "outcome.icc"};
  std::vector<Summary> outputs = example_summary().summaries;
  for (int k = 0; k < 12; ++k) {
    Summary extra = outputs.front();
    extra.name = "strategy_" + std::to_string(k) + ".evidence_cost_usd";
    outputs.push_back(extra);
  }
  for (std::size_t i = 0; i < 6; ++i) {
    ScenarioSummary p;
    p.index = i;
    p.key = 18446744073709551557ULL - i;  // above 2^53: a double would round it
    p.values = {std::to_string(10 + 2 * i), "0.05"};
    p.summaries = outputs;
    for (Summary& x : p.summaries) x.mean += static_cast<double>(i);
    p.bands = example_summary().bands;
    s.scenarios.push_back(p);
  }
  s.choose_rule = "smallest design.clusters with P(authorized) >= 0.7";
  s.chosen = 4;
  return s;
}

// RFC 4180 fields of a CSV text: quoted fields may hold commas, quotes
// (doubled) and line breaks; records end with CRLF.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') field += text[++i];
      else if (ch == '"') quoted = false;
      else field += ch;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      rows.back().push_back(field);
      field.clear();
    } else if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(field);
      field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += ch;
    }
  }
  rows.pop_back();  // after the last CRLF
  return rows;
}

}  // namespace

TEST_CASE("A sweep's table fits 100 columns, keeps every output and marks the chosen point") {
  const ResultFileSummary s = example_sweep();
  const std::string table = format_summary_table(s);
  for (const std::string& line : lines_of(table)) {
    INFO(line);
    CHECK(line.size() <= 100);
  }
  for (const Summary& x : s.scenarios.front().summaries) CHECK_THAT(table, Catch::Contains(x.name));
  CHECK_THAT(table, Catch::Contains("4 *"));
  CHECK_THAT(table, Catch::Contains("* the chosen point"));
  CHECK(table.find("3 *") == std::string::npos);
}

TEST_CASE("A sweep point alone (--point) reads as a single run, with its values in the header") {
  const ResultFileSummary s = example_sweep();
  const ResultFileSummary p = point_summary(s, 4, "sweep.h5");
  CHECK(p.scenarios.empty());
  REQUIRE(p.summaries.size() == s.scenarios[4].summaries.size());
  CHECK(p.summaries[0].mean == s.scenarios[4].summaries[0].mean);
  const std::string table = format_summary_table(p);
  CHECK_THAT(table, Catch::Contains("sweep point  4 of 6: design.clusters = 18, outcome.icc = 0.05 (the chosen point)"));
  CHECK_THAT(table, Catch::Contains(format_number(s.scenarios[4].summaries[0].mean)));
  CHECK_THROWS_WITH(point_summary(s, 6, "sweep.h5"), Catch::Contains("--point 6: 'sweep.h5' has points 0..5"));
  CHECK_THROWS_WITH(point_summary(example_summary(), 0, "run.h5"), Catch::Contains("not a sweep"));
}

TEST_CASE("Only the outputs named (--outputs) are kept in every point and an unknown one is refused with a suggestion") {
  const ResultFileSummary run = only_outputs(example_summary(), {"authorized", "adopters"});
  REQUIRE(run.summaries.size() == 1);
  CHECK(run.summaries[0].name == "authorized");
  REQUIRE(run.bands.size() == 1);
  const ResultFileSummary sweep = only_outputs(example_sweep(), {"total_cost_usd"});
  for (const ScenarioSummary& p : sweep.scenarios) {
    REQUIRE(p.summaries.size() == 1);
    CHECK(p.summaries[0].name == "total_cost_usd");
    CHECK(p.bands.empty());
  }
  CHECK_THROWS_WITH(only_outputs(example_summary(), {"total_cost"}),
                    Catch::Contains("no output 'total_cost'") && Catch::Contains("total_cost_usd"));
}

TEST_CASE("CSV is RFC 4180: quoted names, full precision, empty NaN, one row per point and output") {
  ResultFileSummary s = example_summary();
  s.summaries[0].name = "cost, \"all\" in";
  const std::string csv = format_summary_csv(s);
  CHECK(csv.find("\r\n") != std::string::npos);
  CHECK(csv.find("\"cost, \"\"all\"\" in\"") != std::string::npos);
  const auto rows = parse_csv(csv);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].front() == "output");
  CHECK(rows[0].back() == "mean_per_event");
  CHECK(rows[1][0] == "cost, \"all\" in");
  CHECK(std::stod(rows[1][5]) == 12345678.9);  // mean, exactly
  CHECK(rows[3][6].empty());                   // sd NaN
  for (const auto& row : rows) CHECK(row.size() == rows[0].size());

  const auto sweep = parse_csv(format_summary_csv(example_sweep()));
  REQUIRE(sweep.size() == 1 + 6 * 15);
  CHECK(sweep[0][0] == "point");
  CHECK(sweep[0][1] == "design.clusters");
  CHECK(sweep[0][3] == "output");
  CHECK(sweep.back()[0] == "5");
  CHECK(sweep.back()[1] == "20");
}

TEST_CASE("JSON keeps 64-bit keys as strings and stays valid whatever bytes a name holds") {
  ResultFileSummary s = example_sweep();
  s.scenarios[0].summaries[0].name = std::string("cost \xff\xfe in \xc3");  // not UTF-8
  s.attributes["name"] = "caf\xe9";
  const nlohmann::json j = nlohmann::json::parse(format_summary_json(s));  // throws on invalid UTF-8
  CHECK(j["scenarios"][0]["key"] == "18446744073709551557");
  CHECK(j["scenarios"][5]["key"] == "18446744073709551552");
  CHECK(j["chosen"] == 4);
  CHECK(j["scenarios"][0]["summaries"][0]["name"].get<std::string>().find("cost ") == 0);
  CHECK(j["scenarios"][0]["summaries"][2]["sd"].is_null());
  // Numbers are numbers, and round-trip exactly.
  CHECK(j["scenarios"][1]["summaries"][0]["mean"].get<double>() == s.scenarios[1].summaries[0].mean);
}
