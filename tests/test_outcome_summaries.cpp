// Outcomes in the words users ask for: the share of each category of a
// categorical output and the cumulative probability of an event by month,
// computed from the stored replicates and counted here again from them.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cli_fixture.hpp"
#include "samdsim/hdf5_file.hpp"
#include "samdsim/result_reader.hpp"
#include "samdsim/stats.hpp"
#include "samdsim/summary_format.hpp"
#include "samdsim/summary_outcomes.hpp"

using namespace samdsim;
using namespace cli;

TEST_CASE("Shares count every replicate and the event curve counts replicates without the event as never") {
  const OutputSpec category = OutputSpec::categorical("outcome", "", {"a", "b", "c"});
  const OutputSpec event = OutputSpec::event_month("months", "");
  const double nan = std::nan("");
  const std::vector<double> codes{0, 2, 2, 1, 0, 0, nan, 2};
  Summary s;
  add_distribution_summaries(s, category, codes);
  REQUIRE(s.shares.size() == 3);
  CHECK(s.shares[0] == 3.0 / 8);
  CHECK(s.shares[1] == 1.0 / 8);
  CHECK(s.shares[2] == 3.0 / 8);

  const std::vector<double> months{3.0, 12.0, 12.5, nan, 24.0, nan, 0.0, 30.2};
  Summary e;
  add_distribution_summaries(e, event, months);
  REQUIRE(e.event_probability.size() == 32);  // months 0..31
  CHECK(e.event_by(0) == 1.0 / 8);
  CHECK(e.event_by(11.9) == 2.0 / 8);
  CHECK(e.event_by(12) == 3.0 / 8);   // 12.0 by month 12
  CHECK(e.event_by(13) == 4.0 / 8);   // 12.5 by month 13
  CHECK(e.event_by(24) == 5.0 / 8);
  CHECK(e.event_by(60) == 6.0 / 8);   // beyond the curve: its last value
  CHECK(e.event_by(-1) != e.event_by(-1));
}

TEST_CASE("A value per event is the mean over the event's probability, and none without the event or with missing values") {
  std::vector<Summary> s(4);
  s[0].name = "cost";
  s[0].mean = 300;
  s[0].per_event = "won";
  s[1].name = "won";
  s[1].type = ValueType::Boolean;
  s[1].probability = 0.25;
  s[2] = s[0];
  s[2].missing = 1;  // E[cost] unknown
  s[3] = s[0];
  s[3].per_event = "lost";  // no such output
  add_means_per_event(s);
  CHECK(s[0].mean_per_event == 1200);
  CHECK(std::isnan(s[1].mean_per_event));
  CHECK(std::isnan(s[2].mean_per_event));
  CHECK(std::isnan(s[3].mean_per_event));
  s[1].probability = 0;
  add_means_per_event(s);
  CHECK(std::isnan(s[0].mean_per_event));
}

