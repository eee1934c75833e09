#!/usr/bin/env python3
"""gen-d: independent, labelled small-cell (4G/5G) PM telemetry generator.

Usage:
  gen.py --seed S --cells C --days D --period P --out FILE.jsonl [--start-weekday mon..sun|0-6]

Writes FILE.jsonl (JSON lines, all cells interleaved in ts order) and
FILE.truth.json (args, per-cell profiles, faults, benign events, delivery log).
The seed is the only source of randomness: same args -> byte-identical output.
See README.md for the model.
"""
import argparse
import datetime as _dt
import json
import math
import os
import sys

import numpy as np

GEN_VERSION = "gen-d 1.0"
STEP = 30                      # internal simulation grid, seconds
FAULT_KINDS = ["sleeping_cell", "ul_interference", "congestion",
               "backhaul_degradation", "hardware_fault", "software_restart",
               "misconfiguration"]
BASE_START = _dt.datetime(2026, 5, 4, tzinfo=_dt.timezone.utc)   # a Monday
LOCAL_OFFSET_H = 2.0           # fixed local civil offset (no DST change in the run)
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
# fictional region calendar: union of common European May public holidays
HOLIDAYS = {(5, 1): "Labour Day", (5, 4): "Early May bank holiday",
            (5, 8): "Victory in Europe Day", (5, 14): "Ascension Day",
            (5, 25): "Whit Monday"}

# ----------------------------------------------------------------------------
# static tables
# ----------------------------------------------------------------------------
TYPE_PARAMS = {
    #                     outdoor prob, peak RRC-connected users, busy-hour DL PRB load,
    #                     HO att per user-minute, active-UE fraction, UL/DL volume ratio,
    #                     mean CQI, base PDCP DL delay ms, RRC session holding s
    "residential":       dict(outdoor=1.0, users=(22, 45), rho=(0.38, 0.58), mob=0.05, act=0.20,
                              ulr=(0.09, 0.14), cqi=(8.8, 9.8), lat=(8, 11), hold=(16, 22),
                              bands=["L1800", "L2600", "N78-60"]),
    "office":            dict(outdoor=0.8, users=(35, 70), rho=(0.35, 0.55), mob=0.03, act=0.22,
                              ulr=(0.12, 0.18), cqi=(9.0, 10.2), lat=(7, 10), hold=(14, 20),
                              bands=["L2600", "N78-100", "N78-60"]),
    "transport_hub":     dict(outdoor=0.5, users=(70, 140), rho=(0.45, 0.65), mob=0.20, act=0.18,
                              ulr=(0.10, 0.14), cqi=(8.2, 9.2), lat=(8, 12), hold=(12, 18),
                              bands=["N78-100", "L1800"]),
    "venue":             dict(outdoor=1.0, users=(12, 22), rho=(0.07, 0.12), mob=0.04, act=0.20,
                              ulr=(0.12, 0.16), cqi=(9.2, 10.2), lat=(7, 10), hold=(14, 20),
                              bands=["N78-100"]),
    "rural":             dict(outdoor=1.0, users=(12, 28), rho=(0.35, 0.60), mob=0.08, act=0.22,
                              ulr=(0.08, 0.12), cqi=(7.4, 8.4), lat=(10, 14), hold=(18, 26),
                              bands=["L800", "L1800"]),
    "indoor_enterprise": dict(outdoor=0.0, users=(20, 45), rho=(0.25, 0.45), mob=0.015, act=0.24,
                              ulr=(0.14, 0.22), cqi=(10.5, 11.8), lat=(6, 8), hold=(14, 20),
                              bands=["N78-60", "N78-40", "L2600"]),
}
BANDS = {
    # tech, MHz, PRBs, full-load DL cell capacity b/s, UL capacity b/s, max TX dBm/port, TX ports,
    # PRB bandwidth (Hz), bits per HARQ transmission (DL, UL)
    "L800":    dict(tech="LTE", bw=10, prb=50, cap_dl=30e6, cap_ul=11e6, pmax=43.0, ntx=2, prb_hz=180e3, tb=(7000, 4000), app=(18e6, 28e6), capacity_layer=False),
    "L1800":   dict(tech="LTE", bw=20, prb=100, cap_dl=72e6, cap_ul=26e6, pmax=37.0, ntx=2, prb_hz=180e3, tb=(9000, 5000), app=(28e6, 42e6), capacity_layer=False),
    "L2600":   dict(tech="LTE", bw=20, prb=100, cap_dl=78e6, cap_ul=28e6, pmax=37.0, ntx=2, prb_hz=180e3, tb=(9500, 5000), app=(30e6, 45e6), capacity_layer=True),
    "N78-40":  dict(tech="NR", bw=40, prb=106, cap_dl=205e6, cap_ul=28e6, pmax=35.0, ntx=4, prb_hz=360e3, tb=(24000, 8000), app=(80e6, 130e6), capacity_layer=True),
    "N78-60":  dict(tech="NR", bw=60, prb=162, cap_dl=310e6, cap_ul=42e6, pmax=36.0, ntx=4, prb_hz=360e3, tb=(28000, 9000), app=(110e6, 170e6), capacity_layer=True),
    "N78-100": dict(tech="NR", bw=100, prb=273, cap_dl=520e6, cap_ul=70e6, pmax=37.0, ntx=4, prb_hz=360e3, tb=(32000, 10000), app=(150e6, 240e6), capacity_layer=True),
}
STYLES = ["pm_camel", "vendor_dotted", "3gpp"]

EFF_DEFAULTS = dict(
    load_mult=1.0, add_users=0.0, serve=1.0, att_mult=1.0, att_storm=0.0, rrc_fail_add=0.0,
    erab_fail_add=0.0, drop_mult=1.0, demand_mult=1.0, data_mult=1.0, cap_mult=1.0, thp_mult=1.0,
    ul_se_mult=1.0, ul_demand_mult=1.0, ext_db=0.0, iot_add=0.0, bler_dl_add=0.0, bler_ul_add=0.0,
    cqi_add=0.0, cqi_rep_off=0.0, rach_extra=0.0, rach_fail_add=0.0, ho_mult=1.0, ho_fail_add=0.0,
    bh_ho_fail=0.0, ho_burst=0.0, rtt_add=0.0, loss_add=0.0, txpwr_db=0.0, vswr_add=0.0,
    temp_add=0.0, temp_off=0.0, lat_mult=1.0, lat_add=0.0, prb_ul_add=0.0, ui_off=0.0,
    on=1.0, up=1.0, counted=1.0, down_auto=0.0, down_man=0.0, sleep=0.0)


# ----------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------
def U(rng, a, b):
    return float(rng.uniform(a, b))


def LU(rng, a, b):
    """log-uniform"""
    return float(math.exp(rng.uniform(math.log(a), math.log(b))))


def _g(h, c, w):
    d = (h - c + 12.0) % 24.0 - 12.0
    return np.exp(-0.5 * (d / w) ** 2)


def _plat(h, a, b, w):
    return 1.0 / (1.0 + np.exp(-(h - a) / w)) / (1.0 + np.exp(-(b - h) / w))


def _raw_shape(typ, h, dtype):
    """un-normalised daily load shape; dtype 0 weekday, 1 saturday, 2 sunday/holiday"""
    if typ == "residential":
        if dtype == 0:
            return 0.05 + .22 * _g(h, 7.6, 1.0) + .22 * _g(h, 12.5, 2.5) + .30 * _g(h, 17.5, 2.2) + .72 * _g(h, 21.0, 1.7)
        late = 9.5 if dtype == 1 else 10.5
        return 0.06 + .12 * _g(h, late, 1.5) + .45 * _g(h, 12.8, 3.0) + .35 * _g(h, 16.5, 2.5) + .72 * _g(h, 21.0, 1.9) + .10 * _g(h, 0.5, 1.2)
    if typ == "office":
        if dtype == 0:
            return 0.03 + .92 * _plat(h, 7.9, 18.0, 0.45) - .14 * _g(h, 12.6, 0.55) + .10 * _g(h, 19.3, 1.2)
        if dtype == 1:
            return 0.03 + .14 * _g(h, 12.5, 3.0)
        return 0.03 + .09 * _g(h, 13.0, 3.0)
    if typ == "transport_hub":
        closure = 1.0 - 0.85 * _plat(h, 1.0, 4.8, 0.35)
        if dtype == 0:
            return (0.03 + .95 * _g(h, 8.0, 0.75) + .85 * _g(h, 17.7, 0.95) + .45 * _g(h, 12.8, 2.6) + .25 * _g(h, 21.0, 1.6)) * closure
        if dtype == 1:
            return (0.03 + .45 * _g(h, 11.5, 2.5) + .55 * _g(h, 15.5, 3.0) + .35 * _g(h, 20.0, 2.0)) * closure
        return (0.03 + .40 * _g(h, 12.5, 3.0) + .45 * _g(h, 17.0, 3.0) + .25 * _g(h, 20.5, 2.0)) * closure
    if typ == "venue":
        if dtype == 0:
            return 0.02 + .12 * _plat(h, 8.5, 18.0, 0.6) + .05 * _g(h, 20.0, 2.0)
        return 0.03 + .20 * _plat(h, 10.0, 18.0, 0.8)
    if typ == "rural":
        if dtype == 0:
            return 0.10 + .30 * _g(h, 8.5, 2.0) + .40 * _g(h, 13.0, 3.0) + .78 * _g(h, 19.8, 2.3)
        return 0.11 + .50 * _g(h, 11.5, 3.0) + .35 * _g(h, 15.5, 2.5) + .78 * _g(h, 19.8, 2.5)
    if typ == "indoor_enterprise":
        if dtype == 0:
            return 0.015 + .97 * _plat(h, 8.3, 17.4, 0.35) - .18 * _g(h, 12.5, 0.5)
        if dtype == 1:
            return 0.015 + .06 * _plat(h, 9.0, 14.0, 0.5)
        return 0.012 + 0.0 * h
    raise ValueError(typ)


_SHAPE_NORM = {}


def load_shape(typ, h, dtype_arr):
    if typ not in _SHAPE_NORM:
        hh = np.linspace(0, 24, 2881)
        _SHAPE_NORM[typ] = max(float(np.max(_raw_shape(typ, hh, d))) for d in (0, 1, 2))
    out = np.zeros_like(h)
    for d in (0, 1, 2):
        m = dtype_arr == d
        if m.any():
            out[m] = _raw_shape(typ, h[m], d)
    return np.clip(out / _SHAPE_NORM[typ], 0.003, None)


def ar1(rng, n, tau_steps, sigma):
    a = math.exp(-1.0 / tau_steps)
    e = rng.normal(0.0, sigma * math.sqrt(1 - a * a), n)
    x = np.empty(n)
    v = rng.normal(0.0, sigma)
    for i in range(n):
        v = a * v + e[i]
        x[i] = v
    return x


def lag1(x, tau_steps, x0=None):
    a = math.exp(-1.0 / tau_steps)
    y = np.empty_like(x)
    v = x[0] if x0 is None else x0
    for i in range(len(x)):
        v = a * v + (1 - a) * x[i]
        y[i] = v
    return y


