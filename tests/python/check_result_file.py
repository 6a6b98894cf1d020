#!/usr/bin/python3
"""Check that a samdsim result file has the documented layout.

usage: check_result_file.py FILE [NAME[=UNIT] ...]

Every NAME must be an output of the file (under /replicates or /timeseries);
with =UNIT its unit attribute must match too. Independently of the names
given, every output, parameter, summary and band in the file is checked
against the data it summarises, using only h5py and numpy (what a user of the
file has). Exits 0 when all checks pass, 1 listing every failure, 2 on
usage errors or an unreadable file.
"""

import datetime
import sys
import warnings

import h5py
import numpy as np

QUANTILES = [0.05, 0.25, 0.50, 0.75, 0.95]
QUANTILE_KEYS = ["p05", "p25", "p50", "p75", "p95"]
DTYPES = {"real": np.float64, "integer": np.int64, "boolean": np.uint8}
ROOT_ATTRIBUTES = {
    "filetype": str, "version": str, "samdsim_version": str, "git_revision": str, "model": str,
    "name": str, "created_utc": str, "config_yaml": str,
    "seed": np.uint64, "scenario": np.uint64, "replicates": np.uint64,
    "threads": np.uint32, "shards": np.uint32, "wall_seconds": np.float64,
}
# Summaries are computed in C++ with the same definitions (type-7 quantiles,
# Welford/Chan moments), so only rounding differences are tolerated.
RTOL = 1e-9


class Checker:
    def __init__(self, path):
        self.path = path
        self.failures = []

    def fail(self, where, message):
        self.failures.append(f"{where}: {message}")

    def require_attr(self, obj, key, kind):
        if key not in obj.attrs:
            self.fail(obj.name, f"missing attribute '{key}'")
            return None
        value = obj.attrs[key]
        if kind is str:
            if not isinstance(value, str):
                self.fail(obj.name, f"attribute '{key}' should be a string, is {type(value).__name__}")
                return None
        elif np.asarray(value).dtype != np.dtype(kind) or np.asarray(value).shape != ():
            self.fail(obj.name, f"attribute '{key}' should be a scalar {np.dtype(kind)}, is "
                                f"{np.asarray(value).dtype} with shape {np.asarray(value).shape}")
            return None
        return value

    def close(self, where, key, got, expected):
        if not np.allclose(got, expected, rtol=RTOL, atol=1e-12, equal_nan=True):
            self.fail(where, f"{key} is {got}, but the data give {expected}")


def values_of(ds):
    """Dataset values as float64 with the missing-value marker as NaN."""
    data = ds[()].astype(np.float64)
    if "missing_value" in ds.attrs:
        data[ds[()] == ds.attrs["missing_value"]] = np.nan
    return data


