#!/usr/bin/env python3
"""Independent synthetic LTE/NR small-cell PM telemetry generator.

Writes JSON Lines: one sample per cell and reporting period, all cells
interleaved and sorted by ts.  Injected faults are labelled on every sample
whose reporting period lies at least half inside the fault.  All randomness
comes from --seed.

Internally every cell is simulated on a 60 s sub-step grid (or on the
reporting period if that is shorter / not a multiple of 60 s) and the
sub-steps are aggregated into the reporting period the way a PM counter or
gauge would be (sums, means, maxima, volume-weighted per-UE throughput).

See README.md next to this file for the phenomena and fault signatures.
"""
import argparse
import datetime as dtm
import json
import math
import sys

import numpy as np

KINDS = ["sleeping_cell", "ul_interference", "congestion", "backhaul_degradation",
         "hardware_fault", "software_restart", "misconfiguration"]

# LTE 4-bit CQI table (36.213 Table 7.2.3-1) spectral efficiency, bit/s/Hz
CQI_SE = np.array([0.0, 0.1523, 0.2344, 0.3770, 0.6016, 0.8770, 1.1758, 1.4766,
                   1.9141, 2.4063, 2.7305, 3.3223, 3.9023, 4.5234, 5.1152, 5.5547])

HOLIDAYS = [
    (dtm.date(2026, 1, 1), "New Year's Day"),
    (dtm.date(2026, 4, 6), "Easter Monday"),
    (dtm.date(2026, 5, 1), "Labour Day"),
    (dtm.date(2026, 5, 14), "Ascension Day"),
    (dtm.date(2026, 5, 25), "Whit Monday"),
    (dtm.date(2026, 6, 4), "Corpus Christi"),
    (dtm.date(2026, 12, 25), "Christmas Day"),
]

# Relative hourly load profiles (local time, hour 0..23), weekday / Saturday / Sunday
PROFILES = {
    "residential": {
        "wd": [0.18, 0.10, 0.06, 0.04, 0.04, 0.06, 0.15, 0.32, 0.38, 0.35, 0.36, 0.40,
               0.45, 0.44, 0.42, 0.45, 0.55, 0.68, 0.80, 0.90, 0.97, 1.00, 0.80, 0.45],
        "sat": [0.30, 0.18, 0.10, 0.06, 0.04, 0.04, 0.07, 0.14, 0.28, 0.45, 0.55, 0.60,
                0.62, 0.60, 0.58, 0.58, 0.60, 0.65, 0.72, 0.82, 0.90, 0.95, 0.85, 0.55],
        "sun": [0.35, 0.22, 0.12, 0.07, 0.05, 0.04, 0.05, 0.09, 0.18, 0.35, 0.50, 0.58,
                0.62, 0.62, 0.60, 0.62, 0.66, 0.72, 0.80, 0.90, 0.96, 0.94, 0.72, 0.40],
    },
    "office": {
        "wd": [0.04, 0.03, 0.02, 0.02, 0.02, 0.04, 0.10, 0.35, 0.75, 0.95, 1.00, 0.98,
               0.85, 0.92, 0.98, 0.95, 0.85, 0.62, 0.35, 0.20, 0.14, 0.10, 0.07, 0.05],
        "sat": [0.05, 0.04, 0.03, 0.02, 0.02, 0.03, 0.04, 0.06, 0.09, 0.13, 0.17, 0.19,
                0.20, 0.19, 0.18, 0.17, 0.15, 0.13, 0.11, 0.10, 0.09, 0.08, 0.06, 0.05],
        "sun": [0.05, 0.04, 0.03, 0.02, 0.02, 0.02, 0.03, 0.04, 0.06, 0.09, 0.12, 0.13,
                0.14, 0.14, 0.13, 0.12, 0.11, 0.10, 0.09, 0.08, 0.07, 0.06, 0.05, 0.04],
    },
    "transport": {
        "wd": [0.10, 0.04, 0.02, 0.02, 0.05, 0.20, 0.60, 0.98, 1.00, 0.70, 0.50, 0.50,
               0.55, 0.52, 0.50, 0.58, 0.80, 0.98, 0.95, 0.70, 0.50, 0.40, 0.30, 0.18],
        "sat": [0.15, 0.08, 0.04, 0.03, 0.03, 0.06, 0.12, 0.22, 0.35, 0.50, 0.60, 0.65,
                0.66, 0.65, 0.64, 0.62, 0.62, 0.60, 0.55, 0.50, 0.45, 0.40, 0.32, 0.22],
        "sun": [0.18, 0.10, 0.05, 0.03, 0.02, 0.04, 0.08, 0.14, 0.22, 0.35, 0.45, 0.52,
                0.55, 0.55, 0.55, 0.54, 0.53, 0.52, 0.50, 0.45, 0.40, 0.33, 0.25, 0.15],
    },
    "retail": {  # shopping street, shops closed on Sundays / holidays
        "wd": [0.08, 0.05, 0.03, 0.02, 0.02, 0.03, 0.08, 0.20, 0.40, 0.60, 0.75, 0.85,
               0.90, 0.88, 0.85, 0.88, 0.95, 1.00, 0.95, 0.75, 0.50, 0.35, 0.22, 0.12],
        "sat": [0.10, 0.06, 0.04, 0.03, 0.02, 0.03, 0.05, 0.12, 0.35, 0.70, 0.95, 1.05,
                1.10, 1.10, 1.08, 1.05, 1.00, 0.90, 0.70, 0.50, 0.35, 0.25, 0.18, 0.12],
        "sun": [0.10, 0.06, 0.04, 0.03, 0.02, 0.02, 0.04, 0.07, 0.12, 0.20, 0.30, 0.38,
                0.42, 0.45, 0.45, 0.45, 0.42, 0.40, 0.36, 0.30, 0.25, 0.20, 0.14, 0.10],
    },
}
PROFILES["venue"] = {k: list(0.6 * np.array(PROFILES["retail"][k]) + 0.4 * np.array(PROFILES["residential"][k]))
                     for k in ("wd", "sat", "sun")}

METRIC_DEC = {
    "RRU.PrbTotDl": 2, "RRU.PrbTotUl": 2, "RRC.ConnMean": 2, "RRC.ConnMax": 0,
    "DRB.UEThpDl": 1, "DRB.UEThpUl": 1, "DRB.RlcSduDelayDl": 2,
    "DRB.PdcpSduVolumeDL": 3, "DRB.PdcpSduVolumeUL": 3,
    "RRC.ConnEstabAtt": 0, "RRC.ConnEstabSucc": 0, "RACH.PreambleACell": 0,
    "HO.ExeAtt": 0, "HO.ExeSucc": 0,
    "L1M.PuschSinrMean": 2, "L1M.UlInterfPwrPrb": 2, "MAC.UlBlerInit": 2, "MAC.DlBlerInit": 2,
    "CARR.WBCQIMean": 2, "PEE.AvgTemperature": 1, "PEE.AvgPower": 1, "RU.VswrMean": 3,
    "TN.TwampRttMean": 2, "TN.TwampLossPct": 3,
}


