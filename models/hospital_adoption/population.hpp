#pragma once

// The per-replicate state of the hospital population: each hospital's drawn
// attributes, its expected return (which gates adoption) and where it is on
// its way from not adopted to live or stopped. Held in a per-thread
// workspace sized once, so a replicate allocates nothing.

#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "hospital_adoption/hospital_adoption.hpp"
#include "hospital_adoption/workflow.hpp"

namespace samdsim::hospital_adoption {

enum class State : std::uint8_t { waiting, implementing, live, stopped };

struct Hospital {
  using Field = StratumPlan::UnitCorrelation::Field;
  std::uint32_t stratum = 0;
  // What was drawn for its volume (cases a year), staff, integration cost
  // and minutes per case, by Field: each distribution's deferred draw
  // (Distribution::sample_deferred), or a correlated block's value where bit
  // Field of `given` is set. realize() turns them into the values below
  // when the hospital is first appraised: most hospitals never are, and
  // never pay for the transform (a lognormal's exp).
  std::array<double, 4> drawn{};
  std::uint8_t given = 0;
  bool realized = false;
  int servers = 1;  // readers in the queueing approximation
  double cases_per_month = 0.0;  // mean, before seasonality
  double fte = 0.0;
  double capacity_hours = 0.0;
  double effect = 0.0;  // share of working time saved per eligible case (drawn on adoption)
  double mean_minutes = 0.0;  // staff working minutes per case without the SaMD (drawn per hospital)
  double log_mean_minutes = 0.0;  // its log, set on adoption
  double integration_cost = 0.0;
  State state = State::waiting;
  int decision_month = -1;
  int live_month = -1;
  double cumulative_net = 0.0;  // since the decision, one-time costs included
  double operating_net = 0.0;   // since go-live, without one-time costs
  double payback_months = 0.0;  // NaN until the cumulative net benefit turns non-negative
};

// A stratum's values for the replicate, money in the scenario currency.
struct StratumValues {
  double hours_per_fte = 0.0;
  double wage = 0.0;
  double overtime_wage = 0.0;  // wage x (1 + premium)
  double extra_case_margin = 0.0;
  // Extra downstream procedures per eligible case (prevalence x sensitivity
  // x uplift) and the hospital's margin on one.
  double procedures_per_eligible = 0.0;
  double procedure_margin = 0.0;
  double eligible = 0.0;
  double billing = 0.0;
  double licence_per_month = 0.0;
  double backlog = 0.0;
  std::size_t count = 0;
  std::size_t adopted = 0;  // decided and not stopped
  double staff_hours = 0.0;  // working hours saved by the stratum's hospitals so far
  double share_at_start = 0.0;  // adopted / count at the start of the month
};

// Replicate-level values read once from the context.
struct ReplicateValues {
  double p = 0.0, q = 0.0;
  int launch = 0;
  double discount_rate = 0.0;
  double effect = 0.0, concentration = 0.0, max_utilisation = 0.0;
  // The effect hospitals appraise before deciding: the product's effect,
  // unless a model built on this one gives what a study observed.
  double expected_effect = 0.0;
  double minutes_cv = 0.0;  // case-to-case coefficient of variation of the minutes within a hospital
  double overdispersion_size = 0.0;
  std::array<double, 12> season{};  // volume multiplier by calendar month (0-11)
  double addon = 0.0, training_hours = 0.0;
  double licence_per_case = 0.0, cost_to_serve_per_site = 0.0, cost_to_serve_per_case = 0.0;  // converted
  double churn_base = 0.0, churn_negative = 0.0;
  double sensitivity = 0.0, specificity = 0.0, prevalence = 0.0;
  double attractiveness_floor = 0.0;
  double payback_threshold = 0.0, payback_scale = 0.0, roi_threshold = 0.0, roi_scale = 0.0, roi_horizon = 0.0;
};

// The adoption decisions, as arrays over hospitals: the monthly pass over
// waiting hospitals reads these and nothing else. A hospital decides in the
// first month in which its survival, the product of its monthly chances of
// still waiting (bass_window_survival), falls below its threshold, a
// uniform drawn with its attributes. Given the months' shares that is the
// law of a uniform drawn each month against the month's probability,
// P(decide in t | waiting) = (S_{t-1} - S_t) / S_{t-1}, with one draw per
// hospital instead of one per hospital-month.
//
// A hospital is appraised (its expected return, attractiveness and decay
// computed) only once its threshold reaches `bound`, the survival it would
// have at the highest attractiveness, 1: below that bound its own survival
// stays above its threshold, so it cannot decide; its survival would stay 1
// (attractiveness 0), so nothing of it is kept or updated. On appraisal its
// survival is replayed over the decision windows before the current one
// (`windows`), the same products in the same order as if it had been
// appraised when drawn, and it joins `waiting`: the windows update and
// check only the hospitals listed there, in index order (the order in
// which deciders draw), until they decide.
struct Decisions {
  // Multipliers of the Bass hazard in [0, 1] while the add-on is paid and
  // after it ends (0 where not positive), and exp(-attractiveness (p + q) w
  // / 12) for the plan's usual decision window w. Set on appraisal, as is
  // the survival.
  std::array<std::vector<double>, 2> attractiveness;
  std::array<std::vector<double>, 2> decay;
  std::vector<double> survival;
  std::vector<double> threshold;      // the uniform drawn with the hospital's attributes
  std::vector<double> appraise_from;  // the threshold until appraised, then -infinity
  std::vector<std::uint32_t> waiting;  // appraised, not decided: ascending
  std::vector<std::uint32_t> merged;   // scratch for adding the newly appraised to `waiting`

