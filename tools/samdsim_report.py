#!/usr/bin/python3
"""Figures and an HTML page for a samdsim result file (or portfolio file).

usage: samdsim_report.py OUT.h5 -o DIR [--point I]

Writes PNG figures (matplotlib, Agg) and DIR/index.html showing them with the
summary tables. What is drawn depends on the root attribute `model` and on
whether the file is a sweep; docs/report.md lists every figure and how its
quantities are computed. Exit status 0 on success, 2 on bad input.
"""

import argparse
import html
import os
import sys

import h5py
import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samdsim_reader as sr  # noqa: E402
import samdsim_report_demonstration as demonstration  # noqa: E402
import samdsim_report_outcomes as outcomes  # noqa: E402
import samdsim_report_portfolio as portfolio  # noqa: E402
import samdsim_report_program as program  # noqa: E402
import samdsim_report_sensitivity as sensitivity  # noqa: E402
import samdsim_report_sweep as sweep  # noqa: E402
import samdsim_report_us_pathway as us_pathway  # noqa: E402
from samdsim_report_common import (axis_label, fmt, number, plt, readable, save, scale_for,  # noqa: E402
                                   short_key, table, wrap)

FAN_SERIES = [  # preferred series for the hospital_adoption fan charts, in order
    ["adopted_hospitals", "adopters", "live_hospitals"],
    ["staff_hours_saved"],
    ["hospital_net_benefit"],
    ["vendor_revenue"],
]


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
    cumulative series in /timeseries. Returns whether that panel had to be left out
    (a file without /timeseries)."""
    b = sr.bands(path, name, point)
    unit = b.attrs.get("unit", "")
    axis = b.attrs.get("axis", "month")
    flow = unit.endswith("/" + axis)
    left_out = flow and name not in sr.timeseries_names(path, point)
    flow = flow and not left_out
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
    return left_out


def hospital_adoption_figures(path, point, outdir, figures, notes, prefix=""):
    have = sr.band_names(path, point)
    chosen = []
    for options in FAN_SERIES:
        for o in options:
            if o in have:
                chosen.append(o)
                break
    left_out = [name for name in chosen if fan_chart(path, point, name, outdir, figures, prefix)]
    if left_out:
        notes.append(f"{', '.join(left_out)}: no cumulative panel, whose quantiles need each replicate's series "
                     "(/timeseries); this file keeps only the bands (--outputs bands or summary).")


def voi_figure(path, group, outdir, figures):
    """EVPPI / EVSI bars from a `samdsim voi` group, with EVPI for scale. Returns the
    page's table of the values, each parameter or group named in full (or None)."""
    with h5py.File(path, "r") as f:
        where = f"{group}/voi" if group else "voi"
        if where not in f:
            return None
        g = f[where]
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in g["name"][:]]
        values = g["evppi"][:]
        se = g["evppi_se"][:]
        evpi = float(g.attrs["evpi"])
        unit = g.attrs.get("unit", "")
        unit = unit.decode() if isinstance(unit, bytes) else str(unit)
        kinds = [k.decode() if isinstance(k, bytes) else str(k) for k in g["kind"][:]] if "kind" in g else None
    factor, ulabel = scale_for(pd.Series(np.append(values, evpi)), unit)
    order = np.argsort(values)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(names) + 1.8), layout="constrained")
    ax.barh([short_key(names[i]) for i in order], values[order] / factor, xerr=1.96 * se[order] / factor,
            color="C0", capsize=2)
    ax.axvline(evpi / factor, color="C3", ls="--", label=f"EVPI {number(evpi / factor)}")
    ax.set_xlabel(f"Expected value of information ({ulabel})")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")
    ax.set_title("Value of information: EVPPI by parameter or group, EVSI by study result")
    point = int(group.split("/")[1]) if group.startswith("points/") else None
    save(fig, outdir, "voi.png", figures,
         "Expected value of partial perfect information of each drawn parameter or group, and of sample "
         "information of each study result given to samdsim voi (± 1.96 se, regression on the replicates); "
         "the dashed line is the EVPI, the most any information is worth.", point)
    rows = pd.DataFrame({"kind": kinds, f"value ({unit})": values, "se": se}, index=pd.Index(names, name="name"))
    rows = rows.dropna(axis=1, how="all").sort_values(f"value ({unit})", ascending=False)
    return (f"Value of information (EVPI {fmt(evpi)} {unit})", table(rows))


# ---------------------------------------------------------------- HTML

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