# ----------------------------------------------------------------------------- helpers

def tz_offset_h(ts):
    """Central European time: +2 h in summer time (2026-03-29 01:00Z .. 2026-10-25 01:00Z)."""
    ts = np.asarray(ts, dtype=float)
    s = dtm.datetime(2026, 3, 29, 1, tzinfo=dtm.timezone.utc).timestamp()
    e = dtm.datetime(2026, 10, 25, 1, tzinfo=dtm.timezone.utc).timestamp()
    return np.where((ts >= s) & (ts < e), 2.0, 1.0)


def se_cqi(c):
    return np.interp(np.clip(c, 0, 15), np.arange(16), CQI_SE)


def shannon(sinr_db):
    return np.log2(1.0 + 10.0 ** (np.asarray(sinr_db) / 10.0))


def ar1(rng, n, tau_steps, sd):
    """Stationary AR(1) series with given correlation time (in steps) and marginal sd."""
    a = math.exp(-1.0 / max(tau_steps, 1e-9))
    e = rng.normal(0.0, sd * math.sqrt(1 - a * a), n)
    x = np.empty(n)
    x[0] = rng.normal(0.0, sd)
    for i in range(1, n):
        x[i] = a * x[i - 1] + e[i]
    return x


def lag(u, alpha, x0=None):
    """First-order lag y[k] = y[k-1] + alpha*(u[k]-y[k-1]); alpha scalar or array."""
    y = np.empty_like(u)
    prev = u[0] if x0 is None else x0
    al = np.broadcast_to(np.asarray(alpha, dtype=float), u.shape)
    for i in range(len(u)):
        prev = prev + al[i] * (u[i] - prev)
        y[i] = prev
    return y


def loguniform(rng, lo, hi):
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def envelope(t, start, end, ramp, shape="linear"):
    """0..1 activation: ramps up over `ramp` seconds from start, drops to 0 at end."""
    e = np.zeros_like(t)
    inside = (t >= start) & (t < end)
    if ramp <= 0:
        e[inside] = 1.0
    else:
        x = np.clip((t[inside] - start) / ramp, 0, 1)
        e[inside] = x if shape == "linear" else x * x * (3 - 2 * x)
    return e


def intermittent(rng, t, start, end, duty):
    """On/off square pattern with random on/off lengths (minutes)."""
    m = np.zeros_like(t)
    cur, on = start, True
    while cur < end:
        ln = rng.uniform(4, 25) * 60 * (duty if on else (1 - duty)) * 2
        if on:
            m[(t >= cur) & (t < min(cur + ln, end))] = 1.0
        cur += ln
        on = not on
    return m


# ----------------------------------------------------------------------------- scenario

class Cell:
    pass


def make_cells(rng, n_cells, city):
    cells = []
    n_venue = max(2, int(round(n_cells * 0.2))) if n_cells >= 4 else (1 if n_cells >= 2 else 0)
    # venues: a stadium (2 cells) and, if more venue cells, a concert arena
    venues = []
    if n_venue >= 1:
        venues.append({"name": "stadium", "kind": "match", "n": min(2, n_venue)})
    if n_venue > 2:
        venues.append({"name": "arena", "kind": "concert", "n": n_venue - 2})
    types = []
    for vi, v in enumerate(venues):
        types += [("venue", vi)] * v["n"]
    others = rng.choice(["residential", "office", "transport", "retail"], size=n_cells - len(types),
                        p=[0.35, 0.25, 0.15, 0.25])
    types += [(str(o), None) for o in others]
    site = int(rng.integers(1000, 8000))
    for i, (ctype, venue) in enumerate(types):
        c = Cell()
        c.idx = i
        c.ctype = ctype
        c.venue = venue
        if ctype == "venue":
            tech = "N78W"
        else:
            tech = rng.choice(["L18", "L21", "N78", "N78W"], p=[0.35, 0.2, 0.3, 0.15])
        c.tech = str(tech)
        if i % 3 == 0 or ctype == "venue":
            site += int(rng.integers(1, 40))
        sector = (i % 3) + 1
        band = {"L18": "L18", "L21": "L21", "N78": "N78", "N78W": "N78"}[c.tech]
        c.id = f"{city}{site:04d}_{band}_{sector}"
        c.nr = c.tech.startswith("N")
        bw = {"L18": 20.0, "L21": 15.0, "N78": 40.0, "N78W": 100.0}[c.tech]
        c.cqi_base = rng.uniform(9.0, 11.8)
        c.sinr_base = rng.uniform(10.5, 17.0)
        mimo = 1.6 if not c.nr else 2.2
        tdd_dl, tdd_ul = (1.0, 1.0) if not c.nr else (0.74, 0.23)
        c.cap_dl = bw * se_cqi(c.cqi_base) * 0.78 * mimo * tdd_dl          # Mbit/s at 100 % PRB
        c.cap_ul = bw * min(4.0, 0.6 * shannon(c.sinr_base)) * 0.7 * tdd_ul  # Mbit/s
        c.ue_peak_dl = min(0.75 * c.cap_dl, 300.0) * rng.uniform(0.85, 1.1)
        c.ue_peak_ul = min(0.7 * c.cap_ul, 80.0) * rng.uniform(0.85, 1.1)
        if ctype == "residential":
            c.peak = rng.uniform(2.5, 5.0) if rng.random() < 0.25 else rng.uniform(6, 28)
        elif ctype == "office":
            c.peak = rng.uniform(15, 45)
        elif ctype == "transport":
            c.peak = rng.uniform(25, 60)
        elif ctype == "retail":
            c.peak = rng.uniform(15, 40)
        else:
            c.peak = rng.uniform(6, 15)
        c.hold = rng.uniform(15, 35)  # s, mean RRC-connected time per session
        c.ineff_dl = rng.uniform(1.15, 1.45)
        c.ineff_ul = rng.uniform(1.2, 1.6)
        c.u_peak = rng.uniform(0.1, 0.2) if ctype == "venue" else rng.uniform(0.22, 0.6)
        # mean DL demand per RRC-connected UE, Mbit/s (bounded to what real UEs pull on average)
        c.d_dl = float(np.clip(c.u_peak * c.cap_dl / (c.peak * c.ineff_dl), 0.3, 3.0) * rng.uniform(0.9, 1.1))
        c.u_peak = c.d_dl * c.peak * c.ineff_dl / c.cap_dl
        c.ul_ratio = rng.uniform(0.07, 0.16)
        c.d_ul = c.d_dl * c.ul_ratio
        c.ctrl_dl = rng.uniform(1.0, 3.0)
        c.ctrl_ul = rng.uniform(3.0, 7.0)
        c.delay_base = rng.uniform(2.0, 6.0)
        c.bler_ul_t = rng.uniform(8.5, 11.0)
        c.bler_dl_t = rng.uniform(8.0, 10.5)
        c.mob = {"residential": 0.002, "office": 0.0015, "transport": 0.012,
                 "retail": 0.004, "venue": 0.003}[ctype] * rng.uniform(0.6, 1.5)
        c.p_succ = rng.uniform(0.992, 0.999)
        c.p_ho = rng.uniform(0.965, 0.995)
        c.resync = rng.uniform(0.002, 0.006)  # RACH per connected UE per s (SR/resync/BFR)
        c.false_pre = rng.uniform(0.002, 0.01)  # false preamble detections per s
        c.nfloor = (-116.4 if not c.nr else -113.4) + rng.uniform(-1.0, 1.0)
        c.iot0 = rng.uniform(0.3, 1.5)
        c.iot_k = rng.uniform(0.8, 3.0)
        # power / thermal
        c.p_idle = rng.uniform(18, 30) if not c.nr else rng.uniform(35, 60)
        c.p_dyn = rng.uniform(15, 35) if not c.nr else rng.uniform(40, 90)
        c.indoor = (ctype in ("office",) and rng.random() < 0.5) or (ctype == "venue" and rng.random() < 0.3)
        c.micro = rng.uniform(-1.5, 1.5)
        c.self_heat = rng.uniform(9, 16)
        c.load_heat = rng.uniform(3, 9)
        c.solar = 0.0 if c.indoor else (rng.uniform(0, 9) if rng.random() < 0.7 else 0.0)
        c.tau_T = rng.uniform(45, 100) * 60
        c.has_vswr = rng.random() < 0.75
        c.has_power = rng.random() < 0.85
        c.vswr0 = rng.uniform(1.1, 1.4)
        bh = rng.choice(["fiber", "microwave", "dsl"], p=[0.45, 0.3, 0.25])
        c.backhaul = str(bh)
        c.rtt0 = {"fiber": rng.uniform(2, 6), "microwave": rng.uniform(4, 10), "dsl": rng.uniform(12, 30)}[c.backhaul]
        c.rtt_jit = {"fiber": 0.06, "microwave": 0.1, "dsl": 0.18}[c.backhaul]
        c.rtt_busy = {"fiber": 0.03, "microwave": 0.05, "dsl": rng.uniform(0.15, 0.4)}[c.backhaul]
        c.loss0 = {"fiber": 2e-5, "microwave": 1e-4, "dsl": rng.uniform(1e-4, 6e-4)}[c.backhaul]
        c.tn_miss = rng.uniform(0.002, 0.01)
        c.faults = []
        c.events = []
        c.spill = []
        cells.append(c)
    return cells, venues


