#pragma once

// The us_pathway model: an evidence plan for a SaMD to US marketing
// authorization — pre-submissions, studies, submission, FDA review — as a
// distribution of cost, months and the chance of authorization.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "samdsim/model.hpp"
#include "us_pathway/design.hpp"

namespace samdsim::us_pathway {

class TTestCritical;
class TTestCriticalGrid;

// Declares the parameters on `schema` (a model's root, or a group of a model built on this one).
void declare(Field& schema);

enum Output : std::size_t {
  authorized,
  months_to_decision,
  months_to_authorization,
  evidence_months,
  total_cost_usd,
  cost_studies_usd,
  cost_fees_usd,
  cost_regulatory_usd,
  cost_burn_usd,
  patients_enrolled,
  sites_activated,
  review_cycles,
  submissions,
  study_attempts,
  outcome,
  output_count
};
std::vector<OutputSpec> output_specs();

// How a replicate ended (output `outcome`).
enum class Outcome {
  authorized = 0,                      // by the planned pathway, resubmissions included
  study_failed = 1,                    // a study failed with no attempt left
  negative_decision = 2,               // NSE, declined or not approvable, with no route left
  withdrawn = 3,                       // the last submission was withdrawn, no resubmission left
  authorized_by_de_novo_fallback = 4,  // a De Novo request after an NSE 510(k)
};

enum class StudyKind { standalone, mrmc, single_arm, rct };
enum class OnFailure { abandon, repeat, redesign };

// A look at enrollment, `look_month` after site activation starts: the
// sponsor projects the months to full enrollment from the screenings so far
// and, beyond `max_projected_months`, closes the study or opens more sites.
struct InterimLook {
  bool enabled = false;
  double look_month = 0.0, max_projected_months = 0.0;
  bool add_sites = false;
  std::int64_t added_sites = 0;
};

struct EnrollmentPlan {
  Param sites, never_enroll_share, screening_rate, rate_shape, screen_failure, dropout, follow_up_months,
      closeout_months;
  const Distribution* activation_months = nullptr;  // drawn per site
  Param site_startup_usd, site_month_usd, per_patient_usd, per_screen_failure_usd, site_overhead_share;
  bool significant_risk = false;
  std::int64_t max_sites = 0;
  double dropout_planning = 0.0;  // expected dropout, used to inflate enrollment
  InterimLook interim;
  double planning_rate = 0.0, planning_shape = 0.0;  // the interim look's prior: mean screening rate and gamma shape
};

// One study of the plan, sized at preparation from its planning values; the
// sample size of attempt k is sizes[k].
struct StudyPlan {
  StudyKind kind = StudyKind::standalone;
  std::string name;
  bool with_previous = false;
  OnFailure on_failure = OnFailure::abandon;
  int max_attempts = 1;
  Param fixed_cost_usd, monthly_cost_usd, max_recruitment_months;

  // Sample sizes per attempt: evaluable units (standalone: positives and
  // negatives; MRMC: cases; single arm: patients; RCT: control and treatment).
  struct Size {
    std::int64_t a = 0, b = 0;
    std::int64_t critical_a = 0, critical_b = 0;  // exact-test critical values where used
  };
  std::vector<Size> sizes;
  // Exact single-arm tests: the critical value for every evaluable count up
  // to the largest enrollment, as dropout makes that count random.
  std::shared_ptr<const std::vector<std::int64_t>> critical_by_n;  // null: computed per replicate
  // Continuous RCT: the t-test's critical values for every degrees of freedom
  // up to the largest enrollment (study_tests.hpp); null: p-values per replicate.
  std::shared_ptr<const TTestCritical> t_critical;
  // MRMC: the same on a grid of the Hillis ddf, which is not a whole number.
  std::shared_ptr<const TTestCriticalGrid> ddf_critical;

  // The values the study was sized with (NaN where unused): planning
  // sensitivity and specificity, delta AUC, success rate, effect, or control
  // and treatment rates; the target power; the key that set the size.
  double planning_a = 0, planning_b = 0, target_power = 0;
  std::string size_key;
  bool size_given = false;  // a count given in the config, not computed
  bool size_for_precision = false;  // standalone sizing: precision (Buderer 1996)
  std::string sizing;               // how a computed size was computed, in words
  bool sized_for_power() const { return !size_given && !size_for_precision; }

  // Truth (priors) and test settings.
  Param true_a, true_b;  // sensitivity/specificity, delta AUC, success rate, effect or control/treatment rates
  Param sd;
  double goal_a = 0, goal_b = 0;
  double alpha = 0.05;
  bool exact = true;
  bool binary = false;  // RCT endpoint
  MrmcVariance mrmc;
  std::int64_t readers = 0;

  // Retrospective data collection and reading.
  Param cost_per_case_usd, cases_per_month, analysis_months, reading_minutes_per_case, reader_cost_usd_per_hour,
      reader_hours_per_month, washout_days;

