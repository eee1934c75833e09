#!/usr/bin/env python3
"""Independent synthetic PM-telemetry generator for LTE/NR small cells.

Simulates every cell on a fine 60 s grid (or the period itself if it is not
a multiple of 60 s) and aggregates to the requested reporting period the way
an OSS would: gauges are averaged, per-period counters are summed, per-UE
KPIs are UE-weighted averages, cumulative counters take the end-of-period
value.  All randomness comes from numpy.random.default_rng(--seed).

Output: JSON Lines, one sample per line, all cells interleaved, sorted by ts.
A ground-truth side file <out>.truth.json lists faults and crowd events.
"""
import argparse
import datetime as dtm
import json
import math
import sys

import numpy as np

KINDS = ["sleeping_cell", "ul_interference", "congestion", "backhaul_degradation",
         "hardware_fault", "software_restart", "misconfiguration"]

UTC_OFFSET_H = 2                       # CEST
TZ = dtm.timezone(dtm.timedelta(hours=UTC_OFFSET_H))
START_LOCAL = dtm.datetime(2026, 4, 1, 0, 0, tzinfo=TZ)   # Wednesday
T0 = int(START_LOCAL.timestamp())
HOLIDAYS = {dtm.date(2026, 4, 3), dtm.date(2026, 4, 6)}  # Good Friday, Easter Monday

METRICS = [
    "RRU.PrbTotDl", "RRU.PrbTotUl", "RRC.ConnMean",
    "DRB.UEThpDl", "DRB.UEThpUl", "DRB.RlcSduDelayDl", "L1M.ULSINRMean",
    "RRC.ConnEstabAtt", "RRC.ConnEstabSucc", "HO.ExeAtt", "HO.ExeSucc",
    "TB.TotNbrDl", "TB.ErrTotNbrDl", "TB.TotNbrUl", "TB.ErrTotNbrUl",
    "DRB.PdcpSduVolumeDl", "PEE.AvgTemperature", "RU.VswrMean",
    "TN.LatencyMean", "TN.PktLossRate",
]

MIN = 60.0
HOUR = 3600.0
DAY = 86400.0


# ----------------------------------------------------------------- helpers
def ar1(rng, n, tau_steps, sigma):
    """Stationary AR(1) series with correlation time tau_steps and std sigma."""
    a = math.exp(-1.0 / max(tau_steps, 1e-9))
    e = rng.normal(size=n) * sigma * math.sqrt(1 - a * a)
    x = np.empty(n)
    x[0] = rng.normal() * sigma
    for i in range(1, n):
        x[i] = a * x[i - 1] + e[i]
    return x


def g(h, mu, s):
    d = np.abs(h - mu)
    d = np.minimum(d, 24.0 - d)
    return np.exp(-0.5 * (d / s) ** 2)


def day_type(d):
    date = (START_LOCAL + dtm.timedelta(days=int(d))).date()
    if date in HOLIDAYS:
        return "hol"
    wd = date.weekday()
    return "sat" if wd == 5 else "sun" if wd == 6 else "wkd"


def profile(kind, h, dt):
    """Relative connected-user level (peak ~1) by local hour and day type."""
    if kind == "residential":
        if dt == "wkd":
            return 0.05 + 0.30 * g(h, 7.5, 1.2) + 0.32 * g(h, 13, 3.5) + 0.95 * g(h, 21, 2.3)
        if dt == "sat":
            return 0.06 + 0.15 * g(h, 9.5, 1.5) + 0.60 * g(h, 14, 3.5) + 0.90 * g(h, 21, 2.5)
        return 0.07 + 0.10 * g(h, 10.5, 1.5) + 0.62 * g(h, 14, 3.5) + 0.95 * g(h, 20.5, 2.5)
    if kind == "business":
        if dt == "wkd":
            return 0.03 + 0.85 * g(h, 10.5, 1.8) + 0.80 * g(h, 15, 2.0) + 0.15 * g(h, 19, 1.5)
        if dt == "sat":
            return 0.03 + 0.25 * g(h, 13, 3.0)
        if dt == "hol":
            return 0.025 + 0.18 * g(h, 13, 3.0)
        return 0.02 + 0.15 * g(h, 13, 3.0)
    if kind == "transit":
        if dt == "wkd":
            return (0.04 + 0.90 * g(h, 8.0, 1.0) + 0.35 * g(h, 13, 3.0)
                    + 0.95 * g(h, 17.7, 1.3) + 0.20 * g(h, 22, 1.5))
        if dt == "sat":
            return 0.04 + 0.55 * g(h, 14, 3.5) + 0.25 * g(h, 22, 2.0)
        return 0.03 + 0.45 * g(h, 14, 3.5) + 0.15 * g(h, 20, 2.0)
    # venue surroundings (arena / stadium): modest baseline, crowd events on top
    base = 0.05 + 0.35 * g(h, 13, 3.5) + 0.40 * g(h, 19, 2.5)
    return base * (1.2 if dt != "wkd" else 1.0)


