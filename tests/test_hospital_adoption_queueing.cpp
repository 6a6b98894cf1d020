// Closed forms of the hospital_adoption model: Erlang C and M/M/c waits,
// preemptive-priority waits, the Bass window probability, and the monthly
// workload balance.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "hospital_adoption/queueing.hpp"
#include "hospital_adoption/workflow.hpp"
#include "samdsim/random.hpp"

using namespace samdsim;
using namespace samdsim::hospital_adoption;

namespace {

// Erlang C from its textbook definition, summing a^k / k! directly.
double erlang_c_by_sum(int c, double a) {
  long double term = 1.0L, sum = 0.0L;
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= static_cast<long double>(a) / static_cast<long double>(k + 1);
  }
  const long double last = term * c / (c - a);  // a^c / c! * c / (c - a)
  return static_cast<double>(last / (sum + last));
}

// Time-average numbers in system of a preemptive-priority M/M/c queue, from
// a simulation of its Markov chain on (n1, n2).
struct ChainAverages {
  double high = 0.0, low = 0.0;
};
ChainAverages simulate_priority_chain(int c, double l1, double l2, double mu, std::uint64_t events, Stream& rng) {
  long n1 = 0, n2 = 0;
  double time = 0.0, area1 = 0.0, area2 = 0.0;
  for (std::uint64_t e = 0; e < events; ++e) {
    const long busy1 = std::min<long>(n1, c);
    const long busy2 = std::min<long>(n2, c - busy1);
    const double d1 = mu * static_cast<double>(busy1), d2 = mu * static_cast<double>(busy2);
    const double total = l1 + l2 + d1 + d2;
    const double dt = rng.exponential(total);
    area1 += dt * static_cast<double>(n1);
    area2 += dt * static_cast<double>(n2);
    time += dt;
    const double u = rng.uniform() * total;
    if (u < l1) ++n1;
    else if (u < l1 + l2) ++n2;
    else if (u < l1 + l2 + d1) --n1;
    else --n2;
  }
  return {area1 / time, area2 / time};
}

}  // namespace

TEST_CASE("Erlang C equals rho for one server and 2 rho^2 / (1 + rho) for two") {
  for (double rho : {0.1, 0.5, 0.85, 0.99}) {
    CHECK(erlang_c(1, rho) == Approx(rho).epsilon(1e-13));
    CHECK(erlang_c(2, 2.0 * rho) == Approx(2.0 * rho * rho / (1.0 + rho)).epsilon(1e-13));
  }
}

TEST_CASE("Erlang C matches the textbook sum, including many servers") {
  CHECK(erlang_c(3, 2.0) == Approx(4.0 / 9.0).epsilon(1e-13));  // a^3/3! * 3 = 4 over 1 + 2 + 2 + 4
  for (int c : {1, 3, 7, 20, 60})
    for (double rho : {0.3, 0.7, 0.95})
      CHECK(erlang_c(c, rho * c) == Approx(erlang_c_by_sum(c, rho * c)).epsilon(1e-11));
  CHECK(erlang_c(4, 4.0) == 1.0);  // no steady state
  CHECK(erlang_c(4, 0.0) == 0.0);
}

TEST_CASE("M/M/c waits match the M/M/1 and M/M/2 closed forms") {
  const double mu = 1.0 / 17.0;  // a 17-minute read
  for (double rho : {0.2, 0.6, 0.9}) {
    CHECK(mmc_wait(1, rho * mu, mu) == Approx(rho / (mu - rho * mu)).epsilon(1e-12));
    const double lambda = 2.0 * rho * mu;
    CHECK(mmc_wait(2, lambda, mu) == Approx(rho * rho / (mu * (1.0 - rho * rho))).epsilon(1e-12));
  }
  CHECK(std::isinf(mmc_wait(2, 2.0 * mu, mu)));
  CHECK(mmc_wait(2, 0.0, mu) == 0.0);
}

TEST_CASE("Preemptive priority waits match Kleinrock's M/M/1 closed form") {
  const double mu = 1.0 / 15.0;
  for (double share : {0.05, 0.2, 0.5})
    for (double rho : {0.5, 0.85}) {
      const double l1 = share * rho * mu, l2 = (1.0 - share) * rho * mu, rho1 = l1 / mu;
      // Time in system: class 1 as if alone; class 2 also waits out all higher work.
      const double t1 = (1.0 / mu) / (1.0 - rho1);
      const double t2 = (1.0 / mu) / ((1.0 - rho1) * (1.0 - rho));
      const PriorityWaits w = preemptive_priority_waits(1, l1, l2, mu);
      CHECK(w.high == Approx(t1 - 1.0 / mu).epsilon(1e-12));
      CHECK(w.low == Approx(t2 - 1.0 / mu).epsilon(1e-12));
    }
}