def day_types(start_date, days, holiday):
    out = []
    for d in range(-1, days + 2):
        dd = start_date + dtm.timedelta(days=d)
        if dd == holiday:
            out.append("sun")
        elif dd.weekday() == 5:
            out.append("sat")
        elif dd.weekday() == 6:
            out.append("sun")
        elif dd - dtm.timedelta(days=1) == holiday and dd.weekday() == 4:
            out.append("bridge")
        elif dd.weekday() == 4:
            out.append("fri")
        else:
            out.append("wd")
    return out


def profile_series(rng, c, dtypes, t_local_h):
    """Relative load L(t) of a cell at local hours since local midnight of start day."""
    base = PROFILES[c.ctype]
    pert = {k: np.exp(ar1(rng, 24, 3, 0.08)) for k in ("wd", "sat", "sun")}
    hours = []
    vals = []
    for di, dt_ in enumerate(dtypes):
        d = di - 1
        shift = rng.normal(0, 0.35)
        mult = math.exp(rng.normal(0, 0.09))
        for h in range(24):
            x = (h + 0.5 - shift) % 24
            def pv(k):
                arr = np.array(base[k]) * pert[k]
                return np.interp(x, np.arange(24) + 0.5, arr, period=24)
            if dt_ in ("wd", "sat", "sun"):
                v = pv(dt_)
            elif dt_ == "fri":
                v = pv("wd") * (1.1 if h >= 18 and c.ctype in ("residential", "retail", "venue") else 1.0)
            else:  # bridge day: half-way to a Saturday, offices mostly empty
                w = 0.7 if c.ctype == "office" else 0.4
                v = (1 - w) * pv("wd") + w * pv("sat")
            hours.append(d * 24 + h + 0.5)
            vals.append(v * mult)
    return np.interp(t_local_h, np.array(hours), np.array(vals))


def weather(rng, start_date, days, t_local_h):
    doy = start_date.timetuple().tm_yday
    city_off = rng.uniform(-2.5, 2.5)
    nd = days + 3
    x = 0.0
    means, amps = [], []
    for d in range(nd):
        x = 0.6 * x + rng.normal(0, 2.8)
        season = 10.0 - 9.0 * math.cos(2 * math.pi * (doy + d - 1 - 15) / 365.0)
        means.append(season + city_off + x)
        amps.append(rng.uniform(2.0, 7.0))
    centers = (np.arange(nd) - 1) * 24 + 12.0
    M = np.interp(t_local_h, centers, means)
    A = np.interp(t_local_h, centers, amps)
    h = t_local_h % 24
    # asymmetric daily cycle: minimum ~05:00, maximum ~15:00
    shape = np.where((h >= 5) & (h < 15), -np.cos(np.pi * (h - 5) / 10.0),
                     np.cos(np.pi * ((h - 15) % 24) / 14.0))
    T = M + A * shape
    sunny = (A - 2.0) / 5.0
    sun = np.clip(np.sin(np.pi * (h - 6) / 14.0), 0, None) * sunny
    return T, sun, means


# ----------------------------------------------------------------------------- scheduling

def local_hour_at(ts):
    return ((ts + tz_offset_h(ts) * 3600.0) % 86400.0) / 3600.0


def schedule_events(rng, cells, venues, t0, days, dtypes_list):
    events = []
    for vi, v in enumerate(venues):
        n_ev = int(rng.integers(1, 4)) if days >= 4 else int(rng.integers(1, 3))
        day_choices = list(rng.permutation(days))[:n_ev]
        for d in sorted(day_choices):
            dt_ = dtypes_list[d + 1]
            if dt_ in ("sat", "sun") and rng.random() < 0.6:
                st_h = rng.uniform(13.0, 17.0)
            else:
                st_h = rng.uniform(18.5, 20.75)
            plateau = rng.uniform(1.0, 4.0) if v["kind"] == "concert" else rng.uniform(1.6, 2.4)
            ts0 = t0 + d * 86400 + st_h * 3600  # t0 is local midnight of start day (as epoch)
            ev = {"venue": v["name"], "kind": v["kind"], "start": ts0, "end": ts0 + plateau * 3600,
                  "pre": rng.uniform(45, 90) * 60, "post": rng.uniform(20, 40) * 60,
                  "cells": [], "neighbour": None}
            events.append(ev)
            vcells = [c for c in cells if c.venue == vi]
            for c in vcells:
                ev["cells"].append(c.id)
                c.events.append((ev, rng.uniform(5.0, 10.0), rng.uniform(0.55, 0.85)))
            others = [c for c in cells if c.venue is None]
            if others:
                nb = others[int(rng.integers(len(others)))]
                nb.spill.append((ev, rng.uniform(1.4, 2.0)))
                ev["neighbour"] = nb.id
    return events