def check_complete(path):
    """Refuses (ValueError) what is not one complete result: a single shard of a
    sharded run, the partial file of an interrupted run, a file with no results."""
    attrs = sr.attributes(path)  # refuses a file that is not a samdsim result
    if "shard_index" in attrs:
        raise ValueError(f"{path}: this file holds shard {attrs['shard_index']} of {attrs.get('shards', '?')}; "
                         "merge the shards first (samdsim merge SHARD_0.h5 ... SHARD_N.h5 -o OUT.h5) and "
                         "report on the merged file")
    with h5py.File(path, "r") as f:
        groups = [f] + [f["points"][k] for k in f["points"]] if "points" in f else [f]
        partial = str(path).endswith(".partial") or any(
            "checkpoint_rows" in g.attrs or "suspended_cleanly" in g.attrs for g in groups)
        empty = not any("summary" in g for g in groups)
    if partial or empty:
        raise ValueError(f"{path}: this file is the partial result of an interrupted run, not a complete "
                         "result; finish it with the same samdsim run command and --resume, then report on "
                         "the file it writes" if partial else f"{path}: this result file holds no summaries")
    return attrs


def summary_figure(path, point, outdir, figures, prefix=""):
    """Quantiles of each scalar output from /summary, for files that keep no
    per-replicate values: p05–p95 and p25–p75 boxes, median and mean; P(true)
    of the true/false outputs as bars."""
    s = sr.summary(path, point)
    flags = s[s["type"] == "boolean"]
    numbers = s[(s["type"] != "boolean") & (s["p95"] > s["p05"])][:11]
    panels = len(numbers) + (1 if len(flags) else 0)
    if panels == 0:
        return
    cols = min(3, panels)
    rows = -(-panels // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 1.7 * rows + 0.6), layout="constrained",
                             squeeze=False)
    for ax, (name, r) in zip(axes.flat, numbers.iterrows()):
        factor, ulabel = scale_for([r["p05"], r["p95"]], r["unit"])
        q = {k: r[k] / factor for k in ("p05", "p25", "p50", "p75", "p95", "mean")}
        ax.barh([0], [q["p95"] - q["p05"]], left=q["p05"], height=0.6, color="C0", alpha=0.25)
        ax.barh([0], [q["p75"] - q["p25"]], left=q["p25"], height=0.6, color="C0", alpha=0.6)
        ax.plot([q["p50"]] * 2, [-0.3, 0.3], color="C0", lw=2)
        ax.plot(q["mean"], 0, "D", color="C1", ms=6)
        ax.set_yticks([])
        ax.set_ylim(-0.6, 0.6)
        ax.set_title(wrap(axis_label(name, ulabel), 40), fontsize="small")
        ax.tick_params(labelsize="x-small")
        ax.grid(axis="x", alpha=0.3)
    if len(flags):
        ax = axes.flat[len(numbers)]
        ax.barh(range(len(flags)), flags["probability"].to_numpy(dtype=float), color="C2")
        ax.set_yticks(range(len(flags)), [wrap(n, 24) for n in flags.index], fontsize="x-small")
        ax.set_xlim(0, 1)
        ax.set_title("P(true)", fontsize="small")
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[panels:]:
        ax.axis("off")
    save(fig, outdir, f"{prefix}summary_outputs.png", figures,
         "Each output's distribution over the replicates from its stored summary: 5–95 % (light) and 25–75 % "
         "(dark) boxes, the median (line) and the mean (diamond); outputs that do not vary are left out "
         "(they are in the table). Last panel: P(true) of the true/false outputs.", point=point)


def run_figures(path, point, model, outdir, figures, notes, sections, prefix=""):
    """The figures and tables of one run: a single-run file, or one point of a sweep."""
    full = sr.has_replicates(path, point)
    if model == "us_pathway":
        us_pathway.figures(path, point, outdir, figures, notes, prefix)
    elif model == "hospital_adoption":
        hospital_adoption_figures(path, point, outdir, figures, notes, prefix)
    elif model == "evidence_program":
        if full:
            program.figures(path, point, outdir, figures, save, plt, prefix)
            compared = program.comparison(path, point)
            if len(compared):
                sections.append(("Strategy comparison", table(compared)))
        else:
            program.cash_figure(path, point, outdir, figures, save, plt, prefix)
            notes.append("Time to authorization, NPV, its drivers and the strategy comparison need "
                         "per-replicate values, which this file does not keep (--outputs summary).")
    if not full or model not in ("us_pathway", "hospital_adoption", "evidence_program"):
        summary_figure(path, point, outdir, figures, prefix)
    if model != "us_pathway":  # whose figures put the tornado first
        sensitivity.tornado_figure(path, point, outdir, figures, prefix=prefix)
    sections.extend(outcomes.outcome_sections(path, point, outdir, figures, prefix))
    sections.extend(outcomes.plan_sections(path, point))
    voi = voi_figure(path, "" if point is None else f"points/{point}", outdir, figures)
    if voi:
        sections.append(voi)
    sections.extend(sensitivity.sections(path, point))


