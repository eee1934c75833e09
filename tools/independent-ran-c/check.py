#!/usr/bin/env python3
"""Quick sanity check of a generated file: python3 check.py FILE.jsonl [...]"""
import collections
import json
import math
import sys

KINDS = ["sleeping_cell", "ul_interference", "congestion", "backhaul_degradation",
         "hardware_fault", "software_restart", "misconfiguration"]

for fn in sys.argv[1:]:
    truth = json.load(open(fn[:-6] + ".truth.json"))
    names = {c["cell"]: c["metrics"] for c in truth["cells"]}
    labels = collections.Counter()
    per_cell = collections.Counter()
    present = expected = 0
    last_ts = -1.0
    last = {}
    dups = order_err = seq_err = bad = 0
    for line in open(fn):
        r = json.loads(line)
        assert r["v"] == 1 and r["metrics"], "empty metrics"
        assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in r["metrics"].values())
        if r["ts"] < last_ts:
            order_err += 1
        last_ts = r["ts"]
        c = r["cell"]
        if c in last and last[c] == (r["seq"], r["ts"]):
            dups += 1
            continue
        if c in last and r["seq"] <= last[c][0]:
            seq_err += 1
        last[c] = (r["seq"], r["ts"])
        per_cell[c] += 1
        labels[r.get("label", "normal")] += 1
        present += len(r["metrics"])
        expected += len(names[c])
        if "label" in r and r["label"] not in KINDS:
            bad += 1
    fk = collections.Counter(f["kind"] for f in truth["faults"])
    print("== %s  period=%ss  cells=%d  lines=%d" % (fn, truth["args"]["period"], len(per_cell),
                                                      sum(per_cell.values()) + dups))
    print("   %-22s %7s %7s" % ("label", "samples", "faults"))
    for k in ["normal"] + KINDS:
        print("   %-22s %7d %7s" % (k, labels[k], fk.get(k, "")))
    v = sorted(per_cell.values())
    print("   samples/cell min=%d max=%d  missing-metric fraction=%.4f  duplicates=%d  "
          "order_errors=%d seq_errors=%d bad_labels=%d  subtle=%d ramp=%d benign=%s" % (
              v[0], v[-1], 1 - present / expected, dups, order_err, seq_err, bad,
              sum(f["subtle"] for f in truth["faults"]), sum(f["onset"] == "ramp" for f in truth["faults"]),
              dict(collections.Counter(b["kind"] for b in truth["benign_events"]))))