  // One decision window of the replicate so far.
  struct Window {
    std::size_t terms = 0;  // 0: with the add-on, 1: after it ended
    bool usual = true;      // the plan's usual window length (decay[terms] holds its decay)
    double scale = 0.0;     // -(p + q) years of the window, when not usual
  };
  std::vector<Window> windows;
  std::vector<double> window_shares;  // the imitating share of each window, stratum by stratum
  std::vector<double> bound;          // by stratum: the survival at attractiveness 1 so far
  void resize(std::size_t hospitals, std::size_t strata, std::size_t horizon);
};

struct PopulationWorkspace final : Workspace {
  std::vector<Hospital> hospitals;
  // A hospital before its draws, copied over each one for a replicate: nine
  // 16-byte moves, where assigning Hospital{} zeroes it with a string store
  // (slow to start) and then sets the defaults.
  Hospital blank;
  Decisions decisions;
  std::vector<StratumValues> strata;
  std::vector<std::uint32_t> active;  // adopters not stopped, in the order they decided
  std::vector<double> paybacks;  // scratch for the median
  std::vector<Stream> unit_streams;  // one per Plan::unit_copulas, for the replicate
  MonthMinutes minutes;
  // Per hospital: the Poisson constants of its monthly cases' mean, which
  // stays the same from month to month where there is no seasonality.
  std::vector<PoissonConstants> case_constants;
};

ReplicateValues read_values(const Plan& plan, const ReplicateContext& ctx);

// One replicate of the market with the values `v` (read_values, possibly
// changed by a model built on this one): writes the outputs (by Output
// index) into `out`; when `vendor_cost` is not empty, also the vendor's cost
// to serve in each month (horizon values).
void simulate_market(const Plan& plan, const ReplicateValues& v, ReplicateContext& ctx, PopulationWorkspace& w,
                     OutputRow out, std::span<double> vendor_cost = {});
std::unique_ptr<Workspace> make_market_workspace(const Plan& plan);

// Draws every hospital's attributes (deferred: see Hospital::drawn) and its
// threshold; resets the adoption state (no hospital appraised, no decision
// window yet).
void draw_population(const Plan& plan, const ReplicateValues& v, const ReplicateContext& ctx, Stream& rng,
                     PopulationWorkspace& w);

// The hospital's own effect, drawn when it adopts (it learns it by using
// the product): Beta with mean `effect`, degenerate at the ends where the
// Beta has no second parameter.
double draw_effect(const ReplicateValues& v, Stream& rng);

// The hospital's expected monthly gain and licence once live, and its
// one-time cost, at mean volume and the expected effect: what it
// appraises before deciding, with the add-on or (once it has ended) without.
struct ExpectedReturn {
  double gain = 0.0;     // add-on, extra-case and procedure margins, overtime saved
  double licence = 0.0;  // licence fees
  double one_time = 0.0;  // integration and training
};
ExpectedReturn expected_return(const ReplicateValues& v, const Hospital& h, const StratumValues& s, bool addon_paid);
double attractiveness(const Plan& plan, const ReplicateValues& v, const ExpectedReturn& r);

// Hospital i's chance of still waiting at the end of decision window `w`
// given that it waited at its start, with the imitating share `share`.
inline double window_survival(const ReplicateValues& v, const Decisions& d, const Decisions::Window& w, double share,
                              std::size_t i) {
  if (w.usual) return bass_window_survival(v.p, v.q, share, d.decay[w.terms][i]);
  // exp(0 x scale) is 1 exactly: a hospital not appraised (or not attracted) needs no exp.
  const double a = d.attractiveness[w.terms][i];
  return bass_window_survival(v.p, v.q, share, a > 0.0 ? std::exp(a * w.scale) : 1.0);
}

// The hospital's attributes (volume, staff, servers, capacity, integration
// cost, minutes per case) from what was drawn for it, the same bits as if
// they had been computed when drawn; nothing once done.
void realize(const Plan& plan, const StratumValues& s, Hospital& h);

// Appraises hospital i (realized first; its attractiveness and decay, with
// and without the add-on) and replays its survival over d.windows.
void appraise(const Plan& plan, const ReplicateValues& v, Hospital& h, const StratumValues& s, Decisions& d,
              std::size_t i);

}  // namespace samdsim::hospital_adoption