def sweep_report(path, model, outdir, figures, notes, sections):
    scen = sr.scenarios(path)
    means = sweep.point_means(path, scen)
    units = sr.units(path, 0)
    chosen = scen.attrs.get("chosen")
    if model == "demonstration":
        demonstration.demonstration_figures(path, scen, means, units, outdir, figures)
        demonstration.enbs_figure(path, scen, means, units, outdir, figures)
        solved = demonstration.solve_figure(path, outdir, figures)
        if solved:
            sections.append(("Solve: the design sized for its target",
                             table(pd.DataFrame({"value": solved}).rename_axis("solve"))))
    sweep.sweep_figures(path, scen, means, units, outdir, figures)
    focus = chosen if chosen is not None and chosen >= 0 else 0
    focus_label = "chosen point" if focus == chosen else "point 0"
    # samdsim voi's and sensitivity's results: the focus point's, else the first point analysed.
    with h5py.File(path, "r") as f:
        analysed = [int(i) for i in scen["index"] if f"points/{int(i)}/voi" in f]
        sensed = [int(i) for i in scen["index"] if f"points/{int(i)}/sensitivity" in f]
    if analysed:
        voi = voi_figure(path, f"points/{focus if focus in analysed else analysed[0]}", outdir, figures)
        sections.append(voi)
    shown = None
    if model in ("us_pathway", "hospital_adoption", "evidence_program"):
        run_figures(path, focus, model, outdir, figures, notes, [], prefix="point_")
        shown = focus if focus in sensed else None
    elif sensed:
        shown = focus if focus in sensed else sensed[0]
        sensitivity.tornado_figure(path, shown, outdir, figures, prefix="point_")
    if shown is not None:
        sections.extend(sensitivity.sections(path, shown))
    others = [str(i) for i in sensed if i != shown]
    if others:
        notes.append(f"samdsim sensitivity results of point{'s' if len(others) > 1 else ''} {', '.join(others)}: "
                     "the report of one point (--point I) shows them.")
    view = scen.drop(columns=["key"]).join(means[[c for c in means.columns if not c.endswith("__se")]])
    view = view.set_index("index")
    kinds = sr.summary(path, 0)["type"]
    view = view.rename(columns={c: (f"P({c})" if kinds.get(c) == "boolean" else
                                    f"{c} [{units[c]}]" if units.get(c) else c)
                                for c in view.columns if c in units})
    sections.append((f"Sweep points (mean of each output; P(true) for true/false outputs); "
                     f"rule: {scen.attrs.get('choose_rule') or 'none'}; chosen: {chosen}", table(view)))
    sections.append((f"Summary of {focus_label} ({focus})", summary_table(path, focus)))


def report(path, outdir, point=None):
    """Writes the figures and index.html; returns [(figure, caption)] and the notes
    on what could not be drawn from this file."""
    figures, notes, sections = [], [], []
    if portfolio.is_portfolio(path):
        if point is not None:
            raise ValueError(f"{path} is a portfolio file, not a sweep: leave out --point")
        os.makedirs(outdir, exist_ok=True)
        attrs, proposals, frontier = portfolio.figures(path, outdir, figures, save, plt, scale_for)
        attrs = dict(attrs, model="portfolio", name=f"Portfolio within {float(attrs['budget']):,.0f} "
                                                     f"{attrs.get('currency', '')}")
        write_html(outdir, attrs, figures, portfolio.sections(proposals, frontier, table))
        return figures, notes
    attrs = check_complete(path)
    model = attrs.get("model", "")
    points = sr.point_count(path) if sr.is_sweep(path) else 0
    if point is not None and not 0 <= point < points:
        raise ValueError(f"{path}: no sweep point {point}; " +
                         (f"the sweep has points 0..{points - 1}" if points else "the file is a single run, "
                          "not a sweep: leave out --point"))
    os.makedirs(outdir, exist_ok=True)
    if points and point is None:
        sweep_report(path, model, outdir, figures, notes, sections)
    else:
        run_figures(path, point, model, outdir, figures, notes, sections)
        heading = "Summary" if point is None else f"Summary of sweep point {point}"
        if point is not None:
            attrs = dict(attrs, name=f"{attrs.get('name') or 'samdsim result'}, sweep point {point}")
            sections.insert(0, (f"Sweep point {point}", table(sr.scenarios(path).set_index("index")
                                                               .loc[[point]].drop(columns=["key", "chosen"]))))
        sections.append((heading, summary_table(path, point)))
    if notes:
        sections.insert(0, ("Not shown", "<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>"))
    write_html(outdir, attrs, figures, sections)
    return figures, notes


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result", help="samdsim result file (HDF5)")
    ap.add_argument("-o", "--output", required=True, help="output directory")
    ap.add_argument("--point", type=int, help="report on this sweep point only (0 .. points-1)")
    args = ap.parse_args(argv)
    try:
        figures, notes = report(args.result, args.output, args.point)
    except (OSError, ValueError, KeyError) as e:
        said = str(e).strip('"')
        print(f"samdsim_report: {said if args.result in said else f'{args.result}: {said}'}", file=sys.stderr)
        return 2
    print(f"{args.output}/index.html: {len(figures)} figures")
    for name, _ in figures:
        print(f"  {name}")
    for note in notes:
        print(f"  not shown: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
