#!/usr/bin/python3
"""Read samdsim result files (HDF5) into pandas DataFrames.

    import samdsim_reader as sr
    sr.summary("triage.h5")                       # one row per output
    sr.replicates("triage.h5")["total_cost_usd"]  # one value per replicate
    sr.scenarios("sweep.h5")                      # a sweep's points, chosen one flagged
    sr.replicates("sweep.h5", point=3)            # one sweep point

Missing values are converted: NaN stays NaN in float columns, integer
outputs (marker INT64_MIN) become pandas nullable "Int64" with <NA>, and
true/false outputs (marker 255) become pandas nullable "boolean" with <NA>.
The layout read here is the one in README.md ("Result files"); files whose
root `filetype` is not "samdsim-result" or whose major `version` is above 1
are refused (ValueError).
"""

import h5py
import numpy as np
import pandas as pd

FILETYPE = "samdsim-result"
MAJOR_VERSION = 1
SUMMARY_COLUMNS = ["n", "missing", "mean", "sd", "se", "min", "p05", "p25", "p50", "p75", "p95",
                   "max", "probability", "unit", "type"]

__all__ = ["open_result", "attributes", "is_sweep", "point_count", "replicates", "parameters",
           "summary", "bands", "band_names", "timeseries", "timeseries_names", "scenarios", "units",
           "has_replicates"]


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value


def _plain(value):
    """An HDF5 attribute as a plain Python value (str, int, float, list)."""
    value = _text(value)
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def open_result(path):
    """Opens a result file read-only after checking its filetype and version."""
    f = h5py.File(path, "r")
    try:
        filetype = _text(f.attrs.get("filetype"))
        if filetype != FILETYPE:
            raise ValueError(f"{path}: not a samdsim result file (filetype {filetype!r}, "
                             f"expected {FILETYPE!r})")
        version = str(_text(f.attrs.get("version", "")))
        try:
            major = int(version.split(".")[0])
        except ValueError:
            raise ValueError(f"{path}: unreadable result file version {version!r}") from None
        if major > MAJOR_VERSION:
            raise ValueError(f"{path}: result file version {version} is newer than this reader "
                             f"(reads major version {MAJOR_VERSION})")
    except BaseException:
        f.close()
        raise
    return f


def _is_sweep(f):
    return "points" in f and "replicates" not in f


def _group(f, point, path):
    """The group holding a run's results: the root, or /points/<point> of a sweep."""
    if point is None:
        if _is_sweep(f):
            raise ValueError(f"{path} is a sweep with {len(f['points'])} points: give point=0.."
                             f"{len(f['points']) - 1}")
        return f
    if "points" not in f:
        raise ValueError(f"{path} is a single run, not a sweep: leave point=None")
    key = str(int(point))
    if key not in f["points"]:
        raise ValueError(f"{path}: no sweep point {point} (the file has {len(f['points'])})")
    return f["points"][key]


def _column(ds):
    """A dataset's values with missing markers converted (see the module doc)."""
    data = ds[()]
    kind = _text(ds.attrs.get("type", ""))
    if data.dtype.kind in "SO":
        return np.array([_text(v) for v in data.reshape(-1)], dtype=object).reshape(data.shape)
    if data.dtype.kind in "iu" and "missing_value" in ds.attrs:
        marker = ds.attrs["missing_value"]
        missing = data == marker
        if kind == "boolean" or data.dtype == np.uint8:
            arr = pd.array(np.where(missing, False, data != 0).reshape(-1), dtype="boolean")
        else:
            arr = pd.array(data.reshape(-1).astype(np.int64), dtype="Int64")
        arr[missing.reshape(-1)] = pd.NA
        return arr  # flattened row-major; timeseries() reshapes 2-D data
    return data


def _frame(group, index_name):
    columns = {name: _column(group[name]) for name in group if isinstance(group[name], h5py.Dataset)}
    df = pd.DataFrame(columns)
    df.index.name = index_name
    return df


def attributes(path):
    """The root attributes as a dict of plain Python values."""
    with open_result(path) as f:
        return {key: _plain(value) for key, value in f.attrs.items()}


def is_sweep(path):
    with open_result(path) as f:
        return _is_sweep(f)


def point_count(path):
    """The number of sweep points (0 for a single run)."""
    with open_result(path) as f:
        return len(f["points"]) if "points" in f else 0


def replicates(path, point=None):
    """One column per output in /replicates, index = replicate."""
    with open_result(path) as f:
        return _frame(_group(f, point, path)["replicates"], "replicate")


def parameters(path, point=None):
    """One column per parameter drawn from a distribution (key path), index = replicate.

    Empty (no columns) when every parameter is fixed."""
    with open_result(path) as f:
        g = _group(f, point, path)
        if "parameters" not in g:
            return pd.DataFrame(index=pd.RangeIndex(0, name="replicate"))
        df = _frame(g["parameters"], "replicate")
        if df.shape[1] == 0:
            n = int(g.attrs.get("replicates", f.attrs.get("replicates", 0)))
            df = pd.DataFrame(index=pd.RangeIndex(n, name="replicate"))
        return df


