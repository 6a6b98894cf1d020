#pragma once

// Closed forms for report turnaround: the M/M/c queue (Erlang C) and the
// M/M/c queue with two preemptive-priority classes of equal service rate,
// the model FDA's QuCAD uses for triage devices that move AI-flagged cases
// to the front of the worklist. Rates are per unit of time (any unit, the
// same for all arguments); waits come back in that unit.

namespace samdsim::hospital_adoption {

// Probability that an arriving job waits (Erlang C) in an M/M/c queue with
// offered load a = lambda / mu; 1 when a >= c (no steady state).
double erlang_c(int servers, double offered_load);

// Mean wait in queue (before service starts) of an M/M/c queue; +inf when
// the queue is unstable (lambda >= c mu), 0 without arrivals.
double mmc_wait(int servers, double arrival_rate, double service_rate);

// Mean waits of the two classes of an M/M/c queue in which class-1 jobs
// preempt class-2 jobs (preemptive resume, both served at rate mu). A wait
// is the time in system less the job's mean service time 1/mu, so for class 2
// it includes the interruptions. NaN for a class without arrivals.
struct PriorityWaits {
  double high = 0.0;
  double low = 0.0;
};
PriorityWaits preemptive_priority_waits(int servers, double high_rate, double low_rate, double service_rate);

}  // namespace samdsim::hospital_adoption
