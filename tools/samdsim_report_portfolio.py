"""Report figures and tables for a `samdsim portfolio` file (filetype
"samdsim portfolio"): the value-against-budget frontier and the proposals.
Used by samdsim_report.py; docs/report.md lists the figures."""

import h5py
import numpy as np
import pandas as pd

from samdsim_report_common import number

FILETYPE = "samdsim portfolio"


def _text(v):
    return v.decode() if isinstance(v, bytes) else v


def is_portfolio(path):
    with h5py.File(path, "r") as f:
        return _text(f.attrs.get("filetype")) == FILETYPE


def read(path):
    """The root attributes, the proposals and the frontier as data frames."""
    with h5py.File(path, "r") as f:
        attrs = {k: _text(v.item() if hasattr(v, "item") and np.ndim(v) == 0 else v) for k, v in f.attrs.items()}
        proposals = pd.DataFrame({k: [_text(x) for x in f["proposals"][k][:]]
                                  for k in ("name", "cost", "value", "value_se", "chosen", "source")})
        frontier = pd.DataFrame({k: [_text(x) for x in f["frontier"][k][:]]
                                 for k in ("budget", "value", "value_se", "cost", "marginal_value", "chosen")})
    proposals["chosen"] = proposals["chosen"].astype(bool)
    return attrs, proposals.set_index("name"), frontier


def figures(path, outdir, figures_list, save, plt, scale_for):
    attrs, proposals, frontier = read(path)
    currency = attrs.get("currency", "")
    budget = float(attrs["budget"])
    factor, unit = scale_for(pd.Series([budget, float(frontier["value"].max())]), currency)

    # The frontier: the best value for each budget, what each step buys, and the chosen set.
    b = frontier["budget"].to_numpy(dtype=float) / factor
    v = frontier["value"].to_numpy(dtype=float) / factor
    se = frontier["value_se"].to_numpy(dtype=float) / factor
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6.4), sharex=True, height_ratios=[3, 1.3],
                                      layout="constrained")
    top.step(b, v, where="post", color="C0", label="best value within the budget")
    top.fill_between(b, v - 1.96 * se, v + 1.96 * se, step="post", color="C0", alpha=0.2,
                     label="± 1.96 se of that value")
    top.plot(frontier["cost"].to_numpy(dtype=float) / factor, v, "o", color="C0", ms=4,
             label="cost of the best set")
    top.plot([0, b.max()], [0, b.max()], color="0.5", ls=":", lw=1, label="value = budget")
    top.axvline(budget / factor, color="C3", ls="--", lw=1.2, label=f"programme budget {number(budget / factor)}")
    top.plot(float(attrs["cost"]) / factor, float(attrs["value"]) / factor, marker="*", ms=14, color="C3",
             ls="none", label="chosen portfolio")
    top.set_ylabel(f"Value of the portfolio ({unit})")
    top.grid(alpha=0.3)
    top.legend(fontsize="small", loc="upper left")
    top.set_title("Portfolio frontier: the most value each budget buys")
    width = np.diff(b).min() * 0.8 if len(b) > 1 else 1.0
    bottom.bar(b, frontier["marginal_value"].to_numpy(dtype=float) / factor, width=width, color="C2")
    bottom.set_ylabel(f"Bought by the step ({unit})")
    bottom.set_xlabel(f"Budget ({unit})")
    bottom.grid(axis="y", alpha=0.3)
    save(fig, outdir, "portfolio_frontier.png", figures_list,
         "The frontier of samdsim portfolio: for each budget (a multiple of the step, and the programme's own), "
         "the most value of any set of proposals costing no more (exact 0/1 knapsack), with ± 1.96 se from the "
         "proposals' Monte Carlo errors; dots: what that set costs; star: the chosen portfolio. Below: the value "
         "each further step of budget buys. Above the dotted line a set returns more than it costs.")

    # The proposals: value against cost, chosen ones filled.
    c = proposals["cost"].to_numpy(dtype=float) / factor
    pv = proposals["value"].to_numpy(dtype=float) / factor
    pse = proposals["value_se"].to_numpy(dtype=float) / factor
    chosen = proposals["chosen"].to_numpy()
    fig, ax = plt.subplots(figsize=(8, 5.2), layout="constrained")
    ax.errorbar(c[chosen], pv[chosen], yerr=1.96 * pse[chosen], fmt="o", color="C3", capsize=2, label="funded")
    ax.errorbar(c[~chosen], pv[~chosen], yerr=1.96 * pse[~chosen], fmt="o", mfc="none", color="C0", capsize=2,
                label="not funded")
    for name, x, y in zip(proposals.index, c, pv):
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(5, 4), fontsize="x-small")
    top_line = max(c.max(), pv.max()) if len(c) else 1.0
    ax.plot([0, top_line], [0, top_line], color="0.5", ls=":", lw=1, label="value = cost")
    ax.set_xlabel(f"Cost ({unit})")
    ax.set_ylabel(f"Value ({unit})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(f"Proposals: {int(chosen.sum())} of {len(chosen)} funded within {number(budget / factor)} {unit}")
    save(fig, outdir, "portfolio_proposals.png", figures_list,
         "Each proposal's value (± 1.96 se) against its cost; filled: in the chosen portfolio.")
    return attrs, proposals, frontier


def sections(proposals, frontier, table):
    view = proposals.drop(columns=["source"]).join(proposals[["source"]])
    view.index.name = "proposal"
    steps = frontier.set_index("budget")
    steps.index.name = "budget"
    return [("Proposals (chosen rows highlighted)", table(view)),
            ("Frontier: the best set for each budget", table(steps.rename(columns={"chosen": "set"})))]