def smooth(x, w):
    if w <= 1:
        return x.copy()
    k = np.ones(w) / w
    pad = np.concatenate([np.full(w // 2, x[0]), x, np.full(w - w // 2 - 1, x[-1])])
    return np.convolve(pad, k, mode="valid")


def iso(t):
    return _dt.datetime.fromtimestamp(t, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ----------------------------------------------------------------------------
# environment: calendar, weather
# ----------------------------------------------------------------------------
class Env:
    pass


def build_env(args, rng):
    env = Env()
    wd = args.start_weekday
    start = BASE_START + _dt.timedelta(days=(wd - BASE_START.weekday()) % 7)
    env.t0 = start.timestamp()
    env.P = args.period
    env.k = args.period // STEP
    n_periods = int(round(args.days * 86400)) // args.period
    if n_periods < 1:
        raise SystemExit("run shorter than one period")
    env.nP = n_periods
    env.N = n_periods * env.k
    env.t_end = env.t0 + env.N * STEP
    env.ts0 = env.t0 + np.arange(env.N) * STEP          # step starts
    env.tm = env.ts0 + STEP / 2.0                         # step midpoints
    loc = env.tm + LOCAL_OFFSET_H * 3600
    env.hour = (loc % 86400) / 3600.0
    lday = np.floor(loc / 86400).astype(np.int64)
    env.lday = lday
    env.lday0 = int(lday[0])
    env.dayi = lday - env.lday0
    weekday = (lday + 3) % 7
    env.weekday = weekday
    # holidays
    days = list(range(int(lday[0]), int(lday[-1]) + 1))
    hol = {}
    for d in days:
        date = _dt.date(1970, 1, 1) + _dt.timedelta(days=d)
        if (date.month, date.day) in HOLIDAYS:
            hol[d] = HOLIDAYS[(date.month, date.day)]
    full_days = [d for d in days if (d * 86400 - LOCAL_OFFSET_H * 3600) >= env.t0 - 1
                 and ((d + 1) * 86400 - LOCAL_OFFSET_H * 3600) <= env.t_end + 1]

    def covered(d):  # hours of local day d inside the run
        s = d * 86400 - LOCAL_OFFSET_H * 3600
        return (min(s + 86400, env.t_end) - max(s, env.t0)) / 3600.0
    if not any(covered(d) >= 12 for d in hol):
        cand = [d for d in full_days if (d + 3) % 7 < 5]
        if cand:
            d = int(rng.choice(cand))
            hol[d] = "Local civic holiday (town festival day)"
    env.holidays = hol
    dtype = np.where(weekday == 5, 1, np.where(weekday == 6, 2, 0))
    for d in hol:
        dtype[lday == d] = 2
    env.dtype = dtype
    env.events_all = []
    for d, name in sorted(hol.items()):
        s = d * 86400 - LOCAL_OFFSET_H * 3600
        env.events_all.append(dict(cell="all", kind="public_holiday", start=float(max(s, env.t0)),
                                   end=float(min(s + 86400, env.t_end)), name=name,
                                   effect="traffic follows the Sunday profile on every cell"))
    # ---- weather (regional) ----
    nd = len(days) + 2
    dm = np.empty(nd)
    v = rng.normal(0, 1.5)
    for i in range(nd):
        v = 0.6 * v + rng.normal(0, 1.6)
        dm[i] = 15.5 + v
    cloud = rng.uniform(0.0, 0.9, nd)
    dayc = (np.arange(nd) + env.lday0 - 1) * 86400.0 + 43200 - LOCAL_OFFSET_H * 3600
    heat_day = None
    if rng.random() < 0.75 and len(days) >= 2:
        j = int(rng.integers(1, len(days) + 1))
        dm[j] += U(rng, 4.5, 7.0)
        cloud[j] = 0.05
        heat_day = j
    Tm = np.interp(env.tm, dayc, dm)
    cl = np.interp(env.tm, dayc, cloud)
    rain = np.zeros(env.N)
    n_rain = int(rng.integers(1, 4))
    for _ in range(n_rain):
        dur = U(rng, 1.0, 5.0) * 3600
        s = U(rng, env.t0 + 3600, max(env.t0 + 3600, env.t_end - dur - 3600))
        inten = U(rng, 0.4, 1.0)
        e = s + dur
        ramp = 1200.0
        r = inten * np.clip(np.minimum((env.tm - s) / ramp, (e - env.tm) / ramp), 0, 1)
        rain = np.maximum(rain, r)
        env.events_all.append(dict(cell="all", kind="rain", start=float(s), end=float(e),
                                   intensity=round(inten, 2),
                                   effect="ambient -2..-4 C, no solar gain; microwave backhaul cells see rain fade; VSWR +0.03*intensity"))
    rain_s = smooth(rain, 60)
    cl = np.maximum(cl, np.clip(rain_s * 1.5, 0, 1))
    A = 3.0 + 4.5 * (1 - cl)
    env.amb = Tm + A * np.cos(2 * np.pi * (env.hour - 15.0) / 24.0) - 3.0 * rain_s
    env.sun = (1 - cl) * (1 - rain) * np.clip(np.sin(np.pi * (env.hour - 6.0) / 14.0), 0, None)
    env.rain = rain
    if heat_day is not None:
        d = env.lday0 - 1 + heat_day
        s = d * 86400 - LOCAL_OFFSET_H * 3600 + 10 * 3600
        e = s + 9 * 3600
        if s < env.t_end and e > env.t0:
            env.events_all.append(dict(cell="all", kind="heat_spell", start=float(max(s, env.t0)),
                                       end=float(min(e, env.t_end)),
                                       effect="ambient +4.5..7 C and full sun: outdoor radio temperatures +8..14 C vs other afternoons"))
    env.region = np.exp(ar1(rng, env.N, 240, 0.04))
    return env


# ----------------------------------------------------------------------------
# cells
# ----------------------------------------------------------------------------
def metric_table(style, tech, outdoor):
    """list of (name, canonical key, unit, mtype). mtype: count|gauge"""
    L = tech == "LTE"
    if style == "pm_camel":
        t = [("pmRrcConnEstabAtt", "rrc_att", "1", "count"),
             ("pmRrcConnEstabSucc", "rrc_succ", "1", "count"),
             ("pmRrcConnLevSum", "conn_levsum", "1", "count"),
             ("pmRrcConnLevSamp", "conn_levsamp", "1", "count"),
             ("pmRrcConnMax", "conn_max", "1", "gauge"),
             ("pmActiveUeDlAvg", "act_avg", "1", "gauge"),
             ("pmErabEstabAttInit" if L else "pmDrbEstabAtt", "erab_att", "1", "count"),
             ("pmErabEstabSuccInit" if L else "pmDrbEstabSucc", "erab_succ", "1", "count"),
             ("pmErabRelAbnormalEnbAct" if L else "pmDrbRelAbnormalGnb", "drops", "1", "count"),
             ("pmPrbUsedDlAvg", "prb_dl", "%", "gauge"),
             ("pmPrbUsedUlAvg", "prb_ul", "%", "gauge"),
             ("pmPdcpVolDlDrb", "vol_dl_kbit", "kbit", "count"),
             ("pmPdcpVolUlDrb", "vol_ul_kbit", "kbit", "count"),
             ("pmUeThpDlAvg", "thp_dl", "kbit/s", "gauge"),
             ("pmUeThpUlAvg", "thp_ul", "kbit/s", "gauge"),
             ("pmPdcpLatDlAvg", "lat_dl", "ms", "gauge"),
             ("pmMacHarqDlAck", "harq_dl_ack", "1", "count"),
             ("pmMacHarqDlNack", "harq_dl_nack", "1", "count"),
             ("pmMacHarqUlSucc", "harq_ul_ack", "1", "count"),
             ("pmMacHarqUlFail", "harq_ul_nack", "1", "count"),
             ("pmRadioUeRepCqiAvg", "cqi", "1", "gauge"),
             ("pmRaAttCbra", "rach_att", "1", "count"),
             ("pmRaSuccCbra", "rach_succ", "1", "count"),
             ("pmHoExeAttIntraF", "ho_att", "1", "count"),
             ("pmHoExeSuccIntraF", "ho_succ", "1", "count"),
             ("pmRadioRecInterferencePwrAvg", "ul_interf", "dBm/PRB", "gauge"),
             ("pmRadioTxPwrAvg", "txpwr", "dBm", "gauge"),
             ("pmRadioVswrAvg", "vswr", "ratio", "gauge"),
             ("pmRadioTempAvg", "temp", "degC", "gauge"),
             ("pmRadioTempMax", "temp_max", "degC", "gauge"),
             ("pmConsumedEnergy", "energy_wh", "Wh", "count"),
             ("pmTwampRttAvg", "bh_rtt", "ms", "gauge"),
             ("pmTwampTxPkts", "bh_sent", "1", "count"),
             ("pmTwampLostPkts", "bh_lost", "1", "count"),
             ("pmCellDowntimeAuto", "down_auto", "s", "count"),
             ("pmCellDowntimeMan", "down_man", "s", "count"),
             ("pmCellSleepTime", "sleep", "s", "count"),
             ("pmCaConfiguredUeAvg", "ca_ue", "1", "gauge")]
    elif style == "vendor_dotted":
        if L:
            t = [("L.RRC.ConnReq.Att", "rrc_att", "1", "count"),
                 ("L.RRC.ConnReq.Succ", "rrc_succ", "1", "count"),
                 ("L.Traffic.User.Avg", "conn_avg", "1", "gauge"),
                 ("L.Traffic.User.Max", "conn_max", "1", "gauge"),
                 ("L.Traffic.ActiveUser.DL.Avg", "act_avg", "1", "gauge"),
                 ("L.E-RAB.AttEst", "erab_att", "1", "count"),
                 ("L.E-RAB.SuccEst", "erab_succ", "1", "count"),
                 ("L.E-RAB.AbnormRel", "drops", "1", "count"),
                 ("L.ChMeas.PRB.DL.Used.Avg", "prb_dl_n", "PRB", "gauge"),
                 ("L.ChMeas.PRB.UL.Used.Avg", "prb_ul_n", "PRB", "gauge"),
                 ("L.ChMeas.PRB.DL.Avail", "prb_avail", "PRB", "gauge"),
                 ("L.ChMeas.PRB.UL.Avail", "prb_avail_ul", "PRB", "gauge"),
                 ("L.Thrp.bits.DL", "vol_dl_bit", "bit", "count"),
                 ("L.Thrp.bits.UL", "vol_ul_bit", "bit", "count"),
                 ("L.Thrp.UE.DL.Avg", "thp_dl", "kbit/s", "gauge"),
                 ("L.Thrp.UE.UL.Avg", "thp_ul", "kbit/s", "gauge"),
                 ("L.Traffic.DL.PktDelay.Avg", "lat_dl", "ms", "gauge"),
                 ("L.Traffic.DL.SCH.IBLER", "bler_dl", "%", "gauge"),
                 ("L.Traffic.UL.SCH.IBLER", "bler_ul", "%", "gauge"),
                 ("L.ChMeas.CQI.DL.Avg", "cqi", "1", "gauge"),
                 ("L.RA.GrpA.Att", "rach_att", "1", "count"),
                 ("L.RA.GrpA.Resp", "rach_succ", "1", "count"),
                 ("L.HHO.IntraFreq.ExecAttOut", "ho_att", "1", "count"),
                 ("L.HHO.IntraFreq.ExecSuccOut", "ho_succ", "1", "count"),
                 ("L.UL.Interference.Avg", "ul_interf", "dBm/PRB", "gauge"),
                 ("VS.RRU.TxPwr.Avg", "txpwr", "dBm", "gauge"),
                 ("VS.RRU.VSWR.Avg", "vswr", "ratio", "gauge"),
                 ("VS.RRU.Temp.Avg", "temp", "degC", "gauge"),
                 ("VS.RRU.Temp.Max", "temp_max", "degC", "gauge"),
                 ("VS.Site.EnergyCons", "energy_wh_int", "Wh", "count"),
                 ("VS.IPPM.Rtt.Means", "bh_rtt", "ms", "gauge"),
                 ("VS.IPPM.Forward.Drop.Ratio", "bh_loss_permille", "permille", "gauge"),
                 ("L.Cell.Unavail.Dur.Sys", "down_auto", "s", "count"),
                 ("L.Cell.Unavail.Dur.Manual", "down_man", "s", "count"),
                 ("L.Cell.Unavail.Dur.EnergySaving", "sleep", "s", "count"),
                 ("L.Traffic.User.SCell.Avg", "ca_ue", "1", "gauge")]
        else:
            t = [("N.RRC.ConnEst.Att", "rrc_att", "1", "count"),
                 ("N.RRC.ConnEst.Succ", "rrc_succ", "1", "count"),
                 ("N.User.RRCConn.Avg", "conn_avg", "1", "gauge"),
                 ("N.User.RRCConn.Max", "conn_max", "1", "gauge"),
                 ("N.User.Active.DL.Avg", "act_avg", "1", "gauge"),
                 ("N.DRB.Est.Att", "erab_att", "1", "count"),
                 ("N.DRB.Est.Succ", "erab_succ", "1", "count"),
                 ("N.DRB.AbnormRel", "drops", "1", "count"),
                 ("N.PRB.DL.Used.Avg", "prb_dl_n", "PRB", "gauge"),
                 ("N.PRB.UL.Used.Avg", "prb_ul_n", "PRB", "gauge"),
                 ("N.PRB.DL.Avail.Avg", "prb_avail", "PRB", "gauge"),
                 ("N.PRB.UL.Avail.Avg", "prb_avail_ul", "PRB", "gauge"),
                 ("N.ThpVol.DL", "vol_dl_kbit", "kbit", "count"),
                 ("N.ThpVol.UL", "vol_ul_kbit", "kbit", "count"),
                 ("N.Thp.UE.DL.Avg", "thp_dl", "kbit/s", "gauge"),
                 ("N.Thp.UE.UL.Avg", "thp_ul", "kbit/s", "gauge"),
                 ("N.PDCP.DL.Delay.Avg", "lat_dl", "ms", "gauge"),
                 ("N.DL.IBLER", "bler_dl", "%", "gauge"),
                 ("N.UL.IBLER", "bler_ul", "%", "gauge"),
                 ("N.CQI.DL.Avg", "cqi", "1", "gauge"),
                 ("N.RA.Att", "rach_att", "1", "count"),
                 ("N.RA.Succ", "rach_succ", "1", "count"),
                 ("N.HO.IntraFreq.Exec.Att", "ho_att", "1", "count"),
                 ("N.HO.IntraFreq.Exec.Succ", "ho_succ", "1", "count"),
                 ("N.UL.NI.Avg", "ul_interf", "dBm/PRB", "gauge"),
                 ("VS.AAU.TxPwr.Avg", "txpwr", "dBm", "gauge"),
                 ("VS.AAU.VSWR.Avg", "vswr", "ratio", "gauge"),
                 ("VS.AAU.Temp.Avg", "temp", "degC", "gauge"),
                 ("VS.AAU.Temp.Max", "temp_max", "degC", "gauge"),
                 ("VS.Site.EnergyCons", "energy_wh_int", "Wh", "count"),
                 ("VS.IPPM.Rtt.Means", "bh_rtt", "ms", "gauge"),
                 ("VS.IPPM.Forward.Drop.Ratio", "bh_loss_permille", "permille", "gauge"),
                 ("N.Cell.Unavail.Dur.Sys", "down_auto", "s", "count"),
                 ("N.Cell.Unavail.Dur.Manual", "down_man", "s", "count"),
                 ("N.Cell.Unavail.Dur.EnergySaving", "sleep", "s", "count"),
                 ("N.User.CA.Avg", "ca_ue", "1", "gauge")]
    else:  # 3gpp (TS 32.425 for LTE, TS 28.552 for NR)
        t = [("RRC.ConnEstabAtt.sum", "rrc_att", "1", "count"),
             ("RRC.ConnEstabSucc.sum", "rrc_succ", "1", "count"),
             ("RRC.ConnMean", "conn_avg", "1", "gauge"),
             ("RRC.ConnMax", "conn_max", "1", "gauge"),
             ("DRB.UEActiveDl.sum" if L else "DRB.MeanActiveUeDl", "act_avg", "1", "gauge"),
             ("ERAB.EstabInitAttNbr.sum" if L else "DRB.EstabAtt.sum", "erab_att", "1", "count"),
             ("ERAB.EstabInitSuccNbr.sum" if L else "DRB.EstabSucc.sum", "erab_succ", "1", "count"),
             ("ERAB.RelActNbr.sum" if L else "DRB.RelActNbr.sum", "drops", "1", "count"),
             ("RRU.PrbTotDl", "prb_dl", "%", "gauge"),
             ("RRU.PrbTotUl", "prb_ul", "%", "gauge"),
             ("DRB.IPVolDl.sum" if L else "DRB.PdcpSduVolumeDL", "vol_dl_kbit" if L else "vol_dl_mbit", "kbit" if L else "Mbit", "count"),
             ("DRB.IPVolUl.sum" if L else "DRB.PdcpSduVolumeUL", "vol_ul_kbit" if L else "vol_ul_mbit", "kbit" if L else "Mbit", "count"),
             ("DRB.IPThpDl" if L else "DRB.UEThpDl", "thp_dl", "kbit/s", "gauge"),
             ("DRB.IPThpUl" if L else "DRB.UEThpUl", "thp_ul", "kbit/s", "gauge"),
             ("DRB.PdcpSduDelayDl", "lat_dl", "ms", "gauge"),
             ("MAC.InitialBlerDl", "bler_dl", "%", "gauge"),
             ("MAC.InitialBlerUl", "bler_ul", "%", "gauge"),
             ("CARR.WBCQIMean", "cqi", "1", "gauge"),
             ("RACH.PreambleACell", "rach_att", "1", "count"),
             ("RACH.AccessSuccCell", "rach_succ", "1", "count"),
             ("HO.IntraFreqOutAtt" if L else "MM.HoExeIntraReq", "ho_att", "1", "count"),
             ("HO.IntraFreqOutSucc" if L else "MM.HoExeIntraSucc", "ho_succ", "1", "count"),
             ("RRU.UlInterfPwrMean", "ul_interf", "dBm/PRB", "gauge"),
             ("CARR.MeanTxPwr", "txpwr", "dBm", "gauge"),
             ("EQPT.VswrMean", "vswr", "ratio", "gauge"),
             ("PEE.AvgTemperature", "temp", "degC", "gauge"),
             ("PEE.MaxTemperature", "temp_max", "degC", "gauge"),
             ("PEE.AvgPower", "p_avg", "W", "gauge"),
             ("PEE.Energy", "energy_kwh", "kWh", "count"),
             ("TNL.RttMean", "bh_rtt", "ms", "gauge"),
             ("TNL.PktLossRate", "bh_loss_pct", "%", "gauge"),
             ("CellUnavail.Time.Auto", "down_auto", "s", "count"),
             ("CellUnavail.Time.Man", "down_man", "s", "count"),
             ("CellUnavail.Time.EnergySaving", "sleep", "s", "count"),
             ("CARR.CaConfiguredUeMean", "ca_ue", "1", "gauge")]
    out = []
    for row in t:
        if row[1] == "vswr" and not outdoor:
            continue          # integrated antenna: no VSWR supervision
        out.append(row)
    return out


ENERGY_KEYS = {"energy_wh", "energy_wh_int", "energy_kwh", "p_avg"}
CUMULATIVE_CANDIDATES = {"rrc_att", "rrc_succ", "vol_dl_kbit", "vol_ul_kbit", "vol_dl_bit",
                         "vol_ul_bit", "vol_dl_mbit", "vol_ul_mbit", "ho_att", "ho_succ"}


def make_cells(args, env, rng):
    C = args.cells
    base = ["residential", "office", "transport_hub", "venue", "rural", "indoor_enterprise"]
    types = []
    if C >= 6:
        types = list(base)
    weights = {"residential": .30, "office": .25, "indoor_enterprise": .15, "transport_hub": .10,
               "rural": .15, "venue": .05}
    names = list(weights)
    pw = np.array([weights[n] for n in names])
    while len(types) < C:
        t = str(rng.choice(names, p=pw / pw.sum()))
        if t == "venue" and types.count("venue") >= 2:
            continue
        types.append(t)
    types = [types[i] for i in rng.permutation(len(types))]
    # naming styles: at least half non-3GPP
    n3 = min(C // 2, int(math.floor(C * 0.42 + 0.5)))
    npm = (C - n3 + 1) // 2
    styles = ["3gpp"] * n3 + ["pm_camel"] * npm + ["vendor_dotted"] * (C - n3 - npm)
    styles = [styles[i] for i in rng.permutation(C)]
    cells = []
    used_ids = set()
    for i in range(C):
        typ = types[i]
        tp = TYPE_PARAMS[typ]
        band = str(rng.choice(tp["bands"]))
        b = BANDS[band]
        outdoor = bool(rng.random() < tp["outdoor"])
        style = styles[i]
        site = int(rng.integers(100, 9999))
        sec = int(rng.integers(1, 4))
        if style == "pm_camel":
            cid = "SC%04d_%s_%d" % (site, ("L" if b["tech"] == "LTE" else "NR") + band.split("-")[0][1:], sec)
        elif style == "vendor_dotted":
            cid = ("eNB%06d_Cell%d" if b["tech"] == "LTE" else "gNB%06d_NRCell%d") % (site * 37 + 100000, sec)
        else:
            cid = ("ManagedElement=ME%05d,ENBFunction=1,EUtranCellFDD=%d" if b["tech"] == "LTE"
                   else "ManagedElement=ME%05d,GNBDUFunction=1,NRCellDU=%d") % (site, sec)
        while cid in used_ids:
            cid = cid + "x"
        used_ids.add(cid)
        c = dict(idx=i, id=cid, type=typ, style=style, band=band, tech=b["tech"], bw_mhz=b["bw"],
                 n_prb=b["prb"], outdoor=outdoor)
        c["peak_users"] = U(rng, *tp["users"])
        c["busy_rho"] = U(rng, *tp["rho"])
        c["cap_dl"] = b["cap_dl"] * U(rng, 0.9, 1.1) * (1.1 if not outdoor else 1.0)
        c["cap_ul"] = b["cap_ul"] * U(rng, 0.9, 1.1)
        c["rate_dl"] = c["busy_rho"] * c["cap_dl"] / c["peak_users"]
        c["ue_peak"] = c["cap_dl"] * U(rng, 0.55, 0.75)
        c["ul_peak"] = c["cap_ul"] * U(rng, 0.5, 0.7)
        c["app_lim"] = U(rng, *b["app"])
        c["ul_app"] = c["app_lim"] * 0.3
        c["mob"] = tp["mob"] * U(rng, 0.7, 1.3)
        c["act"] = tp["act"] * U(rng, 0.85, 1.15)
        c["ulr"] = U(rng, *tp["ulr"])
        c["cqi"] = U(rng, *tp["cqi"])
        c["lat"] = U(rng, *tp["lat"])
        c["hold"] = U(rng, *tp["hold"])
        c["floor_dl"] = U(rng, 0.015, 0.04)
        c["floor_ul"] = U(rng, 0.01, 0.03)
        c["tb"] = b["tb"]
        c["pmax"] = b["pmax"] + (6.0 if typ == "rural" else 0.0)
        c["ntx"] = b["ntx"]
        c["c0"] = U(rng, 0.25, 0.33) if b["tech"] == "LTE" else U(rng, 0.10, 0.16)
        nf = U(rng, 4.0, 6.5)
        c["nfloor"] = -174.0 + 10 * math.log10(b["prb_hz"]) + nf
        c["iot_busy"] = (U(rng, 2.0, 4.5) if outdoor and typ not in ("rural",) else U(rng, 0.5, 1.5))
        c["rrc_fail"] = U(rng, 0.0015, 0.004)
        c["erab_fail"] = U(rng, 0.0008, 0.002)
        c["bearer_frac"] = U(rng, 0.82, 0.92)
        c["drop"] = U(rng, 0.0015, 0.004) * (1.5 if typ in ("transport_hub", "rural") else 1.0)
        c["ho_fail"] = U(rng, 0.006, 0.02)
        c["ghost"] = U(rng, 0.005, 0.03)        # false / unanswered preambles per second
        c["p_static"] = U(rng, 70, 130) * (1.8 if typ == "rural" else 1.0)
        c["p_sleep"] = c["p_static"] * U(rng, 0.3, 0.45)
        c["pa_eff"] = U(rng, 0.22, 0.3)
        c["self_heat"] = U(rng, 10, 16) if outdoor else U(rng, 8, 12)
        c["load_heat"] = U(rng, 3, 7)
        c["solar"] = U(rng, 3, 8) if outdoor else 0.0
        c["temp_off"] = float(rng.normal(0, 0.8))
        c["vswr"] = U(rng, 1.12, 1.4)
        mw = typ == "rural" or (outdoor and rng.random() < 0.15)
        c["backhaul"] = "microwave" if mw else "fiber"
        c["bh_rtt"] = U(rng, 4.0, 8.0) if mw else U(rng, 1.5, 4.0)
        c["bh_busy"] = U(rng, 1.0, 3.0) if mw else U(rng, 0.3, 1.5)
        c["bh_loss"] = LU(rng, 1e-4, 5e-4) if mw else LU(rng, 1e-5, 6e-5)
        c["growth_per_day"] = U(rng, 0.0015, 0.004)
        c["ca_frac"] = U(rng, 0.2, 0.45)
        c["energy_counters"] = bool(rng.random() < 0.7)
        c["es"] = False
        c["cumulative"] = []
        c["jitter_base"] = U(rng, 0.3, 2.5)
        cells.append(c)
    # energy-saving capacity-layer cells
    elig = [c for c in cells if BANDS[c["band"]]["capacity_layer"]
            and c["type"] in ("residential", "office", "indoor_enterprise", "transport_hub")]
    n_es = min(len(elig), max(2, int(round(C * 0.2))))
    for j in rng.permutation(len(elig))[:n_es]:
        elig[int(j)]["es"] = True
    # cumulative-counter cells
    n_cum = 2 if C >= 4 else 1
    for j in rng.permutation(C)[:n_cum]:
        cells[int(j)]["cumulative_cell"] = True
    # areas (neighbour clusters)
    order = [int(x) for x in rng.permutation(C)]
    areas = []
    while order:
        n = int(rng.integers(2, 5))
        if len(order) - n == 1:
            n += 1
        areas.append(order[:n])
        order = order[n:]
    for ai, members in enumerate(areas):
        for m in members:
            cells[m]["area"] = "A%d" % (ai + 1)
            cells[m]["neighbours"] = [x for x in members if x != m]
    # load series
    for c in cells:
        r = rng_cell(args.seed, c["idx"], 1)
        L_nom = load_shape(c["type"], env.hour, env.dtype) * (1 + c["growth_per_day"] * (env.tm - env.t0) / 86400)
        ndays = int(env.dayi.max()) + 3
        dayf = np.exp(r.normal(0, 0.08, ndays))
        dayc = (np.arange(ndays) + env.lday0 - 1) * 86400.0 + 43200 - LOCAL_OFFSET_H * 3600
        df = np.interp(env.tm, dayc, dayf)
        noise = np.exp(ar1(r, env.N, 80, 0.10))
        c["L_nom"] = L_nom
        c["L"] = L_nom * df * noise * env.region
        c["area_load"] = np.clip(smooth(c["L"], 40), 0, 1.6)
        if c["outdoor"]:
            c["amb"] = env.amb + c["solar"] * env.sun + c["temp_off"]
        else:
            occ = np.where(env.dtype == 0, _plat(env.hour, 7.0, 19.0, 0.4), 0.0)
            c["amb"] = 21.5 + 2.5 * (1 - occ) + 0.12 * (env.amb - 15.0) + c["temp_off"]
    return cells


def rng_cell(seed, idx, salt):
    return np.random.default_rng([int(seed), 7919, int(idx), int(salt)])


# ----------------------------------------------------------------------------
# effect timelines
# ----------------------------------------------------------------------------
def new_eff(N):
    return {k: np.full(N, v, dtype=float) for k, v in EFF_DEFAULTS.items()}


def intensity(env, fs, fe, ramp_in=0.0, ramp_out=0.0, on_intervals=None):
    a = env.ts0
    b = a + STEP
    if on_intervals is None:
        on_intervals = [(fs, fe)]
    ov = np.zeros(env.N)
    for (x0, x1) in on_intervals:
        i0 = max(0, int((x0 - env.t0) // STEP))
        i1 = min(env.N, int(math.ceil((x1 - env.t0) / STEP)))
        if i1 <= i0:
            continue
        sl = slice(i0, i1)
        ov[sl] += np.clip(np.minimum(b[sl], x1) - np.maximum(a[sl], x0), 0, STEP) / STEP
    r = np.ones(env.N)
    if ramp_in > 0:
        r *= np.clip((env.tm - fs) / ramp_in, 0, 1)
    if ramp_out > 0:
        r *= np.clip((fe - env.tm) / ramp_out, 0, 1)
    return np.clip(ov, 0, 1) * r


def apply_outage(env, eff, c, t_crash, outage, manual, storm, tau):
    """node down (no reporting) from t_crash for `outage` s; counters of the crashed
    period are lost; users re-attach afterwards (attempt storm + ramp)."""
    N = env.N
    ic = int(round((t_crash - env.t0) / STEP))
    ir = min(N, ic + max(1, int(math.ceil(outage / STEP))))
    if ic >= N:
        return None
    eff["up"][ic:ir] = 0.0
    eff["on"][ic:ir] = 0.0
    eff["down_man" if manual else "down_auto"][ic:ir] += STEP
    ps = (ic // env.k) * env.k
    eff["counted"][ps:ic] = 0.0
    tr = env.t0 + ir * STEP
    j = np.arange(ir, min(N, ir + 90))
    if len(j):
        x = env.tm[j] - tr
        eff["load_mult"][j] *= 1 - np.exp(-x / tau)
        eff["att_storm"][j] += storm * np.exp(-x / 120.0)
    c.setdefault("resets", []).append(ir)
    return env.t0 + ic * STEP, tr


# ----------------------------------------------------------------------------
# planning: benign events and faults
# ----------------------------------------------------------------------------
def overlaps(a0, a1, ivs, margin=0.0):
    for (b0, b1) in ivs:
        if a0 < b1 + margin and b0 < a1 + margin:
            return True
    return False


def local_time(env, day, hour):
    """epoch for local calendar day index (days since epoch) and local hour"""
    return day * 86400.0 + hour * 3600.0 - LOCAL_OFFSET_H * 3600.0


def full_local_days(env):
    out = []
    for d in range(env.lday0, int(env.lday[-1]) + 1):
        if local_time(env, d, 0) >= env.t0 - 1 and local_time(env, d, 24) <= env.t_end + 1:
            out.append(d)
    return out


def mean_over(env, arr, s, e):
    i0 = max(0, int((s - env.t0) // STEP))
    i1 = min(env.N, int(math.ceil((e - env.t0) / STEP)))
    if i1 <= i0:
        return 0.0
    return float(arr[i0:i1].mean())


def plan_benign(args, env, cells, rng, effs, benign):
    days = list(range(env.lday0, int(env.lday[-1]) + 1))
    fdays = full_local_days(env)
    blocked = {c["idx"]: [] for c in cells}
    # --- nightly energy saving on capacity-layer cells
    for c in cells:
        if not c["es"]:
            continue
        eff = effs[c["idx"]]
        c["es_windows"] = []
        for d in days:
            s = local_time(env, d, U(rng, 0.6, 1.3))
            e = local_time(env, d, U(rng, 5.15, 5.85))
            if e <= env.t0 or s >= env.t_end:
                continue
            s2, e2 = max(s, env.t0), min(e, env.t_end)
            if e2 - s2 < 1800:
                continue
            frac = intensity(env, s2, e2)
            eff["on"] *= (1 - frac)
            eff["sleep"] += frac * STEP
            i0 = int((s2 - env.t0) // STEP)
            if s2 > env.t0 and i0 > 0:
                eff["ho_burst"][i0 - 1] = 1.0
            blocked[c["idx"]].append((s2, e2, 900))
            c["es_windows"].append((s2, e2))
            benign.append(dict(cell=c["id"], kind="energy_saving_sleep", start=float(s2), end=float(e2),
                               effect="capacity-layer cell switched off: traffic counters 0, user/PRB/radio gauges absent, sleep-time counter = period length, low power draw, radio cools"))
    # --- planned maintenance (+ software upgrade) on non-ES cells
    nonES = [c for c in cells if not c["es"]]
    n_m = min(len(nonES), max(1, int(round(len(cells) / 8.0))))
    upg_opts = ["ui_recalibration", "latency_improvement", "cqi_table_change", "prb_ul_accounting", "fan_profile"]
    for jj, j in enumerate(rng.permutation(len(nonES))[:n_m]):
        c = nonES[int(j)]
        eff = effs[c["idx"]]
        cand = [d for d in days if local_time(env, d, 1.5) > env.t0 + 3600 and local_time(env, d, 4.0) < env.t_end - 3600]
        if not cand:
            continue
        d = int(rng.choice(cand))
        t_lock = local_time(env, d, U(rng, 1.5, 3.0))
        t_lock = env.t0 + round((t_lock - env.t0) / STEP) * STEP
        t_rst = t_lock + STEP * int(rng.integers(2, 7))
        outage = U(rng, 240, 480)
        i0 = int((t_lock - env.t0) // STEP)
        i1 = int((t_rst - env.t0) // STEP)
        eff["ho_burst"][max(0, i0 - 1)] = 1.0
        eff["on"][i0:i1] = 0.0
        eff["down_man"][i0:i1] += STEP
        r = apply_outage(env, eff, c, t_rst, outage, True, 0.3, 150.0)
        t_back = r[1]
        end = t_back + 600
        blocked[c["idx"]].append((t_lock, end, 1800))
        benign.append(dict(cell=c["id"], kind="planned_maintenance_restart", start=float(t_lock), end=float(end),
                           labelled=False,
                           effect="announced: cell locked (manual downtime counter), node restart = reporting gap of %.0f s, running counters reset, users re-attach" % outage))
        if jj == 0 or rng.random() < 0.8:
            opt = str(rng.choice(upg_opts))
            m = np.where(env.ts0 >= t_back, 1.0, 0.0)
            info = dict(cell=c["id"], kind="software_upgrade_level_shift", start=float(t_back),
                        end=float(env.t_end), change=opt)
            if opt == "ui_recalibration":
                v = U(rng, 1.0, 2.0)
                eff["ui_off"] += v * m
                info.update(metric="ul_interf", shift_db=round(v, 2))
            elif opt == "latency_improvement":
                v = U(rng, 0.7, 0.85)
                eff["lat_mult"] *= np.where(m > 0, v, 1.0)
                info.update(metric="lat_dl", factor=round(v, 3))
            elif opt == "cqi_table_change":
                v = U(rng, 0.4, 0.8)
                eff["cqi_rep_off"] += v * m
                info.update(metric="cqi", shift=round(v, 2))
            elif opt == "prb_ul_accounting":
                v = U(rng, 1.5, 3.0)
                eff["prb_ul_add"] += v * m
                info.update(metric="prb_ul", shift_pct_points=round(v, 2))
            else:
                v = -U(rng, 2.0, 4.0)
                eff["temp_off"] += v * m
                info.update(metric="temp", shift_degC=round(v, 2))
            if rng.random() < 0.5:
                c["ca_from"] = float(t_back)
                info["metric_added"] = "ca_ue"
            info["effect"] = "permanent level shift after the upgrade (healthy)"
            benign.append(info)
            c["upgrade"] = info
    # --- crowd events on venue cells, egress on transport hubs
    hubs = [c for c in cells if c["type"] == "transport_hub"]
    for c in cells:
        if c["type"] != "venue":
            continue
        eff = effs[c["idx"]]
        cand = [d for d in fdays]
        if not cand:
            continue
        n_ev = 1 if len(cand) < 3 else int(rng.integers(1, 3))
        chosen = sorted(int(x) for x in rng.choice(cand, size=min(n_ev, len(cand)), replace=False))
        for d in chosen:
            wdw = (d + 3) % 7
            if wdw >= 5 or d in env.holidays:
                kick = U(rng, 14.5, 16.0)
                ts_ = local_time(env, d, kick)
                te_ = ts_ + 2 * 3600
                name = "football match"
            else:
                kick = U(rng, 19.3, 20.2)
                ts_ = local_time(env, d, kick)
                te_ = ts_ + U(rng, 2.5, 3.2) * 3600
                name = "concert"
            ta = ts_ - U(rng, 75, 110) * 60
            tx = te_ + U(rng, 40, 60) * 60
            rho_t = U(rng, 0.70, 0.85)
            E = rho_t * c["peak_users"] / (0.7 * c["busy_rho"])
            tm = env.tm
            shape = np.zeros(env.N)
            up_ = (tm >= ta) & (tm < ts_)
            shape[up_] = 0.85 * ((tm[up_] - ta) / (ts_ - ta)) ** 1.5
            mid = (tm >= ts_) & (tm < te_)
            ph = (tm[mid] - ts_) / (te_ - ts_)
            shape[mid] = 0.85 + 0.1 * np.sin(np.pi * ph) + 0.08 * np.exp(-0.5 * ((ph - 0.5) / 0.06) ** 2)
            dn = (tm >= te_) & (tm < tx)
            shape[dn] = np.exp(-(tm[dn] - te_) / 900.0) * (1 - (tm[dn] - te_) / (tx - te_))
            egress = np.where(dn, np.exp(-(tm - te_) / 900.0), 0.0)
            eff["add_users"] += E * shape
            eff["demand_mult"] *= np.where(shape > 0, 0.7, 1.0)
            eff["ul_demand_mult"] *= 1 + 0.5 * shape
            eff["ho_mult"] *= 1 + 3.0 * egress
            eff["att_mult"] *= 1 + 0.8 * egress
            blocked[c["idx"]].append((ta, tx, 3600))
            benign.append(dict(cell=c["id"], kind="crowd_event", start=float(ta), end=float(tx), event=name,
                               peak_extra_users=round(E, 1), target_peak_prb_load=round(rho_t, 2),
                               effect="users x5-15, DL PRB up to ~70-85%%, UL volume share up, per-UE throughput down and latency up but access/retainability healthy; HO and RRC attempt burst at egress"))
            for h in hubs:
                he = effs[h["idx"]]
                share = U(rng, 0.5, 0.9)
                s_ = intensity(env, te_, te_ + 4500, ramp_in=600, ramp_out=1800)
                he["load_mult"] *= 1 + share * s_
                blocked[h["idx"]].append((te_, te_ + 4500, 1800))
                benign.append(dict(cell=h["id"], kind="event_egress_traffic", start=float(te_), end=float(te_ + 4500),
                                   source=c["id"], extra_load=round(share, 2),
                                   effect="post-event crowd passes through the hub: load +50..90% for ~1 h, healthy"))
    # --- external neighbour-site outage -> traffic offload onto this cell
    cand = [c for c in cells if c["type"] != "venue"]
    n_no = min(len(cand), max(1, int(round(len(cells) / 6.0))))
    for j in rng.permutation(len(cand))[:n_no]:
        c = cand[int(j)]
        eff = effs[c["idx"]]
        for _ in range(60):
            dur = LU(rng, 3600, 6 * 3600)
            d = int(rng.choice(days))
            s = local_time(env, d, U(rng, 7.0, 20.0))
            e = s + dur
            if s < env.t0 + 1800 or e > env.t_end - 1800:
                continue
            if overlaps(s, e, [(a, b) for a, b, _ in blocked[c["idx"]]], 1800):
                continue
            Lmax = float(np.max(c["L_nom"][max(0, int((s - env.t0) // STEP)):int((e - env.t0) // STEP)]))
            cap_share = 0.8 / max(1e-3, c["busy_rho"] * Lmax) - 1
            share = min(U(rng, 0.3, 0.8), cap_share)
            if share < 0.15:
                continue
            s_ = intensity(env, s, e, ramp_in=300, ramp_out=900)
            eff["load_mult"] *= 1 + share * s_
            eff["cqi_add"] -= 0.5 * share * s_
            eff["iot_add"] += 0.8 * share * s_
            eff["ho_mult"] *= 1 + 0.4 * share * s_
            blocked[c["idx"]].append((s, e, 1800))
            benign.append(dict(cell=c["id"], kind="neighbour_outage_offload", start=float(s), end=float(e),
                               source="external neighbour site (not in this data set)", extra_load=round(share, 2),
                               effect="load up, CQI slightly down (edge users), UL noise slightly up; KPIs healthy"))
            break
    # --- rain fade on microwave backhaul
    for ev in [x for x in env.events_all if x["kind"] == "rain"]:
        for c in cells:
            if c["backhaul"] != "microwave":
                continue
            eff = effs[c["idx"]]
            f = U(rng, 0.6, 1.4)
            eff["rtt_add"] += 1.2 * f * env.rain
            eff["loss_add"] += 0.003 * f * env.rain ** 2
            blocked[c["idx"]].append((ev["start"], ev["end"], 600))
            benign.append(dict(cell=c["id"], kind="rain_fade", start=ev["start"], end=ev["end"],
                               effect="microwave backhaul adaptive modulation: RTT +~1 ms, TWAMP loss up to ~0.3%, radio KPIs unaffected"))
    # --- short transport latency blips
    for c in cells:
        eff = effs[c["idx"]]
        nb = int(rng.poisson(0.35 * args.days))
        for _ in range(nb):
            dur = U(rng, 60, 240)
            s = U(rng, env.t0 + 600, env.t_end - 600)
            amp = U(rng, 8, 35)
            s_ = intensity(env, s, s + dur)
            eff["rtt_add"] += amp * s_
            eff["loss_add"] += U(rng, 0.001, 0.008) * s_
            blocked[c["idx"]].append((s, s + dur, 300))
            benign.append(dict(cell=c["id"], kind="transport_latency_blip", start=float(s), end=float(s + dur),
                               rtt_add_ms=round(amp, 1), effect="brief TWAMP RTT spike/loss on the shared transport, no user impact"))
    # --- collector gap / delayed batch (all cells)
    s = U(rng, env.t0 + 0.2 * (env.t_end - env.t0), env.t0 + 0.45 * (env.t_end - env.t0))
    dur = max(U(rng, 300, 1200), 1.05 * env.P)
    env.collector_gap = (s, s + dur)
    benign.append(dict(cell="all", kind="collector_gap", start=float(s), end=float(s + dur),
                       effect="collector outage: no samples from any cell whose period ends in this window (lost, seq gaps)"))
    s = U(rng, env.t0 + 0.55 * (env.t_end - env.t0), env.t0 + 0.85 * (env.t_end - env.t0))
    dur = max(U(rng, 480, 1200), 1.05 * env.P)
    env.collector_delay = (s, s + dur)
    benign.append(dict(cell="all", kind="collector_delayed_batch", start=float(s), end=float(s + dur),
                       effect="collector backlog: samples of periods ending in this window are delivered together at its end (late ts, data intact)"))
    return blocked


FAULT_DUR = {  # (min, max) seconds, log-uniform
    "sleeping_cell": (2700, 6 * 3600), "ul_interference": (1200, 5 * 3600),
    "congestion": (1800, 2.5 * 3600), "backhaul_degradation": (900, 4 * 3600),
    "hardware_fault": (2400, 8 * 3600), "misconfiguration": (3600, 8 * 3600),
}
NEED_LOAD = {"sleeping_cell": 0.30, "congestion": 0.60, "misconfiguration": 0.25}


def sample_fault(kind, subtle, c, rng, P):
    f = dict(kind=kind, subtle=bool(subtle), ramp_in=0.0, ramp_out=0.0, params={})
    p = f["params"]
    if kind == "sleeping_cell":
        if subtle:
            f["variant"] = "partial_service_loss"
            f["magnitude"] = U(rng, 0.3, 0.55)
            if rng.random() < 0.5:
                f["ramp_in"] = U(rng, 600, 2400)
        else:
            f["variant"] = str(rng.choice(["rach_no_response", "stuck_scheduler"]))
            f["magnitude"] = U(rng, 0.9, 0.99)
        p["traffic_lost_fraction"] = round(f["magnitude"], 3)
    elif kind == "ul_interference":
        f["magnitude"] = U(rng, 2.5, 5.0) if subtle else U(rng, 6.0, 18.0)
        f["variant"] = str(rng.choice(["constant", "intermittent", "ramp"], p=[.45, .3, .25]))
        if f["variant"] == "ramp":
            f["ramp_in"] = U(rng, 900, 3600)
        p["added_ul_noise_db"] = round(f["magnitude"], 2)
    elif kind == "congestion":
        f["variant"] = str(rng.choice(["capacity_limit", "demand_surge"]))
        f["magnitude"] = U(rng, 0.80, 0.90) if subtle else U(rng, 1.25, 2.2)
        p["offered_load_over_capacity"] = round(f["magnitude"], 3)
        if f["variant"] == "demand_surge":
            f["ramp_in"] = U(rng, 600, 1200)
            f["ramp_out"] = U(rng, 300, 900)
        else:
            p["admission_reject"] = round(U(rng, 0.002, 0.006) if subtle else U(rng, 0.03, 0.10), 4)
    elif kind == "backhaul_degradation":
        opts = ["microwave_link_degradation" if c["backhaul"] == "microwave" else "link_errors",
                "aggregation_congestion", "path_reroute"]
        f["variant"] = str(rng.choice(opts))
        if subtle:
            rtt, loss = U(rng, 3, 8), U(rng, 0.001, 0.004)
        else:
            rtt, loss = U(rng, 15, 70), U(rng, 0.005, 0.04)
        if f["variant"] == "path_reroute":
            loss *= 0.15
            rtt *= 1.3
        elif f["variant"] == "link_errors":
            rtt *= 0.3
            loss *= 1.3
        f["magnitude"] = rtt
        p["rtt_add_ms"] = round(rtt, 2)
        p["loss_add"] = round(loss, 5)
        if f["variant"] in ("microwave_link_degradation", "aggregation_congestion") and rng.random() < 0.6:
            f["ramp_in"] = U(rng, 600, 2700)
    elif kind == "hardware_fault":
        opts = ["fan_failure", "pa_branch_failure"] + (["vswr_feeder"] if c["outdoor"] else [])
        f["variant"] = str(rng.choice(opts))
        if f["variant"] == "vswr_feeder":
            if subtle:
                p.update(vswr_add=U(rng, 0.25, 0.45), txpwr_db=-U(rng, 0.5, 1.0), coverage_loss=U(rng, 0.03, 0.08), cqi_drop=0.3)
            else:
                p.update(vswr_add=U(rng, 1.0, 2.5), txpwr_db=-U(rng, 3, 6), coverage_loss=U(rng, 0.15, 0.35), cqi_drop=1.0)
            f["magnitude"] = p["vswr_add"]
            if rng.random() < 0.4:
                f["ramp_in"] = U(rng, 600, 3600)
        elif f["variant"] == "fan_failure":
            p["temp_rise_degC"] = U(rng, 6, 10) if subtle else U(rng, 15, 25)
            p["thermal_backoff_db"] = 0.0 if subtle else 3.0
            f["magnitude"] = p["temp_rise_degC"]
            f["ramp_in"] = U(rng, 1800, 5400)
        else:
            capf = 0.85 if subtle else U(rng, 0.5, 0.65)
            p.update(dl_capacity_factor=capf, txpwr_db=-1.0 if subtle else -3.0, cqi_drop=0.2 if subtle else 0.6)
            f["magnitude"] = 1 - capf
        for k in list(p):
            if isinstance(p[k], float):
                p[k] = round(p[k], 3)
    elif kind == "software_restart":
        if subtle:
            f["variant"] = "process_restart"
            outs = [U(rng, 60, 150)]
            gaps = []
        elif rng.random() < 0.3:
            f["variant"] = "restart_loop"
            n = int(rng.integers(2, 4))
            outs = [U(rng, 150, 360) for _ in range(n)]
            gaps = [U(rng, 300, 720) for _ in range(n - 1)]
        else:
            f["variant"] = "node_restart"
            outs = [U(rng, 240, 540)]
            gaps = []
        p["outages_s"] = [round(x, 1) for x in outs]
        p["gaps_s"] = [round(x, 1) for x in gaps]
        p["recovery_s"] = round(U(rng, 480, 900), 1)
        f["magnitude"] = round(sum(outs) / 60.0, 2)
    elif kind == "misconfiguration":
        f["variant"] = str(rng.choice(["missing_neighbours", "power_too_low", "prach_conflict"]))
        if f["variant"] == "missing_neighbours":
            f["magnitude"] = U(rng, 0.04, 0.08) if subtle else U(rng, 0.2, 0.45)
            p["ho_fail_add"] = round(f["magnitude"], 3)
        elif f["variant"] == "power_too_low":
            f["magnitude"] = U(rng, 2, 3) if subtle else U(rng, 6, 9)
            p["txpwr_db"] = -round(f["magnitude"], 2)
            p["coverage_loss"] = round(U(rng, 0.08, 0.15) if subtle else U(rng, 0.3, 0.5), 3)
        else:
            f["magnitude"] = U(rng, 0.3, 0.6) if subtle else U(rng, 1.5, 3.0)
            p["extra_preambles_rel"] = round(f["magnitude"], 3)
            p["rach_fail_add"] = round(U(rng, 0.05, 0.1) if subtle else U(rng, 0.25, 0.4), 3)
    f["magnitude"] = round(float(f["magnitude"]), 3)
    f["onset"] = "gradual" if f["ramp_in"] > 0 else "abrupt"
    return f


def fault_duration(f, rng, P):
    if f["kind"] == "software_restart":
        p = f["params"]
        return sum(p["outages_s"]) + sum(p["gaps_s"]) + p["recovery_s"]
    a, b = FAULT_DUR[f["kind"]]
    a = max(a, 600.0, 2.0 * P)
    b = max(b, a * 1.5)
    d = LU(rng, a, b)
    if f["kind"] == "ul_interference" and f["variant"] == "intermittent":
        d = max(d, 2400.0)
    if f["ramp_in"] > 0.4 * d:
        f["ramp_in"] = 0.4 * d
    return d


def plan_faults(args, env, cells, rng, blocked):
    C = len(cells)
    nf = [int(rng.choice([2, 3, 4], p=[0.3, 0.45, 0.25])) for _ in range(C)]
    total = sum(nf)
    deck = []
    while len(deck) < total + 7:
        deck += [FAULT_KINDS[i] for i in rng.permutation(7)]
    assign = []
    pos = 0
    for c in cells:
        ks = []
        for _ in range(nf[c["idx"]]):
            # take the next suitable kind from the deck
            for j in range(pos, len(deck)):
                k = deck[j]
                if k in ks:
                    continue
                if k == "congestion" and c["type"] == "venue":
                    continue
                deck[pos], deck[j] = deck[j], deck[pos]
                ks.append(deck[pos])
                pos += 1
                break
        assign.append(ks)
    flat = [(ci, k) for ci, ks in enumerate(assign) for k in ks]
    n_sub = int(round(len(flat) / 3.0))
    subtle_set = set(int(x) for x in rng.permutation(len(flat))[:n_sub])
    faults = []
    for n, (ci, kind) in enumerate(flat):
        c = cells[ci]
        subtle = n in subtle_set
        f = sample_fault(kind, subtle, c, rng, env.P)
        placed = False
        for attempt in range(600):
            dur = fault_duration(f, rng, env.P)
            if attempt > 400:
                dur *= 0.6
            lo = env.t0 + 2400
            hi = env.t_end - dur - 1200
            if hi <= lo:
                continue
            if kind == "misconfiguration" and rng.random() < 0.6:
                d = int(rng.choice(range(env.lday0, int(env.lday[-1]) + 1)))
                s = local_time(env, d, U(rng, 9.0, 16.5))
            else:
                s = U(rng, lo, hi)
            e = s + dur
            if s < lo or e > env.t_end - 1200:
                continue
            mine = [(x["start"], x["end"]) for x in faults if x["cell_idx"] == ci]
            if overlaps(s, e, mine, 2700):
                continue
            if any(overlaps(s, e, [(a, b)], m) for a, b, m in blocked[ci]):
                continue
            need = NEED_LOAD.get(kind, 0.0)
            if kind == "hardware_fault" or kind == "ul_interference":
                need = 0.12
            if attempt < 450 and need > 0 and mean_over(env, c["L_nom"], s, e) < need * (1.0 if attempt < 300 else 0.6):
                continue
            if kind == "software_restart":
                s = env.t0 + round((s - env.t0) / STEP) * STEP
                e = s + dur
            f["start"], f["end"] = float(s), float(e)
            placed = True
            break
        if not placed:
            continue
        f["cell_idx"] = ci
        f["cell"] = c["id"]
        faults.append(f)
    faults.sort(key=lambda x: (x["cell_idx"], x["start"]))
    return faults


def apply_fault(env, c, eff, f, rng, effs, cells, benign):
    s0, e0 = f["start"], f["end"]
    p = f["params"]
    kind, var, sub = f["kind"], f["variant"], f["subtle"]
    mag = f["magnitude"]
    if kind == "software_restart":
        t = s0
        outs, gaps = p["outages_s"], p["gaps_s"]
        crash_times = []
        for i, o in enumerate(outs):
            r = apply_outage(env, eff, c, t, o, False, 0.6 if not sub else 0.25, 180.0 if not sub else 90.0)
            crash_times.append(r)
            t = r[1] + (gaps[i] if i < len(gaps) else 0.0)
        s = intensity(env, s0, crash_times[-1][1])
        f["start"] = float(crash_times[0][0])
        f["end"] = float(crash_times[-1][1] + p["recovery_s"])
        spill = 0.0 if sub else 1.0
    else:
        pattern = None
        if kind == "ul_interference" and var == "intermittent":
            pattern = []
            t = s0
            while t < e0:
                on_d = U(rng, 180, 1200)
                pattern.append((t, min(e0, t + on_d)))
                t += on_d + U(rng, 120, 900)
            p["on_intervals"] = [[round(a, 1), round(b, 1)] for a, b in pattern]
        s = intensity(env, s0, e0, f["ramp_in"], f["ramp_out"], pattern)
        spill = 0.0
    if kind == "sleeping_cell":
        if var == "partial_service_loss":
            eff["serve"] *= 1 - mag * s
        elif var == "rach_no_response":
            eff["serve"] *= 1 - mag * s
            eff["rach_extra"] += 1.4 * s
            eff["rach_fail_add"] += 0.95 * s
        else:  # stuck_scheduler
            eff["serve"] *= 1 - 0.35 * s
            eff["data_mult"] *= 1 - mag * s
            eff["erab_fail_add"] += 0.85 * mag * s
            eff["drop_mult"] *= 1 + 4.0 * s
    elif kind == "ul_interference":
        eff["ext_db"] += mag * s
    elif kind == "congestion":
        rho_exp = max(0.05, c["busy_rho"] * mean_over(env, c["L_nom"], s0, e0))
        m = max(1.0, mag / rho_exp)
        p["multiplier"] = round(m, 3)
        if var == "capacity_limit" and m > 9.0:
            # far too little traffic for a capacity problem at this hour: make it a demand surge
            var = f["variant"] = "demand_surge"
            p.pop("admission_reject", None)
        if var == "capacity_limit":
            cm = float(np.clip(1.0 / m, 0.12, 0.95))
            eff["cap_mult"] *= 1 - (1 - cm) * s
            eff["rrc_fail_add"] += p["admission_reject"] * s
            eff["erab_fail_add"] += 0.5 * p["admission_reject"] * s
        else:
            eff["load_mult"] *= 1 + (m ** 0.6 - 1) * s
            eff["demand_mult"] *= 1 + (m ** 0.4 - 1) * s
    elif kind == "backhaul_degradation":
        shape = s
        if var == "aggregation_congestion":
            shape = s * (0.3 + 0.7 * np.clip(c["area_load"], 0, 1))
        eff["rtt_add"] += p["rtt_add_ms"] * shape
        eff["loss_add"] += p["loss_add"] * shape
        if p["rtt_add_ms"] > 30 or p["loss_add"] > 0.01:
            eff["bh_ho_fail"] += 0.03 * shape
            eff["drop_mult"] *= 1 + 0.5 * shape
    elif kind == "hardware_fault":
        if var == "vswr_feeder":
            eff["vswr_add"] += p["vswr_add"] * s
            eff["txpwr_db"] += p["txpwr_db"] * s
            eff["load_mult"] *= 1 - p["coverage_loss"] * s
            eff["cqi_add"] -= p["cqi_drop"] * s
            eff["drop_mult"] *= 1 + 0.8 * s * p["coverage_loss"] / 0.3
            spill = p["coverage_loss"] if not sub else 0.0
        elif var == "fan_failure":
            eff["temp_add"] += p["temp_rise_degC"] * s
            if p["thermal_backoff_db"] > 0:
                s2 = np.clip((s - 0.85) / 0.15, 0, 1)
                eff["txpwr_db"] -= p["thermal_backoff_db"] * s2
                eff["cap_mult"] *= 1 - 0.25 * s2
                eff["load_mult"] *= 1 - 0.1 * s2
                eff["cqi_add"] -= 0.5 * s2
        else:
            eff["txpwr_db"] += p["txpwr_db"] * s
            eff["cap_mult"] *= 1 - (1 - p["dl_capacity_factor"]) * s
            eff["thp_mult"] *= 1 - (1 - p["dl_capacity_factor"]) * s
            eff["cqi_add"] -= p["cqi_drop"] * s
            eff["bler_dl_add"] += 0.02 * s
            eff["temp_add"] -= 1.5 * s
    elif kind == "misconfiguration":
        if var == "missing_neighbours":
            eff["ho_fail_add"] += mag * s
            eff["drop_mult"] *= 1 + 8 * mag * s
            eff["cqi_add"] -= 0.3 * s * mag / 0.3
        elif var == "power_too_low":
            eff["txpwr_db"] += p["txpwr_db"] * s
            eff["load_mult"] *= 1 - p["coverage_loss"] * s
            eff["ho_mult"] *= 1 + 0.8 * p["coverage_loss"] * s
            eff["cqi_add"] += 0.2 * s
            spill = p["coverage_loss"] if not sub else 0.0
        else:
            eff["rach_extra"] += mag * s
            eff["rach_fail_add"] += p["rach_fail_add"] * s
            eff["att_mult"] *= 1 + 0.05 * s
    # traffic pushed onto neighbours (benign for them)
    if spill > 0:
        for nb in c.get("neighbours", []):
            share = U(rng, 0.15, 0.35) * spill
            if share < 0.03:
                continue
            effs[nb]["load_mult"] *= 1 + share * s
            nz = np.nonzero(s > 0)[0]
            ev_s = max(f["start"], float(env.ts0[nz[0]])) if len(nz) else f["start"]
            ev_e = min(f["end"], float(env.ts0[nz[-1]] + STEP)) if len(nz) else f["end"]
            benign.append(dict(cell=cells[nb]["id"], kind="neighbour_fault_offload", start=ev_s, end=ev_e,
                               source=c["id"], source_fault=kind, extra_load=round(share, 3),
                               effect="neighbour in the same area lost service/coverage: some of its users camp here, load up, healthy"))


# ----------------------------------------------------------------------------
# physical simulation on the 30 s grid
# ----------------------------------------------------------------------------
def simulate(env, c, eff, r):
    N = env.N
    dt = float(STEP)
    on = eff["on"]
    up = eff["up"]
    area = c["area_load"]
    ext = eff["ext_db"]
    users_full = c["peak_users"] * c["L"] * eff["load_mult"] + eff["add_users"]
    users_nom = users_full * on
    users_exp = users_nom * eff["serve"]
    conn = r.poisson(users_exp * 2.0) / 2.0
    # ---- handover
    ho_exp = users_exp * c["mob"] / 60.0 * dt * eff["ho_mult"] + eff["ho_burst"] * users_full * 0.9
    ho_att = r.poisson(ho_exp)
    p_ho_f = np.clip(c["ho_fail"] + eff["ho_fail_add"] + 0.12 * (1 - np.exp(-np.maximum(ext - 4, 0) / 8))
                     + eff["bh_ho_fail"], 0, 0.95)
    ho_succ = r.binomial(ho_att, 1 - p_ho_f)
    # ---- downlink
    cqi_true = c["cqi"] - 0.7 * area + eff["cqi_add"]
    se = np.clip(1 + 0.085 * (cqi_true - c["cqi"]), 0.25, 1.5)
    cap = c["cap_dl"] * dt * on * se * eff["cap_mult"]
    dem_mean = conn * c["rate_dl"] * dt * eff["demand_mult"] * eff["data_mult"]
    shp = 0.6 + 0.8 * conn
    demand = np.where(conn > 0, r.gamma(shp, np.maximum(dem_mean / shp, 1e-9)), 0.0)
    demand += on * r.poisson(2.0, N) * 4000.0 * eff["data_mult"]        # signalling / keep-alives
    rtt = (c["bh_rtt"] + c["bh_busy"] * area + eff["rtt_add"]) + r.exponential(0.04 * c["bh_rtt"], N)
    loss = np.clip(c["bh_loss"] + eff["loss_add"], 0, 1)

    def tcp_lim(rt, ls):
        return 11680 * 1.22 / (rt / 1000.0 * np.sqrt(np.maximum(ls, 1e-5)))
    tcp = tcp_lim(rtt, loss)
    tcp0 = tcp_lim(c["bh_rtt"] + c["bh_busy"] * 0.5, c["bh_loss"])
    g = lambda x: 0.35 + 0.65 * x / (x + 6e6)
    bhf = np.minimum(1.0, g(tcp) / g(tcp0))
    offered = demand * bhf
    capc = np.maximum(0.985 * cap, 1.0)
    ro = np.where(cap > 0, offered / capc, 0.0)
    served = np.where(cap > 0, offered / (1 + ro ** 8) ** 0.125, 0.0)
    rho = np.where(cap > 0, served / np.maximum(cap, 1.0), 0.0)
    prb_dl = 100 * (c["floor_dl"] + (1 - c["floor_dl"]) * rho)
    act = np.minimum(conn, conn * c["act"] * (1 + 2.5 * np.minimum(ro, 1.5) ** 4) * r.lognormal(0, 0.12, N))
    radio = c["ue_peak"] * se * eff["cap_mult"] * eff["thp_mult"] * np.maximum(0.015, (1 - np.minimum(ro, 0.985)) ** 0.9) / np.maximum(1.0, ro)
    thp = 1.0 / (1.0 / np.maximum(radio, 1.0) + 1.0 / c["app_lim"] + 1.0 / tcp)
    thp *= np.exp(r.normal(0, 1, N) * (0.1 + 0.5 / np.sqrt(1 + act * 4)))
    rr = np.minimum(ro, 0.97)
    lat = c["lat"] * (1 + 0.5 * rr ** 3 / (1 - rr)) * np.maximum(1.0, ro) * eff["lat_mult"] + eff["lat_add"]
    lat = np.minimum(lat * np.exp(r.normal(0, 1, N) * (0.06 + 0.3 / np.sqrt(1 + served / 2e6))), 900.0)
    # ---- uplink
    ul_se = eff["ul_se_mult"] / (1 + np.maximum(ext, 0) / 6.0)
    cap_ul = c["cap_ul"] * dt * on * ul_se * (1 - 0.12 * np.minimum(area, 1.2))
    ul_off = offered * c["ulr"] * eff["ul_demand_mult"] * r.lognormal(0, 0.25, N)
    capu = np.maximum(0.985 * cap_ul, 1.0)
    ro_ul = np.where(cap_ul > 0, ul_off / capu, 0.0)
    served_ul = np.where(cap_ul > 0, ul_off / (1 + ro_ul ** 8) ** 0.125, 0.0)
    rho_ul = np.where(cap_ul > 0, served_ul / np.maximum(cap_ul, 1.0), 0.0)
    prb_ul = np.minimum(100.0, 100 * (c["floor_ul"] + (1 - c["floor_ul"]) * rho_ul) + eff["prb_ul_add"])
    radio_ul = c["ul_peak"] * ul_se * np.maximum(0.02, (1 - np.minimum(ro_ul, 0.985)) ** 0.9) / np.maximum(1.0, ro_ul)
    thp_ul = 1.0 / (1.0 / np.maximum(radio_ul, 1.0) + 1.0 / c["ul_app"] + 2.0 / tcp)
    thp_ul *= np.exp(r.normal(0, 1, N) * (0.12 + 0.5 / np.sqrt(1 + act * 4)))
    # ---- UL noise + interference per PRB
    iot_lin = (10 ** (c["iot_busy"] / 10) - 1) * area
    ui = c["nfloor"] + 10 * np.log10(1 + iot_lin) + ext + eff["iot_add"] + eff["ui_off"] + r.normal(0, 0.25, N)
    # ---- HARQ / BLER
    tx_dl = r.poisson(served / c["tb"][0])
    bler_dl = np.clip(0.072 + 0.02 * area + eff["bler_dl_add"] + r.normal(0, 0.004, N), 0.01, 0.9)
    nack_dl = r.binomial(tx_dl, bler_dl)
    tx_ul = r.poisson(served_ul / c["tb"][1])
    bler_ul = np.clip(0.085 + 0.02 * area + 0.30 * (1 - np.exp(-np.maximum(ext - 3.0, 0) / 8)) + eff["bler_ul_add"]
                      + r.normal(0, 0.005, N), 0.01, 0.95)
    nack_ul = r.binomial(tx_ul, bler_ul)
    # ---- access
    p_cong = 0.15 * np.clip((ro - 0.93) / 0.5, 0, 1)
    p_ext = 0.22 * (1 - np.exp(-np.maximum(ext - 4, 0) / 8))
    rrc_exp = users_exp * dt / c["hold"] * eff["att_mult"] + users_full * eff["att_storm"]
    rrc_att = r.poisson(rrc_exp)
    p_rrc_f = np.clip(c["rrc_fail"] + eff["rrc_fail_add"] + p_ext + p_cong, 0, 0.99)
    rrc_succ = r.binomial(rrc_att, 1 - p_rrc_f)
    rach_exp = (1.05 * rrc_exp + eff["rach_extra"] * users_full * on * dt / c["hold"]
                + c["ghost"] * dt * on + 0.05 * np.maximum(ext, 0) * rrc_exp)
    rach_att = r.poisson(rach_exp)
    p_rach_f = np.clip(0.015 + eff["rach_fail_add"] + 0.3 * (1 - np.exp(-np.maximum(ext - 2, 0) / 8)), 0, 0.99)
    rach_succ = r.binomial(rach_att, 1 - p_rach_f)
    erab_att = r.binomial(rrc_succ, c["bearer_frac"]) + r.poisson(users_exp * dt / 900.0)
    p_erab_f = np.clip(c["erab_fail"] + eff["erab_fail_add"] + 0.5 * p_cong + 0.3 * p_ext, 0, 0.99)
    erab_succ = r.binomial(erab_att, 1 - p_erab_f)
    drop_exp = erab_succ * c["drop"] * eff["drop_mult"] * (1 + 6 * p_cong / 0.15 + 4 * np.maximum(bler_ul - 0.12, 0))
    drops = r.poisson(drop_exp) + r.binomial(ho_att - ho_succ, 0.35)
    cmax = conn + r.poisson(0.9 * np.sqrt(users_exp) + 0.2)
    cqi_meas = cqi_true + eff["cqi_rep_off"] + r.normal(0, 1, N) * (0.08 + 0.4 / np.sqrt(1 + conn * dt / 10))
    # ---- RF power, energy, temperature, VSWR
    pw = 10 ** (c["pmax"] / 10) * (c["c0"] + (1 - c["c0"]) * rho) * 10 ** (eff["txpwr_db"] / 10) * (1 + r.normal(0, 0.01, N))
    tx_w = pw / 1000.0 * c["ntx"]
    p_in = up * (on * (c["p_static"] + tx_w / c["pa_eff"]) + (1 - on) * c["p_sleep"]) + (1 - up) * 0.6 * c["p_static"]
    p_in = p_in * (1 + r.normal(0, 0.01, N))
    heat = c["self_heat"] * (0.35 + 0.65 * on) * (0.5 + 0.5 * up) + c["load_heat"] * rho + eff["temp_add"]
    T = lag1(c["amb"] + heat, 40.0) + eff["temp_off"] + r.normal(0, 0.12, N)
    Tmax = T + np.abs(r.normal(0, 0.35, N))
    vswr = c["vswr"] + eff["vswr_add"] + (0.03 * env.rain if c["outdoor"] else 0.0) + r.normal(0, 0.006, N)
    sent = np.where(up > 0, 10 * STEP, 0)
    lost = r.binomial(sent, loss)
    ca = conn * c["ca_frac"]
    return dict(on=on, up=up, conn=conn, act=act, cmax=cmax, rrc_att=rrc_att, rrc_succ=rrc_succ,
                erab_att=erab_att, erab_succ=erab_succ, drops=drops, prb_dl=prb_dl, prb_ul=prb_ul,
                served=served, served_ul=served_ul, thp=thp, thp_ul=thp_ul, lat=lat, tx_dl=tx_dl,
                nack_dl=nack_dl, tx_ul=tx_ul, nack_ul=nack_ul, cqi=cqi_meas, rach_att=rach_att,
                rach_succ=rach_succ, ho_att=ho_att, ho_succ=ho_succ, ui=ui, pw=pw, vswr=vswr, T=T, Tmax=Tmax,
                p_in=p_in, rtt=rtt, sent=sent, lost=lost, ca=ca,
                down_auto=eff["down_auto"], down_man=eff["down_man"], sleep=eff["sleep"],
                counted=eff["counted"] * up)


def aggregate(env, c, x):
    nP, k = env.nP, env.k
    cnt = x["counted"]

    def S(a, m=None):
        m = cnt if m is None else m
        return (a * m).reshape(nP, k).sum(1)

    def W(a, w, thr=0.0):
        ws = w.reshape(nP, k).sum(1)
        s = (np.where(w > 0, a, 0.0) * w).reshape(nP, k).sum(1)
        return np.where(ws > thr, s / np.where(ws > 0, ws, 1), np.nan)

    def M(a, m):
        v = np.where(m > 0, a, -np.inf).reshape(nP, k).max(1)
        return np.where(np.isfinite(v), v, np.nan)

    w_on = x["on"] * cnt
    w_up = cnt
    a = {}
    for key in ("rrc_att", "rrc_succ", "erab_att", "erab_succ", "drops", "rach_att", "rach_succ",
                "ho_att", "ho_succ", "sent", "lost"):
        a[key] = S(x[key])
    a["vol_dl"] = S(x["served"])
    a["vol_ul"] = S(x["served_ul"])
    a["tx_dl"] = S(x["tx_dl"])
    a["nack_dl"] = S(x["nack_dl"])
    a["tx_ul"] = S(x["tx_ul"])
    a["nack_ul"] = S(x["nack_ul"])
    a["energy_wh"] = S(x["p_in"] * STEP / 3600.0)
    one = np.ones(env.N)
    for key in ("down_auto", "down_man", "sleep"):
        a[key] = S(x[key], one)
    a["conn_avg"] = W(x["conn"], w_on)
    a["levsamp"] = np.floor(S(x["on"] * STEP / 5.0) + 1e-9)
    a["act_avg"] = W(x["act"], w_on)
    a["conn_max"] = M(x["cmax"], w_on)
    a["prb_dl"] = W(x["prb_dl"], w_on)
    a["prb_ul"] = W(x["prb_ul"], w_on)
    a["thp_dl"] = W(x["thp"], x["served"] * cnt, 2e6)
    a["thp_ul"] = W(x["thp_ul"], x["served_ul"] * cnt, 3e5)
    a["lat_dl"] = W(x["lat"], x["served"] * cnt, 2e5)
    a["cqi"] = W(x["cqi"], x["conn"] * x["on"] * cnt)
    a["ul_interf"] = 10 * np.log10(W(10 ** (x["ui"] / 10), w_on))
    a["txpwr"] = 10 * np.log10(W(x["pw"], w_on))
    a["vswr"] = W(x["vswr"], w_on)
    a["temp"] = W(x["T"], w_up)
    a["temp_max"] = M(x["Tmax"], w_up)
    a["p_avg"] = W(x["p_in"], w_up)
    a["bh_rtt"] = W(x["rtt"], w_up)
    a["ca_ue"] = W(x["ca"], w_on)
    with np.errstate(invalid="ignore", divide="ignore"):
        a["bler_dl"] = np.where(a["tx_dl"] > 0, 100.0 * a["nack_dl"] / np.maximum(a["tx_dl"], 1), np.nan)
        a["bler_ul"] = np.where(a["tx_ul"] > 0, 100.0 * a["nack_ul"] / np.maximum(a["tx_ul"], 1), np.nan)
        a["bh_loss"] = np.where(a["sent"] > 0, a["lost"] / np.maximum(a["sent"], 1), np.nan)
    return a


def columns_for(env, c, a):
    """returns list of (name, values list with None for absent)"""
    P = env.nP
    pstart = env.t0 + np.arange(P) * env.P
    cols = []
    on_any = ~np.isnan(a["prb_dl"])

    def ints(v):
        return [int(round(float(z))) for z in v]

    def flt(v, d):
        return [None if (z != z) else (round(float(z), d) + 0.0) for z in v]

    conv = {
        "rrc_att": lambda: ints(a["rrc_att"]), "rrc_succ": lambda: ints(a["rrc_succ"]),
        "conn_levsum": lambda: ints(np.nan_to_num(a["conn_avg"]) * a["levsamp"]),
        "conn_levsamp": lambda: ints(a["levsamp"]),
        "conn_avg": lambda: flt(a["conn_avg"], 2),
        "conn_max": lambda: [None if z != z else int(round(float(z))) for z in a["conn_max"]],
        "act_avg": lambda: flt(a["act_avg"], 2),
        "erab_att": lambda: ints(a["erab_att"]), "erab_succ": lambda: ints(a["erab_succ"]),
        "drops": lambda: ints(a["drops"]),
        "prb_dl": lambda: flt(a["prb_dl"], 2), "prb_ul": lambda: flt(a["prb_ul"], 2),
        "prb_dl_n": lambda: flt(a["prb_dl"] / 100.0 * c["n_prb"], 2),
        "prb_ul_n": lambda: flt(a["prb_ul"] / 100.0 * c["n_prb"], 2),
        "prb_avail": lambda: [c["n_prb"] if o else None for o in on_any],
        "prb_avail_ul": lambda: [c["n_prb"] if o else None for o in on_any],
        "vol_dl_kbit": lambda: ints(a["vol_dl"] / 1e3), "vol_ul_kbit": lambda: ints(a["vol_ul"] / 1e3),
        "vol_dl_bit": lambda: ints(a["vol_dl"]), "vol_ul_bit": lambda: ints(a["vol_ul"]),
        "vol_dl_mbit": lambda: flt(a["vol_dl"] / 1e6, 3), "vol_ul_mbit": lambda: flt(a["vol_ul"] / 1e6, 3),
        "thp_dl": lambda: flt(a["thp_dl"] / 1e3, 1), "thp_ul": lambda: flt(a["thp_ul"] / 1e3, 1),
        "lat_dl": lambda: flt(a["lat_dl"], 2),
        "harq_dl_ack": lambda: ints(a["tx_dl"] - a["nack_dl"]), "harq_dl_nack": lambda: ints(a["nack_dl"]),
        "harq_ul_ack": lambda: ints(a["tx_ul"] - a["nack_ul"]), "harq_ul_nack": lambda: ints(a["nack_ul"]),
        "bler_dl": lambda: flt(a["bler_dl"], 2), "bler_ul": lambda: flt(a["bler_ul"], 2),
        "cqi": lambda: flt(a["cqi"], 2),
        "rach_att": lambda: ints(a["rach_att"]), "rach_succ": lambda: ints(a["rach_succ"]),
        "ho_att": lambda: ints(a["ho_att"]), "ho_succ": lambda: ints(a["ho_succ"]),
        "ul_interf": lambda: flt(a["ul_interf"], 2), "txpwr": lambda: flt(a["txpwr"], 2),
        "vswr": lambda: flt(a["vswr"], 3), "temp": lambda: flt(a["temp"], 1),
        "temp_max": lambda: flt(a["temp_max"], 1),
        "energy_wh": lambda: flt(a["energy_wh"], 1), "energy_wh_int": lambda: ints(a["energy_wh"]),
        "energy_kwh": lambda: flt(a["energy_wh"] / 1000.0, 4), "p_avg": lambda: flt(a["p_avg"], 1),
        "bh_rtt": lambda: flt(a["bh_rtt"], 2), "bh_sent": lambda: ints(a["sent"]),
        "bh_lost": lambda: ints(a["lost"]),
        "bh_loss_permille": lambda: flt(a["bh_loss"] * 1000.0, 3),
        "bh_loss_pct": lambda: flt(a["bh_loss"] * 100.0, 4),
        "down_auto": lambda: ints(a["down_auto"]), "down_man": lambda: ints(a["down_man"]),
        "sleep": lambda: ints(a["sleep"]),
        "ca_ue": lambda: flt(a["ca_ue"], 2),
    }
    resets = np.zeros(P, dtype=bool)
    for ir in c.get("resets", []):
        if ir < env.N:
            resets[ir // env.k] = True
    mlist = []
    for (name, key, unit, mtype) in c["metric_rows"]:
        vals = conv[key]()
        note = None
        if key == "ca_ue":
            if "ca_from" not in c:
                continue
            vals = [v if (pstart[i] + env.P / 2.0 >= c["ca_from"]) else None for i, v in enumerate(vals)]
            note = "appears after the software upgrade at %s" % iso(c["ca_from"])
        if key == "sleep" and not c["es"]:
            continue
        if key in ENERGY_KEYS and not c["energy_counters"]:
            continue
        if key in c["cumulative"]:
            run = 0
            out = []
            isint = isinstance(vals[0], int)
            for i, v in enumerate(vals):
                if resets[i]:
                    run = 0
                run = run + (v or 0)
                out.append(int(run) if isint else round(run, 3))
            vals = out
            mtype = "cumulative"
        cols.append((name, vals))
        row = dict(name=name, quantity=key, unit=unit, type=mtype)
        if note:
            row["note"] = note
        mlist.append(row)
    return cols, mlist


# ----------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------
def parse_weekday(s):
    s = str(s).strip().lower()
    if s.isdigit() and 0 <= int(s) <= 6:
        return int(s)
    if s[:3] in WEEKDAYS:
        return WEEKDAYS[s[:3]]
    raise argparse.ArgumentTypeError("weekday must be 0-6 or mon..sun")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--cells", type=int, default=12)
    ap.add_argument("--days", type=float, default=4)
    ap.add_argument("--period", type=int, default=300)
    ap.add_argument("--out", required=True)
    ap.add_argument("--start-weekday", type=parse_weekday, default=0)
    args = ap.parse_args(argv)
    if args.period <= 0 or args.period % STEP:
        raise SystemExit("--period must be a positive multiple of %d s" % STEP)
    if args.cells < 1 or args.cells > 500:
        raise SystemExit("--cells must be 1..500")
    ss = np.random.SeedSequence(args.seed)
    r_env, r_plan, r_deliv = [np.random.default_rng(s) for s in ss.spawn(3)]
    env = build_env(args, r_env)
    cells = make_cells(args, env, r_plan)
    effs = [new_eff(env.N) for _ in cells]
    benign = list(env.events_all)
    blocked = plan_benign(args, env, cells, r_plan, effs, benign)
    faults = plan_faults(args, env, cells, r_plan, blocked)
    for f in faults:
        c = cells[f["cell_idx"]]
        apply_fault(env, c, effs[c["idx"]], f, r_plan, effs, cells, benign)
    # metric tables, cumulative choice
    for c in cells:
        c["metric_rows"] = metric_table(c["style"], c["tech"], c["outdoor"])
        if c.get("cumulative_cell"):
            keys = [row[1] for row in c["metric_rows"] if row[1] in CUMULATIVE_CANDIDATES]
            c["cumulative"] = keys
    # simulate, aggregate, deliver
    P = env.P
    pstart = env.t0 + np.arange(env.nP) * P
    pend = pstart + P
    records = []
    delivery = dict(lost=[], duplicated=[], late=[], collector_gap_lost=0, collector_delayed=[])
    cell_cols = {}
    cell_labels = {}
    for c in cells:
        rs = rng_cell(args.seed, c["idx"], 2)
        x = simulate(env, c, effs[c["idx"]], rs)
        a = aggregate(env, c, x)
        cols, mlist = columns_for(env, c, a)
        c["metric_list"] = mlist
        cell_cols[c["idx"]] = cols
        cnt = x["counted"].reshape(env.nP, env.k)
        upk = x["up"].reshape(env.nP, env.k)
        produced = (upk[:, -1] > 0) & (cnt.sum(1) > 0)
        labels = [None] * env.nP
        for f in faults:
            if f["cell_idx"] != c["idx"]:
                continue
            ov = np.clip(np.minimum(pend, f["end"]) - np.maximum(pstart, f["start"]), 0, None)
            for i in np.nonzero(ov > P / 2.0)[0]:
                labels[int(i)] = f["kind"]
        cell_labels[c["idx"]] = labels
        seq = 0
        for i in np.nonzero(produced)[0]:
            i = int(i)
            seq += 1
            end = float(pend[i])
            ts = end + c["jitter_base"] + float(r_deliv.gamma(2.0, 0.5))
            g0, g1 = env.collector_gap
            if g0 <= end < g1:
                delivery["collector_gap_lost"] += 1
                continue
            u = float(r_deliv.random())
            d0, d1 = env.collector_delay
            if d0 <= end < d1:
                ts = d1 + float(r_deliv.uniform(1.0, 25.0))
                delivery["collector_delayed"].append([c["id"], seq])
            elif u < 0.007:
                delivery["lost"].append([c["id"], seq])
                continue
            elif u < 0.010:
                ts = end + float(r_deliv.uniform(1.3, 4.0)) * min(P, 300)
                delivery["late"].append([c["id"], seq])
            records.append((round(ts, 3), c["idx"], seq, i, 0))
            if 0.010 <= u < 0.0155:
                records.append((round(ts + float(r_deliv.uniform(0.5, 30.0)), 3), c["idx"], seq, i, 1))
                delivery["duplicated"].append([c["id"], seq])
    records.sort(key=lambda t: (t[0], t[1], t[2], t[4]))
    out = args.out
    od = os.path.dirname(os.path.abspath(out))
    os.makedirs(od, exist_ok=True)
    labelled_count = {}
    with open(out, "w") as fh:
        for (ts, ci, seq, i, dup) in records:
            c = cells[ci]
            m = {}
            for name, vals in cell_cols[ci]:
                v = vals[i]
                if v is not None:
                    m[name] = v
            rec = {"v": 1, "cell": c["id"], "ts": ts, "seq": seq, "metrics": m}
            lab = cell_labels[ci][i]
            if lab:
                rec["label"] = lab
                if not dup:
                    key = (ci, i)
                    labelled_count[key] = lab
            fh.write(json.dumps(rec, separators=(",", ":")) + "\n")
    # truth
    tfaults = []
    for f in faults:
        ovn = 0
        for (ci, i), lab in labelled_count.items():
            if ci == f["cell_idx"] and pstart[i] < f["end"] and pend[i] > f["start"]:
                ovn += 1
        tf = dict(cell=f["cell"], kind=f["kind"], start=round(f["start"], 3), end=round(f["end"], 3),
                  subtle=f["subtle"], magnitude=f["magnitude"], variant=f["variant"], onset=f["onset"],
                  ramp_in_s=round(f["ramp_in"], 1), start_iso=iso(f["start"]), end_iso=iso(f["end"]),
                  params=f["params"], labelled_samples_delivered=ovn)
        tfaults.append(tf)
    tfaults.sort(key=lambda z: (z["start"], z["cell"]))
    for b in benign:
        b["start"] = round(float(b["start"]), 3)
        b["end"] = round(float(b["end"]), 3)
        b["start_iso"] = iso(b["start"])
        b["end_iso"] = iso(b["end"])
    benign.sort(key=lambda z: (z["start"], str(z["cell"]), z["kind"]))
    profiles = []
    for c in cells:
        prof = dict(cell=c["id"], type=c["type"], tech=c["tech"], band=c["band"], bandwidth_mhz=c["bw_mhz"],
                    n_prb=c["n_prb"], naming_style=c["style"], outdoor=c["outdoor"], area=c["area"],
                    neighbours=[cells[n]["id"] for n in c["neighbours"]], backhaul=c["backhaul"],
                    peak_rrc_users=round(c["peak_users"], 1), busy_hour_dl_prb_load=round(c["busy_rho"], 3),
                    dl_cell_capacity_mbps=round(c["cap_dl"] / 1e6, 1), growth_per_day=round(c["growth_per_day"], 4),
                    energy_saving=c["es"], energy_saving_windows=[[round(a, 1), round(b, 1)] for a, b in c.get("es_windows", [])],
                    energy_counters=c["energy_counters"], cumulative_metrics=[m["name"] for m in c["metric_list"] if m["type"] == "cumulative"],
                    counter_resets_at=[round(env.t0 + ir * STEP, 1) for ir in sorted(c.get("resets", []))],
                    software_upgrade=c.get("upgrade"), jitter_base_s=round(c["jitter_base"], 2),
                    metrics=c["metric_list"])
        profiles.append(prof)
    truth = dict(
        generator=GEN_VERSION,
        args=dict(seed=args.seed, cells=args.cells, days=args.days, period=args.period, out=args.out,
                  start_weekday=args.start_weekday),
        start=env.t0, start_iso=iso(env.t0), end=env.t_end, end_iso=iso(env.t_end),
        local_utc_offset_h=LOCAL_OFFSET_H, internal_step_s=STEP,
        holidays={iso(local_time(env, d, 0)): n for d, n in sorted(env.holidays.items())},
        label_rule="a sample is labelled with the fault kind when more than half of its period [ts_end-period, ts_end) lies inside [start, end) of a fault of that cell",
        planned_maintenance_labelled=False,
        cells=profiles, faults=tfaults, benign_events=benign,
        delivery=dict(lost_random=delivery["lost"], duplicated=delivery["duplicated"], late=delivery["late"],
                      collector_gap_lost=delivery["collector_gap_lost"],
                      collector_delayed=delivery["collector_delayed"],
                      note="seq counts produced samples per cell: lost samples leave seq gaps; node restarts leave ts gaps without seq gaps; duplicates repeat a seq with a slightly later ts; late samples appear out of seq order"),
    )
    base = out[:-6] if out.endswith(".jsonl") else out
    with open(base + ".truth.json", "w") as fh:
        json.dump(truth, fh, indent=1, sort_keys=False)
        fh.write("\n")


if __name__ == "__main__":
    main()