TEST_CASE("A us_pathway run stores and prints outcome shares and P(authorized by month) as the replicates give them") {
  const fs::path dir = scratch("outcomes");
  const fs::path out = dir / "triage.h5";
  const Result r = run("run " + source_dir + "/configs/ai_triage_510k.yaml -o " + out.string() +
                           " --replicates 400 --progress never",
                       dir);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("outcome: authorized ") != std::string::npos);
  CHECK(r.out.find("months_to_authorization: by month 12: ") != std::string::npos);

  const hdf5::Id f = open_result_file(out);
  const auto column = [&](const std::string& name) {
    const hdf5::Id ds = hdf5::open_dataset(f.get(), "replicates/" + name);
    std::vector<double> v(400);
    hdf5::read_doubles(ds.get(), 0, 400, 0, 1, v);
    return v;
  };
  const auto outcome = column("outcome");
  const auto months = column("months_to_authorization");
  const auto total = column("total_cost_usd");
  const ResultFileSummary summary = read_result_summary(out);
  for (const Summary& s : summary.summaries) {
    if (s.name == "outcome") {
      REQUIRE(s.labels == std::vector<std::string>{"authorized", "study_failed", "negative_decision", "withdrawn",
                                                   "authorized_by_de_novo_fallback"});
      for (std::size_t c = 0; c < 5; ++c)
        CHECK(s.shares[c] == static_cast<double>(std::count(outcome.begin(), outcome.end(), double(c))) / 400.0);
      // The example has withdrawals (the MDUFA V shares) and no fallback: a category that
      // never occurred is not printed.
      CHECK(s.shares[3] > 0.0);
      CHECK(s.shares[4] == 0.0);
      CHECK(r.out.find("withdrawn ") != std::string::npos);
      CHECK(r.out.find("authorized_by_de_novo_fallback") == std::string::npos);
      CHECK(r.out.find("study_failed ") != std::string::npos);
    }
    if (s.name == "total_cost_usd") {
      // E[cost] / P(authorized), counted from the replicates.
      double sum = 0;
      for (double x : total) sum += x;
      const auto authorized = std::count(outcome.begin(), outcome.end(), 0.0);
      REQUIRE(authorized > 0);
      CHECK(s.per_event == "authorized");
      CHECK(s.mean_per_event == Approx(sum / static_cast<double>(authorized)).epsilon(1e-12));
      CHECK(r.out.find("total_cost_usd per authorized: " + format_number(s.mean_per_event) + " USD") !=
            std::string::npos);
    }
    if (s.name == "months_to_authorization") {
      for (double m : {12.0, 24.0, 36.0, 60.0}) {
        const auto by = std::count_if(months.begin(), months.end(), [&](double t) { return t <= m; });
        CHECK(s.event_by(m) == static_cast<double>(by) / 400.0);
      }
    }
  }
  const Result again = run("summarize " + out.string(), dir);
  CHECK(again.out.find(format_outcomes(summary)) != std::string::npos);
}

TEST_CASE("Per-study outputs add up to the plan's totals and review days and cost if authorized are NaN exactly when they should be") {
  const fs::path dir = scratch("per_study");
  const fs::path out = dir / "triage.h5";
  constexpr std::size_t n = 300;
  REQUIRE(run("run " + source_dir + "/configs/ai_triage_510k.yaml -o " + out.string() + " --replicates 300 --progress never",
              dir)
              .status == 0);
  const hdf5::Id f = open_result_file(out);
  const auto column = [&](const std::string& name) {
    const hdf5::Id ds = hdf5::open_dataset(f.get(), "replicates/" + name);
    std::vector<double> v(n);
    hdf5::read_doubles(ds.get(), 0, n, 0, 1, v);
    return v;
  };
  const std::string first = "study.standalone_ctpa_performance.", second = "study.mrmc_reader_study.";
  const auto attempts = column("study_attempts"), cost = column("cost_studies_usd"), outcome = column("outcome"),
             total = column("total_cost_usd"), review = column("review_days"), if_authorized = column("cost_if_authorized_usd");
  const auto a1 = column(first + "attempts"), a2 = column(second + "attempts");
  const auto c1 = column(first + "cost_usd"), c2 = column(second + "cost_usd");
  const auto ok1 = column(first + "succeeded"), m2 = column(second + "months");
  for (std::size_t i = 0; i < n; ++i) {
    INFO("replicate " << i);
    CHECK(a1[i] >= 1);
    CHECK(a1[i] + a2[i] == attempts[i]);
    CHECK(c1[i] + c2[i] == Approx(cost[i]).epsilon(1e-12));
    // The second study runs only after the first succeeded.
    CHECK((a2[i] > 0) == (ok1[i] == 1));
    CHECK(std::isnan(m2[i]) == (a2[i] == 0));
    CHECK(std::isnan(review[i]) == (outcome[i] == 1));
    CHECK(std::isnan(if_authorized[i]) == (outcome[i] != 0));
    if (outcome[i] == 0) CHECK(if_authorized[i] == total[i]);
  }
}

