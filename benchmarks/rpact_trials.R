# Simulated power of two fixed two-arm trials by rpact, timed, for
# bench_rpact: a continuous endpoint (t test) and a binary one (z test of two
# rates), one-sided alpha 0.025 (the favourable side of a two-sided 0.05
# test, as samdsim decides a trial).
# Usage: Rscript rpact_trials.R TRIALS N_PER_ARM_MEANS EFFECT N_PER_ARM_RATES P_CONTROL P_TREATMENT SEED
# Prints "key value" lines.
suppressMessages(library(rpact))
args <- as.numeric(commandArgs(trailingOnly = TRUE))
trials <- args[1]
seed <- args[7]

elapsed <- function(f) {
  start <- proc.time()[["elapsed"]]
  value <- f()
  list(value = value, seconds = proc.time()[["elapsed"]] - start)
}

means <- elapsed(function() {
  getSimulationMeans(alternative = args[3], stDev = 1, plannedSubjects = 2 * args[2], normalApproximation = FALSE,
                     maxNumberOfIterations = trials, seed = seed)
})
rates <- elapsed(function() {
  getSimulationRates(pi1 = args[6], pi2 = args[5], plannedSubjects = 2 * args[4], normalApproximation = TRUE,
                     maxNumberOfIterations = trials, seed = seed)
})
cat("rpact_version", as.character(packageVersion("rpact")), "\n")
cat("r_version", paste(R.version$major, R.version$minor, sep = "."), "\n")
cat("trials", trials, "\n")
cat("means_power", means$value$overallReject, "\n")
cat("means_seconds_per_trial", means$seconds / trials, "\n")
cat("rates_power", rates$value$overallReject, "\n")
cat("rates_seconds_per_trial", rates$seconds / trials, "\n")
