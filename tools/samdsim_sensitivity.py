#!/usr/bin/python3
"""Global sensitivity of a samdsim result: which drawn parameters drive which outputs.

usage: samdsim_sensitivity.py OUT.h5 [--output NAME ...] [--point I] [--bootstrap B]
                              [--seed S] [--top K] [--csv FILE]

For every output asked for (default: every scalar output that varies) and
every parameter drawn from a distribution (/parameters), prints a table
ranked by |PRCC| with:

  spearman   Spearman rank correlation of the parameter with the output
  prcc       partial rank correlation coefficient: both the output and every
             parameter are rank-transformed; the parameter's ranks and the
             output's ranks are each regressed (least squares, with an
             intercept) on the ranks of all OTHER parameters, and the two
             residual series are correlated (Pearson)
  *_lo/_hi   bootstrap 95 % percentile intervals (B resamples of the
             replicates, numpy default_rng(seed), so the table is
             reproducible)

Replicates where the output is missing (NaN / <NA>) are left out for that
output; parameters that do not vary are dropped. Exit status 0, 2 on bad input.
"""

import argparse
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samdsim_reader as sr  # noqa: E402


def rank_columns(a):
    """Average ranks of each column of a 2-D array (ties share their mean rank)."""
    return pd.DataFrame(a).rank(axis=0, method="average").to_numpy(dtype=float)


def _pearson_columns(a, b):
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    den = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (a * b).sum(axis=0) / den, np.nan)


def spearman_all(x, y):
    """Spearman correlation of every column of x (n, k) with y (n,)."""
    rx = rank_columns(x)
    ry = rank_columns(y[:, None])
    return _pearson_columns(rx, np.repeat(ry, rx.shape[1], axis=1))


def prcc_residuals(x, y):
    """PRCC by its definition (slow; the reference for prcc_all): the residuals of the
    parameter's ranks and the output's ranks after least squares on the other ranks."""
    rx = rank_columns(x)
    ry = rank_columns(y[:, None])[:, 0]
    n, k = rx.shape
    out = np.full(k, np.nan)
    ones = np.ones((n, 1))
    for j in range(k):
        z = np.hstack([ones, np.delete(rx, j, axis=1)])
        ex = rx[:, j] - z @ np.linalg.lstsq(z, rx[:, j], rcond=None)[0]
        ey = ry - z @ np.linalg.lstsq(z, ry, rcond=None)[0]
        den = np.sqrt((ex @ ex) * (ey @ ey))
        out[j] = (ex @ ey) / den if den > 0 else np.nan
    return out


def prcc_all(x, y):
    """PRCC of every column of x (n, k) with y (n,), as described in the module doc,
    computed from the inverse P of the correlation matrix of the ranks [x, y]:
    PRCC_j = -P[j, y] / sqrt(P[j, j] P[y, y]), which equals the correlation of the
    residuals (partial correlation; Kendall & Stuart)."""
    r = rank_columns(np.column_stack([x, y]))
    c = np.corrcoef(r, rowvar=False)
    if not np.all(np.isfinite(c)):
        return np.full(x.shape[1], np.nan)
    p = np.linalg.pinv(c)
    k = x.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return -p[:k, k] / np.sqrt(np.diag(p)[:k] * p[k, k])


def sensitivity(params, y, bootstrap=200, seed=20250101):
    """DataFrame indexed by parameter: spearman, prcc and their bootstrap 95 % intervals."""
    y = np.asarray(pd.to_numeric(pd.Series(y), errors="coerce").astype(float))
    x = params.apply(pd.to_numeric, errors="coerce").astype(float)
    ok = np.isfinite(y) & np.isfinite(x.to_numpy()).all(axis=1)
    x, y = x[ok], y[ok]
    x = x.loc[:, x.nunique() > 1]
    names = list(x.columns)
    if len(names) == 0 or len(y) < len(names) + 3 or np.unique(y).size < 2:
        return pd.DataFrame(columns=["spearman", "spearman_lo", "spearman_hi", "prcc", "prcc_lo",
                                     "prcc_hi", "n"])
    xa = x.to_numpy()
    rho, prcc = spearman_all(xa, y), prcc_all(xa, y)
    rng = np.random.default_rng(seed)
    boot_rho = np.full((bootstrap, len(names)), np.nan)
    boot_prcc = np.full((bootstrap, len(names)), np.nan)
    n = len(y)
    for b in range(bootstrap):
        idx = rng.integers(0, n, n)
        boot_rho[b] = spearman_all(xa[idx], y[idx])
        boot_prcc[b] = prcc_all(xa[idx], y[idx])
    with np.errstate(all="ignore"):
        lo_r, hi_r = np.nanpercentile(boot_rho, [2.5, 97.5], axis=0) if bootstrap else (rho * np.nan,) * 2
        lo_p, hi_p = np.nanpercentile(boot_prcc, [2.5, 97.5], axis=0) if bootstrap else (prcc * np.nan,) * 2
    df = pd.DataFrame({"spearman": rho, "spearman_lo": lo_r, "spearman_hi": hi_r,
                       "prcc": prcc, "prcc_lo": lo_p, "prcc_hi": hi_p, "n": n}, index=names)
    df.index.name = "parameter"
    return df.reindex(df["prcc"].abs().sort_values(ascending=False).index)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result")
    ap.add_argument("--output", nargs="+", metavar="NAME", help="outputs to analyse (default: all that vary)")
    ap.add_argument("--point", type=int, help="sweep point (required for a sweep)")
    ap.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples (default 200)")
    ap.add_argument("--seed", type=int, default=20250101, help="bootstrap seed (default 20250101)")
    ap.add_argument("--top", type=int, default=0, help="print only the K largest |PRCC| per output")
    ap.add_argument("--csv", help="also write every row to this CSV file")
    args = ap.parse_args(argv)
    try:
        rep = sr.replicates(args.result, args.point)
        params = sr.parameters(args.result, args.point)
    except (OSError, ValueError, KeyError) as e:
        print(f"samdsim_sensitivity: {e}", file=sys.stderr)
        return 2
    if params.shape[1] == 0:
        print("samdsim_sensitivity: no parameter is drawn from a distribution", file=sys.stderr)
        return 2
    outputs = args.output or [c for c in rep.columns
                              if pd.to_numeric(rep[c], errors="coerce").astype(float).nunique() > 1]
    unknown = [o for o in outputs if o not in rep.columns]
    if unknown:
        print(f"samdsim_sensitivity: unknown output(s) {', '.join(unknown)}; outputs: "
              f"{', '.join(rep.columns)}", file=sys.stderr)
        return 2
    tables = []
    pd.set_option("display.width", 200)
    for name in outputs:
        t = sensitivity(params, rep[name], args.bootstrap, args.seed)
        print(f"\n== {name}  (n = {int(t['n'].iloc[0]) if len(t) else 0}, {args.bootstrap} bootstrap "
              f"resamples, seed {args.seed}; ranked by |PRCC|)")
        if len(t) == 0:
            print("   (output or parameters do not vary)")
            continue
        shown = t.head(args.top) if args.top else t
        view = shown.drop(columns=["n"]).copy()
        view.index = [i.removeprefix("parameters.") for i in view.index]
        print(view.to_string(float_format=lambda v: f"{v:+.3f}"))
        tables.append(t.assign(output=name).reset_index())
    if args.csv and tables:
        pd.concat(tables).to_csv(args.csv, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