def units(path, point=None):
    """{name: unit} for every output (scalar and series) and drawn parameter."""
    with open_result(path) as f:
        g = _group(f, point, path)
        out = {}
        for section in ("replicates", "timeseries", "parameters"):
            if section in g:
                for name in g[section]:
                    out[name] = _text(g[section][name].attrs.get("unit", ""))
        return out


def summary(path, point=None):
    """One row per output (index = output name) with the stored summary attributes.

    `probability` is NaN for outputs that are not true/false."""
    with open_result(path) as f:
        g = _group(f, point, path)["summary"]
        rows = {}
        for name in g:
            attrs = g[name].attrs
            row = {}
            for key in SUMMARY_COLUMNS:
                if key in attrs:
                    row[key] = _plain(attrs[key])
                else:
                    row[key] = "" if key in ("unit", "type") else np.nan
            rows[name] = row
        df = pd.DataFrame.from_dict(rows, orient="index", columns=SUMMARY_COLUMNS)
        df.index.name = "output"
        for key in ("n", "missing"):
            df[key] = df[key].astype("int64")
        return df


def has_replicates(path, point=None):
    """Whether the file keeps per-replicate values (not with --outputs summary)."""
    with open_result(path) as f:
        return "replicates" in _group(f, point, path)


def timeseries_names(path, point=None):
    """The series outputs kept replicate by replicate (none with --outputs bands or summary)."""
    with open_result(path) as f:
        g = _group(f, point, path)
        return list(g["timeseries"]) if "timeseries" in g else []


def band_names(path, point=None):
    """The series outputs that have bands."""
    with open_result(path) as f:
        g = _group(f, point, path)
        return list(g["bands"]) if "bands" in g else []


def bands(path, name, point=None):
    """Quantile bands of series output `name`: index = axis index (e.g. month),
    columns p05, p25, p50, p75, p95 (from the `quantiles` attribute) and mean
    (from /series_mean). The frame's attrs hold unit and axis."""
    with open_result(path) as f:
        g = _group(f, point, path)
        if "bands" not in g or name not in g["bands"]:
            have = list(g["bands"]) if "bands" in g else []
            raise KeyError(f"{path}: no bands for {name!r} (have: {', '.join(have) or 'none'})")
        ds = g["bands"][name]
        data = ds[()]
        quantiles = np.asarray(ds.attrs["quantiles"], dtype=float)
        axis = _text(ds.attrs.get("axis", "index"))
        df = pd.DataFrame({f"p{round(q * 100):02d}": data[i] for i, q in enumerate(quantiles)})
        if "series_mean" in g and name in g["series_mean"]:
            df["mean"] = g["series_mean"][name][()]
        df.index.name = axis
        df.attrs["unit"] = _text(ds.attrs.get("unit", ""))
        df.attrs["axis"] = axis
        return df


def timeseries(path, name, point=None):
    """Series output `name`: index = replicate, columns = axis index (e.g. month)."""
    with open_result(path) as f:
        g = _group(f, point, path)
        if "timeseries" not in g or name not in g["timeseries"]:
            raise KeyError(f"{path}: no time series {name!r}")
        ds = g["timeseries"][name]
        rows, cols = ds.shape
        values = _column(ds)
        if isinstance(values, np.ndarray):
            df = pd.DataFrame(values)
        else:  # nullable, flattened row-major
            df = pd.DataFrame({j: values[j::cols] for j in range(cols)}) if rows else pd.DataFrame(columns=range(cols))
        df.index.name = "replicate"
        df.columns.name = _text(ds.attrs.get("axis", "index"))
        df.attrs["unit"] = _text(ds.attrs.get("unit", ""))
        return df


def scenarios(path):
    """A sweep's /scenarios table, columns in stored order, plus a boolean column
    `chosen` (the point named by `choose:`; all False without one, or when no
    point qualifies). The frame's attrs hold `chosen` (index or -1/None) and
    `choose_rule`."""
    with open_result(path) as f:
        if "scenarios" not in f:
            raise ValueError(f"{path} is not a sweep (no /scenarios)")
        g = f["scenarios"]
        order = _text(g.attrs.get("columns", ""))
        names = [c for c in order.split("\n") if c] if order else list(g)
        df = pd.DataFrame({name: _column(g[name]) for name in names})
        chosen = int(g.attrs["chosen"]) if "chosen" in g.attrs else None
        df["chosen"] = (df["index"] == chosen) if chosen is not None else False
        df.attrs["chosen"] = chosen
        df.attrs["choose_rule"] = _text(g.attrs.get("choose_rule", ""))
        return df
