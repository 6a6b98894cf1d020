"""Figures of a us_pathway run for samdsim_report.py: time to authorization, the
cost and its parts, rank correlations, and the tornado of samdsim sensitivity
(docs/report.md, "us_pathway")."""

import matplotlib.ticker
import numpy as np
import pandas as pd

import samdsim_reader as sr
import samdsim_report_sensitivity as sensitivity
from samdsim_report_common import plt, readable, save, scale_for, short_key, spearman

COST_PARTS = [("cost_studies_usd", "studies"), ("cost_fees_usd", "FDA fees"),
              ("cost_regulatory_usd", "regulatory"), ("cost_burn_usd", "company burn")]


def figures(path, point, outdir, figures, notes, prefix=""):
    sensitivity.tornado_figure(path, point, outdir, figures, ("total_cost_usd", "months_to_decision"), prefix)
    if not sr.has_replicates(path, point):
        notes.append("The time to authorization, the cost distribution and the rank correlations need "
                     "per-replicate values, which this file does not keep (--outputs summary).")
        return
    rep = sr.replicates(path, point)
    units = sr.units(path, point)
    n = len(rep)

    # cumulative probability of authorization by month, over all replicates
    if "months_to_authorization" in rep:
        months = rep["months_to_authorization"].to_numpy(dtype=float)
        done = np.sort(months[np.isfinite(months)])
        p_auth = done.size / n if n else np.nan
        fig, ax = plt.subplots(figsize=(9.5, 4.4), layout="constrained")
        if done.size:
            xs = np.concatenate([[0.0], done])
            ys = np.concatenate([[0.0], np.arange(1, done.size + 1) / n])
            ax.step(xs, ys, where="post", color="C0", lw=2, label="P(authorized by month)")
            ax.set_xlim(0, done[-1] * 1.05)
        ax.axhline(p_auth, color="0.4", ls="--", lw=1, label=f"P(authorized) = {p_auth:.3f}")
        for q, ls in ((0.5, ":"),):
            if done.size and p_auth >= q:
                t = done[int(np.ceil(q * n)) - 1]
                ax.axvline(t, color="C3", ls=ls, lw=1, label=f"50 % authorized by month {t:.1f}")
        ax.set_ylim(0, 1.0)
        ax.set_xlabel("Months from plan start")
        ax.set_ylabel("Cumulative probability of authorization")
        ax.set_title(f"Time to authorization ({n} replicates; plateau = P(authorized))")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        save(fig, outdir, f"{prefix}authorization_cdf.png", figures,
             "Empirical CDF of months to authorization over all replicates: the height at month t is "
             "the share of replicates authorized by t, so the curve levels off at P(authorized).", point=point)

    # cost distribution and breakdown
    if "total_cost_usd" in rep:
        total = rep["total_cost_usd"].to_numpy(dtype=float)
        unit = units.get("total_cost_usd", "USD")
        factor, ulabel = scale_for(total, unit)
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4.4), layout="constrained",
                                     gridspec_kw={"width_ratios": [3, 1.3]})
        ax.hist(total[np.isfinite(total)] / factor, bins=50, color="C0", alpha=0.8)
        for val, lab, ls in ((np.nanmean(total), "mean", "-"), (np.nanpercentile(total, 5), "p05", ":"),
                             (np.nanpercentile(total, 95), "p95", ":")):
            ax.axvline(val / factor, color="C3", ls=ls, lw=1.5, label=f"{lab} {val / factor:,.2f}")
        ax.set_xlabel(f"Total cost ({ulabel})")
        ax.set_ylabel("Replicates")
        ax.set_title("Distribution of total cost")
        ax.legend(title=ulabel)
        parts = [(c, lab) for c, lab in COST_PARTS if c in rep]
        bottom = 0.0
        for i, (col, lab) in enumerate(parts):
            m = float(np.nanmean(rep[col].to_numpy(dtype=float))) / factor
            bx.bar([0], [m], bottom=bottom, color=f"C{i}", label=f"{lab}: {m:,.2f}", width=0.6)
            bottom += m
        bx.set_xticks([0], ["mean"])
        bx.set_xlim(-0.6, 0.6)
        bx.set_ylabel(f"Mean cost ({ulabel})")
        bx.set_title("Mean cost by part")
        bx.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), fontsize="small", frameon=False)
        save(fig, outdir, f"{prefix}cost_distribution.png", figures,
             "Left: histogram of total cost per replicate with its mean and 5th/95th percentiles. "
             "Right: the mean total cost split into its parts (means of cost_studies, cost_fees, "
             "cost_regulatory and cost_burn; they add up to the mean total).", point=point)

    # rank correlation of each drawn parameter with the outputs (not a tornado: no re-runs)
    params = sr.parameters(path, point)
    targets = [t for t in ("total_cost_usd", "months_to_decision") if t in rep]
    if params.shape[1] and targets:
        fig, axes = plt.subplots(1, len(targets), figsize=(6.8 * len(targets), 5.2), layout="constrained")
        axes = np.atleast_1d(axes)
        for ax, target in zip(axes, targets):
            rho = pd.Series({p: spearman(params[p], rep[target]) for p in params.columns}).dropna()
            top = rho.reindex(rho.abs().sort_values(ascending=False).index)[:10][::-1]
            colors = ["C3" if v > 0 else "C0" for v in top]
            ax.barh(range(len(top)), top.to_numpy(), color=colors)
            ax.set_yticks(range(len(top)), [short_key(k, 40) for k in top.index], fontsize="small")
            ax.axvline(0, color="k", lw=0.8)
            lim = min(1.0, max(0.2, 1.4 * float(top.abs().max()) if len(top) else 1.0))
            ax.set_xlim(-lim, lim)
            for i, v in enumerate(top):
                ax.text(v + (0.02 if v >= 0 else -0.02) * lim, i, f"{v:+.2f}", va="center",
                        ha="left" if v >= 0 else "right", fontsize="small")
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5, symmetric=True))
            ax.set_xlabel(f"Spearman rank correlation with {readable(target).lower()}")
            ax.set_title(f"Rank correlation with {readable(target).lower()} (top {len(top)})")
            ax.grid(axis="x", alpha=0.3)
        save(fig, outdir, f"{prefix}rank_correlation.png", figures,
             "Spearman rank correlation of each parameter drawn from a distribution with total cost "
             "and with months to decision over the replicates, the 10 largest in absolute value; red: larger "
             "values go with a larger output, blue: with a smaller one. One parameter at a time, the others "
             "varying too; samdsim sensitivity adds PRCC and a one-at-a-time tornado.", point=point)
