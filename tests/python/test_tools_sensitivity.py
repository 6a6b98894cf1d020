#!/usr/bin/python3
"""Check tools/samdsim_sensitivity.py.

usage: test_tools_sensitivity.py RESULT.h5

On synthetic data with a known structure (y = 3 x1 + 0.5 x2 + noise, x3
unrelated, x4 correlated with x1 but without its own effect): PRCC ranks x1 >
x2, puts x4 near 0 and x3's 95 % interval around 0, while Spearman
shows x4's borrowed correlation; the fast PRCC equals the residual
definition; Spearman equals pandas'; the bootstrap is reproducible with its
seed. On RESULT.h5 (a us_pathway run): the command prints a table for
total_cost_usd, writes the CSV and refuses an unknown output with status 2.
Exits 0 when all checks pass, 1 listing the failures.
"""

import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")
sys.path.insert(0, TOOLS)
import samdsim_sensitivity as ss  # noqa: E402

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def synthetic():
    rng = np.random.default_rng(7)
    n = 1500
    x1, x2, x3 = rng.uniform(size=n), rng.normal(size=n), rng.gamma(2.0, size=n)
    x4 = x1 + 0.3 * rng.normal(size=n)
    y = 3 * x1 + 0.5 * x2 + rng.normal(scale=0.5, size=n)
    params = pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "x4": x4, "fixed": np.ones(n)})
    t = ss.sensitivity(params, y, bootstrap=100, seed=3)
    check(list(t.index[:2]) == ["x1", "x2"], f"PRCC ranking {list(t.index)}")
    check("fixed" not in t.index, "a constant parameter should be dropped")
    check(t.loc["x3", "prcc_lo"] < 0 < t.loc["x3", "prcc_hi"],
          f"x3: PRCC interval {t.loc['x3', 'prcc_lo']:.3f}..{t.loc['x3', 'prcc_hi']:.3f} should cover 0")
    # x4 has no effect of its own: small PRCC (not exactly 0: ranks are not linear in x1)
    check(abs(t.loc["x4", "prcc"]) < 0.15, f"x4: PRCC {t.loc['x4', 'prcc']:.3f} should be near 0")
    check(t.loc["x4", "spearman"] > 0.5, "x4 should show a large Spearman correlation borrowed from x1")
    check(t.loc["x1", "prcc_lo"] <= t.loc["x1", "prcc"] <= t.loc["x1", "prcc_hi"], "x1 interval")
    x = params[["x1", "x2", "x3", "x4"]].to_numpy()
    check(np.allclose(ss.prcc_all(x, y), ss.prcc_residuals(x, y), atol=1e-10), "fast PRCC != definition")
    expected = params[["x1", "x2", "x3", "x4"]].corrwith(pd.Series(y), method="spearman").to_numpy()
    check(np.allclose(ss.spearman_all(x, y), expected, atol=1e-12), "Spearman != pandas")
    again = ss.sensitivity(params, y, bootstrap=100, seed=3)
    check(t.equals(again), "the bootstrap with the same seed should give the same table")
    other = ss.sensitivity(params, y, bootstrap=100, seed=4)
    check(not t.equals(other), "a different seed should change the intervals")
    # missing outputs are left out
    y_nan = y.copy()
    y_nan[:100] = np.nan
    check(int(ss.sensitivity(params, y_nan, bootstrap=0)["n"].iloc[0]) == len(y) - 100, "NaN outputs not dropped")


def command(result):
    script = os.path.join(TOOLS, "samdsim_sensitivity.py")
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "s.csv")
        r = subprocess.run([sys.executable, script, result, "--output", "total_cost_usd", "--bootstrap", "30",
                            "--top", "5", "--csv", csv], capture_output=True, text=True)
        check(r.returncode == 0, f"command failed: {r.stderr}")
        check("== total_cost_usd" in r.stdout and "prcc" in r.stdout, f"no table printed:\n{r.stdout}")
        if os.path.exists(csv):
            df = pd.read_csv(csv)
            check({"parameter", "spearman", "prcc", "prcc_lo", "prcc_hi", "output"} <= set(df.columns),
                  f"CSV columns {list(df.columns)}")
        else:
            check(False, "CSV not written")
        r = subprocess.run([sys.executable, script, result, "--output", "no_such_output"],
                           capture_output=True, text=True)
        check(r.returncode == 2 and "unknown output" in r.stderr, "an unknown output should exit 2")


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    synthetic()
    command(argv[1])
    if failures:
        print("\n".join(failures))
        return 1
    print("sensitivity checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
