# The peer of bench_demonstration: the same stepped-wedge trial simulated on
# individual cases and fitted by REML with lme4 (Bates et al. 2015), as an
# analyst would size a stepped wedge by simulation in R. Called by
# bench_demonstration; prints "key value" lines.
#
# Usage: Rscript demonstration_lme4.R TRIALS [STEPS PER_STEP CASES ICC CAC SD EFFECT SEED]
#
# Model (docs/models/demonstration.md): y = period + effect * treated
#   + a_cluster + g_cluster:period + e, with a ~ N(0, icc cac v),
#   g ~ N(0, icc (1 - cac) v), e ~ N(0, (1 - icc) v), v = sd^2
#   (Hooper et al. 2016; Girling & Hemming 2016).
# Test: two-sided Wald t test at 0.05 with the within-cluster degrees of
# freedom, cluster-periods - clusters - periods, as the samdsim config uses.

suppressPackageStartupMessages(library(lme4))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript demonstration_lme4.R TRIALS [STEPS PER_STEP CASES ICC CAC SD EFFECT SEED]")
arg <- function(i, default) if (length(args) >= i) as.numeric(args[i]) else default
trials <- as.integer(args[1])
steps <- arg(2, 6); per_step <- arg(3, 4); cases <- arg(4, 20)
icc <- arg(5, 0.05); cac <- arg(6, 0.8); sd <- arg(7, 8); effect <- arg(8, -1.5); seed <- arg(9, 1)

clusters <- steps * per_step
periods <- steps + 1                              # one baseline period, then one period per step
v <- sd^2
tau2 <- icc * cac * v
gamma2 <- icc * (1 - cac) * v
sigma2 <- (1 - icc) * v

# Staircase: the clusters of step s use the SaMD from period s + 1 on.
crossover <- rep(seq_len(steps), each = per_step)
d <- expand.grid(case = seq_len(cases), period = seq_len(periods), cluster = seq_len(clusters))
d$treated <- as.integer(d$period > crossover[d$cluster])
d$period_f <- factor(d$period)
d$cluster_f <- factor(d$cluster)
cell <- (d$cluster - 1) * periods + d$period
df <- clusters * periods - clusters - periods
critical <- qt(0.975, df)
control <- lmerControl(check.conv.singular = .makeCC(action = "ignore", tol = 1e-4))

set.seed(seed)
estimate <- numeric(trials)
se <- numeric(trials)
started <- proc.time()[["elapsed"]]
for (r in seq_len(trials)) {
  a <- rnorm(clusters, 0, sqrt(tau2))
  g <- rnorm(clusters * periods, 0, sqrt(gamma2))
  d$y <- effect * d$treated + a[d$cluster] + g[cell] + rnorm(nrow(d), 0, sqrt(sigma2))
  fit <- lmer(y ~ period_f + treated + (1 | cluster_f) + (1 | cluster_f:period_f), data = d, REML = TRUE,
              control = control)
  coefficients <- summary(fit)$coefficients
  estimate[r] <- coefficients["treated", "Estimate"]
  se[r] <- coefficients["treated", "Std. Error"]
}
elapsed <- proc.time()[["elapsed"]] - started

cat(sprintf("r_version %s.%s\n", R.version$major, R.version$minor))
cat(sprintf("lme4_version %s\n", as.character(packageVersion("lme4"))))
cat(sprintf("lme4_trials %d\n", trials))
cat(sprintf("lme4_seconds_per_trial %.6g\n", elapsed / trials))
cat(sprintf("lme4_mean_estimate %.6g\n", mean(estimate)))
cat(sprintf("lme4_sd_estimate %.6g\n", sd(estimate)))
cat(sprintf("lme4_mean_se %.6g\n", mean(se)))
cat(sprintf("lme4_power %.6g\n", mean(abs(estimate) > critical * se)))
