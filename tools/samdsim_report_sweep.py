"""The figures of any sweep for samdsim_report.py: the key output against each
swept parameter (docs/report.md, "Any sweep")."""

import re

import h5py
import matplotlib.ticker
import numpy as np
import pandas as pd

import samdsim_reader as sr
from samdsim_report_common import axis_label, fmt, leaf, plt, readable, save, scale_for, short_key, wrap


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
    with h5py.File(path, "r") as f:
        flag = f["scenarios"].get("biased")
        biased = np.asarray(flag[()], dtype=bool) if flag is not None else np.zeros(len(scen), dtype=bool)
    for col in swept:
        fig, ax = plt.subplots(figsize=(9, 4.4), layout="constrained")
        raw = scen[col]
        numeric = pd.api.types.is_numeric_dtype(raw)
        if numeric:
            x = raw.to_numpy(dtype=float)
        else:
            cats = list(dict.fromkeys(raw))
            x = np.array([cats.index(v) for v in raw], dtype=float)
            ax.set_xticks(range(len(cats)), [wrap(v, 16) for v in cats])
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
        for i, (xi, yi) in enumerate(zip(x, y / factor)):  # each point named as in the table
            ax.annotate(str(int(scen["index"].iloc[i])), (xi, yi), textcoords="offset points", xytext=(6, 4),
                        fontsize="x-small", color="0.3")
        if biased.any():
            ax.plot(x[biased], y[biased] / factor, marker="X", ms=11, color="0.2", ls="none",
                    label="biased design (left out of the choice)")
        if chosen is not None and chosen >= 0:
            c = scen.index[scen["index"] == chosen][0]
            ax.plot(x[c], y[c] / factor, marker="*", ms=18, color="C3", ls="none",
                    label=f"chosen point {chosen}")
        if np.nanmax(np.abs(y / factor)) >= 1000:
            ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.set_xlabel(short_key(col, 60))
        if units.get(key) == "":
            ax.set_ylabel(f"P({key})")
        else:
            ax.set_ylabel("Mean " + axis_label(key, ulabel)[0].lower() + axis_label(key, ulabel)[1:])
        ax.set_title(f"{readable(key)} across the sweep, by {short_key(col, 200)}")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False,
                  title="error bars: ± 1.96 se", title_fontsize="small")
        safe = re.sub(r"[^A-Za-z0-9]+", "_", col).strip("_")
        save(fig, outdir, f"sweep_{safe}.png", figures,
             f"{'Mean of ' if units.get(key) != '' else ''}{key} at each sweep point against the swept "
             f"parameter {col}, ± 1.96 se; points sharing the other swept values are joined; "
             "each point is labelled with its index in the sweep table; the chosen point is starred"
             + ("; a cross marks a biased design." if biased.any() else "."))