def check_root(c, f):
    attrs = {key: c.require_attr(f, key, kind) for key, kind in ROOT_ATTRIBUTES.items()}
    if attrs["filetype"] is not None and attrs["filetype"] != "samdsim-result":
        c.fail("/", f"filetype is '{attrs['filetype']}', expected 'samdsim-result'")
    if attrs["version"] is not None and attrs["version"].split(".")[0] != "1":
        c.fail("/", f"format version '{attrs['version']}' is not 1.x")
    if attrs["created_utc"] is not None:
        try:
            datetime.datetime.strptime(attrs["created_utc"], "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            c.fail("/", f"created_utc '{attrs['created_utc']}' is not ISO 8601 UTC (YYYY-MM-DDTHH:MM:SSZ)")
    if attrs["wall_seconds"] is not None and not attrs["wall_seconds"] >= 0:
        c.fail("/", f"wall_seconds is {attrs['wall_seconds']}")
    for group in ("replicates", "parameters"):
        if group not in f:
            c.fail("/", f"missing group '/{group}'")
    return None if attrs["replicates"] is None else int(attrs["replicates"])


def compression_levels(f):
    """Deflate level per group from the root's `compression` attribute
    ("replicates=1,timeseries=1,parameters=0"); the defaults when absent."""
    levels = {"replicates": 1, "timeseries": 1, "parameters": 0}
    text = f.attrs.get("compression")
    if isinstance(text, bytes):
        text = text.decode()
    for part in (text or "").split(","):
        if "=" in part:
            group, level = part.split("=", 1)
            levels[group] = int(level)
    return levels


def check_storage(c, ds, kind, rows, rank):
    if ds.ndim != rank:
        c.fail(ds.name, f"has {ds.ndim} dimensions, expected {rank}")
        return False
    if rows is not None and ds.shape[0] != rows:
        c.fail(ds.name, f"has {ds.shape[0]} rows for {rows} replicates")
    if kind in DTYPES and ds.dtype != DTYPES[kind]:
        c.fail(ds.name, f"is {ds.dtype}, expected {np.dtype(DTYPES[kind])} for type '{kind}'")
    level = compression_levels(ds.file)[ds.name.split("/")[-2]]
    if ds.chunks is None or not ds.fletcher32:
        c.fail(ds.name, "is not chunked with a Fletcher-32 checksum")
    elif level > 0 and (ds.compression != "gzip" or ds.compression_opts != level or not ds.shuffle):
        c.fail(ds.name, f"is not compressed with shuffle and deflate level {level} (its group's level)")
    elif level == 0 and ds.compression is not None:
        c.fail(ds.name, f"is compressed ({ds.compression}) where its group's level is 0")
    return True


def check_summary(c, f, ds, kind, data):
    where = f"/summary/{ds.name.split('/')[-1]}"
    if where not in f:
        c.fail(where, "missing summary group")
        return
    g = f[where]
    present = data[~np.isnan(data)]
    n = c.require_attr(g, "n", np.uint64)
    missing = c.require_attr(g, "missing", np.uint64)
    if n is not None and int(n) != present.size:
        c.fail(where, f"n is {n}, but the data have {present.size} values")
    if missing is not None and int(missing) != data.size - present.size:
        c.fail(where, f"missing is {missing}, but the data have {data.size - present.size} missing values")
    stats = {key: c.require_attr(g, key, np.float64)
             for key in ["mean", "sd", "se", "min", "max"] + QUANTILE_KEYS}
    for key in ("unit", "type"):
        if c.require_attr(g, key, str) is not None and g.attrs[key] != ds.attrs.get(key):
            c.fail(where, f"{key} '{g.attrs[key]}' differs from the dataset's '{ds.attrs.get(key)}'")
    if present.size > 0:
        expected = {"mean": present.mean(), "min": present.min(), "max": present.max()}
        expected.update(zip(QUANTILE_KEYS, np.quantile(present, QUANTILES, method="linear")))
        if present.size > 1:
            expected["sd"] = present.std(ddof=1)
            expected["se"] = expected["sd"] / np.sqrt(present.size)
        for key, value in expected.items():
            if stats[key] is not None:
                c.close(where, key, stats[key], value)
    ordered = [stats[k] for k in ["min"] + QUANTILE_KEYS + ["max"] if stats[k] is not None]
    if any(b < a for a, b in zip(ordered, ordered[1:])):
        c.fail(where, f"min <= p05 <= ... <= p95 <= max does not hold: {ordered}")
    if kind == "boolean":
        p = c.require_attr(g, "probability", np.float64)
        if p is not None and present.size > 0:
            c.close(where, "probability", p, present.mean())


def check_band(c, f, ds, data):
    name = ds.name.split("/")[-1]
    where = f"/bands/{name}"
    if where not in f:
        c.fail(where, "missing band dataset")
        return
    band = f[where]
    if band.shape != (5, ds.shape[1]):
        c.fail(where, f"has shape {band.shape}, expected (5, {ds.shape[1]})")
        return
    if not np.allclose(band.attrs.get("quantiles", []), QUANTILES):
        c.fail(where, f"quantiles attribute is {band.attrs.get('quantiles')}, expected {QUANTILES}")
    for key in ("unit", "axis"):
        if c.require_attr(band, key, str) is not None and band.attrs[key] != ds.attrs.get(key):
            c.fail(where, f"{key} '{band.attrs[key]}' differs from the dataset's '{ds.attrs.get(key)}'")
    if data.shape[0] > 0:
        # All-NaN indices (every replicate missing) give NaN, as in the file.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = np.nanquantile(data, QUANTILES, axis=0, method="linear")
        c.close(where, "band", band[()], expected)


def check_outputs(c, f, rows, expected_units):
    found = {}
    for group, rank in (("replicates", 1), ("timeseries", 2)):
        for name, ds in f.get(group, {}).items():
            found[name] = ds
            kind = c.require_attr(ds, "type", str)
            c.require_attr(ds, "doc", str)
            c.require_attr(ds, "unit", str)
            if rank == 2:
                c.require_attr(ds, "axis", str)
            if kind is not None and kind not in DTYPES:
                c.fail(ds.name, f"type '{kind}' is not one of {sorted(DTYPES)}")
            if not check_storage(c, ds, kind, rows, rank):
                continue
            data = values_of(ds)
            if rank == 1:
                check_summary(c, f, ds, kind, data)
            else:
                check_band(c, f, ds, data)
    for name, unit in expected_units.items():
        if name not in found:
            c.fail("/", f"expected output '{name}' is not in /replicates or /timeseries"
                        f" (outputs: {', '.join(sorted(found)) or 'none'})")
        elif unit is not None and found[name].attrs.get("unit") != unit:
            c.fail(found[name].name, f"unit is '{found[name].attrs.get('unit')}', expected '{unit}'")
    return found


def check_parameters(c, f, rows):
    for name, ds in f.get("parameters", {}).items():
        c.require_attr(ds, "unit", str)
        check_storage(c, ds, "real", rows, 1)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = argv[1]
    expected = {}
    for arg in argv[2:]:
        name, sep, unit = arg.partition("=")
        expected[name] = unit if sep else None
    c = Checker(path)
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        print(f"check_result_file: FAIL: {path}: cannot open as HDF5: {e}", file=sys.stderr)
        return 2
    with f:
        rows = check_root(c, f)
        found = check_outputs(c, f, rows, expected)
        check_parameters(c, f, rows)
    if c.failures:
        for failure in c.failures:
            print(f"check_result_file: FAIL: {path}: {failure}", file=sys.stderr)
        return 1
    print(f"check_result_file: OK: {path} ({len(found)} outputs, {rows} replicates)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
