"""The one-at-a-time tornado and the rank-correlation table that `samdsim
sensitivity` stores in a result file (/sensitivity/<output>, or
/points/<i>/sensitivity/<output> of a sweep; app/sensitivity.cpp), for
samdsim_report.py."""

import h5py
import numpy as np
import pandas as pd

import samdsim_reader as sr
from samdsim_report_common import number, plt, readable, save, scale_for, short_key, table

TOP = 10
COLUMNS = ["spearman", "spearman_low", "spearman_high", "prcc", "prcc_low", "prcc_high",
           "first_order", "first_order_low", "first_order_high",
           "tornado_p10_mean", "tornado_p90_mean", "tornado_change"]


def _text(v):
    return v.decode() if isinstance(v, bytes) else v


def read(path, point=None):
    """{output: DataFrame indexed by parameter, with COLUMNS; attrs hold the group's
    attributes (unit, rows_used, tornado_replicates, ...)}; empty without /sensitivity."""
    where = "sensitivity" if point is None else f"points/{int(point)}/sensitivity"
    out = {}
    with h5py.File(path, "r") as f:
        if where not in f:
            return out
        for name, g in f[where].items():
            df = pd.DataFrame({c: g[c][()] for c in COLUMNS if c in g},
                              index=pd.Index([_text(p) for p in g["parameter"][()]], name="parameter"))
            df.attrs = {k: _text(v.item() if hasattr(v, "item") else v) for k, v in g.attrs.items()}
            out[name] = df
    return out


def tornado_outputs(results, preferred):
    """The outputs whose tornado varies: the preferred ones first, at most two."""
    def varies(df):
        return (int(df.attrs.get("tornado_replicates", 0)) > 0 and "tornado_change" in df
                and np.nanmax(np.abs(df["tornado_change"].to_numpy(dtype=float)), initial=0) > 0)
    names = [n for n in preferred if n in results and varies(results[n])]
    names += [n for n in results if n not in names and varies(results[n])]
    return names[:2]


def tornado_figure(path, point, outdir, figures, preferred=(), prefix=""):
    """Bars from the output's mean with each parameter at its p10 and at its p90 (the
    others at their medians, common random numbers), largest swing on top, around
    the mean with every parameter at its median (files before that was stored:
    around the run's mean)."""
    results = read(path, point)
    names = tornado_outputs(results, preferred)
    if not names:
        return
    means = sr.summary(path, point)["mean"]
    fig, axes = plt.subplots(1, len(names), figsize=(7.4 * len(names), 5.6), layout="constrained", squeeze=False)
    for ax, name in zip(axes[0], names):
        df = results[name]
        change = df["tornado_change"].abs().sort_values(ascending=False)
        rows = df.loc[change.index[:TOP]][::-1]
        unit = str(df.attrs.get("unit", ""))
        base = float(df.attrs.get("tornado_base_mean", np.nan))
        centre = "every parameter at its median"
        if not np.isfinite(base):
            base, centre = float(means.get(name, np.nan)), "mean of this run"
        lo, hi = rows["tornado_p10_mean"].to_numpy(dtype=float), rows["tornado_p90_mean"].to_numpy(dtype=float)
        factor, ulabel = scale_for(np.concatenate([lo, hi, [base]]), unit)
        y = np.arange(len(rows))
        ax.barh(y, (lo - base) / factor, left=base / factor, color="C0", alpha=0.85, label="parameter at its p10")
        ax.barh(y, (hi - base) / factor, left=base / factor, color="C3", alpha=0.85, label="parameter at its p90")
        ax.axvline(base / factor, color="k", lw=1, label=f"{centre}: {number(base / factor)}")
        ax.set_yticks(y, [short_key(k, 40) for k in rows.index], fontsize="small")
        ax.set_xlabel(f"Mean {readable(name).lower()}" + (f" ({ulabel})" if ulabel else ""))
        ax.set_title(f"Tornado of {readable(name).lower()} ({int(df.attrs.get('tornado_replicates', 0))} "
                     "replicates per bar end)", fontsize="medium")
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="lower right", fontsize="x-small")
    save(fig, outdir, f"{prefix}tornado.png", figures,
         "One-at-a-time tornado from samdsim sensitivity: for each parameter, the mean of the output with that "
         "parameter at its 10th (blue) and 90th (red) percentile and every other drawn parameter at its median, "
         "both runs on the same random numbers; largest swing on top (10 at most). The bars start at the "
         "vertical line: the mean with every drawn parameter at its median, same random numbers (in files "
         "written before samdsim sensitivity stored it: the mean of this run, every parameter drawn).",
         point=point)


def sections(path, point):
    """One table per analysed output: Spearman, PRCC and the first-order index
    (in files that store it) with their bootstrap intervals and the tornado's
    two means, every parameter named in full."""
    out = []
    for name, df in read(path, point).items():
        view = df.reindex(df["prcc"].abs().sort_values(ascending=False).index)
        n = df.attrs.get("rows_used", "")
        out.append((f"Sensitivity of {name} (samdsim sensitivity; {n} replicates, ranked by |PRCC|)", table(view)))
    return out
