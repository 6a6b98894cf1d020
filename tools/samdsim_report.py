#!/usr/bin/python3
"""Figures and an HTML page for a samdsim result file (or portfolio file).

usage: samdsim_report.py OUT.h5 -o DIR

Writes PNG figures (matplotlib, Agg) and DIR/index.html showing them with the
summary tables. What is drawn depends on the root attribute `model` and on
whether the file is a sweep; docs/report.md lists every figure and how its
quantities are computed. Exit status 0 on success, 2 on bad input.
"""

import argparse
import html
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samdsim_reader as sr  # noqa: E402
import samdsim_report_portfolio as portfolio  # noqa: E402
import samdsim_report_program as program  # noqa: E402

DPI = 110
FAN_SERIES = [  # preferred series for the hospital_adoption fan charts, in order
    ["adopted_hospitals", "adopters", "live_hospitals"],
    ["staff_hours_saved"],
    ["hospital_net_benefit"],
    ["vendor_revenue"],
]
COST_PARTS = [("cost_studies_usd", "studies"), ("cost_fees_usd", "FDA fees"),
              ("cost_regulatory_usd", "regulatory"), ("cost_burn_usd", "company burn")]


# ---------------------------------------------------------------- labels and units

def readable(name):
    """'total_cost_usd' -> 'total cost'; the unit goes into the axis label."""
    words = name.split("_")
    if words and words[-1] in ("usd", "jpy", "eur"):
        words = words[:-1]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def scale_for(values, unit):
    """(factor, unit label) so that large money or counts read as millions/billions."""
    v = np.asarray(pd.to_numeric(pd.Series(np.ravel(values)), errors="coerce"), dtype=float)
    v = v[np.isfinite(v)]
    top = np.max(np.abs(v)) if v.size else 0.0
    if top >= 1e9:
        return 1e9, f"billion {unit}".strip()
    if top >= 1e6:
        return 1e6, f"million {unit}".strip()
    return 1.0, unit


def axis_label(name, unit):
    unit = unit or ""
    if unit in ("", "code") or readable(name).lower().rstrip("s") == unit.rstrip("s"):
        return readable(name)
    return f"{readable(name)} ({unit})"


