"""Figures of demonstration files for samdsim_report.py: power and assurance of
every design, the decision value (ENBS) of every design, and the sizing of a
`solve:` run (docs/report.md, "demonstration")."""

import re

import h5py
import matplotlib.ticker
import numpy as np

import samdsim_reader as sr
from samdsim_report_common import axis_label, number, plt, readable, save, scale_for

# The outputs drawn as power, in order: (output, legend label, marker).
POWER_OUTPUTS = [("reject", "power P(reject)", "o"), ("reject_both", "co-primary power P(reject_both)", "s"),
                 ("reject_prior", "assurance P(reject_prior)", "^")]


def require_targets(rule):
    """{output: threshold} from 'minimize X subject to a >= 0.8, b >= 1'."""
    return {m.group(1): float(m.group(3)) for m in re.finditer(r"(\w+)\s*(>=|<=)\s*([-\d.eE+]+)", rule or "")}


def demonstration_figures(path, scen, means, units, outdir, figures):
    if "reject" not in means:
        return
    size_col = None
    for c in ("hospitals", "cluster_periods"):
        if c in means and means[c].nunique() > 1:
            size_col = c
            break
    size_col = size_col or ("hospitals" if "hospitals" in means else None)
    chosen = scen.attrs.get("chosen")
    targets = require_targets(scen.attrs.get("choose_rule", ""))
    panels = [c for c in (size_col, "total_cost") if c and c in means]
    m = re.search(r"^\s+budget:\s*([-+0-9.eE]+)\s*$", str(sr.attributes(path).get("config_yaml", "")), re.M)
    budget = float(m.group(1)) if m else None
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.6), layout="constrained",
                             squeeze=False)
    for ax, xcol in zip(axes[0], panels):
        factor, ulabel = scale_for(means[xcol], units.get(xcol, ""))
        x = means[xcol].to_numpy(dtype=float) / factor
        # small horizontal offset so power and assurance at the same x stay apart
        span = (np.nanmax(x) - np.nanmin(x)) or 1.0
        drawn = [(col, lab, mk) for col, lab, mk in POWER_OUTPUTS if col in means]
        for k, (col, lab, mk) in enumerate(drawn):
            off = 0.012 * (k - (len(drawn) - 1) / 2)
            ax.errorbar(x + off * span, means[col], yerr=1.96 * means[f"{col}__se"], fmt=mk,
                        capsize=2, label=lab, alpha=0.85)
        for k, (col, _, _) in enumerate(drawn):
            if col in targets:
                ax.axhline(targets[col], color="0.4", ls=("--", ":", "-.")[k % 3], lw=1,
                           label=f"target {col} {targets[col]:g}")
        if xcol == "total_cost" and budget is not None:
            ax.axvline(budget / factor, color="C2", ls="-.", lw=1.2, label=f"budget {number(budget / factor)}")
        if chosen is not None and chosen >= 0:
            c = scen.index[scen["index"] == chosen][0]
            ax.plot(x[c] - 0.006 * (len(drawn) - 1) * span, means["reject"].iloc[c], marker="o", ms=16,
                    mfc="none", mec="C3", mew=2, ls="none", label=f"chosen design (point {chosen})")
        ax.set_xlabel(axis_label(xcol, ulabel) if xcol != "total_cost" else f"Total cost ({ulabel})")
        if xcol != "total_cost":
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_ylabel("Probability of rejecting no effect")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
        ax.set_title(f"Power and assurance by {readable(xcol).lower()}")
    axes[0][-1].legend(loc="lower right", fontsize="small")
    note = "" if chosen is not None and chosen >= 0 else " (no design meets the requirements)"
    reps = int(sr.summary(path, 0)["n"].max())
    fig.suptitle(f"{len(scen)} designs, {reps} replicates each{note}")
    save(fig, outdir, "power_assurance.png", figures,
         "Power (P(reject) at the planning effect; with two primary endpoints also the co-primary power "
         "P(reject_both)) and assurance (P(reject_prior), effect drawn from its prior) of every sweep point, "
         "± 1.96 se, against the design size and the mean total cost; the chosen design is circled, the budget (costs: budget in the config) dash-dotted.")