def schedule_faults(rng, cells, t0, t_end, days, period):
    counts = []
    for c in cells:
        base = rng.uniform(2.0, 4.49)
        n = max(1, int(round(base * max(days - 1, 0.5) / 3.0)))
        counts.append(n)
    total = sum(counts)
    off = int(rng.integers(len(KINDS)))
    deck = [KINDS[(i + off) % len(KINDS)] for i in range(total)]
    rng.shuffle(deck)
    k = 0
    dur_rng = {"sleeping_cell": (1.0, 10.0), "ul_interference": (0.5, 8.0), "congestion": (0.5, 4.0),
               "backhaul_degradation": (0.5, 8.0), "hardware_fault": (1.5, 10.0),
               "misconfiguration": (1.0, 10.0)}
    earliest = t0 + 24 * 3600
    latest_end = t_end - 2 * period
    for c, n in zip(cells, counts):
        busy = [(ev["start"] - ev["pre"] - 5400, ev["end"] + ev["post"] + 5400) for ev, _, _ in c.events]
        for _ in range(n):
            kind = deck[k]
            k += 1
            placed = False
            for attempt in range(400):
                if kind == "software_restart":
                    outage = rng.uniform(5, 20) * 60
                    dur = max(30 * 60, outage + rng.uniform(15, 30) * 60)
                else:
                    lo, hi = dur_rng[kind]
                    if attempt > 200:
                        hi = max(lo, hi / 2)
                    dur = loguniform(rng, lo, hi) * 3600
                if latest_end - dur <= earliest:
                    continue
                st = rng.uniform(earliest, latest_end - dur)
                lh = float(local_hour_at(st))
                if kind == "congestion" and not (8.0 <= lh <= 20.0):
                    continue
                if kind == "misconfiguration":
                    if rng.random() < 0.5:
                        # config pushed in the nightly maintenance window
                        st = st - lh * 3600 + rng.uniform(1.0, 5.0) * 3600
                        if st < earliest or st + dur > latest_end:
                            continue
                    elif not (8.0 <= lh <= 18.0):
                        continue
                elif kind != "congestion" and rng.random() < 0.75 and not (6.0 <= lh <= 22.0):
                    continue
                en = st + dur
                if any(st < b1 + 3600 and en + 3600 > b0 for b0, b1 in busy):
                    continue
                f = {"cell": c.id, "kind": kind, "start": st, "end": en,
                     "subtle": bool(rng.random() < 0.3)}
                if kind == "software_restart":
                    f["outage"] = outage
                    f["variant"] = "no_samples" if rng.random() < 0.65 else "zero_traffic"
                    f["subtle"] = False
                c.faults.append(f)
                busy.append((st, en))
                placed = True
                break
            if not placed:
                pass
        c.faults.sort(key=lambda f: f["start"])
    # a fixed share (~30 %) of the non-restart faults is subtle (small magnitude)
    elig = [f for c in cells for f in c.faults if f["kind"] != "software_restart"]
    for f in elig:
        f["subtle"] = False
    for i in rng.permutation(len(elig))[:int(round(0.3 * len(elig)))]:
        elig[int(i)]["subtle"] = True


# ----------------------------------------------------------------------------- simulation

