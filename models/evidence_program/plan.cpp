// From validated parameters to the prepared program: the strategies' plans
// (made by us_pathway and hospital_adoption themselves), the shared product
// truth put in place of each study's own, and the checks that need more
// than one field (located errors).
#include <algorithm>
#include <set>

#include "evidence_program/evidence_program.hpp"

namespace samdsim::evidence_program {

namespace {

using us_pathway::StudyKind;

constexpr std::size_t max_strategies = 8;

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The product truth replaces each study's own truth of the same kind, so
// that every strategy's studies see the same draw. us_pathway requires the
// study's own value; it must state the same prior, or the file contradicts itself.
void apply_product(const Group& product, const Group& evidence, us_pathway::Plan& plan) {
  const auto& studies = evidence.list("studies");
  auto replace = [&](std::size_t i, const char* product_key, const char* study_key, Param& slot) {
    if (!product.given(product_key)) return;
    const std::string shared = product.distribution(product_key).describe();
    const std::string own = studies[i].distribution(study_key).describe();
    if (own != shared)
      studies[i].fail(study_key, own + " differs from the product truth " + product.path_of(product_key) + " (" +
                                     shared + "), which every strategy's studies share; give the same prior");
    slot = product.number(product_key);
  };
  for (std::size_t i = 0; i < plan.studies.size(); ++i) {
    us_pathway::StudyPlan& s = plan.studies[i];
    switch (s.kind) {
      case StudyKind::standalone:
        replace(i, "sensitivity", "sensitivity", s.true_a);
        replace(i, "specificity", "specificity", s.true_b);
        break;
      case StudyKind::mrmc: replace(i, "delta_auc", "delta_auc", s.true_a); break;
      case StudyKind::single_arm: replace(i, "success_rate", "success_rate", s.true_a); break;
      case StudyKind::rct:
        if (s.binary)
          replace(i, "treatment_rate", "treatment_rate", s.true_b);
        else
          replace(i, "effect", "effect", s.true_a);
        break;
    }
  }
}

// Studies whose simulated analysis yields an estimate of the effect.
bool has_estimate(const us_pathway::StudyPlan& s) {
  return s.kind == StudyKind::mrmc || s.kind == StudyKind::rct || !s.exact;
}

// The observed study measures the market's workflow effect: its truth is
// that same draw, so what the study observes tracks what hospitals get.
void share_workflow_truth(const Group& l, const Group& evidence, us_pathway::StudyPlan& study, const Plan& program) {
  if (!program.market_enabled) l.fail("study_measures_workflow_effect", "the market is switched off");
  if (study.kind != StudyKind::rct || study.binary)
    l.fail("study_measures_workflow_effect", "study '" + study.name + "' is not a continuous-endpoint RCT");
  if (l.fixed("observed_effect_scale") != 1.0)
    l.fail("study_measures_workflow_effect", "the study's estimate must be in the market's unit: observed_effect_scale 1");
  const auto& table = l.table();
  const std::string shared = table.slot(program.market.effect).distribution.describe();
  const auto& studies = evidence.list("studies");
  for (const Group& g : studies)
    if (g.text("name") == study.name && g.distribution("effect").describe() != shared)
      g.fail("effect", g.distribution("effect").describe() + " differs from the market's workflow effect (" + shared +
                           "), which this study measures; give the same prior");
  study.true_a = program.market.effect;
}

Links read_links(const Group& l, const us_pathway::Plan& evidence, bool fixed) {
  Links links;
  const std::string& study = l.text("observed_effect_study");
  if (!study.empty()) {
    if (fixed) l.fail("observed_effect_study", "a strategy with a fixed authorization has no studies");
    for (std::size_t i = 0; i < evidence.studies.size(); ++i)
      if (evidence.studies[i].name == study) links.observed_effect_study = static_cast<int>(i);
    if (links.observed_effect_study < 0)
      l.fail("observed_effect_study", "no study of this strategy's evidence is named '" + study + "'");
    if (!has_estimate(evidence.studies[static_cast<std::size_t>(links.observed_effect_study)]))
      l.fail("observed_effect_study", "study '" + study +
                                          "' is analysed by an exact test, which gives a decision but no estimate; "
                                          "use an MRMC or RCT study, or method: normal");
    links.observed_effect_scale = l.fixed("observed_effect_scale");
  }
  links.bass_p_factor = l.number("bass_p_factor");
  links.bass_q_factor = l.number("bass_q_factor");
  links.addon_eligible = l.flag("addon_eligible");
  return links;
}

Gates read_gates(const Group& g, bool cash_given) {
  Gates gates;
  gates.cost = g.given("max_cost_usd");
  if (gates.cost) gates.max_cost_usd = g.number("max_cost_usd");
  gates.months = g.given("max_months");
  if (gates.months) gates.max_months = g.number("max_months");
  gates.cash = g.flag("stop_when_cash_exhausted");
  if (gates.cash && !cash_given)
    g.fail("stop_when_cash_exhausted", "the cash gate needs the company's cash: give parameters.company.cash_usd");
  return gates;
}

StrategyPlan read_strategy(const Group& s, const Plan& program, const Group& root) {
  StrategyPlan sp;
  sp.name = s.text("name");
  if (!valid_name(sp.name)) s.fail("name", "expected letters, digits and _ only, got '" + sp.name + "'");
  sp.fixed_authorization = s.choice("authorization") == "fixed";
  const Group& evidence = s.group("evidence");
  if (sp.fixed_authorization) {
    sp.authorization_month = s.number("authorization_month");
  } else {
    evidence.set_stream_stage(program.evidence_stage);
    sp.evidence = us_pathway::make_plan(evidence);
    apply_product(root.group("product"), evidence, sp.evidence);
  }
  sp.gates = read_gates(s.group("gates"), program.cash_given);
  if (sp.fixed_authorization && (sp.gates.cost || sp.gates.months || sp.gates.cash))
    s.fail("gates", "a strategy with a fixed authorization has no evidence phase to stop");
  sp.links = read_links(s.group("links"), sp.evidence, sp.fixed_authorization);
  if (s.group("links").flag("study_measures_workflow_effect")) {
    if (sp.links.observed_effect_study < 0)
      s.group("links").fail("study_measures_workflow_effect", "name the study in observed_effect_study");
    share_workflow_truth(s.group("links"), evidence,
                         sp.evidence.studies[static_cast<std::size_t>(sp.links.observed_effect_study)], program);
  }
  return sp;
}

// Stage 0 is also the stream of the parameters outside market, product and
// evidence; a stage may take it only when none of those is drawn.
void check_stages(const Group& p, const Plan& plan, std::uint64_t product_stage) {
  const Group& st = p.group("streams");
  const std::pair<const char*, std::uint64_t> stages[] = {
      {"evidence", plan.evidence_stage}, {"market", plan.market_stage}, {"product", product_stage}};
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = i + 1; j < 3; ++j)
      if (stages[i].second == stages[j].second)
        st.fail(stages[j].first, std::string("stage ") + std::to_string(stages[j].second) + " is already the " +
                                     stages[i].first + " stage; stages must differ, or their draws would coincide");
  const ParameterTable& table = p.table();
  for (const auto& [name, stage] : stages) {
    if (stage != 0) continue;
    for (std::uint32_t i = 0; i < table.size(); ++i) {
      const auto& slot = table.slot(Param{i});
      if (slot.stream == 0 && table.used(Param{i}) && !slot.per_unit && !slot.distribution.is_fixed())
        st.fail(name, "stage 0 is also the stream of " + slot.path +
                          ", which is a distribution; give it a fixed value or use another stage");
    }
  }
}

}  // namespace

