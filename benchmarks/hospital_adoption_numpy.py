#!/usr/bin/python3
"""The hospital_adoption monthly model written the way an analyst would in
NumPy: every hospital of a batch of replicates in one array, a loop over
months, masks and fancy indexing for the hospitals that decide, go live or
stop. Same equations as models/hospital_adoption (docs/models/
hospital_adoption.md); its own random numbers (NumPy's PCG64), so results
agree in distribution, not bit for bit.

Reads the resolved config that `samdsim validate` prints (distributions in
canonical form). Prints hospital-months per second and the means (and
their standard errors) of a few outputs as JSON on the last line.

Usage: hospital_adoption_numpy.py RESOLVED.yaml [--replicates N] [--batch B] [--seed S]
"""
import argparse
import json
import math
import sys
import time

import numpy as np
import yaml

def draw(spec, rng, shape):
    if not isinstance(spec, dict):
        return np.full(shape, float(spec))
    d = spec["dist"]
    if d == "fixed":
        return np.full(shape, float(spec["value"]))
    if d == "uniform":
        return rng.uniform(spec["min"], spec["max"], shape)
    if d == "lognormal":
        return rng.lognormal(spec["mu"], spec["sigma"], shape)
    if d == "gamma":
        return rng.gamma(spec["shape"], spec["scale"], shape)
    if d == "beta":
        lo, hi = spec.get("min", 0.0), spec.get("max", 1.0)
        return lo + (hi - lo) * rng.beta(spec["alpha"], spec["beta"], shape)
    if d == "triangular":
        return rng.triangular(spec["min"], spec["mode"], spec["max"], shape)
    sys.exit(f"hospital_adoption_numpy.py: distribution '{d}' is not implemented here")


def month_minutes(n, mean, sd, rng):
    """Lognormal with the mean and variance of the sum of n cases' minutes."""
    if np.all(sd == 0):
        return n * mean
    safe = np.maximum(n, 1)
    s2 = np.log1p(sd * sd / (safe * mean * mean))
    return np.where(n > 0, rng.lognormal(np.log(safe * mean) - s2 / 2, np.sqrt(s2)), 0.0)


def decision_windows(text):
    months = [int(m) for m in str(text).replace(" ", "").split(",") if m]
    budget = [False] * 12
    for m in months:
        budget[m - 1] = True
    if not any(budget):
        return [1] * 12
    windows = []
    for m in range(12):
        if not budget[m]:
            windows.append(0)
            continue
        back = 1
        while not budget[(m - back) % 12]:
            back += 1
        windows.append(back)
    return windows


def erlang_wait(c, lam, mu):
    """Mean M/M/c queue wait, vectorized over hospitals (c integer array)."""
    a = lam / mu
    b = np.ones_like(a)
    for k in range(1, int(c.max()) + 1):
        b = np.where(k <= c, a * b / (k + a * b), b)
    rho = a / c
    erlang_c = b / (1 - rho * (1 - b))
    return np.where(lam > 0, erlang_c / (c * mu - lam), 0.0)


def balance(hours, saved, cap, u, waiting, minutes_extra, whole):
    ot0 = np.maximum(hours / u - cap, 0)
    hours1 = hours - saved
    ot1 = np.maximum(hours1 / u - cap, 0)
    freed = np.minimum(saved / u, np.maximum(cap - hours1 / u, 0))
    fit = np.where(minutes_extra > 0, freed * u * 60 / np.where(minutes_extra > 0, minutes_extra, 1), 0)
    if whole:
        fit = np.floor(fit)
    extra = np.where((freed > 0) & (waiting > 0), np.minimum(waiting, fit), 0.0)
    return ot0, ot1, extra, hours1 + extra * minutes_extra / 60


