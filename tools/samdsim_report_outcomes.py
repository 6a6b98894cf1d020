"""The plan behind a run (/plan) and the outcomes users ask about: the share
of each category of a categorical output and the cumulative probability of
an event by month (P(authorized by month t)), read from the stored
summaries, so they show for files that keep no per-replicate values too."""

import h5py
import numpy as np
import pandas as pd

from samdsim_report_common import number, plt, save, table


def _base(f, point):
    return f if point is None else f[f"points/{point}"]


def _text(v):
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


def _in_creation_order(iterate, g, attrs=False):
    """Names of links (or attributes) in creation order where the file tracks it, else by name."""
    names = []
    collect = (lambda name, info: names.append(name.decode())) if attrs else (lambda name: names.append(name.decode()))
    try:
        if attrs:
            iterate(collect, index_type=h5py.h5.INDEX_CRT_ORDER)
        else:
            iterate(collect, idx_type=h5py.h5.INDEX_CRT_ORDER)
    except Exception:  # creation order not tracked
        names = list(g.attrs) if attrs else list(g)
    return names


def plan_sections(path, point):
    """One table per /plan section: value (per attempt, stratum, ... when several), unit."""
    out = []
    with h5py.File(path, "r") as f:
        base = _base(f, point)
        if "plan" not in base:
            return out
        groups = []

        def walk(g):  # depth first, in the order the sections were written
            for name in _in_creation_order(g.id.links.iterate, g):
                if isinstance(g[name], h5py.Group):
                    groups.append(g[name])
                    walk(g[name])
        walk(base["plan"])
        for g in groups:
            names = [k for k in _in_creation_order(lambda f, **kw: h5py.h5a.iterate(g.id, f, **kw), g, attrs=True)
                     if k != "title" and not k.endswith(".unit")]
            if not names:
                continue
            rows = {}
            for k in names:
                v = g.attrs[k]
                if isinstance(v, np.ndarray) and v.ndim > 0:
                    v = ", ".join(number(x) for x in v)
                rows[k] = {"value": _text(v), "unit": _text(g.attrs.get(k + ".unit", ""))}
            frame = pd.DataFrame.from_dict(rows, orient="index").rename_axis("value")
            out.append((f"Plan: {_text(g.attrs.get('title', g.name))}", table(frame)))
        warnings = _text(base["plan"].attrs.get("warnings", ""))
        if warnings:
            items = "".join(f"<li>{line}</li>" for line in warnings.splitlines())
            out.append(("Plan warnings", f"<ul>{items}</ul>"))
    return out


def outcome_sections(path, point, outdir, figures, prefix=""):
    """Shares of the categorical outputs (a table) and the event curves (a figure)."""
    sections, curves = [], {}
    with h5py.File(path, "r") as f:
        base = _base(f, point)
        if "summary" not in base:
            return sections
        for name, g in base["summary"].items():
            if "labels" in g.attrs:
                labels = _text(g.attrs["labels"]).split(",")
                shares = pd.DataFrame({"share": [float(g.attrs.get(f"share.{lab}", np.nan)) for lab in labels]},
                                      index=pd.Index(labels, name=name))
                sections.append((f"Outcome shares: {name} (of all replicates)", table(shares)))
            if "probability_by_month" in g.attrs:
                curves[name] = np.asarray(g.attrs["probability_by_month"], dtype=float)
    if curves:
        fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
        rows = {}
        for name, p in curves.items():
            ax.step(np.arange(len(p)), p, where="post", label=name)
            rows[name] = {f"by month {m}": p[min(m, len(p) - 1)] for m in (12, 24, 36, 60)}
        ax.set_xlabel("month")
        ax.set_ylabel("P(event by month)")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
        save(fig, outdir, f"{prefix}event_curves.png", figures,
             "Cumulative probability of each event by month over all replicates, those without the event "
             "counted as never (e.g. P(authorized by month t)); from the stored summaries.", point=point)
        sections.append(("Events by month (share of all replicates)",
                         table(pd.DataFrame.from_dict(rows, orient="index").rename_axis("output"))))
    return sections
