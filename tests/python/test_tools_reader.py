#!/usr/bin/python3
"""Check tools/samdsim_reader.py against the HDF5 datasets it reads.

usage: test_tools_reader.py FILE.h5 ...

For every file (single run or sweep, every point): replicates, parameters,
timeseries, bands, summary and scenarios frames hold the stored values, with
NaN / <NA> exactly where the data are missing. A copy of the first file with
integer (INT64_MIN) and true/false (255) missing markers written in checks
the conversion to <NA>; copies with a foreign filetype or version 2.0 must be
refused. Exits 0 when all checks pass, 1 listing the failures.
"""

import os
import shutil
import sys
import tempfile

import h5py
import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import samdsim_reader as sr  # noqa: E402

INT64_MIN = np.iinfo(np.int64).min
failures = []


def fail(where, message):
    failures.append(f"{where}: {message}")


def expected(ds):
    """(float values with NaN for missing, missing mask) straight from h5py."""
    data = ds[()]
    if data.dtype.kind in "iu" and "missing_value" in ds.attrs:
        missing = data == ds.attrs["missing_value"]
    elif data.dtype.kind == "f":
        missing = np.isnan(data)
    else:
        missing = np.zeros(data.shape, dtype=bool)
    values = np.where(missing, np.nan, data.astype(float)) if data.dtype.kind in "iuf" else data
    return values, missing


def compare_column(where, got, ds):
    values, missing = expected(ds)
    got_missing = pd.isna(got).to_numpy() if hasattr(got, "to_numpy") else pd.isna(np.asarray(got))
    if got_missing.shape != missing.shape or not np.array_equal(got_missing, missing):
        fail(where, f"missing values differ ({int(got_missing.sum())} read, {int(missing.sum())} stored)")
        return
    if ds.dtype.kind in "iuf":
        g = pd.to_numeric(pd.Series(np.ravel(np.asarray(got, dtype=object))), errors="coerce")
        g = g.astype(float).to_numpy().reshape(values.shape)
        if not np.array_equal(g[~missing], values[~missing]):
            fail(where, "values differ")
    if ds.attrs.get("type", "") == "boolean" and str(getattr(got, "dtype", "")) != "boolean":
        fail(where, f"a true/false output should be pandas 'boolean', is {got.dtype}")
    if ds.attrs.get("type", "") == "integer" and str(getattr(got, "dtype", "")) != "Int64":
        fail(where, f"an integer output should be pandas 'Int64', is {got.dtype}")


def check_group(path, f, point):
    g = f if point is None else f["points"][str(point)]
    where0 = f"{path}{'' if point is None else f' point {point}'}"
    rep = sr.replicates(path, point)
    if list(rep.columns) != list(g["replicates"]):
        fail(where0, f"replicate columns {list(rep.columns)} != {list(g['replicates'])}")
    for name in g["replicates"]:
        compare_column(f"{where0} /replicates/{name}", rep[name], g["replicates"][name])
    par = sr.parameters(path, point)
    if "parameters" in g:
        for name in g["parameters"]:
            compare_column(f"{where0} /parameters/{name}", par[name], g["parameters"][name])
    summ = sr.summary(path, point)
    for name in g["summary"]:
        attrs = g["summary"][name].attrs
        for key in ("n", "missing", "mean", "sd", "se", "min", "p05", "p25", "p50", "p75", "p95", "max",
                    "probability"):
            if key in attrs:
                a, b = float(summ.loc[name, key]), float(attrs[key])
                if not (a == b or (np.isnan(a) and np.isnan(b))):
                    fail(f"{where0} /summary/{name}", f"{key} read {a}, stored {b}")
        if summ.loc[name, "unit"] != attrs.get("unit", ""):
            fail(f"{where0} /summary/{name}", "unit differs")
    for name in (g["timeseries"] if "timeseries" in g else []):
        ds = g["timeseries"][name]
        ts = sr.timeseries(path, name, point)
        if ts.shape != ds.shape:
            fail(f"{where0} /timeseries/{name}", f"shape {ts.shape} != {ds.shape}")
            continue
        values, missing = expected(ds)
        got = ts.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if not np.array_equal(np.isnan(got), missing) or not np.array_equal(got[~missing], values[~missing]):
            fail(f"{where0} /timeseries/{name}", "values or missing markers differ")
    for name in (g["bands"] if "bands" in g else []):
        ds = g["bands"][name]
        b = sr.bands(path, name, point)
        for i, q in enumerate(ds.attrs["quantiles"]):
            col = f"p{round(q * 100):02d}"
            if not np.array_equal(b[col].to_numpy(), ds[i], equal_nan=True):
                fail(f"{where0} /bands/{name}", f"{col} differs")
        if not np.array_equal(b["mean"].to_numpy(), g["series_mean"][name][()], equal_nan=True):
            fail(f"{where0} /series_mean/{name}", "mean differs")
        if b.index.name != ds.attrs.get("axis"):
            fail(f"{where0} /bands/{name}", f"index name {b.index.name}")