def logistic(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def simulate(P, B, rng):
    strata, ad, wf, mo, ve, ch = P["strata"], P["adoption"], P["workflow"], P["money"], P["vendor"], P["churn"]
    tri = P["triage"]
    H, start = int(P["horizon_months"]), int(P["start_calendar_month"])
    counts = [int(s["count"]) for s in strata]
    N = sum(counts)
    sid = np.repeat(np.arange(len(strata)), counts)
    rep = lambda spec: draw(spec, rng, (B, 1))
    per_stratum = lambda key: np.concatenate([rep(s[key]) for s in strata], axis=1)[:, sid]

    fx = 1.0
    if ve["currency"] not in ("same", P["currency"]):
        r = rep(P["jpy_per_usd"])
        fx = r if ve["currency"] == "USD" else 1 / r
    p, q = rep(ad["bass_p_per_year"]), rep(ad["bass_q_per_year"])
    launch = np.ceil(rep(P["launch_month"]))
    disc = rep(P["discount_rate_per_year"])
    effect, kappa, u = rep(wf["effect"]), rep(wf["effect_concentration"]), rep(wf["max_utilisation"])
    cv = float(wf.get("minutes_per_case_cv", 0.45))
    nb = wf["case_counts"] == "negative_binomial"
    size = rep(wf["overdispersion_size"]) if nb else None
    amp = rep(wf["seasonality_amplitude"])
    season = 1 + amp * np.cos(2 * np.pi * (np.arange(12) + 1 - int(wf["seasonality_peak_month"])) / 12)
    addon, train_h = rep(mo["addon_per_case"]), rep(mo["training_hours_per_fte"])
    addon_until = int(mo["addon_until_month"]) if mo.get("addon_until_month") is not None else H
    lic_case = fx * rep(ve["licence_per_case"])
    cts_site, cts_case = fx * rep(ve["cost_to_serve_per_site_month"]), fx * rep(ve["cost_to_serve_per_case"])
    churn_base, churn_neg, term = rep(ch["base_per_month"]), rep(ch["negative_benefit_per_month"]), int(ch["minimum_term_months"])

    hours_fte, wage = per_stratum("hours_per_fte_month"), per_stratum("wage_per_hour")
    ot_wage = wage * (1 + per_stratum("overtime_premium"))
    margin = per_stratum("reimbursement_per_case") * rep(mo["contribution_margin_share"])
    elig, bill = per_stratum("eligible_share"), per_stratum("addon_billing_share")
    lic_month, backlog = fx * per_stratum("licence_per_month"), per_stratum("backlog_share")

    cases = np.concatenate([draw(s["annual_cases"], rng, (B, n)) for s, n in zip(strata, counts)], axis=1) / 12
    fte = np.concatenate([draw(s["staff_fte"], rng, (B, n)) for s, n in zip(strata, counts)], axis=1)
    servers = np.maximum(1, np.floor(fte + 0.5)).astype(np.int64)
    cap = fte * hours_fte
    integ = draw(mo["integration_cost"], rng, (B, N))
    m_mean = draw(wf["minutes_per_case"], rng, (B, N))  # each hospital's mean minutes per case
    e = np.broadcast_to(effect, (B, N))
    eh = np.where(e >= 1, 1.0, 0.0)
    inner = (e > 0) & (e < 1)
    if inner.any():
        k = np.broadcast_to(kappa, (B, N))
        eh[inner] = rng.beta(k[inner] * e[inner], k[inner] * (1 - e[inner]))

    # Expected return and attractiveness, with the add-on (terms 0) and after it ends (terms 1).
    a = [np.ones((B, N)), np.ones((B, N))]
    if ad["attractiveness"] != "none":
        elig_cases = cases * elig
        ot0, ot1, x, _ = balance(cases * m_mean / 60, effect * elig_cases * m_mean / 60, cap, u, backlog * cases,
                                 m_mean * (1 - effect * elig), False)
        processed = elig_cases + elig * x
        lic = lic_month + lic_case * processed
        one_time = integ + train_h * fte * wage
        floor = rep(ad["attractiveness_floor"])
        if ad["attractiveness"] == "payback":
            threshold, scale = rep(ad["payback_threshold_months"]), rep(ad["payback_scale_months"])
        else:
            Y, threshold, scale = rep(ad["roi_horizon_months"]), rep(ad["roi_threshold"]), rep(ad["roi_scale"])
        for terms, paid in enumerate((addon, 0 * addon)):
            gain = paid * bill * processed + x * margin + (ot0 - ot1) * ot_wage
            with np.errstate(divide="ignore", invalid="ignore"):
                if ad["attractiveness"] == "payback":
                    net = gain - lic
                    payback = np.where(net > 0, one_time / np.where(net > 0, net, 1), np.inf)
                    fin = logistic((threshold - payback) / scale)
                else:
                    cost, g = lic * Y + one_time, gain * Y
                    roi = np.where(cost > 0, (g - cost) / np.where(cost > 0, cost, 1), np.where(g > 0, np.inf, 0))
                    fin = logistic((roi - threshold) / scale)
            a[terms] = floor + (1 - floor) * fin
    decay1 = [np.exp(-x * (p + q) / 12) for x in a]
    windows = decision_windows(ad["budget_months"])

    state = np.zeros((B, N), np.int8)  # 0 waiting, 1 implementing, 2 live, 3 stopped
    decision = np.full((B, N), -1)
    live_at = np.full((B, N), -1)
    cum, op, payback = np.zeros((B, N)), np.zeros((B, N)), np.full((B, N), np.nan)
    rows = np.arange(B)[:, None].repeat(N, 1)
    adopted_s = np.zeros((B, len(strata)))
    out = {k: np.zeros((B, H)) for k in ("adopted", "live", "staff", "ot", "extra", "net", "licence")}
    w_sum = np.zeros((B, 4))  # without, with, weight, unused
    npv_h, npv_v, df = np.zeros(B), np.zeros(B), (1 + disc[:, 0]) ** (-1 / 12)
    to10, to50 = np.full(B, np.nan), np.full(B, np.nan)
    stopped = np.zeros(B)
    for t in range(H):
        cal = (start - 1 + t) % 12
        window = np.where(t >= launch, np.minimum(windows[cal], t - launch + 1), 0)  # (B, 1)
        net = np.zeros((B, N))
        terms = 0 if t < addon_until else 1
        cand = (state == 0) & (window > 0) & (a[terms] > 0)
        if cand.any():
            share = adopted_s.sum(1, keepdims=True) / N
            F = share if ad["imitation"] == "overall" else (adopted_s / np.array(counts))[:, sid]
            d = np.where(window == 1, decay1[terms], np.exp(-a[terms] * (p + q) * window / 12))
            prob = 1 - d * (p + q) / (p + q * F + q * (1 - F) * d)
            new = cand & (rng.random((B, N)) < prob)
            if new.any():
                state[new] = 1
                decision[new] = t
                live_at[new] = t + np.ceil(np.maximum(0, draw(ad["implementation_lag_months"], rng, new.sum())))
                np.add.at(adopted_s, (rows[new], sid[np.nonzero(new)[1]]), 1)
                net[new] -= integ[new]
        going = (state == 1) & (live_at <= t)
        state[going] = 2
        net[going] -= (train_h * fte * wage)[going]
        li = np.nonzero(state == 2)
        r_idx = li[0]
        if r_idx.size:
            mean = cases[li] * season[r_idx, cal]
            n = rng.poisson(rng.gamma(size[r_idx, 0], mean / size[r_idx, 0]) if nb else mean)
            ne = rng.binomial(n, elig[li])
            tm = [month_minutes(k, m_mean[li], cv * m_mean[li], rng) for k in (ne, n - ne)]
            hours = (tm[0] + tm[1]) / 60
            saved = eh[li] * tm[0] / 60
            ot0, ot1, x, hours1 = balance(hours, saved, cap[li], u[r_idx, 0], np.round(backlog[li] * n),
                                          m_mean[li] * (1 - eh[li] * elig[li]), True)
            processed = ne + elig[li] * x
            rev = np.where(t < addon_until, addon[r_idx, 0] * bill[li] * processed, 0) + x * margin[li]
            lic = lic_month[li] + lic_case[r_idx, 0] * processed
            operating = rev + (ot0 - ot1) * ot_wage[li] - lic
            net[li] += operating
            op[li] += operating
            ok = (n > 0) & (hours > 0)
            c = servers[li][ok]
            for col, (cs, wh, st) in enumerate(((n, hours, cap[li] + ot0), (n + x, hours1, cap[li] + ot1))):
                lam, mu = cs[ok] * c / (60 * st[ok]), cs[ok] / (60 * wh[ok])
                w_sum[:, col] += np.bincount(r_idx[ok], n[ok] * (erlang_wait(c, lam, mu) + 1 / mu), B)
            w_sum[:, 2] += np.bincount(r_idx[ok], n[ok], B)
            for key, v in (("staff", saved), ("ot", ot0 - ot1), ("extra", x), ("licence", lic)):
                out[key][:, t] = np.bincount(r_idx, v, B)
            out["live"][:, t] = np.bincount(r_idx, None, B)
            vendor_cost = np.bincount(r_idx, cts_site[r_idx, 0] + cts_case[r_idx, 0] * processed, B)
        else:
            vendor_cost = np.zeros(B)
        active = state > 0
        cum[active & (state < 3)] += net[active & (state < 3)]
        out["net"][:, t] = net.sum(1)
        paid = (state == 2) & np.isnan(payback) & (cum >= 0)
        payback[paid] = (t - decision[paid] + 1)
        may_stop = (state == 2) & (t - live_at + 1 >= term)
        if may_stop.any():
            pr = np.where(op < 0, churn_neg, churn_base)
            stop = may_stop & (rng.random((B, N)) < pr)
            state[stop] = 3
            np.add.at(adopted_s, (rows[stop], sid[np.nonzero(stop)[1]]), -1)
            stopped += stop.sum(1)
        adopted = adopted_s.sum(1)
        out["adopted"][:, t] = adopted
        to10 = np.where(np.isnan(to10) & (adopted / N >= 0.1), t + 1, to10)
        to50 = np.where(np.isnan(to50) & (adopted / N >= 0.5), t + 1, to50)
        npv_h += df ** (t + 1) * out["net"][:, t]
        npv_v += df ** (t + 1) * (out["licence"][:, t] - vendor_cost)
    return {"adopters_at_horizon": out["adopted"][:, -1], "cumulative_staff_hours_saved": out["staff"].sum(1),
            "cumulative_overtime_hours_saved": out["ot"].sum(1), "hospital_npv": npv_h, "vendor_npv": npv_v,
            "churned_by_horizon": stopped}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config")
    ap.add_argument("--replicates", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with open(args.config) as f:
        P = yaml.safe_load(f)["parameters"]
    rng = np.random.default_rng(args.seed)
    N = sum(int(s["count"]) for s in P["strata"])
    H = int(P["horizon_months"])
    results = []
    started = time.perf_counter()
    done = 0
    while done < args.replicates:
        b = min(args.batch, args.replicates - done)
        results.append(simulate(P, b, rng))
        done += b
    seconds = time.perf_counter() - started
    values = {k: np.concatenate([r[k] for r in results]) for k in results[0]}
    means = {k: float(np.mean(v)) for k, v in values.items()}
    ses = {k: float(np.std(v, ddof=1) / math.sqrt(len(v))) if len(v) > 1 else float("nan") for k, v in values.items()}
    print(json.dumps({"replicates": args.replicates, "batch": args.batch, "seconds": seconds,
                      "hospital_months_per_second": args.replicates * N * H / seconds, "means": means, "se": ses}))


if __name__ == "__main__":
    main()
