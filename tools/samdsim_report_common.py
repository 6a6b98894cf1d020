"""Labels, units, number formats, HTML tables and figure saving shared by the
report's parts (samdsim_report.py and its samdsim_report_*.py modules)."""

import html
import math
import os
import re
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

DPI = 110


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
    """A parameter key path as a label, wrapped (never cut) at `width` characters:
    'parameters.studies[1].reading_minutes_per_case' -> 'study 2: reading minutes per case'."""
    key = re.sub(r"^parameters\.", "", path)
    key = re.sub(r"(\w+)\[(\d+)\]\.", lambda m: f"{singular(m.group(1))} {int(m.group(2)) + 1}: ", key)
    key = key.replace(".", ": ").replace("_", " ")
    key = re.sub(r"\b(usd|jpy|eur|auc)\b", lambda m: m.group(1).upper(), key)
    return wrap(key, width)


def wrap(text, width=34):
    """Text broken into lines of at most `width` characters (long words are kept whole)."""
    return "\n".join(textwrap.wrap(str(text), width, break_long_words=False)) or str(text)


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


def number(v):
    """A number as samdsim prints it (format_number): thousands separators
    from 10,000 up, five significant digits below, scientific notation only
    under 1e-4 or from 1e15, so money reads the same at every size."""
    v = float(v)
    if not np.isfinite(v):
        return "–"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1e15 or a < 1e-4:
        return f"{v:.4e}"
    if a >= 1e4:  # halves away from zero, as C++'s std::round
        return f"{int(math.copysign(math.floor(a + 0.5), v)):,}"
    return f"{v:.5g}"


def fmt(v):
    if isinstance(v, (float, np.floating)):
        return number(v)
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


