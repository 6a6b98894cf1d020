"""Figures and the strategy comparison of an evidence_program result file, for
samdsim_report.py. Outputs are named '<strategy>.<output>'; the strategies are
found from their '.npv_usd' outputs, in the order of the file."""

import numpy as np
import pandas as pd

import samdsim_reader as sr
from samdsim_report_common import number, short_key


def strategies(rep):
    return [c[: -len(".npv_usd")] for c in rep.columns if c.endswith(".npv_usd") and c.count(".") == 1]


def comparison(path, point=None):
    """One row per strategy: what the model's documentation calls the comparison
    (P(authorized) by 24/60 months, expected NPV, the paired difference to the
    first strategy with its 95 % interval, P(best), funding need, cost per
    authorization)."""
    rep = sr.replicates(path, point)
    rows = {}  # none when the file keeps no per-replicate values (--outputs summary)
    for s in strategies(rep):
        col = lambda name: rep[f"{s}.{name}"].to_numpy(dtype=float)  # noqa: E731
        n = len(rep)
        npv, diff, auth = col("npv_usd"), col("npv_difference_usd"), col("authorized")
        half = 1.96 * np.std(diff, ddof=1) / np.sqrt(n) if n > 1 else np.nan
        cost = col("evidence_cost_usd")
        rows[s] = {
            "P(authorized)": auth.mean(),
            "P(by 24 months)": col("authorized_within_24_months").mean(),
            "P(by 60 months)": col("authorized_within_60_months").mean(),
            "E[NPV] (USD)": npv.mean(),
            "NPV − first, mean (USD)": diff.mean(),
            "95 % interval": f"{number(diff.mean() - half)} to {number(diff.mean() + half)}",
            "P(best)": col("best").mean(),
            "peak funding need, median (USD)": np.median(col("peak_funding_need_usd")),
            "peak funding need, p95 (USD)": np.percentile(col("peak_funding_need_usd"), 95),
            "evidence cost per authorization (USD)": cost.mean() / auth.mean() if auth.mean() > 0 else np.nan,
        }
    table = pd.DataFrame(rows).T
    table.index.name = "strategy"
    return table


def cash_figure(path, point, outdir, figures, save, plt, prefix=""):
    """The cash J-curve with bands per strategy (from /bands: drawn for every file)."""
    names = [b[: -len(".cumulative_cash_usd")] for b in sr.band_names(path, point)
             if b.endswith(".cumulative_cash_usd")]
    if not names:
        return
    fig, ax = plt.subplots(figsize=(9.5, 4.6), layout="constrained")
    for i, s in enumerate(names):
        b = sr.bands(path, f"{s}.cumulative_cash_usd", point)
        x = b.index.to_numpy()
        ax.fill_between(x, b["p05"] / 1e6, b["p95"] / 1e6, color=f"C{i}", alpha=0.15)
        ax.plot(x, b["p50"] / 1e6, color=f"C{i}", lw=2, label=f"{s}: median, p05–p95")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlabel("Month")
    ax.set_ylabel("Cumulative cash (million USD)")
    ax.set_title("Cash J-curve by strategy")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    save(fig, outdir, f"{prefix}program_cash_curve.png", figures,
         "Cumulative company cash at the end of each month (undiscounted): median and 5–95 % band across "
         "replicates, per strategy. Its lowest point is the peak funding need.", point=point)