def check_file(path):
    with h5py.File(path, "r") as f:
        attrs = sr.attributes(path)
        if attrs["model"] != f.attrs["model"] or attrs["seed"] != int(f.attrs["seed"]):
            fail(path, "attributes differ")
        if "points" in f:
            try:
                sr.replicates(path)
                fail(path, "a sweep read without point= should be refused")
            except ValueError:
                pass
            s = sr.scenarios(path)
            order = [c for c in f["scenarios"].attrs["columns"].split("\n") if c]
            if list(s.columns) != order + ["chosen"]:
                fail(path, f"scenario columns {list(s.columns)} != {order}")
            for c in order:
                if f["scenarios"][c].dtype.kind in "iuf" and not np.array_equal(s[c].to_numpy(), f["scenarios"][c][()]):
                    fail(path, f"scenario column {c} differs")
            chosen = int(f["scenarios"].attrs["chosen"])
            if list(s.index[s["chosen"]]) != ([chosen] if chosen >= 0 else []):
                fail(path, f"chosen flag wrong (chosen = {chosen})")
            for p in range(len(f["points"])):
                check_group(path, f, p)
        else:
            check_group(path, f, None)


def check_markers_and_refusal(path, tmp):
    copy = os.path.join(tmp, "markers.h5")
    shutil.copy(path, copy)
    with h5py.File(copy, "r+") as f:
        g = f["points/0"] if "points" in f else f
        ints = [n for n in g["replicates"] if g["replicates"][n].attrs.get("type") == "integer"]
        bools = [n for n in g["replicates"] if g["replicates"][n].attrs.get("type") == "boolean"]
        for n in ints[:1]:
            g["replicates"][n][1] = INT64_MIN
        for n in bools[:1]:
            g["replicates"][n][2] = 255
        series = [n for n in (g["timeseries"] if "timeseries" in g else [])
                  if g["timeseries"][n].attrs.get("type") == "integer"]
        for n in series[:1]:
            g["timeseries"][n][0, 3] = INT64_MIN
    point = 0 if sr.is_sweep(copy) else None
    rep = sr.replicates(copy, point)
    for n in ints[:1]:
        if not pd.isna(rep[n].iloc[1]) or rep[n].isna().sum() != 1:
            fail(copy, f"INT64_MIN in {n} should read as <NA>")
    for n in bools[:1]:
        if not pd.isna(rep[n].iloc[2]):
            fail(copy, f"255 in {n} should read as <NA>")
    for n in series[:1]:
        ts = sr.timeseries(copy, n, point)
        if not pd.isna(ts.iloc[0, 3]) or int(ts.isna().sum().sum()) != 1:
            fail(copy, f"INT64_MIN in /timeseries/{n} should read as <NA>")
    if not ints and not bools:
        fail(path, "expected an integer or a true/false output to test the markers")
    with h5py.File(copy, "r") as f:
        check_group(copy, f, point)
    for key, value, label in (("filetype", "something-else", "foreign filetype"), ("version", "2.0", "version 2.0")):
        bad = os.path.join(tmp, f"bad_{key}.h5")
        shutil.copy(path, bad)
        with h5py.File(bad, "r+") as f:
            f.attrs[key] = value
        try:
            sr.summary(bad, point)
            fail(bad, f"a file with {label} should be refused")
        except ValueError:
            pass
    ok = os.path.join(tmp, "minor.h5")
    shutil.copy(path, ok)
    with h5py.File(ok, "r+") as f:
        f.attrs["version"] = "1.7"
    sr.summary(ok, point)  # a newer minor version is read


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    for path in argv[1:]:
        check_file(path)
    with tempfile.TemporaryDirectory() as tmp:
        check_markers_and_refusal(argv[1], tmp)
    if failures:
        print("\n".join(failures))
        return 1
    print(f"reader matches {len(argv) - 1} file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