TEST_CASE("Preemptive priority waits on three servers match a simulation of the queue") {
  Stream rng(2024, 0, 0);
  const int c = 3;
  const double mu = 1.0, l1 = 0.6, l2 = 1.8;
  const ChainAverages n = simulate_priority_chain(c, l1, l2, mu, 3'000'000, rng);
  const PriorityWaits w = preemptive_priority_waits(c, l1, l2, mu);
  // Little's law: mean number in system = arrival rate x (wait + service).
  CHECK(n.high / l1 - 1.0 / mu == Approx(w.high).epsilon(0.05).margin(2e-3));
  CHECK(n.low / l2 - 1.0 / mu == Approx(w.low).epsilon(0.05));
  CHECK(w.high < mmc_wait(c, l1 + l2, mu));
  CHECK(w.low > mmc_wait(c, l1 + l2, mu));
}

TEST_CASE("Priority classes average to the FIFO wait, and a class without arrivals has none") {
  const double mu = 0.1;
  for (int c : {1, 2, 5}) {
    const double l1 = 0.1 * c * mu, l2 = 0.7 * c * mu;
    const PriorityWaits w = preemptive_priority_waits(c, l1, l2, mu);
    CHECK((l1 * w.high + l2 * w.low) / (l1 + l2) == Approx(mmc_wait(c, l1 + l2, mu)).epsilon(1e-12));
  }
  CHECK(std::isnan(preemptive_priority_waits(2, 0.0, 0.1, mu).high));
  CHECK(preemptive_priority_waits(2, 0.0, 0.1, mu).low == Approx(mmc_wait(2, 0.1, mu)).epsilon(1e-12));
  CHECK(std::isnan(preemptive_priority_waits(2, 0.1, 0.0, mu).low));
}

TEST_CASE("Bass window probabilities carry the closed form F(t) exactly from month to month") {
  for (auto [p, q] : {std::pair{0.03, 0.38}, std::pair{0.025, 0.583}, std::pair{0.1, 0.0}}) {
    for (int window : {1, 3, 12}) {
      const double decay = std::exp(-(p + q) * window / 12.0);
      double share = 0.0;
      for (int k = 1; k <= 120 / window; ++k) {
        share += (1.0 - share) * bass_window_probability(p, q, share, decay);
        CHECK(share == Approx(bass_share(p, q, k * window / 12.0)).epsilon(1e-12).margin(1e-15));
      }
    }
  }
}

TEST_CASE("A Bass hazard scaled to zero or with no innovators never adopts") {
  CHECK(bass_window_probability(0.03, 0.38, 0.2, 1.0) == 0.0);  // attractiveness 0: decay 1
  CHECK(bass_window_probability(0.0, 0.38, 0.0, std::exp(-0.38 / 12.0)) == 0.0);
  CHECK(bass_window_probability(0.0, 0.0, 0.0, 1.0) == 0.0);
  CHECK(bass_share(0.0, 0.5, 3.0) == 0.0);
}