def figures(path, point, outdir, figures, save, plt, prefix=""):
    rep = sr.replicates(path, point)
    names = strategies(rep)
    n = len(rep)
    if not names or n == 0:
        return  # no per-replicate values (--outputs summary)

    # P(authorized by month), one curve per strategy
    fig, ax = plt.subplots(figsize=(9.5, 4.4), layout="constrained")
    for i, s in enumerate(names):
        months = np.sort(rep[f"{s}.months_to_authorization"].to_numpy(dtype=float))
        months = months[np.isfinite(months)]
        ax.step(np.concatenate([[0.0], months]), np.arange(months.size + 1) / n, where="post", color=f"C{i}",
                lw=2, label=s)
    for t in (12, 24, 36, 60):
        ax.axvline(t, color="0.7", lw=0.8, ls=":")
    ax.set_ylim(0, 1)
    ax.set_xlabel("Months from program start")
    ax.set_ylabel("P(authorized by month)")
    ax.set_title("Time to authorization by strategy")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    save(fig, outdir, f"{prefix}program_authorization.png", figures,
         "Share of replicates authorized by each month, per strategy (dotted: months 12, 24, 36, 60); the "
         "plateau is P(authorized).", point=point)

    cash_figure(path, point, outdir, figures, save, plt, prefix)

    # NPV, its paired difference, and the peak funding need
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")
    for i, s in enumerate(names):
        for ax, name in ((axes[0], "npv_usd"), (axes[2], "peak_funding_need_usd")):
            v = np.sort(rep[f"{s}.{name}"].to_numpy(dtype=float)) / 1e6
            ax.step(v, np.arange(1, v.size + 1) / v.size, where="post", color=f"C{i}", lw=1.8, label=s)
        if i > 0:
            d = rep[f"{s}.npv_difference_usd"].to_numpy(dtype=float) / 1e6
            axes[1].hist(d, bins=60, color=f"C{i}", alpha=0.6, label=f"{s} − {names[0]}")
    axes[0].set_xlabel("NPV (million USD)")
    axes[0].set_title("NPV distribution (CDF)")
    axes[1].set_xlabel("Paired NPV difference (million USD)")
    axes[1].set_title("NPV difference to the first strategy")
    axes[2].set_xlabel("Peak funding need (million USD)")
    axes[2].set_title("Peak funding need (CDF)")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(frameon=False, fontsize="small")
    save(fig, outdir, f"{prefix}program_npv.png", figures,
         "Left: cumulative distribution of each strategy's NPV. Middle: histogram of the paired NPV "
         "difference of each strategy to the first, replicate by replicate. Right: cumulative distribution "
         "of the peak funding need.", point=point)

    # the drivers of each paired NPV difference: rank correlation with the drawn parameters
    pars = sr.parameters(path, point)
    others = names[1:]
    if len(others) and pars.shape[1] > 0 and len(pars) == n:
        fig, axes = plt.subplots(1, len(others), figsize=(10 * len(others), 0.45 * min(10, pars.shape[1]) + 2),
                                 layout="constrained", squeeze=False)
        for ax, s in zip(axes[0], others):
            d = pd.Series(rep[f"{s}.npv_difference_usd"].to_numpy(dtype=float))
            rho = {}
            for c in pars.columns:
                x = pd.Series(pars[c].to_numpy(dtype=float))
                ok = x.notna() & d.notna()
                if ok.sum() > 2 and x[ok].nunique() > 1 and d[ok].nunique() > 1:
                    rho[c] = float(np.corrcoef(x[ok].rank(), d[ok].rank())[0, 1])
            top = sorted(rho.items(), key=lambda kv: abs(kv[1]), reverse=True)[:10][::-1]
            if top:
                ax.barh([short_key(k, 44) for k, _ in top], [v for _, v in top],
                        color=["C3" if v < 0 else "C0" for _, v in top])
            ax.axvline(0, color="k", lw=0.8)
            ax.set_xlim(-1, 1)
            ax.set_xlabel("Spearman correlation with the paired NPV difference")
            ax.set_title(f"What drives {s} − {names[0]}")
            ax.grid(axis="x", alpha=0.3)
        save(fig, outdir, f"{prefix}program_npv_drivers.png", figures,
             "The drawn parameters most rank-correlated with each strategy's paired NPV difference to the first "
             "(Spearman, replicate by replicate; top 10): what the choice between the strategies hinges on.",
             point=point)
