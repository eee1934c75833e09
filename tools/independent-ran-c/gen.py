#!/usr/bin/env python3
"""Independent generator of labelled small-cell (4G/5G) performance telemetry.

Written blind (see README.md). Python 3.11 + numpy only. All randomness comes
from --seed; the same arguments give byte-identical output.

    python3 gen.py --seed N --cells C --days D --period S --out FILE.jsonl [--start-weekday W]

Writes FILE.jsonl (JSON Lines samples) and FILE.truth.json (ground truth).
"""
import argparse
import datetime as dt
import json
import math
import os

import numpy as np

KINDS = ["sleeping_cell", "ul_interference", "congestion", "backhaul_degradation",
         "hardware_fault", "software_restart", "misconfiguration"]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
BASE_DATE = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc)  # a Monday
WRAP32 = 2 ** 32

# Hourly shapes (value at hh:30, local time == UTC), weekday and Saturday.
PROFILES = {
    "office": (
        [.06, .05, .04, .04, .04, .06, .12, .35, .70, .90, .95, .93, .80, .88, .95, .92, .85, .65, .40, .25, .18, .14, .10, .08],
        [.06, .05, .04, .04, .04, .05, .06, .08, .10, .13, .16, .18, .18, .18, .17, .16, .14, .12, .11, .10, .09, .08, .07, .06],
        0.8),
    "residential": (
        [.30, .18, .11, .08, .07, .09, .22, .45, .50, .38, .33, .34, .38, .37, .36, .40, .50, .62, .75, .88, .97, 1.0, .85, .55],
        [.40, .25, .15, .10, .08, .08, .12, .22, .38, .52, .62, .68, .72, .70, .68, .70, .74, .80, .86, .93, .98, 1.0, .88, .62],
        0.95),
    "transit_hub": (
        [.08, .03, .02, .02, .03, .12, .55, 1.0, .95, .55, .42, .45, .50, .45, .45, .55, .80, 1.0, .90, .55, .38, .30, .22, .14],
        [.12, .05, .02, .02, .02, .05, .12, .20, .30, .40, .48, .52, .55, .55, .55, .55, .52, .50, .45, .40, .35, .30, .25, .18],
        0.8),
    "venue": (
        [.04, .03, .02, .02, .02, .03, .05, .10, .15, .18, .20, .22, .25, .24, .22, .22, .24, .28, .30, .28, .22, .15, .09, .06],
        [.05, .04, .03, .02, .02, .03, .05, .10, .18, .28, .35, .40, .42, .42, .40, .38, .38, .38, .36, .32, .25, .18, .12, .08],
        1.0),
    "campus": (
        [.20, .12, .07, .05, .05, .06, .10, .30, .70, .90, .95, .90, .85, .90, .92, .88, .75, .60, .55, .58, .60, .55, .45, .30],
        [.25, .18, .10, .07, .06, .06, .08, .12, .20, .30, .38, .42, .45, .45, .44, .42, .42, .44, .46, .48, .48, .44, .38, .30],
        0.85),
}
TYPE_PARAMS = {
    #               peak users   rrc/user/s  ho/user/s  indoor_p  nr_p
    "office":      ((70, 130), 0.005, 0.0008, 0.5, 0.5),
    "residential": ((50, 100), 0.004, 0.0004, 0.2, 0.4),
    "transit_hub": ((90, 170), 0.007, 0.0040, 0.3, 0.6),
    "venue":       ((60, 100), 0.005, 0.0010, 0.5, 0.7),
    "campus":      ((70, 130), 0.005, 0.0008, 0.4, 0.6),
}


def ar1(rng, n, dt_s, tau_s, sd):
    """Stationary AR(1) noise with correlation time tau_s, std sd."""
    a = math.exp(-dt_s / tau_s)
    e = rng.normal(0.0, sd * math.sqrt(1 - a * a), n)
    out = np.empty(n)
    x = rng.normal(0.0, sd)
    for i in range(n):
        x = a * x + e[i]
        out[i] = x
    return out


def lowpass(x, dt_s, tau_s, x0):
    a = 1.0 - math.exp(-dt_s / tau_s)
    out = np.empty(len(x))
    y = x0
    for i, v in enumerate(x.tolist()):
        y += a * (v - y)
        out[i] = y
    return out


def parse_weekday(s):
    if s is None:
        return 0
    s = s.strip().lower()
    if s.isdigit():
        return int(s) % 7
    for i, w in enumerate(WEEKDAYS):
        if s.startswith(w):
            return i
    raise SystemExit("--start-weekday: use 0-6 (Mon=0) or a day name")