  EnrollmentPlan enrollment;
};

struct ReviewPlan {
  Param acceptance_review_days, rta_probability, rta_response_days, review_days, ai_request_probability,
      further_ai_probability, max_ai_requests, favourable_probability, user_fee_usd, small_business_fee_usd;
  // FDA-clock days when the first cycle ends in a decision, without any
  // additional-information request (review_days is then not used).
  Param review_days_without_request;
  Param withdrawn_share;  // of the unfavourable endings
  // favourable_probability is the all-comers share; prepared submissions
  // have prepared_odds_ratio times the odds of the others, who make up
  // 1 - prepared_share of all comers. Off when the ratio is fixed at 1.
  Param prepared_share, prepared_odds_ratio;
  bool evidence_dependent = false;
  bool clinical_study_expected = false;  // De Novo and PMA: prepared needs a clinical study
  const Distribution* response_days = nullptr;  // drawn per request
  bool pma = false;
  Param panel_probability, panel_days;
};

// After a withdrawal the sponsor may answer the deficiencies and submit
// again: a new preparation, fee and review (at most `max` times in a plan).
struct Resubmission {
  int max = 0;
  Param preparation_months, cost_usd;
};

// After a 510(k) is found not substantially equivalent, the sponsor may
// request De Novo classification instead of stopping.
struct DeNovoFallback {
  bool enabled = false;
  ReviewPlan review;  // De Novo
  Param preparation_months, cost_usd;
};

struct Plan {
  std::string pathway;  // 510k, de_novo or pma
  // The evidence holds a clinical study (MRMC reader study, single-arm or
  // RCT), not only standalone performance.
  bool clinical_study = false;
  bool small_business = false;
  Param burn_usd_per_month, establishment_fee_usd;
  Param qsub_meetings, qsub_preparation_months, qsub_feedback_days, qsub_cost_usd;
  std::vector<StudyPlan> studies;
  Param ide_review_days;
  Param submission_preparation_months, submission_cost_usd;
  ReviewPlan review;
  bool breakthrough = false;
  Param breakthrough_factor;
  Resubmission resubmission;
  DeNovoFallback fallback_de_novo;
  // What was derived before simulating, for /plan and validate.
  PlanReport report;
};

Plan make_plan(const Group& parameters);
// The plan's sizes, critical values, planning power and expected durations
// (plan_report.cpp), with warnings for a plan no sponsor would run.
PlanReport describe_plan(const Plan& plan, const Group& parameters);
// The review settings of `pathway` in a plan's parameters (read, so drawn).
ReviewPlan make_review(const Group& parameters, const std::string& pathway);

// The plan's studies are at most this many (the schema's limit).
inline constexpr std::size_t max_studies = 20;

// Where a replicate's costs fall in time, for callers that turn them into
// monthly cash flows: `usd` spent evenly over months [from, to), or at
// month `from` when to == from.
class CostLedger {
 public:
  virtual ~CostLedger() = default;
  virtual void add(double from_month, double to_month, double usd) = 0;
};

// What a replicate of the plan showed beyond its outputs, for models built on it.
struct PlanRecord {
  CostLedger* ledger = nullptr;  // optional
  struct Study {
    bool succeeded = false;
    double estimate = 0.0;  // the last attempt's observed effect (MRMC, RCT, normal single-arm); NaN otherwise
    int attempts = 0;       // 0: the plan stopped before this study
    double cost_usd = 0.0;  // every attempt
    double months = 0.0;    // from its start to the end of its last attempt
  };
  std::array<Study, max_studies> studies{};
  double decision_month = 0.0;    // FDA decision, or when a failed study ended the plan
  double submission_month = 0.0;  // the first submission; NaN when none was made
  double review_days = 0.0;       // calendar days under FDA review, every submission; NaN without a submission
  double hold_days = 0.0;         // of those, days on hold for additional-information requests
};

// The FDA review of one submission: days from submission to decision
// (refusals to accept, review, panel, additional-information holds),
// review cycles and how it ended. One uniform draw decides the ending:
// favourable below favourable_probability, then withdrawn for the share
// withdrawn_share of the rest, else a negative decision.
enum class Decision { favourable, negative, withdrawn };
struct ReviewResult {
  double days = 0.0;
  double hold_days = 0.0;  // of `days`, the sponsor's answers to additional-information requests
  std::int64_t cycles = 0;
  Decision decision = Decision::negative;
  bool favourable() const { return decision == Decision::favourable; }
};
ReviewResult simulate_review(const ReviewPlan& review, double review_time_factor, bool prepared,
                             const ReplicateContext& ctx, Stream& rng);

// The chance of a favourable decision for a prepared (or an unprepared)
// submission, when `all_comers` is the average over a mix with the share
// `prepared_share` of prepared submissions, whose odds are `odds_ratio`
// times those of the others (the positive root of a quadratic in the odds).
double favourable_given(double all_comers, double prepared_share, double odds_ratio, bool prepared);

// One replicate of the plan: writes the outputs (by Output index) into
// `out`, and fills `record` when given. `workspace` is from make_workspace.
void simulate_plan(const Plan& plan, ReplicateContext& ctx, Workspace& workspace, OutputRow out,
                   PlanRecord* record = nullptr);
std::unique_ptr<Workspace> make_plan_workspace(const Plan& plan);

// Outputs a us_pathway run adds after the model's own (Output), from the
// replicate's PlanRecord: FDA review days, days on hold, cost if authorized, and per study
// (named after it) its attempts, success, cost and months.
enum RecordOutput : std::size_t { review_days, hold_days, cost_if_authorized_usd, record_output_count };
enum StudyOutput : std::size_t { study_attempts_run, study_succeeded, study_cost_usd, study_months, study_output_count };
std::vector<OutputSpec> record_output_specs(const Plan& plan);
// Writes them: `out` is the row simulate_plan wrote (Output), `more` the row
// of record_output_specs(plan).
void write_record_outputs(const Plan& plan, const PlanRecord& record, OutputRow out, OutputRow more);

class Simulation final : public samdsim::Simulation {
 public:
  explicit Simulation(Plan plan);
  const std::vector<OutputSpec>& outputs() const override { return outputs_; }
  std::unique_ptr<Workspace> make_workspace() const override;
  void simulate(ReplicateContext& ctx, Workspace* workspace, OutputRow out) const override;
  PlanReport plan_report() const override { return plan_.report; }

 private:
  Plan plan_;
  std::vector<OutputSpec> outputs_;
};

}  // namespace samdsim::us_pathway