def enbs_figure(path, scen, means, units, outdir, figures):
    """Decision value of each design (demonstration with a decision: group):
    ENBS ± 1.96 se against the total cost, with the normal-prior closed form."""
    if "enbs" not in means or "total_cost" not in means:
        return
    factor, ulabel = scale_for(means["total_cost"], units.get("total_cost", ""))
    x = means["total_cost"].to_numpy(dtype=float) / factor
    fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")
    ax.errorbar(x, means["enbs"] / factor, yerr=1.96 * means["enbs__se"] / factor, fmt="o", capsize=2,
                label="ENBS (simulated, ± 1.96 se)")
    if "evsi_closed_form" in means:
        ax.plot(x, (means["evsi_closed_form"] - means["total_cost"]) / factor, "x", color="C1",
                label="EVSI (normal closed form) - cost")
    best = int(np.nanargmax(means["enbs"].to_numpy(dtype=float)))
    ax.plot(x[best], means["enbs"].iloc[best] / factor, marker="o", ms=16, mfc="none", mec="C3", mew=2, ls="none",
            label=f"largest ENBS (point {int(scen['index'].iloc[best])})")
    ax.axhline(0, color="0.4", lw=1)
    ax.set_xlabel(f"Total cost of the trial ({ulabel})")
    ax.set_ylabel(f"Expected net benefit of sampling ({ulabel})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title("Decision value of each design")
    save(fig, outdir, "enbs_by_design.png", figures,
         "Expected net benefit of sampling (population EVSI of the roll-out decision less the trial's cost) of "
         "every design, ± 1.96 se, against its cost; crosses: the normal-prior closed form; the design with the "
         "largest ENBS circled. Below zero the trial costs more than its information is worth.")




def solve_figure(path, outdir, figures):
    """The sizing of a `solve:` run (/solve): the analytic value of the target output
    at each candidate size, the simulated estimates with their intervals, the target
    and the size chosen. Returns the rows for the page's table (or None)."""
    with h5py.File(path, "r") as f:
        if "solve" not in f:
            return None
        a = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f["solve"].attrs.items()}
    sizes = np.asarray(a["sizes"], dtype=float)
    est = np.asarray(a["estimates"], dtype=float)
    low, high = np.asarray(a["interval_low"], dtype=float), np.asarray(a["interval_high"], dtype=float)
    target = require_targets(str(a.get("rule", "")).replace(" with ", " subject to "))
    output = str(a.get("output", ""))
    scen = sr.scenarios(path)
    chosen = scen.attrs.get("chosen")
    fig, ax = plt.subplots(figsize=(8.5, 4.6), layout="constrained")
    ax.plot(sizes, a["planning_values"], "x--", color="C1", label="analytic (planning values)")
    ax.errorbar(sizes, est, yerr=[est - low, high - est], fmt="o", color="C0", capsize=3,
                label=f"simulated, {float(a.get('confidence', 0.95)):.0%} interval")
    if output in target:
        ax.axhline(target[output], color="0.4", ls="--", lw=1, label=f"target {output} {target[output]:g}")
    ax.axvline(float(a["analytic_size"]), color="C1", ls=":", lw=1.2,
               label=f"analytic answer {float(a['analytic_size']):g}")
    vary = str(a.get("vary", ""))
    if chosen is not None and chosen >= 0 and vary in scen:
        size = float(scen.loc[scen["index"] == chosen, vary].iloc[0])
        ax.plot(size, est[sizes == size][0] if (sizes == size).any() else np.nan, marker="o", ms=16, mfc="none",
                mec="C3", mew=2, ls="none", label=f"chosen size {size:g} (point {chosen})")
    ax.set_xlabel(readable(vary.split(".")[-1]))
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel(f"P({output})" if output else "value")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    ax.set_title(f"Solved: {a.get('rule', '')}", fontsize="medium")
    save(fig, outdir, "solve.png", figures,
         f"The sizing of solve: the analytic {output} at each simulated candidate size (crosses, found by "
         f"bisection over {int(a.get('evaluations', 0))} sizes), the simulated estimate with its interval, the "
         "target (dashed) and the chosen size (circled). " + str(a.get("reason", "")))
    rows = {k: a[k] for k in ("rule", "analytic_size", "analytic_value", "evaluations", "confidence", "reason")
            if k in a}
    return rows