def iso(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def trapezoid(t, a, b, up, down):
    """1 inside [a+up, b-down], linear ramps, 0 outside [a, b)."""
    y = np.zeros_like(t)
    m = (t >= a) & (t < b)
    ramp_up = np.clip((t - a) / max(up, 1.0), 0, 1)
    ramp_dn = np.clip((b - t) / max(down, 1.0), 0, 1)
    y[m] = np.minimum(ramp_up, ramp_dn)[m]
    return y


def overlaps(a, b, intervals, margin):
    for iv in intervals:
        c, d = iv[0], iv[1]
        if a < d + margin and c < b + margin:
            return True
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--cells", type=int, default=12)
    ap.add_argument("--days", type=float, default=4)
    ap.add_argument("--period", type=int, default=300, help="reporting period, seconds")
    ap.add_argument("--out", required=True)
    ap.add_argument("--start-weekday", default=None, help="0-6 (Mon=0) or name; start is 2026-03-02 moved forward to that weekday")
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    C, S = args.cells, args.period
    if C < 1 or S < 1 or args.days <= 0:
        raise SystemExit("bad arguments")
    wd0 = parse_weekday(args.start_weekday)
    start_dt = BASE_DATE + dt.timedelta(days=wd0)
    T0 = start_dt.timestamp()
    total = int(round(args.days * 86400 / S)) * S        # run length, s (whole periods)
    ndays = int(math.ceil(total / 86400))

    f = math.gcd(S, 60) if S >= 60 else S                 # fine simulation step
    k = S // f
    nf = total // f
    ns = nf // k
    tf = np.arange(nf) * f + f / 2.0                       # fine step mid-times, s from start
    hf = tf / 3600.0

    # ---------------- calendar: weekend + one public holiday ----------------
    day_wd = [(wd0 + d) % 7 for d in range(ndays + 1)]
    cand = [d for d in range(1, ndays) if day_wd[d] < 5]
    holiday = int(rng.choice(cand)) if cand else None
    day_type = []
    for d in range(ndays + 1):
        if d == holiday or day_wd[d] == 6:
            day_type.append("sunday_or_holiday")
        elif day_wd[d] == 5:
            day_type.append("saturday")
        else:
            day_type.append("weekday")

    # ---------------- shared weather ----------------
    wmean = [float(rng.uniform(4, 14))]
    for d in range(ndays + 1):
        step = rng.normal(0, 2.0) + (rng.choice([-5.0, 5.0]) if rng.random() < 0.15 else 0.0)
        wmean.append(wmean[-1] + step)
    wamp = rng.uniform(2.5, 6.5, ndays + 2)
    # daily means anchored at 14:00 of day d-1..ndays, smooth interpolation
    anchors = np.array([(d - 1) * 24 + 14 for d in range(ndays + 2)], float)
    amb_mean = np.interp(hf, anchors, wmean)
    amb_amp = np.interp(hf, anchors, wamp)
    ambient = amb_mean + amb_amp * np.cos(2 * np.pi * (hf % 24 - 15) / 24)

    # ---------------- cells ----------------
    types = list(PROFILES)
    order = list(rng.permutation(types))
    cell_types = [order[i] if i < len(order) else str(rng.choice(types, p=[.22, .3, .16, .14, .18]))
                  for i in range(C)]
    perm = rng.permutation(C)
    cell_types = [cell_types[i] for i in perm]
    n_es = int(round(C / 3.0))
    es_cells = set(int(x) for x in rng.choice(C, n_es, replace=False))
    n_ls = 1 if C < 8 else int(rng.integers(1, 3))
    ls_cells = set(int(x) for x in rng.choice(C, min(n_ls, C), replace=False))

    cells = []
    site = int(rng.integers(100, 400))
    for i in range(C):
        ct = cell_types[i]
        (pu_lo, pu_hi), rrc_rate, ho_rate, indoor_p, nr_p = TYPE_PARAMS[ct]
        if i % 3 == 0 and i > 0:
            site += int(rng.integers(1, 9))
        nr = bool(rng.random() < nr_p)
        indoor = bool(rng.random() < indoor_p)
        if nr:
            bw = int(rng.choice([40, 100], p=[0.6, 0.4])) if ct != "venue" else 40
            cap = float(rng.uniform(250, 330) if bw == 40 else rng.uniform(650, 850))
        else:
            bw = 20
            cap = float(rng.uniform(115, 160))
        name = "sc%03d-%s%d" % (site, "nr" if nr else "lte", i % 3 + 1)
        c = {
            "cell": name, "type": ct, "tech": "NR" if nr else "LTE", "bandwidth_mhz": bw,
            "indoor_pico": indoor, "cap_dl_mbps": round(cap, 1),
            "cap_ul_mbps": round(cap * (0.25 if nr else 0.32), 1),
            "peak_users": round(float(rng.uniform(pu_lo, pu_hi)), 1),
            "dl_mbps_per_user": round(float(rng.uniform(0.6, 1.1)), 3),
            "ul_ratio": round(float(rng.uniform(0.10, 0.17)), 3),
            "rrc_att_per_user_s": round(rrc_rate * float(rng.uniform(0.8, 1.25)), 5),
            "ho_per_user_s": round(ho_rate * float(rng.uniform(0.7, 1.4)), 5),
            "growth_per_day": round(float(rng.uniform(0.0, 0.03)), 4),
            "day_sigma": round(float(rng.uniform(0.06, 0.14)), 3),
            "rrc_succ_base": round(float(rng.uniform(0.993, 0.999)), 4),
            "rach_succ_base": round(float(rng.uniform(0.955, 0.988)), 4),
            "ho_succ_base": round(float(rng.uniform(0.975, 0.995)), 4),
            "bler_base": round(float(rng.uniform(0.05, 0.09)), 4),
            "ul_floor_dbm": round(float(rng.uniform(-119, -114.5)), 2),
            "ul_sinr_base_db": round(float(rng.uniform(11, 16)), 2),
            "cqi_base": round(float(rng.uniform(9.0, 11.5)), 2),
            "rlc_delay_base_ms": round(float(rng.uniform(4, 10)), 2),
            "tn_rtt_base_ms": round(float(rng.uniform(3, 9) if rng.random() < 0.6 else rng.uniform(9, 22)), 2),
            "tn_loss_base_pct": round(float(10 ** rng.uniform(-3, -1.7)), 5),
            "temp_rise_c": round(float(rng.uniform(4, 8) if indoor else rng.uniform(7, 13)), 2),
            "temp_load_c": round(float(rng.uniform(4, 9)), 2),
            "thermal_tau_min": round(float(rng.uniform(35, 100)), 1),
            "microclimate_c": round(float(rng.normal(0, 1.0)), 2),
            "vswr_base": None if indoor else round(float(rng.uniform(1.12, 1.35)), 3),
            "energy_saving": None, "level_shift": None,
        }
        c["day_factors"] = [round(float(x), 4) for x in np.exp(rng.normal(0, c["day_sigma"], ndays + 1))]
        metrics = ["RRU.PrbTotDl", "RRU.PrbTotUl", "RRC.ConnMean", "RRC.ConnMax",
                   "DRB.UEThpDl", "DRB.UEThpUl", "DRB.PdcpSduVolumeDL", "DRB.PdcpSduVolumeUL",
                   "RRC.ConnEstabAtt", "RRC.ConnEstabSucc", "RACH.AccessAtt", "RACH.AccessSucc",
                   "MM.HoExeIntraReq", "MM.HoExeIntraSucc", "TB.TotNbrDl", "TB.ErrTotalNbrDl",
                   "RRU.UlIntfPwrMean", "L1M.UlSinrMean", "DRB.RlcSduDelayDl",
                   "TN.RttMeanMs", "TN.PktLossPct", "EQ.TempC"]
        if not indoor:
            metrics.append("EQ.Vswr")
        if nr:
            metrics += ["MM.HoExeInterReq", "MM.HoExeInterSucc"]
        else:
            metrics.append("CARR.CqiMeanDl")
        c["metrics"] = metrics
        cells.append(c)
    # unique names (site/sector collisions are impossible by construction, but be safe)
    seen = {}
    for c in cells:
        if c["cell"] in seen:
            seen[c["cell"]] += 1
            c["cell"] += "x%d" % seen[c["cell"]]
        else:
            seen[c["cell"]] = 0

    benign = []
    if holiday is not None:
        benign.append({"cell": "*", "kind": "public_holiday", "start": T0 + holiday * 86400,
                       "end": T0 + (holiday + 1) * 86400, "start_iso": iso(T0 + holiday * 86400)})
    for d in range(ndays):
        if day_wd[d] >= 5:
            benign.append({"cell": "*", "kind": "weekend_day", "start": T0 + d * 86400,
                           "end": T0 + (d + 1) * 86400, "start_iso": iso(T0 + d * 86400)})

    # per-cell benign schedules
    crowd = {i: [] for i in range(C)}
    es_windows = {i: [] for i in range(C)}
    for i, c in enumerate(cells):
        if i in es_cells:
            s0 = float(rng.uniform(0.6, 1.4)) * 3600
            e0 = float(rng.uniform(5.0, 6.0)) * 3600
            c["energy_saving"] = {"nightly_off_from": "%02d:%02d" % divmod(int(s0 // 60), 60),
                                  "nightly_off_to": "%02d:%02d" % divmod(int(e0 // 60), 60)}
            for d in range(ndays):
                a = d * 86400 + s0 + rng.normal(0, 120)
                b = d * 86400 + e0 + rng.normal(0, 120)
                if a < total:
                    b = min(b, total)
                    es_windows[i].append((a, b))
                    benign.append({"cell": c["cell"], "kind": "energy_saving", "start": T0 + a,
                                   "end": T0 + b, "start_iso": iso(T0 + a)})
        if c["type"] == "venue":
            n = 1 + int(rng.poisson(0.35 * ndays))
            for _ in range(n):
                for _try in range(50):
                    d = int(rng.integers(0, ndays))
                    wknd = day_type[d] != "weekday"
                    st = d * 86400 + (rng.uniform(12, 17) if wknd and rng.random() < 0.6 else rng.uniform(16.5, 20)) * 3600
                    du = float(rng.uniform(1, 4)) * 3600
                    en = min(st + du, d * 86400 + 23.9 * 3600)
                    if en <= total and en - st >= 3600 and not overlaps(st, en, crowd[i], 3600):
                        mult = float(rng.uniform(5, 10))
                        up = float(rng.uniform(20, 45)) * 60
                        dn = float(rng.uniform(15, 30)) * 60
                        crowd[i].append((st, en, mult, up, dn))
                        benign.append({"cell": c["cell"], "kind": "crowd_event", "start": T0 + st,
                                       "end": T0 + en, "start_iso": iso(T0 + st),
                                       "user_multiplier": round(mult, 2),
                                       "ramp_up_min": round(up / 60, 1), "ramp_down_min": round(dn / 60, 1)})
                        break
        if i in ls_cells:
            t_ls = float(rng.uniform(0.35, 0.75)) * total
            fac = float(rng.uniform(0.5, 0.7))
            c["level_shift"] = {"at": T0 + t_ls, "at_iso": iso(T0 + t_ls), "load_factor": round(fac, 3),
                                "ramp_min": 30, "cause": "neighbour site launched"}
            benign.append({"cell": c["cell"], "kind": "level_shift", "start": T0 + t_ls, "end": None,
                           "start_iso": iso(T0 + t_ls), "load_factor": round(fac, 3)})

    # ---------------- faults ----------------
    rates = rng.gamma(1.5, 1 / 1.5, C)
    elig_days = max(0.0, (total - 86400) / 86400)
    counts = [int(min(rng.poisson(rates[i] * elig_days), max(0, int(elig_days * 3)))) for i in range(C)]
    nfault = sum(counts)
    # kinds balanced across the file: counts differ by at most one
    full = KINDS * (nfault // len(KINDS))
    extra = [KINDS[j] for j in rng.permutation(len(KINDS))[: nfault - len(full)]]
    kinds_pool = full + extra
    kinds_pool = [kinds_pool[j] for j in rng.permutation(len(kinds_pool))]
    faults = []
    fault_iv = {i: [] for i in range(C)}
    kp = 0
    for i in range(C):
        for _ in range(counts[i]):
            kind = kinds_pool[kp]
            kp += 1
            for _try in range(300):
                if kind == "software_restart":
                    du = float(rng.uniform(25, 75)) * 60
                else:
                    du = float(math.exp(rng.uniform(math.log(20 * 60), math.log(6 * 3600))))
                lo, hi = 86400.0, total - du
                if hi <= lo:
                    continue
                st = float(rng.uniform(lo, hi))
                en = st + du
                if overlaps(st, en, fault_iv[i], 3600):
                    continue
                if overlaps(st, en, [(x[0], x[1]) for x in crowd[i]], 1800):
                    continue
                if overlaps(st, en, es_windows[i], 900):
                    continue
                break
            else:
                continue
            fault_iv[i].append((st, en))
            subtle = bool(rng.random() < 0.25)
            mag = float(rng.uniform(0.75, 1.0)) * (0.5 if subtle else 1.0)
            onset, ramp = "step", 0.0
            if kind not in ("software_restart", "misconfiguration") and rng.random() < 0.4:
                onset = "ramp"
                ramp = min(float(rng.uniform(10, 60)) * 60, 0.5 * du)
            fl = {"cell": cells[i]["cell"], "kind": kind, "start": round(T0 + st, 3), "end": round(T0 + en, 3),
                  "start_iso": iso(T0 + st), "end_iso": iso(T0 + en), "duration_min": round(du / 60, 1),
                  "magnitude": round(mag, 3), "onset": onset, "ramp_min": round(ramp / 60, 1),
                  "subtle": subtle, "_i": i, "_st": st, "_en": en, "_ramp": ramp}
            if kind == "hardware_fault":
                fl["variant"] = "pa_overheat" if cells[i]["vswr_base"] is None or rng.random() < 0.5 else "antenna_vswr"
                fl["temp_add_c"] = round(float(rng.uniform(12, 22)), 1)
                fl["vswr_add"] = round(float(rng.uniform(0.8, 2.0)), 2)
            elif kind == "misconfiguration":
                fl["variant"] = str(rng.choice(["neighbour_handover", "access_parameters"]))
            elif kind == "backhaul_degradation":
                fl["rtt_add_ms"] = round(float(rng.uniform(25, 150)), 1)
                fl["loss_add_pct"] = round(float(rng.uniform(1, 6)), 2)
            elif kind == "ul_interference":
                fl["intf_add_db"] = round(float(rng.uniform(8, 20)), 1)
            elif kind == "sleeping_cell":
                fl["drain_tau_min"] = round(float(rng.uniform(6, 20)), 1)
            elif kind == "software_restart":
                nres = 1 if du < 50 * 60 or rng.random() < 0.5 else 2
                rs = [st + float(rng.uniform(0, 4)) * 60]
                if nres == 2:
                    rs.append(st + float(rng.uniform(0.4, 0.6)) * du)
                outs = [float(rng.uniform(3, 10)) * 60 for _ in rs]
                fl["restarts"] = [{"at": round(T0 + r, 3), "at_iso": iso(T0 + r), "outage_min": round(o / 60, 1)}
                                  for r, o in zip(rs, outs)]
                fl["_rs"] = list(zip(rs, outs))
                fl["recovery_tau_min"] = round(float(rng.uniform(4, 12)), 1)
            faults.append(fl)

    # ---------------- simulate each cell ----------------
    records = []   # (ts, cell_index, order, line)
    collection = []
    for i, c in enumerate(cells):
        prof_wd, prof_sat, sun_f = PROFILES[c["type"]]
        hourly = []
        for d in range(ndays + 1):
            dtp = day_type[d]
            base = prof_wd if dtp == "weekday" else prof_sat
            fac = sun_f if dtp == "sunday_or_holiday" else 1.0
            hourly += [v * fac * c["day_factors"][d] for v in base]
        hx = np.arange(len(hourly)) + 0.5
        shape = np.interp(hf, hx, hourly)
        growth = (1 + c["growth_per_day"]) ** (hf / 24)
        ls = np.ones(nf)
        ho_ls = np.ones(nf)
        if c["level_shift"]:
            t_ls = c["level_shift"]["at"] - T0
            r = np.clip((tf - t_ls) / 1800.0, 0, 1)
            ls = 1 - r * (1 - c["level_shift"]["load_factor"])
            ho_ls = 1 + 0.25 * r
        cm = np.ones(nf)
        crowd_frac = np.zeros(nf)
        for (a, b, mult, up, dn) in crowd[i]:
            tr = trapezoid(tf, a, b, up, dn)
            cm *= 1 + (mult - 1) * tr
            crowd_frac = np.maximum(crowd_frac, tr)
        dorm = np.zeros(nf)
        for (a, b) in es_windows[i]:
            dorm[(tf >= a) & (tf < b)] = 1.0

        # fault severity arrays
        sev = {kd: np.zeros(nf) for kd in KINDS}
        dead = np.zeros(nf, bool)
        resets = []
        sleep_mult = np.ones(nf)
        reattach = np.zeros(nf)     # extra attach attempts per second
        recov = np.ones(nf)
        hw_var, mis_var = np.zeros(nf, int), np.zeros(nf, int)
        fparams = {}
        myf = [fl for fl in faults if fl["_i"] == i]
        for fl in myf:
            st, en, ramp, m = fl["_st"], fl["_en"], fl["_ramp"], fl["magnitude"]
            inside = (tf >= st) & (tf < en)
            shp = np.where(inside, np.clip((tf - st) / ramp, 0, 1) if ramp > 0 else 1.0, 0.0)
            sev[fl["kind"]] = np.maximum(sev[fl["kind"]], m * shp)
            if fl["kind"] == "sleeping_cell":
                tau = fl["drain_tau_min"] * 60
                drain = np.where(inside, 1 - np.exp(-np.clip(tf - st, 0, None) / tau), 0.0)
                sleep_mult = np.minimum(sleep_mult, 1 - 0.97 * m * shp * drain)
            elif fl["kind"] == "software_restart":
                tau = fl["recovery_tau_min"] * 60
                for (r, o) in fl["_rs"]:
                    dead |= (tf + f / 2 > r) & (tf - f / 2 < r + o)
                    up = r + o
                    resets.append(up)
                    after = tf >= up
                    el = np.clip(tf - up, 0, None)
                    rec = np.where(after, 1 - np.exp(-el / tau), 1.0)
                    recov = np.minimum(recov, np.where(tf >= r, rec, 1.0))
                    reattach += np.where(after, np.exp(-el / tau) / tau, 0.0)
            elif fl["kind"] == "hardware_fault":
                hw_var[inside] = 1 if fl["variant"] == "antenna_vswr" else 2
                fparams["hw"] = fl
            elif fl["kind"] == "misconfiguration":
                mis_var[inside] = 1 if fl["variant"] == "neighbour_handover" else 2
            fparams.setdefault(fl["kind"], []).append(fl)
        recov[dead] = 0.0

        def per_fault_param(kind, key, default):
            arr = np.full(nf, default)
            for fl in fparams.get(kind, []):
                arr[(tf >= fl["_st"]) & (tf < fl["_en"])] = fl[key]
            return arr

        s_sl, s_ui, s_cg = sev["sleeping_cell"], sev["ul_interference"], sev["congestion"]
        s_bh, s_hw, s_mc = sev["backhaul_degradation"], sev["hardware_fault"], sev["misconfiguration"]
        s_vs = np.where(hw_var == 1, s_hw, 0.0)
        s_pa = np.where(hw_var == 2, s_hw, 0.0)
        s_ho = np.where(mis_var == 1, s_mc, 0.0)
        s_ac = np.where(mis_var == 2, s_mc, 0.0)

        # ----- traffic -----
        z_u = ar1(rng, nf, f, 1800, 0.12)
        z_d = ar1(rng, nf, f, 600, 0.22)
        awake = 1 - 0.985 * dorm
        u_nom = c["peak_users"] * shape * growth * ls * cm * np.exp(z_u) * awake
        fault_u = sleep_mult * (1 + 0.6 * s_cg) * (1 - 0.25 * s_vs) * (1 - 0.15 * s_pa) * (1 - 0.2 * s_ac)
        U = u_nom * fault_u * recov
        demand = c["dl_mbps_per_user"] * np.exp(z_d) * (1 + 0.1 * crowd_frac)
        off_dl = U * demand
        off_ul = off_dl * c["ul_ratio"] * (1 + 0.8 * crowd_frac)
        eff = (1 - 0.5 * s_vs) * (1 - 0.4 * s_pa)            # spectral efficiency factor
        cap_dl = c["cap_dl_mbps"] * eff
        cap_ul = c["cap_ul_mbps"] * (1 - 0.6 * s_ui)
        xdl = off_dl / cap_dl * (1 + 3 * s_cg) + 0.02 * awake
        xul = off_ul / cap_ul + 0.015 * awake
        util_dl = xdl / (1 + (xdl / 0.95) ** 6) ** (1 / 6)
        util_ul = xul / (1 + (xul / 0.95) ** 6) ** (1 / 6)
        util_dl = util_dl + s_cg * (0.995 - util_dl)
        util_dl = util_dl * (1 - 0.4 * s_bh)
        util_ul = util_ul + 0.5 * s_ui * (1 - util_ul)
        util_dl = np.clip(util_dl + rng.normal(0, 0.005, nf) * awake, 0, 1)
        util_ul = np.clip(util_ul + rng.normal(0, 0.005, nf) * awake, 0, 1)
        served_dl = np.minimum(off_dl * (1 + 3 * s_cg), cap_dl * 0.95) * (1 - 0.55 * s_bh)
        served_ul = np.minimum(off_ul, cap_ul * 0.95) * (1 - 0.45 * s_bh)
        ue_peak_dl = c["cap_dl_mbps"] * 0.6 * 1000
        ue_peak_ul = c["cap_ul_mbps"] * 0.5 * 1000
        ld = np.minimum(util_dl, 0.985)
        lu = np.minimum(util_ul, 0.985)
        thp_dl = ue_peak_dl * eff * (0.25 + 0.75 * (1 - ld) ** 1.2) * np.exp(rng.normal(0, 0.08, nf)) \
            * (1 - 0.85 * s_cg) * (1 - 0.7 * s_bh)
        thp_ul = ue_peak_ul * (0.25 + 0.75 * (1 - lu) ** 1.2) * np.exp(rng.normal(0, 0.1, nf)) \
            * (1 - 0.75 * s_ui) * (1 - 0.6 * s_bh)
        bursts_dl = rng.poisson(U * 0.7 * f / 60)
        bursts_ul = rng.poisson(U * 0.5 * f / 60)
        delay = (c["rlc_delay_base_ms"] + 2.0 * ld / (1 - ld)) * (1 + 8 * s_cg) * (1 + 0.3 * s_hw) \
            * np.exp(rng.normal(0, 0.07, nf))

        # ----- accessibility / mobility -----
        p_rrc = c["rrc_succ_base"] * (1 - 0.2 * s_cg) * (1 - 0.25 * s_ac) * (1 - 0.08 * s_ui) * (1 - 0.03 * s_bh) \
            * (1 - 0.02 * s_hw) * (1 - 0.05 * np.clip(util_dl - 0.97, 0, None) / 0.03)
        p_rach = c["rach_succ_base"] * (1 - 0.5 * s_ac) * (1 - 0.3 * s_ui)
        p_ho = c["ho_succ_base"] * (1 - 0.55 * s_ho) * (1 - 0.06 * s_ui) * (1 - 0.06 * s_hw)
        # a sleeping cell is not found by idle UEs: new access drains faster than the users
        att_mult = (1 + 0.5 * s_cg) * (1 + 0.8 * s_ac) * (1 + 0.3 * s_ho) * sleep_mult
        alive = (~dead).astype(float)
        rrc_rate = (U * c["rrc_att_per_user_s"] + 0.004 * awake * sleep_mult) * att_mult + u_nom * reattach * 2.0
        rrc_att = rng.poisson(rrc_rate * f * alive)
        rrc_succ = rng.binomial(rrc_att, np.clip(p_rrc, 0, 1))
        ho_rate = U * c["ho_per_user_s"] * ho_ls * (1 + 1.0 * s_ho)
        ho_att = rng.poisson(ho_rate * f * alive)
        ho_succ = rng.binomial(ho_att, np.clip(p_ho, 0, 1))
        hoi_att = rng.poisson(U * c["ho_per_user_s"] * 0.15 * f * alive)
        hoi_succ = rng.binomial(hoi_att, np.clip(p_ho - 0.03, 0, 1))
        rach_extra = rng.poisson((U * 0.002 + 0.01 * awake) * f * alive * np.clip(att_mult, 0, 1.5))
        rach_att = rng.binomial(rrc_att, 0.97) + rng.poisson(ho_rate * 0.9 * f * alive) + rach_extra
        rach_succ = rng.binomial(rach_att, np.clip(p_rach, 0, 1))
        bler = np.clip(c["bler_base"] + 0.2 * s_vs + 0.12 * s_pa + 0.01 * rng.normal(0, 1, nf), 0.005, 0.9)
        tb_tot = rng.poisson((served_dl * 1000 / 24.0 + 30 * awake) * f * alive)
        tb_err = rng.binomial(tb_tot, bler)
        vol_dl = np.round(served_dl * 1000 * f * alive).astype(np.int64)
        vol_ul = np.round(served_ul * 1000 * f * alive).astype(np.int64)

        # ----- radio gauges -----
        intf_add = s_ui * per_fault_param("ul_interference", "intf_add_db", 0.0) / np.maximum(
            per_fault_param("ul_interference", "magnitude", 1.0), 1e-9)
        intf_add = intf_add * np.exp(ar1(rng, nf, f, 900, 0.25)) * (s_ui > 0)
        ul_intf = c["ul_floor_dbm"] + 10 * np.log10(1 + 1.2 * util_ul) + intf_add + rng.normal(0, 0.3, nf)
        ul_sinr = c["ul_sinr_base_db"] - 2.0 * util_ul - 0.85 * intf_add + rng.normal(0, 0.5, nf)
        cqi = np.clip(c["cqi_base"] - 1.0 * util_dl - 2.5 * s_vs - 1.2 * s_pa + rng.normal(0, 0.2, nf), 1, 15)

        # ----- transport -----
        rtt_add = s_bh * per_fault_param("backhaul_degradation", "rtt_add_ms", 0.0) / np.maximum(
            per_fault_param("backhaul_degradation", "magnitude", 1.0), 1e-9)
        loss_add = s_bh * per_fault_param("backhaul_degradation", "loss_add_pct", 0.0) / np.maximum(
            per_fault_param("backhaul_degradation", "magnitude", 1.0), 1e-9)
        rtt = c["tn_rtt_base_ms"] * np.exp(rng.normal(0, 0.08, nf)) + 3 * util_dl ** 4 \
            + rtt_add * np.exp(rng.normal(0, 0.3, nf))
        loss = c["tn_loss_base_pct"] * np.exp(rng.normal(0, 0.5, nf)) + loss_add * np.exp(rng.normal(0, 0.3, nf))

        # ----- equipment -----
        if c["indoor_pico"]:
            t_env = 21.5 + 0.12 * (ambient - 15) + 0.5 * c["microclimate_c"]
        else:
            t_env = ambient + c["microclimate_c"]
        pa_add = s_pa * per_fault_param("hardware_fault", "temp_add_c", 0.0) / np.maximum(
            per_fault_param("hardware_fault", "magnitude", 1.0), 1e-9)
        load_frac = np.clip(0.6 * util_dl + 0.4 * np.minimum(U / c["peak_users"], 1.5), 0, 1.5)
        t_target = t_env + (c["temp_rise_c"] * (0.35 + 0.65 * awake) + c["temp_load_c"] * load_frac) * alive \
            + pa_add + 3 * s_vs
        temp = lowpass(t_target, f, c["thermal_tau_min"] * 60, float(t_target[0])) + rng.normal(0, 0.1, nf)
        vswr = None
        if c["vswr_base"] is not None:
            vs_add = s_vs * per_fault_param("hardware_fault", "vswr_add", 0.0) / np.maximum(
                per_fault_param("hardware_fault", "magnitude", 1.0), 1e-9)
            vswr = c["vswr_base"] + 0.002 * (temp - 25) + vs_add * np.exp(rng.normal(0, 0.05, nf)) \
                + rng.normal(0, 0.008, nf)
        conn_obs = U * np.exp(rng.normal(0, 0.03, nf))
        conn_peak = U + (1.0 + np.abs(rng.normal(0, 1, nf))) * np.sqrt(U) * (1 + 0.3 * s_cg)

        # ---------------- aggregate fine -> reporting period ----------------
        def R(x):
            return np.asarray(x)[: ns * k].reshape(ns, k)

        dead_s = R(dead).any(axis=1)
        dorm_s = R(dorm).mean(axis=1) >= 0.5
        g_mean = lambda x: R(x).mean(axis=1)
        g_sum = lambda x: R(x).sum(axis=1)
        bdl, bul = g_sum(bursts_dl), g_sum(bursts_ul)
        with np.errstate(invalid="ignore", divide="ignore"):
            thp_dl_s = g_sum(thp_dl * bursts_dl) / bdl
            thp_ul_s = g_sum(thp_ul * bursts_ul) / bul
            sinr_s = g_sum(ul_sinr * bursts_ul) / bul
            cqi_s = g_sum(cqi * bursts_dl) / bdl
            delay_s = g_sum(delay * bursts_dl) / bdl
        vals = {
            "RRU.PrbTotDl": np.round(g_mean(util_dl) * 100, 2),
            "RRU.PrbTotUl": np.round(g_mean(util_ul) * 100, 2),
            "RRC.ConnMean": np.round(g_mean(conn_obs), 1),
            "RRC.ConnMax": np.ceil(R(conn_peak).max(axis=1)),
            "DRB.UEThpDl": np.round(thp_dl_s, 1),
            "DRB.UEThpUl": np.round(thp_ul_s, 1),
            "RACH.AccessAtt": g_sum(rach_att), "RACH.AccessSucc": g_sum(rach_succ),
            "MM.HoExeIntraReq": g_sum(ho_att), "MM.HoExeIntraSucc": g_sum(ho_succ),
            "MM.HoExeInterReq": g_sum(hoi_att), "MM.HoExeInterSucc": g_sum(hoi_succ),
            "RRU.UlIntfPwrMean": np.round(g_mean(ul_intf), 2),
            "L1M.UlSinrMean": np.round(sinr_s, 2),
            "CARR.CqiMeanDl": np.round(cqi_s, 2),
            "DRB.RlcSduDelayDl": np.round(delay_s, 2),
            "TN.RttMeanMs": np.round(g_mean(rtt), 2),
            "TN.PktLossPct": np.round(g_mean(loss), 4),
            "EQ.TempC": np.round(g_mean(temp), 2),
        }
        if vswr is not None:
            vals["EQ.Vswr"] = np.round(g_mean(vswr), 3)
        # cumulative counters: reset to 0 at a software restart; volumes wrap at 2^32
        cum_specs = [("DRB.PdcpSduVolumeDL", vol_dl, True), ("DRB.PdcpSduVolumeUL", vol_ul, True),
                     ("RRC.ConnEstabAtt", rrc_att, False), ("RRC.ConnEstabSucc", rrc_succ, False),
                     ("TB.TotNbrDl", tb_tot, False), ("TB.ErrTotalNbrDl", tb_err, False)]
        reset_idx = sorted(set(int(math.ceil((r - f / 2) / f)) for r in resets))
        off_att = int(rng.integers(0, 5 * 10 ** 7))
        off_tb = int(rng.integers(0, 2 ** 40))
        init = {"DRB.PdcpSduVolumeDL": int(rng.integers(0, WRAP32)), "DRB.PdcpSduVolumeUL": int(rng.integers(0, WRAP32)),
                "RRC.ConnEstabAtt": off_att, "RRC.ConnEstabSucc": int(off_att * c["rrc_succ_base"]),
                "TB.TotNbrDl": off_tb, "TB.ErrTotalNbrDl": int(off_tb * c["bler_base"])}
        for name, inc, wrap in cum_specs:
            inc = np.asarray(inc, dtype=np.int64).copy()
            cs = np.cumsum(inc) + init[name]
            for ri in reset_idx:
                if 0 <= ri < nf:
                    base = cs[ri - 1] if ri > 0 else 0
                    cs[ri:] -= base
            cs = cs[: ns * k].reshape(ns, k)[:, -1]
            if wrap:
                cs = cs % WRAP32
            vals[name] = cs
        omit_radio = dorm_s
        omit = {
            "DRB.UEThpDl": (bdl == 0) | omit_radio, "DRB.UEThpUl": (bul == 0) | omit_radio,
            "L1M.UlSinrMean": (bul == 0) | omit_radio, "CARR.CqiMeanDl": (bdl == 0) | omit_radio,
            "DRB.RlcSduDelayDl": (bdl == 0) | omit_radio, "RRU.UlIntfPwrMean": omit_radio,
            "EQ.Vswr": omit_radio,
        }

        # labels: majority of the period inside the fault window
        t_end_nom = (np.arange(ns) + 1) * S
        labels = [None] * ns
        for fl in myf:
            ov = np.clip(np.minimum(t_end_nom, fl["_en"]) - np.maximum(t_end_nom - S, fl["_st"]), 0, None)
            for j in np.nonzero(ov > S / 2)[0]:
                labels[j] = fl["kind"]

        # collection imperfections
        jitter = rng.uniform(0, 3.0, ns)
        lost = rng.random(ns) < 0.01
        dup = rng.random(ns) < 0.0006
        seq = int(rng.integers(0, 50000))
        n_lost = n_dup = 0
        dup_list = []
        mnames = c["metrics"]
        cols = {m: vals[m].tolist() for m in mnames}
        oms = {m: (omit[m].tolist() if m in omit else None) for m in mnames}
        intm = {"RRC.ConnMax", "RACH.AccessAtt", "RACH.AccessSucc", "MM.HoExeIntraReq", "MM.HoExeIntraSucc",
                "MM.HoExeInterReq", "MM.HoExeInterSucc", "DRB.PdcpSduVolumeDL", "DRB.PdcpSduVolumeUL",
                "RRC.ConnEstabAtt", "RRC.ConnEstabSucc", "TB.TotNbrDl", "TB.ErrTotalNbrDl"}
        for fl in myf:
            fl["labelled_samples"] = 0
        emitted = 0
        for j in range(ns):
            if dead_s[j]:
                continue                       # nothing emitted during an outage
            seq += 1
            if lost[j]:
                n_lost += 1
                continue                       # produced but lost in collection (seq gap)
            ts = round(T0 + float(t_end_nom[j]) + float(jitter[j]), 3)
            met = {}
            for m in mnames:
                o = oms[m]
                if o is not None and o[j]:
                    continue
                v = cols[m][j]
                if m in intm:
                    v = int(v)
                elif not math.isfinite(v):
                    continue
                met[m] = v
            if not met:
                continue
            rec = {"v": 1, "cell": c["cell"], "ts": ts, "seq": seq, "metrics": met}
            if labels[j]:
                rec["label"] = labels[j]
                for fl in myf:
                    if fl["kind"] == labels[j] and fl["_st"] - S < t_end_nom[j] <= fl["_en"] + S:
                        fl["labelled_samples"] += 1
            line = json.dumps(rec, separators=(",", ":"))
            records.append((ts, i, seq, 0, line))
            emitted += 1
            if dup[j]:
                records.append((ts, i, seq, 1, line))
                n_dup += 1
                dup_list.append(ts)
        collection.append({"cell": c["cell"], "samples_emitted": emitted, "lost_in_collection": n_lost,
                           "duplicates": n_dup, "duplicate_ts": dup_list,
                           "outage_periods": int(dead_s.sum())})

    records.sort(key=lambda r: (r[0], r[1], r[3]))
    out = args.out
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        for r in records:
            fh.write(r[4])
            fh.write("\n")

    for fl in faults:
        for key in [k_ for k_ in fl if k_.startswith("_")]:
            del fl[key]
    faults.sort(key=lambda x: (x["start"], x["cell"]))
    benign.sort(key=lambda x: (x["start"], x["cell"], x["kind"]))
    truth = {
        "generator": "independent-ran-c gen.py",
        "args": {"seed": args.seed, "cells": C, "days": args.days, "period": S,
                 "start_weekday": WEEKDAYS[wd0]},
        "start": T0, "start_iso": iso(T0), "end": T0 + total, "end_iso": iso(T0 + total),
        "label_rule": "a sample (period ending at its nominal ts) is labelled when more than half of its period lies inside [start, end) of a fault",
        "calendar": [{"day": d, "date": (start_dt + dt.timedelta(days=d)).strftime("%Y-%m-%d"),
                      "weekday": WEEKDAYS[day_wd[d]], "profile": day_type[d], "holiday": d == holiday}
                     for d in range(ndays)],
        "weather": {"daily_mean_c_at_14h": [round(float(x), 2) for x in wmean[1:ndays + 1]],
                    "daily_amplitude_c": [round(float(x), 2) for x in wamp[1:ndays + 1]]},
        "cells": cells,
        "faults": faults,
        "benign_events": benign,
        "collection": collection,
    }
    with open(out[:-6] + ".truth.json" if out.endswith(".jsonl") else out + ".truth.json", "w",
              encoding="utf-8", newline="\n") as fh:
        json.dump(truth, fh, indent=1, sort_keys=False)
        fh.write("\n")


if __name__ == "__main__":
    main()