Plan make_plan(const Group& p) {
  Plan plan;
  const Group& st = p.group("streams");
  plan.evidence_stage = static_cast<std::uint64_t>(st.fixed("evidence"));
  plan.market_stage = static_cast<std::uint64_t>(st.fixed("market"));
  const auto product_stage = static_cast<std::uint64_t>(st.fixed("product"));
  p.group("product").set_stream_stage(product_stage);
  plan.market_enabled = p.flag("market_enabled");
  plan.stage_outputs = p.flag("stage_outputs");

  const Group& c = p.group("company");
  plan.discount_rate = c.number("discount_rate_per_year");
  plan.commercial_cost_usd_per_month = c.number("commercial_cost_usd_per_month");
  plan.cash_given = c.given("cash_usd");
  if (plan.cash_given) plan.cash_usd = c.number("cash_usd");

  const Group& market = p.group("market");
  plan.horizon = static_cast<std::size_t>(market.fixed("horizon_months"));
  if (plan.market_enabled) {
    if (market.choice("currency") != "USD")
      market.fail("currency", "the company's cash flows are in USD: the market's currency must be USD");
    market.set_stream_stage(plan.market_stage);
    plan.market = hospital_adoption::make_plan(market);
    // Without stage outputs the market's turnaround is discarded: its
    // queueing waits (a sixth of a market's time) are not computed.
    plan.market.turnaround = plan.stage_outputs;
    const Group& product = p.group("product");
    if (product.given("workflow_effect")) {
      if (market.group("workflow").given("effect"))
        market.group("workflow").fail("effect", "the product truth is given in " +
                                                    product.path_of("workflow_effect") + "; give it once, there");
      plan.market.effect = product.number("workflow_effect");
    }
  }

  const auto& strategies = p.list("strategies");
  if (strategies.empty() || strategies.size() > max_strategies)
    p.fail("strategies", "expected 1 to " + std::to_string(max_strategies) + " strategies, got " +
                             std::to_string(strategies.size()));
  std::set<std::string> names;
  for (const Group& s : strategies) {
    plan.strategies.push_back(read_strategy(s, plan, p));
    if (!names.insert(plan.strategies.back().name).second)
      s.fail("name", "another strategy is already named '" + plan.strategies.back().name + "'");
  }
  check_stages(p, plan, product_stage);
  return plan;
}

PlanReport Simulation::plan_report() const {
  PlanReport report;
  for (std::size_t i = 0; i < plan_.strategies.size(); ++i) {
    const StrategyPlan& sp = plan_.strategies[i];
    const std::string at = "strategies/" + std::to_string(i);
    PlanSection& head = report.section(at, "strategy " + std::to_string(i) + " '" + sp.name + "'");
    head.add_text("name", sp.name);
    if (sp.fixed_authorization) {
      head.add_text("evidence", "authorization month given in the config");
      continue;
    }
    head.add_text("evidence", "us_pathway plan, sections below");
    for (PlanSection s : sp.evidence.report.sections) {
      s.name = at + "/" + s.name;
      s.title = "strategy '" + sp.name + "': " + s.title;
      report.sections.push_back(std::move(s));
    }
    report.warnings.insert(report.warnings.end(), sp.evidence.report.warnings.begin(),
                           sp.evidence.report.warnings.end());
  }
  if (plan_.market_enabled) {
    const PlanReport market = hospital_adoption::describe_plan(plan_.market);
    report.sections.insert(report.sections.end(), market.sections.begin(), market.sections.end());
    report.warnings.insert(report.warnings.end(), market.warnings.begin(), market.warnings.end());
  }
  return report;
}

}  // namespace samdsim::evidence_program