def singular(word):
    """'studies' -> 'study', 'strata' -> 'stratum', 'sites' -> 'site' (list names in key paths)."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("ta"):
        return word[:-1] + "um"
    if word.endswith("s"):
        return word[:-1]
    return word


def short_key(path, width=34):
    """Shortened parameter key path for tick labels:
    'parameters.studies[1].reading_minutes_per_case' -> 'study 2: reading minutes per case'."""
    key = re.sub(r"^parameters\.", "", path)
    key = re.sub(r"(\w+)\[(\d+)\]\.", lambda m: f"{singular(m.group(1))} {int(m.group(2)) + 1}: ", key)
    key = key.replace(".", ": ").replace("_", " ")
    key = re.sub(r"\b(usd|jpy|eur|auc)\b", lambda m: m.group(1).upper(), key)
    if len(key) > width:
        key = key[: width - 1] + "…"
    return key


def leaf(path):
    """Last component of a key path: 'design.clusters_per_step' -> 'clusters per step'."""
    return re.split(r"[.\]]", path)[-1].replace("_", " ")


def spearman(x, y):
    """Spearman rank correlation of two numeric arrays over the pairs where both are finite."""
    x = np.asarray(pd.to_numeric(pd.Series(x), errors="coerce"), dtype=float)
    y = np.asarray(pd.to_numeric(pd.Series(y), errors="coerce"), dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return np.nan
    rx = pd.Series(x[ok]).rank().to_numpy()
    ry = pd.Series(y[ok]).rank().to_numpy()
    if rx.std() == 0 or ry.std() == 0:
        return np.nan
    return float(np.corrcoef(rx, ry)[0, 1])


def save(fig, outdir, name, figures, caption, point=None):
    if point is not None:
        fig.suptitle(f"Sweep point {point}", fontweight="bold")
        caption = f"Sweep point {point}. {caption}"
    path = os.path.join(outdir, name)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    figures.append((name, caption))


# ---------------------------------------------------------------- us_pathway

def us_pathway_figures(path, point, outdir, figures, prefix=""):
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

    # tornado of drivers
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
            ax.set_yticks(range(len(top)), [short_key(k, 44) for k in top.index])
            ax.axvline(0, color="k", lw=0.8)
            lim = min(1.0, max(0.2, 1.4 * float(top.abs().max()) if len(top) else 1.0))
            ax.set_xlim(-lim, lim)
            for i, v in enumerate(top):
                ax.text(v + (0.02 if v >= 0 else -0.02) * lim, i, f"{v:+.2f}", va="center",
                        ha="left" if v >= 0 else "right", fontsize="small")
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5, symmetric=True))
            ax.set_xlabel(f"Spearman rank correlation with {readable(target).lower()}")
            ax.set_title(f"Drivers of {readable(target).lower()} (top {len(top)})")
            ax.grid(axis="x", alpha=0.3)
        save(fig, outdir, f"{prefix}tornado.png", figures,
             "Spearman rank correlation of each parameter drawn from a distribution with total cost "
             "and with months to decision, the 10 largest in absolute value; red raises, blue lowers.", point=point)


# ---------------------------------------------------------------- hospital_adoption

def _fan(ax, x, bands, factor):
    ax.fill_between(x, bands["p05"] / factor, bands["p95"] / factor, color="C0", alpha=0.2, label="p05–p95")
    ax.fill_between(x, bands["p25"] / factor, bands["p75"] / factor, color="C0", alpha=0.4, label="p25–p75")
    ax.plot(x, bands["p50"] / factor, color="C0", lw=2, label="median")
    if "mean" in bands:
        ax.plot(x, bands["mean"] / factor, color="C1", lw=1.2, ls="--", label="mean")
    if np.nanmin(bands["p05"]) < 0 < np.nanmax(bands["p95"]):
        ax.axhline(0, color="k", lw=0.8)
    if np.all(bands.to_numpy(dtype=float) == 0):
        ax.text(0.5, 0.6, "zero in every month of every replicate", transform=ax.transAxes,
                ha="center", va="center", color="0.3")
    ax.grid(alpha=0.3)


def fan_chart(path, point, name, outdir, figures, prefix=""):
    """Fan chart of a series from /bands; for flows per month (unit '.../month') a
    second panel shows the cumulative sum, its quantiles taken over the replicates'
    cumulative series in /timeseries."""
    b = sr.bands(path, name, point)
    unit = b.attrs.get("unit", "")
    axis = b.attrs.get("axis", "month")
    flow = unit.endswith("/" + axis)
    x = b.index.to_numpy()
    fig, axes = plt.subplots(1, 2 if flow else 1, figsize=(12.5 if flow else 7.8, 4.3),
                             layout="constrained", squeeze=False)
    ax = axes[0][0]
    factor, ulabel = scale_for(b[["p05", "p95"]].to_numpy(), unit)
    _fan(ax, x, b, factor)
    ax.set_xlabel(f"{axis.capitalize()} (0 = first {axis} of the horizon)")
    ax.set_ylabel(axis_label(name, ulabel))
    ax.set_title(f"{readable(name)} per {axis}" if flow else f"{readable(name)} by {axis}")
    caption = (f"{readable(name)}: median (line), 25–75 % and 5–95 % bands across replicates per "
               f"{axis} (/bands), and the mean (/series_mean).")
    if flow:
        ts = sr.timeseries(path, name, point).astype(float).to_numpy()
        cum = np.cumsum(ts, axis=1)
        cb = pd.DataFrame({f"p{q:02d}": np.nanpercentile(cum, q, axis=0) for q in (5, 25, 50, 75, 95)})
        cb["mean"] = np.nanmean(cum, axis=0)
        cunit = unit[: -len("/" + axis)]
        cfactor, culabel = scale_for(cb[["p05", "p95"]].to_numpy(), cunit)
        bx = axes[0][1]
        _fan(bx, x, cb, cfactor)
        bx.set_xlabel(f"{axis.capitalize()} (0 = first {axis} of the horizon)")
        bx.set_ylabel(f"Cumulative {readable(name).lower()} ({culabel})")
        bx.set_title(f"Cumulative {readable(name).lower()} (undiscounted)")
        caption += (" Right: the cumulative sum from month 0, undiscounted, its quantiles taken over "
                    "the replicates' cumulative series (/timeseries).")
    axes[0][-1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    save(fig, outdir, f"{prefix}fan_{name}.png", figures, caption, point=point)


def hospital_adoption_figures(path, point, outdir, figures, prefix=""):
    have = sr.band_names(path, point)
    chosen = []
    for options in FAN_SERIES:
        for o in options:
            if o in have:
                chosen.append(o)
                break
    for name in chosen:
        fan_chart(path, point, name, outdir, figures, prefix)


# ---------------------------------------------------------------- sweeps

def point_means(path, scen):
    """DataFrame: one row per sweep point, one column per output: P(true) for
    true/false outputs, the mean otherwise; plus <output>__se."""
    rows = []
    for i in scen["index"]:
        s = sr.summary(path, int(i))
        value = s["probability"].where(s["type"] == "boolean", s["mean"])
        row = {k: float(v) for k, v in value.items()}
        row.update({f"{k}__se": float(v) for k, v in s["se"].items()})
        rows.append(row)
    return pd.DataFrame(rows, index=scen.index)


def choose_objective(rule):
    m = re.match(r"(minimize|maximize)\s+(\S+)", rule or "")
    return m.group(2) if m else None


def require_targets(rule):
    """{output: threshold} from 'minimize X subject to a >= 0.8, b >= 1'."""
    return {m.group(1): float(m.group(3)) for m in re.finditer(r"(\w+)\s*(>=|<=)\s*([-\d.eE+]+)", rule or "")}


def sweep_figures(path, scen, means, units, outdir, figures):
    swept = [c for c in scen.columns if c not in ("index", "key", "chosen")]
    rule = scen.attrs.get("choose_rule", "")
    key = choose_objective(rule)
    if key is None or key not in means:
        key = [c for c in means.columns if not c.endswith("__se")][0]
    chosen = scen.attrs.get("chosen")
    y = means[key].to_numpy(dtype=float)
    se = means[f"{key}__se"].to_numpy(dtype=float)
    factor, ulabel = scale_for(y, units.get(key, ""))
    for col in swept:
        fig, ax = plt.subplots(figsize=(9, 4.4), layout="constrained")
        raw = scen[col]
        numeric = pd.api.types.is_numeric_dtype(raw)
        if numeric:
            x = raw.to_numpy(dtype=float)
        else:
            cats = list(dict.fromkeys(raw))
            x = np.array([cats.index(v) for v in raw], dtype=float)
            ax.set_xticks(range(len(cats)), cats, rotation=30, ha="right")
            ax.set_xlim(-0.5, len(cats) - 0.5)
        others = [c for c in swept if c != col]
        groups = list(scen.groupby(others, sort=False).groups.values()) if others else []
        if others and 1 < len(groups) <= 8:
            for g, rows in enumerate(groups):
                rows = np.asarray(rows)
                label = ", ".join(f"{leaf(o)} = {fmt(scen[o].iloc[rows[0]])}" for o in others)
                order = rows[np.argsort(x[rows])]
                ax.errorbar(x[order], y[order] / factor, yerr=1.96 * se[order] / factor, fmt="o-",
                            color=f"C{g}", capsize=3, lw=1, ms=5, label=label)
        else:
            ax.errorbar(x, y / factor, yerr=1.96 * se / factor, fmt="o", color="C0", capsize=3,
                        label="sweep point")
        if numeric:
            ax.set_xticks(sorted(set(x.tolist())))
        if chosen is not None and chosen >= 0:
            c = scen.index[scen["index"] == chosen][0]
            ax.plot(x[c], y[c] / factor, marker="*", ms=18, color="C3", ls="none",
                    label=f"chosen point {chosen}")
        if np.nanmax(np.abs(y / factor)) >= 1000:
            ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.set_xlabel(short_key(col, 40).capitalize())
        if units.get(key) == "":
            ax.set_ylabel(f"P({key})")
        else:
            ax.set_ylabel("Mean " + axis_label(key, ulabel)[0].lower() + axis_label(key, ulabel)[1:])
        ax.set_title(f"{readable(key)} across the sweep, by {short_key(col, 40)}")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False,
                  title="error bars: ± 1.96 se", title_fontsize="small")
        safe = re.sub(r"[^A-Za-z0-9]+", "_", col).strip("_")
        save(fig, outdir, f"sweep_{safe}.png", figures,
             f"{'Mean of ' if units.get(key) != '' else ''}{key} at each sweep point against the swept "
             f"parameter {col}, ± 1.96 se; points sharing the other swept values are joined; "
             "the chosen point is starred.")


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
        for col, lab, mk, off in (("reject", "power P(reject)", "o", -0.006),
                                  ("reject_prior", "assurance P(reject_prior)", "^", 0.006)):
            if col in means:
                ax.errorbar(x + off * span, means[col], yerr=1.96 * means[f"{col}__se"], fmt=mk,
                            capsize=2, label=lab, alpha=0.85)
        if "reject" in targets:
            ax.axhline(targets["reject"], color="0.4", ls="--", lw=1,
                       label=f"target power {targets['reject']:g}")
        if xcol == "total_cost" and budget is not None:
            ax.axvline(budget / factor, color="C2", ls="-.", lw=1.2, label=f"budget {budget / factor:,.4g}")
        if chosen is not None and chosen >= 0:
            c = scen.index[scen["index"] == chosen][0]
            ax.plot(x[c] - 0.006 * span, means["reject"].iloc[c], marker="o", ms=16, mfc="none", mec="C3", mew=2,
                    ls="none", label=f"chosen design (point {chosen})")
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
         "Power (P(reject) at the planning effect) and assurance (P(reject_prior), effect drawn from "
         "its prior) of every sweep point, ± 1.96 se, against the design size and the mean total cost; "
         "the chosen design is circled, the budget (costs: budget in the config) dash-dotted.")


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


def voi_figure(path, group, outdir, figures):
    """EVPPI / EVSI bars from a `samdsim voi` group, with EVPI for scale."""
    import h5py
    with h5py.File(path, "r") as f:
        where = f"{group}/voi" if group else "voi"
        if where not in f:
            return
        g = f[where]
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in g["name"][:]]
        values = g["evppi"][:]
        se = g["evppi_se"][:]
        evpi = float(g.attrs["evpi"])
        unit = g.attrs.get("unit", "")
        unit = unit.decode() if isinstance(unit, bytes) else str(unit)
    factor, ulabel = scale_for(pd.Series(np.append(values, evpi)), unit)
    order = np.argsort(values)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(names) + 1.8), layout="constrained")
    ax.barh([short_key(names[i]) for i in order], values[order] / factor, xerr=1.96 * se[order] / factor,
            color="C0", capsize=2)
    ax.axvline(evpi / factor, color="C3", ls="--", label=f"EVPI {evpi / factor:,.4g}")
    ax.set_xlabel(f"Expected value of information ({ulabel})")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")
    ax.set_title("Value of information: EVPPI by parameter or group, EVSI by study result")
    point = int(group.split("/")[1]) if group.startswith("points/") else None
    save(fig, outdir, "voi.png", figures,
         "Expected value of partial perfect information of each drawn parameter or group, and of sample "
         "information of each study result given to samdsim voi (± 1.96 se, regression on the replicates); "
         "the dashed line is the EVPI, the most any information is worth.", point)


# ---------------------------------------------------------------- HTML

def fmt(v):
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return "–"
        a = abs(v)
        if a != 0 and (a >= 1e6 or a < 1e-3):
            return f"{v:.4g}"
        return f"{v:,.4g}" if a < 1000 else f"{v:,.0f}"
    if v is pd.NA or v is None:
        return "–"
    return html.escape(str(v))


def table(df, index=True):
    cols = list(df.columns)
    out = ["<table><thead><tr>"]
    if index:
        out.append(f"<th>{html.escape(str(df.index.name or ''))}</th>")
    out += [f"<th>{html.escape(str(c))}</th>" for c in cols]
    out.append("</tr></thead><tbody>")
    for idx, row in df.iterrows():
        cls = ' class="chosen"' if "chosen" in df.columns and bool(row["chosen"]) else ""
        out.append(f"<tr{cls}>")
        if index:
            out.append(f"<th>{html.escape(str(idx))}</th>")
        out += [f"<td>{fmt(row[c])}</td>" for c in cols]
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def write_html(outdir, attrs, figures, sections):
    title = html.escape(f"{attrs.get('name') or 'samdsim result'}: model {attrs.get('model', '')}")
    meta = pd.DataFrame({"value": {k: attrs.get(k) for k in (
        "model", "name", "replicates", "scenarios", "seed", "samdsim_version", "git_revision",
        "created_utc", "wall_seconds") if k in attrs}})
    meta.index.name = "attribute"
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title><style>"
             "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse;font-size:0.85em;margin:1em 0}"
             "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
             "tr.chosen{background:#ffe9a8}figure{margin:1.5em 0}img{max-width:100%}"
             "figcaption{color:#444;font-size:0.9em}</style></head><body>",
             f"<h1>{title}</h1>", table(meta)]
    parts.append("<h2>Figures</h2>")
    for name, caption in figures:
        parts.append(f"<figure><img src='{html.escape(name)}' alt='{html.escape(name)}'>"
                     f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    for heading, body in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>{body}")
    parts.append("</body></html>")
    with open(os.path.join(outdir, "index.html"), "w", encoding="utf-8") as f:
        f.write("\n".join(parts))


def summary_table(path, point):
    s = sr.summary(path, point)
    is_bool = s["type"] == "boolean"
    s = s.copy()
    s["probability"] = s["probability"].where(is_bool, np.nan)
    return table(s.drop(columns=["type"]))


# ---------------------------------------------------------------- main

def report(path, outdir):
    os.makedirs(outdir, exist_ok=True)
    figures = []
    if portfolio.is_portfolio(path):
        attrs, proposals, frontier = portfolio.figures(path, outdir, figures, save, plt, scale_for)
        attrs = dict(attrs, model="portfolio", name=f"Portfolio within {float(attrs['budget']):,.0f} "
                                                     f"{attrs.get('currency', '')}")
        write_html(outdir, attrs, figures, portfolio.sections(proposals, frontier, table))
        return figures
    attrs = sr.attributes(path)
    model = attrs.get("model", "")
    sections = []
    if sr.is_sweep(path):
        scen = sr.scenarios(path)
        means = point_means(path, scen)
        units = sr.units(path, 0)
        chosen = scen.attrs.get("chosen")
        if model == "demonstration":
            demonstration_figures(path, scen, means, units, outdir, figures)
            enbs_figure(path, scen, means, units, outdir, figures)
        sweep_figures(path, scen, means, units, outdir, figures)
        focus = chosen if chosen is not None and chosen >= 0 else 0
        focus_label = "chosen point" if focus == chosen else "point 0"
        # samdsim voi's results: the focus point's, else the first point analysed.
        import h5py
        with h5py.File(path, "r") as f:
            analysed = [int(i) for i in scen["index"] if f"points/{int(i)}/voi" in f]
        if analysed:
            voi_point = focus if focus in analysed else analysed[0]
            voi_figure(path, f"points/{voi_point}", outdir, figures)
        if model == "us_pathway":
            us_pathway_figures(path, focus, outdir, figures, prefix="point_")
        elif model == "hospital_adoption":
            hospital_adoption_figures(path, focus, outdir, figures, prefix="point_")
        view = scen.drop(columns=["key"]).join(
            means[[c for c in means.columns if not c.endswith("__se")]])
        view = view.set_index("index")
        kinds = sr.summary(path, 0)["type"]
        view = view.rename(columns={c: (f"P({c})" if kinds.get(c) == "boolean" else
                                        f"{c} [{units[c]}]" if units.get(c) else c)
                                    for c in view.columns if c in units})
        sections.append((f"Sweep points (mean of each output; P(true) for true/false outputs); "
                          f"rule: {scen.attrs.get('choose_rule') or 'none'}; chosen: {chosen}",
                          table(view)))
        sections.append((f"Summary of {focus_label} ({focus})", summary_table(path, focus)))
    else:
        if model == "us_pathway":
            us_pathway_figures(path, None, outdir, figures)
        elif model == "hospital_adoption":
            hospital_adoption_figures(path, None, outdir, figures)
        elif model == "evidence_program":
            program.figures(path, None, outdir, figures, save, plt)
            compared = program.comparison(path, None)
            if len(compared):
                sections.append(("Strategy comparison", table(compared)))
        voi_figure(path, "", outdir, figures)
        sections.append(("Summary", summary_table(path, None)))
    write_html(outdir, attrs, figures, sections)
    return figures


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result", help="samdsim result file (HDF5)")
    ap.add_argument("-o", "--output", required=True, help="output directory")
    args = ap.parse_args(argv)
    try:
        figures = report(args.result, args.output)
    except (OSError, ValueError, KeyError) as e:
        print(f"samdsim_report: {e}", file=sys.stderr)
        return 2
    print(f"{args.output}/index.html: {len(figures)} figures")
    for name, _ in figures:
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
