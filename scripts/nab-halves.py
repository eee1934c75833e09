#!/usr/bin/env python3
"""NAB's normalised score on two halves of its files, for a held-out check of knobs.

    scripts/nab-halves.py DIR

DIR is a folder kept by NAB's score script (`--keep DIR`): it reads
DIR/nab/labels/combined_windows.json and DIR/nab/results/{spikewatch,null}/*_scores.csv.
The files are split by their sorted names (even positions: half A, odd: half B); each
half's score is NAB's normalisation over that half's files: 100 * (raw - null) /
(perfect - null), the perfect score being one per labelled window (tpWeight 1 in every
profile). The threshold is the one NAB chose for the whole run.
"""
import csv
import json
import sys

if len(sys.argv) != 2:
    sys.exit(__doc__)
folder = sys.argv[1]
windows = json.load(open(f"{folder}/nab/labels/combined_windows.json"))
files = sorted(windows)
halves = {"A": files[0::2], "B": files[1::2]}


def scores(detector, profile):
    path = f"{folder}/nab/results/{detector}/{detector}_{profile}_scores.csv"
    return {row["File"]: float(row["Score"]) for row in csv.DictReader(open(path)) if row["File"] in windows}


line = []
for profile in ["standard", "reward_low_FP_rate", "reward_low_FN_rate"]:
    ours, null = scores("spikewatch", profile), scores("null", profile)
    figures = []
    for name, members in halves.items():
        raw = sum(ours[f] for f in members)
        base = sum(null[f] for f in members)
        perfect = float(sum(len(windows[f]) for f in members))
        figures.append(f"{name}={100 * (raw - base) / (perfect - base):.2f}")
    line.append(f"{profile}: " + " ".join(figures))
print(" | ".join(line))
