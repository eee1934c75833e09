#!/usr/bin/env python3
"""check.py FILE.jsonl [FILE.jsonl ...]

Validates a gen-d output file against the format and its FILE.truth.json and prints:
per-kind fault counts (truth and labelled samples), samples per cell (seq gaps,
duplicates, late/out-of-order), metric presence per cell, ts ordering, label
consistency with the truth windows. Exit code 1 when a hard format error is found.
"""
import json
import math
import sys
from collections import Counter, defaultdict

KINDS = ["sleeping_cell", "ul_interference", "congestion", "backhaul_degradation",
         "hardware_fault", "software_restart", "misconfiguration"]


def check(path):
    base = path[:-6] if path.endswith(".jsonl") else path
    truth = json.load(open(base + ".truth.json"))
    P = truth["args"]["period"]
    errors = Counter()
    n = 0
    last_ts = -math.inf
    ts_decreases = 0
    per_cell = defaultdict(lambda: dict(n=0, seqs=[], labels=Counter(), mcount=Counter(), ts=[],
                                        out_of_order=0, last_seq=0, dup=0, seen=set()))
    labelled = Counter()
    label_mismatch = 0
    label_checked = 0
    skip = set((x[0], x[1]) for x in truth["delivery"]["late"] + truth["delivery"]["collector_delayed"])
    faults_by_cell = defaultdict(list)
    for f in truth["faults"]:
        faults_by_cell[f["cell"]].append(f)
    with open(path) as fh:
        for line in fh:
            n += 1
            try:
                r = json.loads(line)
            except Exception:
                errors["bad json"] += 1
                continue
            if r.get("v") != 1:
                errors["v != 1"] += 1
            cell = r.get("cell")
            if not isinstance(cell, str) or not (1 <= len(cell.encode()) <= 128):
                errors["bad cell id"] += 1
                continue
            ts = r.get("ts")
            if not isinstance(ts, (int, float)) or not math.isfinite(ts):
                errors["bad ts"] += 1
                continue
            if ts < last_ts:
                ts_decreases += 1
            last_ts = ts
            seq = r.get("seq")
            if not isinstance(seq, int):
                errors["bad seq"] += 1
            m = r.get("metrics")
            if not isinstance(m, dict) or not m:
                errors["empty/missing metrics"] += 1
                m = {}
            for k, v in m.items():
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                    errors["non-finite/non-numeric metric"] += 1
            extra = set(r) - {"v", "cell", "ts", "seq", "metrics", "label"}
            if extra:
                errors["unexpected keys %s" % sorted(extra)] += 1
            lab = r.get("label")
            if lab is not None and lab not in KINDS:
                errors["bad label %r" % lab] += 1
            pc = per_cell[cell]
            pc["n"] += 1
            if seq in pc["seen"]:
                pc["dup"] += 1
            else:
                pc["seen"].add(seq)
                if lab:
                    labelled[lab] += 1
                    pc["labels"][lab] += 1
            if seq < pc["last_seq"]:
                pc["out_of_order"] += 1
            pc["last_seq"] = max(pc["last_seq"], seq)
            for k in m:
                pc["mcount"][k] += 1
            # label consistency (nominal period end = ts rounded down to the period grid)
            # (late / batch-delivered samples are skipped: their period is not ts-derived)
            if (cell, seq) not in skip:
                pend = math.floor((ts - truth["start"]) / P) * P + truth["start"]
                exp = None
                for f in faults_by_cell[cell]:
                    ov = min(pend, f["end"]) - max(pend - P, f["start"])
                    if ov > P / 2:
                        exp = f["kind"]
                label_checked += 1
                if exp != lab:
                    label_mismatch += 1

    print("=" * 78)
    print("file:", path)
    a = truth["args"]
    print("args: seed=%s cells=%s days=%s period=%s start=%s (local offset %+gh)" % (
        a["seed"], a["cells"], a["days"], a["period"], truth["start_iso"], truth["local_utc_offset_h"]))
    print("holidays:", truth.get("holidays"))
    print("lines: %d   ts decreases: %d   (file must be in ts order)" % (n, ts_decreases))
    if errors:
        print("FORMAT ERRORS:", dict(errors))
    else:
        print("format: OK (v, cell, ts, seq, non-empty finite metrics, labels)")
    print("label consistency vs truth windows: %d/%d samples checked, %d mismatches" % (
        label_checked, label_checked, label_mismatch))

    # faults
    print("\n-- faults per kind (truth) --")
    fk = Counter(f["kind"] for f in truth["faults"])
    fs = Counter(f["kind"] for f in truth["faults"] if f["subtle"])
    fg = Counter(f["kind"] for f in truth["faults"] if f.get("onset") == "gradual")
    print("%-22s %6s %7s %8s %10s %s" % ("kind", "faults", "subtle", "gradual", "lab.samp", "variants"))
    for k in KINDS:
        var = Counter(f.get("variant") for f in truth["faults"] if f["kind"] == k)
        print("%-22s %6d %7d %8d %10d %s" % (k, fk[k], fs[k], fg[k], labelled[k], dict(var)))
    nf = len(truth["faults"])
    print("total faults %d, subtle %d (%.0f%%), cells with faults %d" % (
        nf, sum(fs.values()), 100.0 * sum(fs.values()) / max(1, nf), len(faults_by_cell)))
    durs = sorted((f["end"] - f["start"]) / 60 for f in truth["faults"])
    if durs:
        print("fault durations (min): min %.1f median %.1f max %.1f" % (durs[0], durs[len(durs) // 2], durs[-1]))
    bad_overlap = 0
    for cell, fl in faults_by_cell.items():
        fl = sorted(fl, key=lambda f: f["start"])
        for x, y in zip(fl, fl[1:]):
            if y["start"] < x["end"]:
                bad_overlap += 1
    print("overlapping faults on one cell:", bad_overlap)
    zero = [(f["cell"][:30], f["kind"]) for f in truth["faults"] if f.get("labelled_samples_delivered", 1) == 0]
    if zero:
        print("faults with no delivered labelled sample:", zero)

    # benign
    print("\n-- benign events --")
    bk = Counter(b["kind"] for b in truth["benign_events"])
    for k, v in sorted(bk.items()):
        print("  %-30s %d" % (k, v))
    d = truth["delivery"]
    print("delivery: random lost %d, duplicated %d, late %d, collector-gap lost %d, collector-delayed %d" % (
        len(d["lost_random"]), len(d["duplicated"]), len(d["late"]), d["collector_gap_lost"], len(d["collector_delayed"])))

    # per cell
    print("\n-- samples per cell --")
    expected = int(round(a["days"] * 86400)) // P
    prof = {c["cell"]: c for c in truth["cells"]}
    print("%-52s %-18s %-13s %6s %5s %4s %4s %4s %s" % ("cell", "type", "style", "lines", "gaps", "dup", "ooo", "nmet", "labels"))
    for cell in [c["cell"] for c in truth["cells"]]:
        pc = per_cell.get(cell)
        if pc is None:
            print("%-52s NO SAMPLES" % cell)
            continue
        seqs = sorted(pc["seen"])
        gaps = (seqs[-1] - seqs[0] + 1 - len(seqs)) if seqs else 0
        p = prof[cell]
        print("%-52s %-18s %-13s %6d %5d %4d %4d %4d %s" % (
            cell[:52], p["type"], p["naming_style"], pc["n"], gaps, pc["dup"], pc["out_of_order"],
            len(pc["mcount"]), dict(pc["labels"])))
    print("(expected periods per cell: %d; fewer = restarts, maintenance, lost samples)" % expected)

    # metric presence
    print("\n-- metric presence (metrics present in <100% of a cell's lines) --")
    for cell in [c["cell"] for c in truth["cells"]]:
        pc = per_cell.get(cell)
        if not pc:
            continue
        partial = ["%s %.1f%%" % (k, 100.0 * v / pc["n"]) for k, v in sorted(pc["mcount"].items()) if v < pc["n"]]
        cum = prof[cell].get("cumulative_metrics") or []
        extra = (" | cumulative: " + ",".join(cum)) if cum else ""
        print("  %s [%d metrics]%s" % (cell[:60], len(pc["mcount"]), extra))
        if partial:
            print("     " + "; ".join(partial))
    styles = Counter(c["naming_style"] for c in truth["cells"])
    print("\nnaming styles:", dict(styles), "  non-3GPP share: %.0f%%" % (
        100.0 * (len(truth["cells"]) - styles.get("3gpp", 0)) / len(truth["cells"])))
    return 1 if errors or ts_decreases else 0


if __name__ == "__main__":
    rc = 0
    for p in sys.argv[1:]:
        rc |= check(p)
    sys.exit(rc)