def envelope(tm, start, end, ramp_up, ramp_down, rise="lin"):
    """0 outside [start,end); ramps inside the window; all effect inside window."""
    inside = (tm >= start) & (tm < end)
    if ramp_up <= 0:
        up = np.ones_like(tm)
    elif rise == "exp":
        up = 1.0 - np.exp(-np.clip(tm - start, 0, None) / ramp_up)
    else:
        up = np.clip((tm - start) / ramp_up, 0, 1)
    down = np.ones_like(tm) if ramp_down <= 0 else np.clip((end - tm) / ramp_down, 0, 1)
    return np.where(inside, np.minimum(up, down), 0.0)


# ----------------------------------------------------------------- planning
def make_cells(rng, n):
    cities = ["HBF", "ALT", "WDL", "OST", "NRD"]
    n_venue = 1 if n < 4 else max(2, n // 5)
    kinds = ["venue"] * n_venue
    others = ["residential", "business", "transit"]
    kinds += [others[i % 3] for i in range(n - n_venue)]
    kinds = list(rng.permutation(kinds))
    cells = []
    used = set()
    for i, k in enumerate(kinds):
        tech = "N" if rng.random() < 0.7 else "L"
        while True:
            cid = f"{cities[int(rng.integers(len(cities)))]}{int(rng.integers(100, 999)):04d}-{tech}{int(rng.integers(1, 4))}"
            if cid not in used:
                used.add(cid)
                break
        cells.append({"id": cid, "kind": str(k), "tech": tech})
    return cells


def plan_crowds(rng, cell, days):
    if cell["kind"] != "venue":
        return []
    n = int(rng.integers(1, 3)) if days >= 3 else 1
    n = max(1, int(round(n * days / 4.0))) if days > 4 else n
    evs = []
    tries = 0
    while len(evs) < n and tries < 200:
        tries += 1
        d = int(rng.integers(0, days))
        dt_ = day_type(d)
        h0 = rng.uniform(18.0, 20.5) if dt_ == "wkd" else rng.uniform(13.0, 20.0)
        dur = rng.uniform(1.0, 4.0) * HOUR
        s = T0 + d * DAY + h0 * HOUR
        e = s + dur
        if e > T0 + days * DAY - HOUR:
            continue
        if any(not (e + 3 * HOUR < o["start"] or s > o["end"] + 3 * HOUR) for o in evs):
            continue
        evs.append({"start": s, "end": e, "mult": float(rng.uniform(5, 10)),
                    "ramp_in": float(rng.uniform(20, 45) * MIN),
                    "ramp_out": float(rng.uniform(10, 25) * MIN)})
    return sorted(evs, key=lambda x: x["start"])


DUR_H = {"sleeping_cell": (1.0, 8.0), "ul_interference": (1.0, 10.0),
         "congestion": (0.75, 4.0), "backhaul_degradation": (0.5, 8.0),
         "hardware_fault": (2.0, 10.0), "misconfiguration": (1.5, 10.0)}


def draw_fault(rng, kind):
    f = {"kind": kind, "subtle": bool(rng.random() < 0.3)}
    sub = f["subtle"]
    u = rng.uniform
    if kind == "software_restart":
        outage = u(5, 20) * MIN
        f.update(outage=outage, dur=outage + u(25, 40) * MIN,
                 mode="missing" if rng.random() < 0.5 else "zeros",
                 tau_rec=u(3, 7) * MIN, burst=u(3.0, 8.0), burst_succ=u(0.92, 0.98),
                 onset="abrupt")
        return f
    lo, hi = DUR_H[kind]
    f["dur"] = u(lo, hi) * HOUR
    if kind == "sleeping_cell":
        f.update(onset="abrupt", tau=u(2, 8) * MIN,
                 frac=u(0.17, 0.22) if sub else u(0.10, 0.17),
                 acc_res=u(0.03, 0.08) if sub else u(0.0, 0.02))
    elif kind == "ul_interference":
        f.update(onset="abrupt" if rng.random() < 0.5 else "gradual",
                 drop=u(2.5, 4.0) if sub else u(6.0, 14.0))
    elif kind == "congestion":
        f.update(onset="abrupt" if rng.random() < 0.3 else "gradual",
                 r=u(0.86, 0.95) if sub else u(1.05, 1.8),
                 mu=u(1.1, 1.3) if sub else u(1.3, 2.0),
                 pfail=u(0.01, 0.03) if sub else u(0.03, 0.15))
    elif kind == "backhaul_degradation":
        f.update(onset="abrupt" if rng.random() < 0.5 else "gradual",
                 lat=u(6, 12) if sub else u(20, 150),
                 loss=u(0.1, 0.3) if sub else u(0.5, 4.0))
    elif kind == "hardware_fault":
        var = "overheat" if rng.random() < 0.5 else "vswr"
        f["variant"] = var
        if var == "overheat":
            f.update(onset="gradual", dT=u(4, 7) if sub else u(12, 25),
                     heat_mult=u(1.2, 1.5) if sub else u(1.5, 2.5))
        else:
            f.update(onset="abrupt" if rng.random() < 0.5 else "gradual",
                     vswr=u(1.45, 1.7) if sub else u(1.9, 3.5))
    elif kind == "misconfiguration":
        var = ["ho", "rrc", "coverage"][int(rng.integers(3))]
        f["variant"] = var
        f["onset"] = "abrupt"
        if var == "ho":
            f.update(pfail=u(0.06, 0.12) if sub else u(0.15, 0.45), ho_mult=u(1.2, 2.0))
        elif var == "rrc":
            f.update(pfail=u(0.03, 0.07) if sub else u(0.10, 0.40), att_mult=u(1.1, 1.5))
        else:
            f.update(u_drop=u(0.15, 0.25) if sub else u(0.30, 0.60),
                     q_drop=u(0.08, 0.12) if sub else u(0.15, 0.30),
                     sinr_drop=u(1.0, 1.5) if sub else u(2.0, 4.0),
                     bler_add=u(0.01, 0.02) if sub else u(0.03, 0.06))
    if f["onset"] == "gradual":
        f["ramp_up"] = float(min(u(20, 120) * MIN, 0.5 * f["dur"]))
    else:
        f["ramp_up"] = 0.0
    if kind in ("ul_interference", "backhaul_degradation") and rng.random() < 0.4:
        f["ramp_down"] = float(min(u(10, 30) * MIN, 0.3 * f["dur"]))
    elif kind == "sleeping_cell":
        f["ramp_down"] = float(u(3, 6) * MIN)      # users come back after reset
    else:
        f["ramp_down"] = 0.0
    return f


def plan_faults(rng, cells, crowds, days, deck):
    t_end = T0 + days * DAY
    plans = []
    for ci, cell in enumerate(cells):
        n = int(rng.integers(2, 5)) if days >= 4 else max(1, int(round(rng.integers(2, 5) * (days - 1) / 3.0)))
        if days > 4:
            n = int(round(n * (days - 1) / 3.0))
        flist = []
        for _ in range(n):
            if not deck:
                deck.extend(list(rng.permutation(KINDS)))
            kind = str(deck.pop())
            f = draw_fault(rng, kind)
            ok = False
            for _try in range(300):
                s = rng.uniform(T0 + DAY, t_end - f["dur"] - 15 * MIN)
                if kind == "congestion":
                    hloc = ((s - T0) % DAY) / HOUR
                    if not (9.0 <= hloc <= 19.0):
                        continue
                e = s + f["dur"]
                if any(not (e + 2 * HOUR < o["start"] or s > o["end"] + 2 * HOUR) for o in flist):
                    continue
                if any(not (e + HOUR < c["start"] or s > c["end"] + HOUR) for c in crowds[ci]):
                    continue
                ok = True
                break
            if not ok:
                deck.append(kind)
                continue
            f["start"] = float(s)
            f["end"] = float(e)
            flist.append(f)
        plans.append(sorted(flist, key=lambda x: x["start"]))
    return plans


def make_weather(rng, days, tm):
    """Shared outside temperature (deg C) for the city."""
    nd = days + 2
    means = 11.0 + np.cumsum(rng.normal(0, 2.3, nd)) + rng.normal(0, 1.0)
    amps = rng.uniform(3.5, 7.0, nd)
    cloud = rng.uniform(0, 1, nd)
    dpos = (tm - T0) / DAY                         # fractional day
    centers = np.arange(nd) - 0.5 + 0.5            # means refer to local noon
    mean_t = np.interp(dpos, centers + 0.0, means)
    di = np.clip(dpos.astype(int), 0, nd - 1)
    h = ((tm - T0) % DAY) / HOUR
    shape = np.cos(2 * np.pi * (h - 15.0) / 24.0) + 0.25 * np.cos(4 * np.pi * (h - 15.0) / 24.0)
    amp = amps[di] * (1 - 0.4 * cloud[di])
    sun = np.clip(np.sin(np.pi * (h - 6.8) / 13.2), 0, None) * ((h > 6.8) & (h < 20.0))
    n = len(tm)
    tau = max(1.0, 90 * MIN / (tm[1] - tm[0])) if n > 1 else 1.0
    t_out = mean_t + amp * shape + ar1(rng, n, tau, 0.5)
    solar = sun * (1 - 0.75 * cloud[di])
    return t_out, solar


# ----------------------------------------------------------------- simulation
def simulate_cell(rng, cell, faults, crowds, days, dt, t_out, solar):
    n = int(round(days * DAY / dt))
    t = T0 + np.arange(n) * dt
    tm = t + dt / 2.0
    hloc = ((tm - T0) % DAY) / HOUR
    dayi = ((tm - T0) // DAY).astype(int)
    kind = cell["kind"]
    u = rng.uniform
    steps_per_min = MIN / dt

    # ---- cell parameters
    peak = {"residential": u(35, 80), "business": u(40, 110),
            "transit": u(50, 130), "venue": u(15, 35)}[kind]
    nr = cell["tech"] == "N"
    P = dict(
        peak=peak,
        d_dl0=u(0.5, 1.2) if nr else u(0.3, 0.7),
        ul_ratio=u(0.12, 0.20),
        peak_util=u(0.35, 0.60),
        sinr0=u(11, 18), delay0=u(3, 8),
        tn_base=u(6, 15) if rng.random() < 0.35 else u(1.5, 5.0),
        loss_base=u(0.001, 0.01),
        self_heat=u(7, 13), k_load=u(4, 9), sun_exp=u(0, 7), tau_th=u(30, 60) * MIN,
        micro=rng.normal(0, 1.0), v0=u(1.12, 1.35),
        acc_rate=u(0.4, 0.8), acc_succ=u(0.993, 0.999),
        ho_rate={"residential": u(0.01, 0.03), "business": u(0.01, 0.03),
                 "transit": u(0.05, 0.12), "venue": u(0.02, 0.05)}[kind],
        ho_succ=u(0.975, 0.995),
        bler_dl0=u(0.06, 0.09), bler_ul0=u(0.07, 0.10),
        act_frac=u(0.25, 0.40), ovh_dl=u(0.02, 0.05), ovh_ul=u(0.04, 0.08),
        slots_dl=2000 * 0.72 if nr else 1000.0, slots_ul=2000 * 0.22 if nr else 1000.0,
        tb_per_slot=u(1.5, 3.0),
    )

    # ---- benign traffic
    daymult = np.exp(rng.normal(0, 0.08, days + 1))
    prof = np.empty(n)
    for d in range(days):
        m = dayi == d
        prof[m] = profile(kind, hloc[m], day_type(d))
    tau30 = 30 * MIN / dt
    U_base = P["peak"] * prof * daymult[dayi] * np.exp(ar1(rng, n, 3 * tau30, 0.10))
    crowd_env = np.zeros(n)
    crowd_mult = np.ones(n)
    for ev in crowds:
        e = envelope(tm, ev["start"], ev["end"], ev["ramp_in"], ev["ramp_out"])
        e = e * (1 + 0.05 * ar1(rng, n, 10 * steps_per_min, 1.0))
        crowd_env = np.maximum(crowd_env, np.clip(e, 0, None))
        crowd_mult = crowd_mult * (1 + (ev["mult"] - 1) * np.clip(e, 0, None))
    U_base = U_base * crowd_mult
    dfac = (0.8 + 0.45 * g(hloc, 21, 2.5) + 0.1 * g(hloc, 13, 3.0)) * (1 - 0.3 * crowd_env)
    ufac = dfac * (1 + 0.5 * crowd_env) / np.maximum(1 - 0.3 * crowd_env, 1e-6)

    # capacity dimensioning from nominal demand (venue cells sized for events)
    D_nom = U_base * P["d_dl0"] * dfac
    Du_nom = U_base * P["d_dl0"] * P["ul_ratio"] * ufac
    if kind == "venue" and crowds:
        C_dl = D_nom.max() / u(0.65, 0.85)
        C_ul = Du_nom.max() / u(0.45, 0.65)
    else:
        C_dl = np.quantile(D_nom, 0.99) / P["peak_util"]
        C_ul = np.quantile(Du_nom, 0.99) / u(0.25, 0.45)
    R_dl = C_dl * u(0.5, 0.8)
    R_ul = C_ul * u(0.4, 0.7)

    # ---- fault modifier arrays
    mult_u = np.ones(n)
    acc_mult = np.ones(n); acc_fail = np.zeros(n)
    ho_mult = np.ones(n); ho_fail = np.zeros(n)
    q_dl = np.ones(n); sinr_drop = np.zeros(n)
    bler_dl_add = np.zeros(n); bler_ul_add = np.zeros(n)
    lat_add = np.zeros(n); loss_add = np.zeros(n)
    temp_add = np.zeros(n); heat_mult = np.ones(n); vswr_add = np.zeros(n)
    cong_env = np.zeros(n); cong_r = 1.0
    down = np.zeros(n, bool); down_missing = np.zeros(n, bool)
    rec_mult = np.ones(n); burst_att = np.zeros(n); burst_env = np.zeros(n)
    burst_succ = np.ones(n)
    restart_steps = []
    fault_idx = np.full(n, -1)

    for fi, f in enumerate(faults):
        k = f["kind"]
        s, e = f["start"], f["end"]
        fault_idx[(tm >= s) & (tm < e)] = fi
        if k == "software_restart":
            t_up = s + f["outage"]
            dm = (tm >= s) & (tm < t_up)
            down |= dm
            if f["mode"] == "missing":
                down_missing |= dm
            after = tm >= t_up
            x = np.clip(tm - t_up, 0, None)
            rec_mult = np.where(after, rec_mult * (1 - np.exp(-(x + dt / 2) / f["tau_rec"])), rec_mult)
            tb = 3.0 * MIN
            be = np.where(after, np.exp(-x / tb), 0.0)
            burst_env = np.maximum(burst_env, be)
            # re-attach storm: idle+connected UEs camped in coverage (burst x connected users) over a few minutes
            burst_att += be * (dt / tb) * f["burst"]
            burst_succ = np.where(be > 0.05, f["burst_succ"], burst_succ)
            i_up = int(np.searchsorted(tm, s))
            restart_steps.append(i_up)
            continue
        rise = "exp" if k == "sleeping_cell" else "lin"
        ru = f["tau"] if k == "sleeping_cell" else f["ramp_up"]
        env = envelope(tm, s, e, ru, f["ramp_down"], rise)
        if k == "sleeping_cell":
            mult_u *= 1 - env * (1 - f["frac"])
            acc_mult *= 1 - env * (1 - f["acc_res"])
            ho_mult *= 1 - 0.7 * env
        elif k == "ul_interference":
            fl = ar1(rng, n, 15 * steps_per_min, 0.25)
            drop = env * f["drop"] * np.clip(1 + fl, 0.3, 1.7)
            sinr_drop += drop
        elif k == "congestion":
            cong_env = np.maximum(cong_env, env)
            cong_r = f["r"]
            # extra users (e.g. offload from a neighbour outage / heavy local
            # demand): user growth takes ~sqrt of the demand growth needed to
            # fill the carrier, the rest is heavier per-user demand
            need = f["r"] * C_dl / np.maximum(D_nom, 1e-6)
            mu = np.clip(np.sqrt(need), f["mu"], 3.0)
            mult_u *= 1 + env * (mu - 1)
            acc_fail += env * f["pfail"]
        elif k == "backhaul_degradation":
            fl = ar1(rng, n, 20 * steps_per_min, 0.3)
            lat_add += env * f["lat"] * np.clip(1 + fl, 0.3, 2.0)
            loss_add += env * f["loss"] * np.clip(1 + 1.2 * fl, 0.1, 3.0)
        elif k == "hardware_fault":
            if f["variant"] == "overheat":
                temp_add += env * f["dT"]
                heat_mult *= 1 + env * (f["heat_mult"] - 1)
            else:
                vswr_add += env * (f["vswr"] - P["v0"])
        elif k == "misconfiguration":
            v = f["variant"]
            if v == "ho":
                ho_fail += env * f["pfail"]
                ho_mult *= 1 + env * (f["ho_mult"] - 1)
            elif v == "rrc":
                acc_fail += env * f["pfail"]
                acc_mult *= 1 + env * (f["att_mult"] - 1)
                mult_u *= 1 - 0.1 * env
            else:
                mult_u *= 1 - env * f["u_drop"]
                q_dl *= 1 - env * f["q_drop"]
                sinr_drop += env * f["sinr_drop"]
                bler_dl_add += env * f["bler_add"]
                ho_mult *= 1 + 0.4 * env

    up = ~down
    # ---- VSWR (antenna path); mismatch shrinks coverage and DL quality
    vswr = P["v0"] + 0.002 * (t_out - 10.0) + rng.normal(0, 0.008, n) + vswr_add
    vswr = np.maximum(vswr, 1.01)
    gam = (vswr - 1) / (vswr + 1)
    mism = 1 - gam ** 2
    mism0 = 1 - ((P["v0"] - 1) / (P["v0"] + 1)) ** 2
    mrel = np.clip(mism / mism0, 0, 1)
    q_dl = q_dl * mrel ** 1.5
    mult_u = mult_u * mrel ** 0.7
    sinr_drop = sinr_drop - 15 * np.log10(mrel)
    bler_dl_add += 0.1 * np.clip(gam ** 2 - ((P["v0"] - 1) / (P["v0"] + 1)) ** 2, 0, None)

    # ---- users
    U = U_base * mult_u * rec_mult
    U[down] = 0.0
    conn = np.maximum(0.0, U + rng.normal(0, 1, n) * 0.5 * np.sqrt(U))
    conn[down] = 0.0
    act = rng.poisson(conn * P["act_frac"] * math.sqrt(dt / MIN))

    # ---- backhaul effect on TCP throughput
    f_tn = 1.0 / (1 + lat_add / 50.0) / (1 + 0.5 * np.sqrt(loss_add))

    # ---- demand
    nd_ = ar1(rng, n, tau30, 0.12)
    D = conn * P["d_dl0"] * dfac * np.exp(nd_ + rng.normal(0, 1, n) * 0.4 / np.sqrt(1 + conn))
    Du = conn * P["d_dl0"] * P["ul_ratio"] * ufac * np.exp(0.7 * nd_ + rng.normal(0, 1, n) * 0.5 / np.sqrt(1 + conn))
    D *= (0.85 + 0.15 * f_tn) * (1 + 0.6 * burst_env)
    Du *= (0.9 + 0.1 * f_tn) * (1 + 0.4 * burst_env)
    D = D + cong_env * np.maximum(0, cong_r * C_dl * q_dl - D)
    Du = Du + cong_env * np.maximum(0, 0.7 * cong_r * C_ul - Du)
    D[down] = 0.0; Du[down] = 0.0

    # ---- UL radio
    load_ul_nom = np.clip(Du / C_ul, 0, 1)
    sinr = (P["sinr0"] - 1.5 * load_ul_nom - sinr_drop
            + rng.normal(0, 1, n) * (0.5 + 1.5 / np.sqrt(1 + act)))
    se0 = math.log2(1 + 10 ** (P["sinr0"] / 10))
    s_ul = np.log2(1 + 10 ** (sinr / 10)) / se0
    bler_ul = np.clip(P["bler_ul0"] + 0.01 * rng.normal(0, 1, n)
                      + 0.025 * np.clip(sinr_drop - 1.0, 0, None) + bler_ul_add, 0.01, 0.6)
    C_ul_eff = C_ul * s_ul * (1 - bler_ul) / (1 - P["bler_ul0"])
    rho_ul_d = Du / C_ul_eff
    rho_ul = np.minimum(rho_ul_d, 0.985 + 0.01 * rng.random(n))
    prb_ul = np.clip(100 * (P["ovh_ul"] + (1 - P["ovh_ul"]) * rho_ul) + rng.normal(0, 0.6, n), 0, 100)
    thp_ul = (R_ul * s_ul * np.maximum(1 - rho_ul, 0.02) ** 0.85 * f_tn ** 0.7
              * (1 - bler_ul) / (1 - P["bler_ul0"])
              * np.exp(rng.normal(0, 1, n) * 0.35 / np.sqrt(1 + act)))

    def dl_pass(qd):
        C_eff = C_dl * qd
        rho_d = D / C_eff
        rho = np.minimum(rho_d, 0.985 + 0.01 * rng.random(n))
        prb = np.clip(100 * (P["ovh_dl"] + (1 - P["ovh_dl"]) * rho) + rng.normal(0, 0.8, n), 0, 100)
        return C_eff, rho_d, rho, prb

    C_eff, rho_d, rho, prb_dl = dl_pass(q_dl)

    # ---- enclosure temperature (first-order thermal lag)
    a_th = 1 - math.exp(-dt / P["tau_th"])
    heat = np.where(up, P["self_heat"], 0.6 * P["self_heat"])
    target = (t_out + P["micro"] + heat + P["sun_exp"] * solar
              + P["k_load"] * heat_mult * prb_dl / 100.0 + temp_add)
    T = np.empty(n)
    T[0] = target[0]
    for i in range(1, n):
        T[i] = T[i - 1] + (target[i] - T[i - 1]) * a_th
    temp = T + rng.normal(0, 0.15, n)
    throttle = 1 - np.clip((T - 55.0) * 0.02, 0, 0.4)
    if np.any(throttle < 1):
        q_dl = q_dl * throttle
        C_eff, rho_d, rho, prb_dl = dl_pass(q_dl)
    prb_dl[down] = 0.0; prb_ul[down] = 0.0

    thp_dl = (R_dl * q_dl * f_tn * np.maximum(1 - rho, 0.02) ** 0.85
              / np.maximum(1.0, rho_d) ** 0.5
              * np.exp(rng.normal(0, 1, n) * 0.3 / np.sqrt(1 + act)))
    delay = (P["delay0"] * (1 + 0.6 * rho / np.maximum(1 - rho, 0.01))
             + 150 * np.clip(rho_d - 1, 0, 2))
    delay = np.minimum(delay, 600) * np.exp(rng.normal(0, 1, n) * 0.2 / np.sqrt(1 + act))

    # ---- counters (per fine step)
    bler_dl = np.clip(P["bler_dl0"] + 0.008 * rng.normal(0, 1, n)
                      + 0.02 * np.clip(rho - 0.8, 0, None) + bler_dl_add, 0.01, 0.5)
    tb_dl = rng.poisson(P["slots_dl"] * dt * P["tb_per_slot"] * prb_dl / 100.0)
    err_dl = rng.binomial(tb_dl, bler_dl)
    tb_ul = rng.poisson(P["slots_ul"] * dt * 1.2 * prb_ul / 100.0)
    err_ul = rng.binomial(tb_ul, bler_ul)

    U_att = U_base * mult_u                   # population behind the attempt rate
    lam_att = U_att * rec_mult * P["acc_rate"] * (dt / MIN) * acc_mult
    lam_att = lam_att + U_base * mult_u * burst_att
    lam_att[down] = 0.0
    att = rng.poisson(lam_att)
    p_acc = np.clip((P["acc_succ"] - acc_fail) * burst_succ + rng.normal(0, 0.001, n), 0.0, 1.0)
    succ = rng.binomial(att, p_acc)
    lam_ho = conn * P["ho_rate"] * (dt / MIN) * ho_mult * (1 + 1.5 * crowd_env * (crowd_env < 0.95))
    ho_att = rng.poisson(lam_ho)
    ho_succ = rng.binomial(ho_att, np.clip(P["ho_succ"] - ho_fail + rng.normal(0, 0.003, n), 0, 1))

    vol = rho * C_eff * dt * (1 - bler_dl * 0.1)      # Mbit delivered
    vol[down] = 0.0
    cum = np.empty(n)
    acc_v = 0.0
    rs = set(restart_steps)
    for i in range(n):
        if i in rs:
            acc_v = 0.0
        acc_v += vol[i]
        cum[i] = acc_v
    cum[down] = 0.0

    lat = (P["tn_base"] * (1 + 0.3 * rho ** 4) + rng.exponential(0.08 * P["tn_base"] + 0.2, n) + lat_add)
    loss = np.clip(P["loss_base"] * np.exp(rng.normal(0, 0.5, n)) + loss_add, 0, 100)

    fine = dict(conn=conn, act=act, prb_dl=prb_dl, prb_ul=prb_ul, thp_dl=thp_dl * 1000.0,
                thp_ul=thp_ul * 1000.0, delay=delay, sinr=sinr, att=att, succ=succ,
                ho_att=ho_att, ho_succ=ho_succ, tb_dl=tb_dl, err_dl=err_dl, tb_ul=tb_ul,
                err_ul=err_ul, cum=cum, temp=temp, vswr=vswr, lat=lat, loss=loss,
                up=up, down_missing=down_missing, fault_idx=fault_idx)
    info = dict(C_dl_Mbps=float(C_dl), C_ul_Mbps=float(C_ul), peak_users=float(peak))
    return fine, info


def aggregate(fine, k, nfaults):
    def R(x):
        return np.asarray(x, float).reshape(-1, k)
    up = R(fine["up"])
    nup = up.sum(1)
    act = R(fine["act"])
    wsum = act.sum(1)

    def wmean(x):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(wsum > 0, (R(x) * act).sum(1) / np.maximum(wsum, 1e-12), np.nan)

    def upmean(x):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(nup > 0, (R(x) * up).sum(1) / np.maximum(nup, 1), np.nan)

    out = {
        "RRU.PrbTotDl": (R(fine["prb_dl"]).mean(1), 2),
        "RRU.PrbTotUl": (R(fine["prb_ul"]).mean(1), 2),
        "RRC.ConnMean": (R(fine["conn"]).mean(1), 2),
        "DRB.UEThpDl": (wmean(fine["thp_dl"]), 1),
        "DRB.UEThpUl": (wmean(fine["thp_ul"]), 1),
        "DRB.RlcSduDelayDl": (wmean(fine["delay"]), 2),
        "L1M.ULSINRMean": (wmean(fine["sinr"]), 2),
        "RRC.ConnEstabAtt": (R(fine["att"]).sum(1), 0),
        "RRC.ConnEstabSucc": (R(fine["succ"]).sum(1), 0),
        "HO.ExeAtt": (R(fine["ho_att"]).sum(1), 0),
        "HO.ExeSucc": (R(fine["ho_succ"]).sum(1), 0),
        "TB.TotNbrDl": (R(fine["tb_dl"]).sum(1), 0),
        "TB.ErrTotNbrDl": (R(fine["err_dl"]).sum(1), 0),
        "TB.TotNbrUl": (R(fine["tb_ul"]).sum(1), 0),
        "TB.ErrTotNbrUl": (R(fine["err_ul"]).sum(1), 0),
        "DRB.PdcpSduVolumeDl": (R(fine["cum"])[:, -1], 1),
        "PEE.AvgTemperature": (R(fine["temp"]).mean(1), 2),
        "RU.VswrMean": (upmean(fine["vswr"]), 3),
        "TN.LatencyMean": (upmean(fine["lat"]), 2),
        "TN.PktLossRate": (upmean(fine["loss"]), 5),
    }
    down_frac = 1 - nup / k
    miss_frac = R(fine["down_missing"]).mean(1)
    fidx = fine["fault_idx"].reshape(-1, k)
    labels = np.full(fidx.shape[0], -1)
    for fi in range(nfaults):
        frac = (fidx == fi).mean(1)
        labels[frac >= 0.5] = fi
    return out, down_frac, miss_frac, labels


def fmt(x, nd):
    if nd == 0:
        return int(round(float(x)))
    return round(float(x), nd)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--cells", type=int, default=12)
    ap.add_argument("--days", type=int, default=4)
    ap.add_argument("--period", type=int, default=900)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.days < 2:
        sys.exit("--days must be >= 2 (faults only after the first 24 h)")
    if (a.days * 86400) % a.period:
        sys.exit("--period must divide the simulated span")
    dt = 60 if a.period % 60 == 0 else a.period
    k = a.period // dt

    rng = np.random.default_rng(a.seed)
    cells = make_cells(rng, a.cells)
    crowds = [plan_crowds(rng, c, a.days) for c in cells]
    deck = []
    faults = plan_faults(rng, cells, crowds, a.days, deck)

    n = int(a.days * DAY / dt)
    tm = T0 + np.arange(n) * dt + dt / 2.0
    t_out, solar = make_weather(rng, a.days, tm)

    rows = []
    truth = {"seed": a.seed, "period": a.period, "t0": T0, "utc_offset_h": UTC_OFFSET_H,
             "holidays": sorted(str(h) for h in HOLIDAYS), "cells": []}
    p_loss, p_burst = 0.004, 0.0008
    for ci, cell in enumerate(cells):
        fine, info = simulate_cell(rng, cell, faults[ci], crowds[ci], a.days, dt, t_out, solar)
        agg, down_frac, miss_frac, labels = aggregate(fine, k, len(faults[ci]))
        nout = len(labels)
        keep = np.ones(nout, bool)
        keep &= rng.random(nout) >= p_loss
        for i in np.nonzero(rng.random(nout) < p_burst)[0]:
            keep[i:i + int(rng.integers(2, 5))] = False
        keep &= ~(miss_frac >= 0.3)
        seq = 0
        labelled = np.zeros(len(faults[ci]), int)
        for i in range(nout):
            if not keep[i]:
                continue
            m = {}
            for name in METRICS:
                arr, nd = agg[name]
                v = arr[i]
                if np.isfinite(v):
                    m[name] = fmt(v, nd)
            rec = {"v": 1, "cell": cell["id"], "ts": int(T0 + i * a.period), "seq": seq, "metrics": m}
            if labels[i] >= 0:
                rec["label"] = faults[ci][labels[i]]["kind"]
                labelled[labels[i]] += 1
            rows.append((rec["ts"], cell["id"], rec))
            seq += 1
        ct = dict(cell)
        ct.update(info)
        ct["crowd_events"] = [{"start": int(e["start"]), "end": int(e["end"]), "mult": round(e["mult"], 2)}
                              for e in crowds[ci]]
        ct["faults"] = []
        for fi, f in enumerate(faults[ci]):
            d = {kk: (round(v, 4) if isinstance(v, float) else v) for kk, v in f.items()}
            d["start"] = int(f["start"]); d["end"] = int(f["end"])
            d["labelled_samples"] = int(labelled[fi])
            ct["faults"].append(d)
        truth["cells"].append(ct)

    rows.sort(key=lambda r: (r[0], r[1]))
    with open(a.out, "w") as fh:
        for _, _, rec in rows:
            fh.write(json.dumps(rec, separators=(",", ":")) + "\n")
    with open(a.out.rsplit(".", 1)[0] + ".truth.json", "w") as fh:
        json.dump(truth, fh, indent=1)

    # summary
    counts = {kd: 0 for kd in KINDS}
    for fl in faults:
        for f in fl:
            counts[f["kind"]] += 1
    n_lab = sum(1 for r in rows if "label" in r[2])
    print(f"{a.out}: samples={len(rows)} labelled={n_lab} cells={a.cells} days={a.days} period={a.period}s")
    print("  faults per kind: " + ", ".join(f"{kd}={counts[kd]}" for kd in KINDS)
          + f"  (total {sum(counts.values())}, subtle {sum(f['subtle'] for fl in faults for f in fl)})")
    nce = sum(len(c) for c in crowds)
    print(f"  crowd events: {nce} on {sum(1 for c in crowds if c)} venue cells")


if __name__ == "__main__":
    main()