TEST_CASE("Per-stratum adopters, hours and FTE saved add up to the market's totals") {
  const fs::path dir = scratch("per_stratum");
  const fs::path out = dir / "japan.h5";
  constexpr std::size_t n = 16;
  REQUIRE(run("run " + source_dir + "/configs/hospital_adoption_japan_ct.yaml -o " + out.string() +
                  " --replicates 16 --progress never",
              dir)
              .status == 0);
  const hdf5::Id f = open_result_file(out);
  std::vector<std::string> strata;
  const hdf5::Id g = hdf5::open_group(f.get(), "replicates");
  for (const auto& name : hdf5::member_names(g.get()))
    if (name.starts_with("stratum.") && name.ends_with(".adopters_at_horizon"))
      strata.push_back(name.substr(0, name.size() - std::string("adopters_at_horizon").size()));
  REQUIRE(strata.size() == 4);
  const auto column = [&](const std::string& name) {
    const hdf5::Id ds = hdf5::open_dataset(f.get(), "replicates/" + name);
    std::vector<double> v(n);
    hdf5::read_doubles(ds.get(), 0, n, 0, 1, v);
    return v;
  };
  const auto adopters = column("adopters_at_horizon"), hours = column("cumulative_staff_hours_saved"),
             fte = column("staff_fte_saved");
  std::vector<double> a(n), h(n), e(n);
  for (const auto& s : strata) {
    const auto sa = column(s + "adopters_at_horizon"), sh = column(s + "staff_hours_saved"), se = column(s + "staff_fte_saved");
    for (std::size_t i = 0; i < n; ++i) {
      a[i] += sa[i];
      h[i] += sh[i];
      e[i] += se[i];
    }
  }
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    INFO("replicate " << i);
    CHECK(a[i] == adopters[i]);
    CHECK(h[i] == Approx(hours[i]).epsilon(1e-9).margin(1e-9));
    CHECK(e[i] == Approx(fte[i]).epsilon(1e-12));
    any = any || hours[i] > 0;
  }
  CHECK(any);
}

TEST_CASE("summarize --json gives the shares by label and the event curve and the table gives no mean for a category") {
  const fs::path dir = scratch("outcomes_json");
  const fs::path out = dir / "triage.h5";
  REQUIRE(run("run " + source_dir + "/configs/ai_triage_510k.yaml -o " + out.string() + " --replicates 200 --progress never",
              dir)
              .status == 0);
  const ResultFileSummary summary = read_result_summary(out);
  const Result json = run("summarize --json " + out.string(), dir);
  REQUIRE(json.status == 0);
  const nlohmann::json j = nlohmann::json::parse(json.out);
  std::size_t checked = 0;
  for (std::size_t k = 0; k < summary.summaries.size(); ++k) {
    const Summary& s = summary.summaries[k];
    const nlohmann::json& x = j["summaries"][k];
    REQUIRE(x["name"] == s.name);
    if (s.name == "outcome") {
      CHECK(x["shares"]["authorized"].get<double>() == s.shares[0]);
      ++checked;
    }
    if (s.name == "total_cost_usd") {
      CHECK(x["per_event"] == "authorized");
      CHECK(x["mean_per_event"].get<double>() == s.mean_per_event);
      ++checked;
    }
    if (s.name == "months_to_authorization") {
      REQUIRE(x["probability_by_month"].size() == s.event_probability.size());
      CHECK(x["probability_by_month"][0].get<double>() == 0.0);
      CHECK(x["probability_by_month"][24].get<double>() == s.event_probability[24]);
      ++checked;
    }
  }
  CHECK(checked == 3);
  const Result text = run("summarize " + out.string(), dir);
  const auto row = text.out.find("\noutcome ");
  REQUIRE(row != std::string::npos);
  CHECK(text.out.substr(row, text.out.find('\n', row + 1) - row).find("(shares") != std::string::npos);
}