def simulate_cell(rng, c, t, dt, t_loc_h, L, area, amb, sun, period, k_sub):
    n = len(t)
    hod = t_loc_h % 24
    # ------------------------------------------------------------ modifiers (neutral)
    users_mult = np.ones(n)
    dem_mult = np.ones(n)
    att_mult = np.ones(n)
    rach_mult = np.ones(n)
    estab_fail = np.zeros(n)
    ho_mult = np.ones(n)
    ho_fail = np.zeros(n)
    u_force = np.zeros(n)
    bh_rtt = np.zeros(n)
    bh_loss = np.zeros(n)
    rise = np.zeros(n)
    pc_comp = rng.uniform(0.6, 0.9)
    cqi_delta = np.zeros(n)
    sinr_delta = np.zeros(n)
    dl_bler_add = np.zeros(n)
    excess_tgt = np.zeros(n)
    heat_tau = np.full(n, 30 * 60.0)
    vswr_add = np.zeros(n)
    cap_mult = np.ones(n)
    radio_off = np.zeros(n, bool)
    agent_down = np.zeros(n, bool)
    reset = np.zeros(n, bool)
    fault_id = np.full(n, -1)
    crowd = np.zeros(n)

    # ------------------------------------------------------------ benign crowd events
    for ev, mult, u_tgt in c.events:
        e = np.zeros(n)
        s0 = ev["start"] - ev["pre"]
        up = (t >= s0) & (t < ev["start"])
        e[up] = ((t[up] - s0) / ev["pre"]) ** 1.5
        e[(t >= ev["start"]) & (t < ev["end"])] = 1.0
        dn = (t >= ev["end"]) & (t < ev["end"] + ev["post"])
        e[dn] = 1.0 - (t[dn] - ev["end"]) / ev["post"]
        pl = (t >= ev["start"]) & (t < ev["end"])
        u_norm = float(np.mean(L[pl])) * c.u_peak
        f_dem = float(np.clip(u_tgt / max(u_norm * mult, 1e-6), 0.2, 1.0))
        users_mult *= 1.0 + (mult - 1.0) * e
        dem_mult *= 1.0 + (f_dem - 1.0) * e
        if ev["kind"] == "match":  # half-time burst of social-media uploads / video
            mid = 0.5 * (ev["start"] + ev["end"])
            ht = (t >= mid - 450) & (t < mid + 450)
            dem_mult[ht] *= 1.25
        ho_mult *= 1.0 - 0.4 * e
        cqi_delta -= 0.7 * e
        crowd = np.maximum(crowd, e)
    for ev, mult in c.spill:
        e = np.zeros(n)
        s0 = ev["start"] - ev["pre"]
        m = (t >= s0) & (t < ev["end"] + ev["post"])
        e[m] = 1.0
        e = lag(e, 1 - math.exp(-dt / 900.0), 0.0)
        users_mult *= 1.0 + (mult - 1.0) * e
        dem_mult *= 1.0 - 0.25 * e

    # ------------------------------------------------------------ faults
    for fi, f in enumerate(c.faults):
        st, en, kind, sub = f["start"], f["end"], f["kind"], f["subtle"]
        dur = en - st
        inside = (t > st) & (t <= en)
        fault_id[inside] = fi
        if kind == "sleeping_cell":
            drain = rng.uniform(2, 10) * 60
            resid = rng.uniform(0.2, 0.35) if sub else rng.uniform(0.1, 0.2)
            e = envelope(t, st, en, drain)
            users_mult *= 1 - e * (1 - resid)
            att_mult *= 1 - e * 0.98
            rach_mult *= 1 - e * 0.97
            ho_mult *= 1 - e * (1 - resid) * 0.7
            f.update(onset="abrupt", drain_min=drain / 60, residual_users=resid)
        elif kind == "ul_interference":
            gradual = rng.random() < 0.5
            ramp = rng.uniform(0.2, 0.5) * dur if gradual else 0.0
            mag = rng.uniform(2.0, 5.0) if sub else rng.uniform(6.0, 18.0)
            e = envelope(t, st, en, ramp)
            inter = rng.random() < 0.3
            if inter:
                e *= intermittent(rng, t, st, en, rng.uniform(0.4, 0.8))
            rise += mag * e
            f.update(onset="gradual" if gradual else "abrupt", noise_rise_db=mag, intermittent=inter)
        elif kind == "congestion":
            gradual = rng.random() < 0.7
            ramp = min(rng.uniform(15, 60) * 60, 0.4 * dur) if gradual else rng.uniform(2, 6) * 60
            m = rng.uniform(1.2, 1.5) if sub else rng.uniform(1.5, 3.0)
            ut = rng.uniform(0.90, 0.95) if sub else rng.uniform(0.97, 1.12)
            ef = rng.uniform(0.01, 0.03) if sub else rng.uniform(0.03, 0.10)
            e = envelope(t, st, en, ramp, "smooth")
            users_mult *= 1 + (m - 1) * e
            u_force = np.maximum(u_force, ut * e)
            estab_fail += ef * e
            rach_mult *= 1 + 0.3 * e * (ef / 0.05)
            f.update(onset="gradual" if gradual else "abrupt", user_mult=m, prb_load_target=ut,
                     extra_access_fail=ef)
        elif kind == "backhaul_degradation":
            gradual = rng.random() < 0.5
            ramp = rng.uniform(0.2, 0.5) * dur if gradual else 0.0
            if sub:
                radd, ladd = rng.uniform(4, 15), rng.uniform(0.1, 0.4)
            else:
                radd, ladd = rng.uniform(20, 150), rng.uniform(0.5, 4.0)
            e = envelope(t, st, en, ramp)
            inter = rng.random() < 0.25
            if inter:
                e *= intermittent(rng, t, st, en, rng.uniform(0.5, 0.85))
            bh_rtt += radd * e
            bh_loss += ladd / 100.0 * e
            f.update(onset="gradual" if gradual else "abrupt", rtt_add_ms=radd, loss_add_pct=ladd,
                     intermittent=inter)
        elif kind == "hardware_fault":
            variant = "vswr" if (c.has_vswr and rng.random() < 0.5) else "overheating"
            if variant == "overheating":
                x = rng.uniform(6, 12) if sub else rng.uniform(15, 30)
                tau = rng.uniform(20, 60) * 60
                excess_tgt[inside] = x
                heat_tau[inside] = tau
                f.update(variant=variant, onset="gradual", temp_excess_c=x, heat_tau_min=tau / 60)
            else:
                gradual = rng.random() < 0.5
                ramp = rng.uniform(0.6, 1.0) * dur if gradual else 0.0
                target = rng.uniform(1.45, 1.7) if sub else rng.uniform(1.9, 3.5)
                e = envelope(t, st, en, ramp)
                vswr_add += (target - c.vswr0) * e
                f.update(variant=variant, onset="gradual" if gradual else "abrupt", vswr_target=target)
            f["variant"] = variant
        elif kind == "software_restart":
            outage = f["outage"]
            off = (t > st) & (t <= st + outage)
            radio_off |= off
            if f["variant"] == "no_samples":
                agent_down |= off
            ridx = np.searchsorted(t, st, side="right")
            if ridx < n:
                reset[ridx] = True
            t_up = st + outage
            rec = t > t_up
            tau_r = rng.uniform(3, 8) * 60
            um = np.ones(n)
            um[rec] = 1 - np.exp(-(t[rec] - t_up) / tau_r)
            users_mult *= um
            burst = np.zeros(n)
            burst[rec] = rng.uniform(3, 6) * np.exp(-(t[rec] - t_up) / rng.uniform(3, 6) / 60)
            att_mult *= 1 + burst
            rach_mult *= 1 + burst
            f.update(onset="abrupt", outage_min=outage / 60)
        elif kind == "misconfiguration":
            variant = str(rng.choice(["handover", "rrc_setup", "coverage"]))
            e = envelope(t, st, en, 0.0)
            if variant == "handover":
                hf = rng.uniform(0.04, 0.08) if sub else rng.uniform(0.15, 0.4)
                ho_fail += hf * e
                ho_mult *= 1 + rng.uniform(0.2, 1.0) * e
                f.update(ho_fail_add=hf)
            elif variant == "rrc_setup":
                ef = rng.uniform(0.02, 0.05) if sub else rng.uniform(0.1, 0.3)
                estab_fail += ef * e
                att_mult *= 1 + rng.uniform(0.1, 0.3) * e * (ef / 0.2)
                rach_mult *= 1 + rng.uniform(0.2, 0.6) * e * (ef / 0.2)
                f.update(estab_fail_add=ef)
            else:
                um = rng.uniform(0.75, 0.88) if sub else rng.uniform(0.4, 0.7)
                cd = rng.uniform(-1.0, -0.5) if sub else rng.uniform(-3.0, -1.5)
                users_mult *= 1 - (1 - um) * e
                cqi_delta += cd * e
                sinr_delta += cd * 1.3 * e
                ho_mult *= 1 + 0.3 * e
                dl_bler_add += 1.5 * e * (cd / -2.0)
                f.update(user_mult=um, cqi_delta=cd)
            f.update(variant=variant, onset="abrupt")

    # ------------------------------------------------------------ thermal (fault excess) and VSWR impact
    a_up = 1 - np.exp(-dt / heat_tau)
    a_dn = 1 - math.exp(-dt / (15 * 60.0))
    excess = np.empty(n)
    prev = 0.0
    for i in range(n):
        a = a_up[i] if excess_tgt[i] > prev else a_dn
        prev += a * (excess_tgt[i] - prev)
        excess[i] = prev
    throttle = np.clip(excess - 10.0, 0, None)
    cap_mult *= np.clip(1 - 0.025 * throttle, 0.5, 1.0)
    cqi_delta -= 0.05 * throttle
    vswr_true = c.vswr0 + vswr_add
    gam = (vswr_true - 1) / (vswr_true + 1)
    mis_db = -10 * np.log10(1 - gam ** 2)
    mis_db = mis_db - (-10 * math.log10(1 - ((c.vswr0 - 1) / (c.vswr0 + 1)) ** 2))
    backoff = np.where(vswr_true > 2.0, 3.0, 0.0)  # RU protective power back-off above VSWR alarm
    loss_db = mis_db + backoff
    users_mult *= 10 ** (-0.3 * loss_db / 10) * np.clip(1 - 0.06 * loss_db, 0.5, 1)
    cqi_delta -= 0.4 * loss_db
    sinr_delta -= loss_db
    dl_bler_add += 0.5 * loss_db

    # ------------------------------------------------------------ users and sessions
    slow = np.exp(ar1(rng, n, 45 * 60 / dt, 0.12))
    lam = np.maximum(c.peak * L * slow * users_mult, 0.0)
    lam[radio_off] = 0.0
    n_seen = rng.poisson(lam * (1 + dt / c.hold))
    has_ue = n_seen > 0
    g_k = np.maximum(lam * (1 + dt / c.hold), 1.0)
    conn = lam * rng.gamma(g_k, 1.0 / g_k)
    conn = np.where(has_ue, np.maximum(conn, n_seen * c.hold / (dt + c.hold) * rng.uniform(0.3, 1.0, n)), 0.0)
    conn_max = np.where(has_ue, np.ceil(conn + np.sqrt(conn) * np.abs(rng.normal(1.2, 0.5, n))), 0.0)
    conn_max = np.maximum(conn_max, n_seen.clip(max=1) * 1.0)

    # ------------------------------------------------------------ DL
    dmod = 1.0 + (0.15 * np.cos(2 * np.pi * (hod - 21) / 24) if c.ctype in ("residential", "retail") else 0.0)
    burst_sd = 0.3
    offered = conn * c.d_dl * dmod * dem_mult * np.exp(rng.normal(-burst_sd ** 2 / 2, burst_sd, n))
    cqi_true = c.cqi_base - 0.8 * area + cqi_delta
    se_ratio = se_cqi(cqi_true) / se_cqi(c.cqi_base)
    cap = c.cap_dl * se_ratio * cap_mult
    u_raw = offered * c.ineff_dl / cap
    u_soft = u_raw / (1.0 + u_raw ** 4) ** 0.25  # elastic (TCP) traffic backs off near saturation
    uf = np.minimum(u_force, 0.993)
    over = np.where(u_force > 0, np.maximum(1.0, u_force), 1.0)  # sustained overload (congestion only)
    u = np.where(has_ue, np.maximum(u_soft, uf), 0.0)
    # backhaul: TCP throughput bound (Mathis) per UE with a few parallel flows
    rtt_total = 0.018 + (c.rtt0 + bh_rtt) / 1000.0
    p_loss = c.loss0 + bh_loss
    tcp_bound = 3.0 * 1.22 * 11.68e-3 / (rtt_total * np.sqrt(p_loss))  # Mbit/s
    thp_radio = c.ue_peak_dl * se_ratio * cap_mult * np.maximum(0.02, 1 - u) ** 0.6 / over
    thp = np.minimum(thp_radio, tcp_bound * np.exp(rng.normal(0, 0.15, n)))
    bh_factor = np.clip(thp / np.maximum(thp_radio, 1e-9), 0.0, 1.0)
    vol_f = np.clip(bh_factor, 0.3, 1.0) ** 0.5
    served = np.minimum(offered, cap * u / c.ineff_dl) * vol_f
    prb_dl = np.where(radio_off, 0.0,
                      c.ctrl_dl + (100 - c.ctrl_dl) * u * np.maximum(vol_f, 0.85) + rng.normal(0, 0.4, n))
    prb_dl = np.clip(prb_dl, 0, 100)
    nsd = 0.3 / np.sqrt(np.maximum(n_seen, 1)) + 0.05
    thp_dl = thp * 1000.0 * np.exp(rng.normal(0, nsd, n)) * (1 - 0.01 * rise)
    delay = c.delay_base + 3.0 * u / (1 - u) * over ** 2
    delay = np.minimum(delay, 900.0) * np.exp(rng.normal(0, 0.1, n))

    # ------------------------------------------------------------ UL
    iot = c.iot0 + c.iot_k * area + ar1(rng, n, 10 * 60 / dt, 0.3) + rng.normal(0, 0.25, n)
    interf = c.nfloor + iot + rise
    sinr = (c.sinr_base - 0.5 * (iot - c.iot0 - c.iot_k * 0.5) + sinr_delta - rise * pc_comp
            + rng.normal(0, 1.0, n) / np.sqrt(1 + conn))
    sinr_nom = c.sinr_base - 0.5 * (iot - c.iot0 - c.iot_k * 0.5)
    se_ul = np.clip(shannon(sinr) / shannon(sinr_nom), 0.05, 1.5)
    off_ul = conn * c.d_ul * dem_mult * np.exp(rng.normal(-0.08, 0.4, n))
    cap_ul = c.cap_ul * se_ul
    u_ul = off_ul * c.ineff_ul / cap_ul
    u_ul = u_ul / (1.0 + u_ul ** 4) ** 0.25
    ucong = np.where(u_force > 0, u_force * 0.5, 0.0)
    u_ul = np.where(has_ue, np.maximum(u_ul, ucong), 0.0)
    served_ul = np.minimum(off_ul, cap_ul * u_ul / c.ineff_ul) * vol_f
    prb_ul = np.where(radio_off, 0.0, c.ctrl_ul + (100 - c.ctrl_ul) * u_ul + rng.normal(0, 0.5, n))
    prb_ul = np.clip(prb_ul, 0, 100)
    thp_ul = (np.minimum(c.ue_peak_ul * se_ul * np.maximum(0.02, 1 - u_ul) ** 0.6, tcp_bound * 0.8)
              * 1000.0 * np.exp(rng.normal(0, nsd, n)))
    bler_ul = np.clip(c.bler_ul_t + 0.9 * rise + rng.normal(0, 1.2, n) / np.sqrt(1 + conn) + rng.normal(0, 0.3, n), 0, 60)
    bler_dl = np.clip(c.bler_dl_t + dl_bler_add + rng.normal(0, 1.0, n) / np.sqrt(1 + conn) + rng.normal(0, 0.3, n), 0, 60)
    cqi = np.clip(cqi_true + rng.normal(0, 0.7, n) / np.sqrt(1 + conn), 1, 15)

    # ------------------------------------------------------------ access, mobility, RACH (per sub-step counts)
    lam_att = np.maximum(c.peak * L * slow * users_mult, 0.0) / c.hold * dt * att_mult
    lam_att[radio_off] = 0.0
    ho_att = rng.poisson(conn * c.mob * dt * ho_mult)
    ho_succ = rng.binomial(ho_att, np.clip(c.p_ho - ho_fail, 0, 1))
    reest = rng.poisson((ho_att - ho_succ) * 0.6)
    att = rng.poisson(lam_att) + reest
    succ = rng.binomial(att, np.clip(c.p_succ - estab_fail, 0, 1))
    rach_l = (att * 1.3 * rach_mult + conn * c.resync * dt + ho_att * 0.9
              + c.false_pre * dt * (1 + rise / 6.0) * np.where(att_mult < 0.5, 0.05, 1.0))
    rach_l[radio_off] = 0.0
    rach = rng.poisson(np.maximum(rach_l, 0))

    # ------------------------------------------------------------ power, temperature, VSWR, transport
    power = np.where(radio_off, c.p_idle * 0.35, c.p_idle + c.p_dyn * prb_dl / 100.0) + rng.normal(0, 0.3, n)
    sh = np.where(radio_off, 0.3, 1.0) * c.self_heat
    if c.indoor:
        hvac = 21.0 + 1.5 * ((hod > 7) & (hod < 19))
        amb_eff = 0.15 * amb + 0.85 * hvac
    else:
        amb_eff = amb + c.micro + c.solar * sun
    target = amb_eff + sh + c.load_heat * prb_dl / 100.0
    temp = lag(target, 1 - math.exp(-dt / c.tau_T)) + excess + rng.normal(0, 0.12, n)
    vswr = vswr_true + 0.0015 * (temp - 35) + rng.normal(0, 0.004, n)
    rtt = ((c.rtt0 * (1 + c.rtt_busy * area) + bh_rtt) * rng.gamma(1 / c.rtt_jit ** 2, c.rtt_jit ** 2, n))
    probes = 60.0 * dt / 60.0
    loss = rng.binomial(int(probes), np.clip(p_loss, 0, 1), n) / probes * 100.0
    tn_ok = ~agent_down

    return dict(has_ue=has_ue, conn=conn, conn_max=conn_max, prb_dl=prb_dl, prb_ul=prb_ul,
                thp_dl=thp_dl, thp_ul=thp_ul, served=served, served_ul=served_ul, delay=delay,
                interf=interf, sinr=sinr, bler_ul=bler_ul, bler_dl=bler_dl, cqi=cqi,
                att=att, succ=succ, rach=rach, ho_att=ho_att, ho_succ=ho_succ,
                power=power, temp=temp, vswr=vswr, rtt=rtt, loss=loss, tn_ok=tn_ok,
                radio_off=radio_off, agent_down=agent_down, reset=reset, fault_id=fault_id,
                crowd=crowd)


