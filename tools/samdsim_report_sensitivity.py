"""The one-at-a-time tornado, the rank-correlation table and the Sobol
indices that `samdsim sensitivity` stores in a result file
(/sensitivity/<output>, its Saltelli design's indices under
/sensitivity/<output>/sobol, or the same under /points/<i>/ of a sweep;
app/sensitivity.cpp), for samdsim_report.py."""

import h5py
import numpy as np
import pandas as pd

import samdsim_reader as sr
from samdsim_report_common import number, plt, readable, save, scale_for, short_key, table

TOP = 10
SOBOL_COLUMNS = ["first_order", "first_order_low", "first_order_high", "total", "total_low", "total_high"]
COLUMNS = ["spearman", "spearman_low", "spearman_high", "prcc", "prcc_low", "prcc_high",
           "first_order", "first_order_low", "first_order_high",
           "tornado_p10_mean", "tornado_p90_mean", "tornado_change"]


def _named(name):
    """An analysed output as words: a series at a month ("adopted_hospitals@24") says so."""
    series, at, month = name.rpartition("@")
    if at and month.isdigit():
        return f"{readable(series).lower()} at month {month}"
    return readable(name).lower()


def _text(v):
    return v.decode() if isinstance(v, bytes) else v


def _frames(path, point, subgroup, columns, label, index_name):
    """{output: DataFrame} of the stored analyses under /sensitivity/<output>[/subgroup]:
    the `columns` present, indexed by the strings in `label`; attrs hold the group's
    attributes. Outputs without the subgroup are left out; empty without /sensitivity."""
    where = "sensitivity" if point is None else f"points/{int(point)}/sensitivity"
    out = {}
    with h5py.File(path, "r") as f:
        if where not in f:
            return out
        for name, g in f[where].items():
            if subgroup:
                if subgroup not in g:
                    continue
                g = g[subgroup]
            df = pd.DataFrame({c: g[c][()] for c in columns if c in g},
                              index=pd.Index([_text(p) for p in g[label][()]], name=index_name))
            if subgroup:
                df["members"] = [_text(x) for x in g["members"][()]]
            df.attrs = {k: _text(v.item() if hasattr(v, "item") else v) for k, v in g.attrs.items()}
            out[name] = df
    return out


def read(path, point=None):
    """{output: DataFrame indexed by parameter, with COLUMNS; attrs hold the group's
    attributes (unit, rows_used, tornado_replicates, ...)}; empty without /sensitivity."""
    return _frames(path, point, None, COLUMNS, "parameter", "parameter")


def _label_bars(ax, labels, xlabel, title):
    """A horizontal bar chart's parameter labels (shortened), axis, title, grid and legend."""
    ax.set_yticks(np.arange(len(labels)), [short_key(k, 40) for k in labels], fontsize="small")
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize="medium")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize="x-small")


def read_sobol(path, point=None):
    """{output: DataFrame indexed by group, with SOBOL_COLUMNS and members; attrs hold
    rows, rows_used and variance} for the outputs whose Sobol design was run."""
    return _frames(path, point, "sobol", SOBOL_COLUMNS, "group", "group")


def sobol_figure(path, point, outdir, figures, preferred=(), prefix=""):
    """First-order and total Sobol indices as bars with their bootstrap intervals,
    for at most two outputs (the preferred first), largest total on top."""
    results = read_sobol(path, point)
    names = [n for n in preferred if n in results] + [n for n in results if n not in preferred]
    names = names[:2]
    if not names:
        return
    fig, axes = plt.subplots(1, len(names), figsize=(7.4 * len(names), 5.6), layout="constrained", squeeze=False)
    for ax, name in zip(axes[0], names):
        df = results[name].sort_values("total", ascending=False, na_position="last").head(TOP)[::-1]
        y = np.arange(len(df))
        for offset, column, colour, label in ((0.2, "first_order", "C0", "first order (alone)"),
                                              (-0.2, "total", "C3", "total (with interactions)")):
            v = df[column].to_numpy(dtype=float)
            # An estimate outside its percentile interval gets no whisker on that side.
            err = np.clip(np.vstack([v - df[f"{column}_low"].to_numpy(dtype=float),
                                     df[f"{column}_high"].to_numpy(dtype=float) - v]), 0, None)
            ax.barh(y + offset, v, height=0.4, color=colour, alpha=0.85, xerr=err, capsize=2, label=label)
        ax.axvline(0, color="k", lw=0.8)
        _label_bars(ax, df.index, "Share of the variance",
                    f"Sobol indices of {_named(name)} ({int(df.attrs.get('rows', 0))} rows)")
    save(fig, outdir, f"{prefix}sobol.png", figures,
         "Sobol indices from samdsim sensitivity --method sobol (a Saltelli design on common random numbers): "
         "the share of the output's variance each parameter or group explains alone (first order, Saltelli 2010) "
         "and with its interactions (total, Jansen 1999), with bootstrap 95 % intervals; largest total on top "
         "(10 at most). A total well above the first order marks interactions; a total near 0 a parameter that "
         "can be fixed.", point=point)


def tornado_outputs(results, preferred):
    """The outputs whose tornado varies: the preferred ones first, at most two."""
    def varies(df):
        return (int(df.attrs.get("tornado_replicates", 0)) > 0 and "tornado_change" in df
                and np.nanmax(np.abs(df["tornado_change"].to_numpy(dtype=float)), initial=0) > 0)
    names = [n for n in preferred if n in results and varies(results[n])]
    names += [n for n in results if n not in names and varies(results[n])]
    return names[:2]


def tornado_figure(path, point, outdir, figures, preferred=(), prefix=""):
    """The tornado and, beside it, the Sobol indices where they were computed."""
    _tornado_figure(path, point, outdir, figures, preferred, prefix)
    sobol_figure(path, point, outdir, figures, preferred, prefix)


def _tornado_figure(path, point, outdir, figures, preferred=(), prefix=""):
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
        _label_bars(ax, rows.index, f"Mean {_named(name)}" + (f" ({ulabel})" if ulabel else ""),
                    f"Tornado of {_named(name)} ({int(df.attrs.get('tornado_replicates', 0))} "
                    "replicates per bar end)")
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
        if "prcc" not in df:
            # A file without per-replicate values of the output: the tornado (and the Sobol indices) only.
            view = df.reindex(df["tornado_change"].abs().sort_values(ascending=False, na_position="last").index)
            out.append((f"Sensitivity of {name} (samdsim sensitivity; no per-replicate values stored, so no rank "
                        "statistics; ranked by the tornado's swing)", table(view)))
            continue
        view = df.reindex(df["prcc"].abs().sort_values(ascending=False).index)
        n = df.attrs.get("rows_used", "")
        out.append((f"Sensitivity of {name} (samdsim sensitivity; {n} replicates, ranked by |PRCC|)", table(view)))
    for name, df in read_sobol(path, point).items():
        view = df.sort_values("total", ascending=False, na_position="last")
        out.append((f"Sobol indices of {name} (Saltelli design of {df.attrs.get('rows', '')} rows, "
                    f"{df.attrs.get('rows_used', '')} with a value; ranked by total)", table(view)))
    return out