TEST_CASE("A saving removes overtime first, then freed regular hours take waiting cases") {
  Workload w;
  w.capacity_hours = 100.0;
  w.max_utilisation = 0.8;
  w.minutes_per_extra_case = 15.0;
  w.waiting_cases = 1000.0;
  SECTION("overloaded before and after: all of the saving is overtime") {
    w.hours_without = 96.0;  // staffed 120
    w.hours_saved = 8.0;     // staffed 110
    const Balance b = balance_workload(w);
    CHECK(b.overtime_without == Approx(20.0));
    CHECK(b.overtime_with == Approx(10.0));
    CHECK(b.extra_cases == 0.0);
    CHECK(b.staffed_with == Approx(110.0));
  }
  SECTION("the saving crosses capacity: the rest of it takes whole cases") {
    w.hours_without = 84.0;  // staffed 105
    w.hours_saved = 12.0;    // staffed 90: 5 h of overtime gone, 10 staffed h freed = 8 working h
    const Balance b = balance_workload(w);
    CHECK(b.overtime_without == Approx(5.0));
    CHECK(b.overtime_with == 0.0);
    CHECK(b.extra_cases == 32.0);  // 8 h x 60 / 15 min
    CHECK(b.hours_with == Approx(80.0));
    CHECK(b.hours_with / b.staffed_with <= 0.8 + 1e-12);
  }
  SECTION("extra cases are capped by the demand that waits") {
    w.hours_without = 40.0;
    w.hours_saved = 10.0;
    w.waiting_cases = 7.0;
    CHECK(balance_workload(w).extra_cases == 7.0);
    w.whole_cases = false;
    w.waiting_cases = 1000.0;
    CHECK(balance_workload(w).extra_cases == Approx(40.0));
  }
  SECTION("no saving, no change") {
    w.hours_without = 96.0;
    w.hours_saved = 0.0;
    const Balance b = balance_workload(w);
    CHECK(b.overtime_with == b.overtime_without);
    CHECK(b.extra_cases == 0.0);
    CHECK(b.hours_with == w.hours_without);
  }
}

TEST_CASE("Turnaround is the M/M/c sojourn at utilisation working over staffed hours") {
  // 300 cases of 12 min = 60 working hours over 80 staffed hours by 2 readers.
  const double t = turnaround_minutes(300.0, 60.0, 80.0, 2);
  const double lambda = 300.0 / (60.0 * 40.0), mu = 1.0 / 12.0;
  CHECK(lambda / (2.0 * mu) == Approx(0.75));
  CHECK(t == Approx(mmc_wait(2, lambda, mu) + 12.0).epsilon(1e-12));
  CHECK(std::isnan(turnaround_minutes(0.0, 0.0, 80.0, 2)));
}

TEST_CASE("Monthly working minutes have the mean and variance of the sum of per-case minutes") {
  Stream rng(7, 0, 0);
  const double mean = 17.0, sd = 8.0;
  MonthMinutes minutes;
  minutes.set_cv(sd / mean);
  // 5000 lies past the table of terms, computed on every draw.
  for (std::uint64_t n : {1, 5, 40, 900, 5000}) {
    const int draws = 200'000;
    double sum = 0.0, sum2 = 0.0, smallest = std::numeric_limits<double>::infinity();
    for (int i = 0; i < draws; ++i) {
      const double x = minutes.draw(n, mean, std::log(mean), rng);
      smallest = std::min(smallest, x);
      sum += x;
      sum2 += x * x;
    }
    CHECK(smallest > 0.0);
    const double m = sum / draws, var = sum2 / draws - m * m;
    const double expected_var = static_cast<double>(n) * sd * sd;
    INFO("n = " << n);
    // se of the mean: sqrt(var / draws); of the variance: about var sqrt(2 / draws) times a kurtosis factor.
    CHECK(std::fabs(m - n * mean) < 4.0 * std::sqrt(expected_var / draws));
    CHECK(var == Approx(expected_var).epsilon(0.04));
  }
  CHECK(minutes.draw(0, 17.0, std::log(17.0), rng) == 0.0);
  minutes.set_cv(0.0);
  CHECK(minutes.draw(12, 17.0, std::log(17.0), rng) == 12.0 * 17.0);
}

TEST_CASE("Monthly minutes depend on the cv in force, not on what the table kept before") {
  // The same stream through a table that first served another cv, and
  // through a fresh one: the same values, bit for bit.
  MonthMinutes reused, fresh;
  Stream warm(3, 0, 0);
  reused.set_cv(0.9);
  for (std::uint64_t n = 1; n < 200; ++n) reused.draw(n, 17.0, std::log(17.0), warm);
  reused.set_cv(0.3);
  fresh.set_cv(0.3);
  Stream a(5, 0, 0), b(5, 0, 0), c(5, 0, 0);
  for (std::uint64_t n = 1; n < 200; ++n) {
    const double x = reused.draw(n, 17.0, std::log(17.0), a);
    CHECK(x == fresh.draw(n, 17.0, std::log(17.0), b));
    // The moment-matched lognormal written out, at the same normal draw.
    const double sigma2 = std::log(1.0 + 0.09 / static_cast<double>(n));
    const double expected = std::exp(std::log(17.0 * static_cast<double>(n)) - 0.5 * sigma2 + std::sqrt(sigma2) * c.normal());
    CHECK(x == Approx(expected).epsilon(1e-13));
  }
}