def aggregate(rng, c, s, t, dt, k, period):
    """Aggregate sub-steps into reporting periods; return list of (ts, metrics, label)."""
    n = len(t)
    P = n // k
    R = lambda a: a[:P * k].reshape(P, k)
    has = R(s["has_ue"])
    radio_on = ~R(s["radio_off"])
    any_ue = has.any(1)
    any_radio = radio_on.any(1)
    w = R(s["conn"]) * has
    wsum = w.sum(1)

    def wmean(x, wt):
        ws = wt.sum(1)
        return np.where(ws > 0, (R(x) * wt).sum(1) / np.where(ws > 0, ws, 1), np.nan)

    def hmean(x, wt):
        ws = wt.sum(1)
        d = (wt / np.maximum(R(x), 1e-6)).sum(1)
        return np.where(ws > 0, ws / np.where(d > 0, d, 1), np.nan)

    m = {}
    m["RRU.PrbTotDl"] = R(s["prb_dl"]).mean(1)
    m["RRU.PrbTotUl"] = R(s["prb_ul"]).mean(1)
    m["RRC.ConnMean"] = R(s["conn"]).mean(1)
    m["RRC.ConnMax"] = R(s["conn_max"]).max(1)
    vw = R(s["served"]) * has + 1e-9 * has
    vwu = R(s["served_ul"]) * has + 1e-9 * has
    m["DRB.UEThpDl"] = np.where(any_ue, hmean(s["thp_dl"], vw), np.nan)
    m["DRB.UEThpUl"] = np.where(any_ue, hmean(s["thp_ul"], vwu), np.nan)
    m["DRB.RlcSduDelayDl"] = np.where(any_ue, wmean(s["delay"], vw), np.nan)
    m["L1M.PuschSinrMean"] = np.where(any_ue, wmean(s["sinr"], w + 1e-9 * has), np.nan)
    m["MAC.UlBlerInit"] = np.where(any_ue, wmean(s["bler_ul"], w + 1e-9 * has), np.nan)
    m["MAC.DlBlerInit"] = np.where(any_ue, wmean(s["bler_dl"], w + 1e-9 * has), np.nan)
    m["CARR.WBCQIMean"] = np.where(any_ue, wmean(s["cqi"], w + 1e-9 * has), np.nan)
    m["L1M.UlInterfPwrPrb"] = np.where(any_radio, wmean(s["interf"], radio_on.astype(float)), np.nan)
    m["PEE.AvgTemperature"] = R(s["temp"]).mean(1)
    m["PEE.AvgPower"] = R(s["power"]).mean(1)
    m["RU.VswrMean"] = np.where(any_radio, wmean(s["vswr"], radio_on.astype(float)), np.nan)
    tn = R(s["tn_ok"]).astype(float) * (rng.random(P) > c.tn_miss)[:, None]  # TWAMP result sometimes late/missing
    m["TN.TwampRttMean"] = np.where(tn.sum(1) > 0, wmean(s["rtt"], tn), np.nan)
    m["TN.TwampLossPct"] = np.where(tn.sum(1) > 0, wmean(s["loss"], tn), np.nan)
    # cumulative counters (since last restart)
    seg = np.cumsum(s["reset"])
    cum = {}
    for name, inc in (("DRB.PdcpSduVolumeDL", s["served"] * dt), ("DRB.PdcpSduVolumeUL", s["served_ul"] * dt),
                      ("RRC.ConnEstabAtt", s["att"]), ("RRC.ConnEstabSucc", s["succ"]),
                      ("RACH.PreambleACell", s["rach"]), ("HO.ExeAtt", s["ho_att"]), ("HO.ExeSucc", s["ho_succ"])):
        cs = np.cumsum(inc.astype(float))
        starts = np.concatenate([[0], np.nonzero(s["reset"])[0]])
        base = np.concatenate([[0.0], cs[starts[1:] - 1]])
        cum[name] = (cs - base[seg])[k - 1::k][:P]
    m.update(cum)
    # sample presence and labels
    down = R(s["agent_down"])
    present = ~((down.mean(1) >= 0.5) | down[:, -1])
    present &= rng.random(P) > 0.004  # ordinary one-period reporting gaps
    fid = R(s["fault_id"])
    # labelled when at least half of the period lies inside the fault, or when the
    # period contains a restart (its counters were reset)
    infault = ((fid >= 0).mean(1) >= 0.5) | (R(s["reset"]).any(1) & (fid >= 0).any(1))
    lab_id = np.where(infault, fid.max(1), -1)
    ts_end = t[k - 1::k][:P]
    jitter = rng.uniform(0.05, 1.6, P)
    miss_pwr = not c.has_power
    out = []
    seq = 0
    names = list(METRIC_DEC.keys())
    arrs = {nm: m[nm] for nm in names}
    for p in range(P):
        if not present[p]:
            continue
        met = {}
        for nm in names:
            if nm == "RU.VswrMean" and not c.has_vswr:
                continue
            if nm == "PEE.AvgPower" and miss_pwr:
                continue
            v = arrs[nm][p]
            if not np.isfinite(v):
                continue
            d = METRIC_DEC[nm]
            met[nm] = int(round(v)) if d == 0 else round(float(v), d)
        rec = {"v": 1, "cell": c.id, "ts": round(float(ts_end[p] + jitter[p]), 3), "seq": seq, "metrics": met}
        if lab_id[p] >= 0:
            rec["label"] = c.faults[lab_id[p]]["kind"]
        out.append(rec)
        seq += 1
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--cells", type=int, default=16)
    ap.add_argument("--days", type=int, default=4)
    ap.add_argument("--period", type=int, default=300)
    ap.add_argument("--out", required=True)
    ap.add_argument("--truth", default=None, help="ground-truth JSON (default: OUT with .truth.json)")
    a = ap.parse_args(argv)
    rng = np.random.default_rng(a.seed)
    period = a.period
    dt = 60 if (period >= 60 and period % 60 == 0) else period
    k = period // dt

    # calendar: the window contains a public holiday (not on the first day when possible)
    # and at least one ordinary weekend day
    def has_weekend(sd, hol_):
        return any((sd + dtm.timedelta(days=d)).weekday() >= 5 and sd + dtm.timedelta(days=d) != hol_
                   for d in range(a.days))
    cands = [(h, nm, kk) for h, nm in HOLIDAYS for kk in range(1, max(a.days, 2))
             if kk < a.days and has_weekend(h - dtm.timedelta(days=kk), h)]
    if not cands:
        cands = [(h, nm, kk) for h, nm in HOLIDAYS for kk in range(0, max(a.days, 1))]
    hol, hol_name, kh = cands[int(rng.integers(len(cands)))]
    start_date = hol - dtm.timedelta(days=kh)
    t0_guess = dtm.datetime(start_date.year, start_date.month, start_date.day, tzinfo=dtm.timezone.utc).timestamp()
    t0 = t0_guess - float(tz_offset_h(t0_guess)) * 3600.0  # local midnight
    n = a.days * 86400 // dt
    t = t0 + dt * (np.arange(n) + 1.0)  # sub-step end times
    t_end = t0 + a.days * 86400
    tzh = tz_offset_h(t)
    t_loc_h = (t - dt / 2 - t0) / 3600.0 + (tzh - float(tz_offset_h(t0))) * 1.0
    dtypes = day_types(start_date, a.days, hol)

    city = str(rng.choice(["KRW", "ODB", "HLS", "WZN", "BRG", "TML"]))
    cells, venues = make_cells(rng, a.cells, city)
    Ls = [profile_series(rng, c, dtypes, t_loc_h) for c in cells]
    area = np.mean([L / max(L.max(), 1e-9) for L in Ls], axis=0)
    area = area / area.max()
    amb, sun, daily_means = weather(rng, start_date, a.days, t_loc_h)
    events = schedule_events(rng, cells, venues, t0, a.days, dtypes)
    schedule_faults(rng, cells, t0, t_end, a.days, period)

    recs = []
    for c, L in zip(cells, Ls):
        s = simulate_cell(rng, c, t, dt, t_loc_h, L, area, amb, sun, period, k)
        recs.extend(aggregate(rng, c, s, t, dt, k, period))
    recs.sort(key=lambda r: (r["ts"], r["cell"]))
    with open(a.out, "w") as fh:
        for r in recs:
            fh.write(json.dumps(r, separators=(",", ":")) + "\n")

    faults = [f for c in cells for f in c.faults]
    truth = {
        "seed": a.seed, "cells": a.cells, "days": a.days, "period_s": period,
        "start_utc": dtm.datetime.fromtimestamp(t0, dtm.timezone.utc).isoformat(),
        "holiday": {"date": hol.isoformat(), "name": hol_name},
        "day_types": dict(zip([(start_date + dtm.timedelta(days=d)).isoformat() for d in range(a.days)],
                              dtypes[1:a.days + 1])),
        "daily_mean_temp_c": [round(x, 1) for x in daily_means[1:a.days + 1]],
        "cell_info": [{"cell": c.id, "type": c.ctype, "tech": c.tech, "backhaul": c.backhaul,
                       "indoor": bool(c.indoor), "peak_users": round(c.peak, 1), "has_vswr": bool(c.has_vswr),
                       "has_power": bool(c.has_power)} for c in cells],
        "crowd_events": [{**{k2: (round(v2, 1) if isinstance(v2, float) else v2) for k2, v2 in ev.items()},
                          "start_utc": dtm.datetime.fromtimestamp(ev["start"], dtm.timezone.utc).isoformat()}
                         for ev in events],
        "faults": [{**{k2: (round(v2, 3) if isinstance(v2, float) else v2) for k2, v2 in f.items()},
                    "start_utc": dtm.datetime.fromtimestamp(f["start"], dtm.timezone.utc).isoformat(),
                    "duration_min": round((f["end"] - f["start"]) / 60, 1)} for f in faults],
    }
    tpath = a.truth or (a.out[:-6] if a.out.endswith(".jsonl") else a.out) + ".truth.json"
    with open(tpath, "w") as fh:
        json.dump(truth, fh, indent=1)

    # summary
    kinds = {kd: 0 for kd in KINDS}
    for f in faults:
        kinds[f["kind"]] += 1
    nlab = sum(1 for r in recs if "label" in r)
    print(f"{a.out}: seed={a.seed} cells={a.cells} days={a.days} period={period}s "
          f"start={truth['start_utc']} holiday={hol.isoformat()} ({hol_name})")
    print(f"  samples: {len(recs)} (labelled {nlab})")
    print(f"  faults: {len(faults)} total; " + ", ".join(f"{kd}={v}" for kd, v in kinds.items()))
    print(f"  subtle faults: {sum(f['subtle'] for f in faults)}")
    vc = [c for c in cells if c.ctype == "venue"]
    print(f"  venue cells: {len(vc)} ({', '.join(c.id for c in vc)})")
    print(f"  crowd events: {len(events)}")
    for ev in events:
        st = dtm.datetime.fromtimestamp(ev["start"], dtm.timezone.utc)
        print(f"    {ev['venue']} {ev['kind']} {st:%Y-%m-%d %H:%MZ} {(ev['end'] - ev['start']) / 3600:.1f} h "
              f"cells={ev['cells']} spill-over neighbour={ev['neighbour']}")


if __name__ == "__main__":
    main()
