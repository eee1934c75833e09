#!/usr/bin/env python3
"""SKAB (the Skoltech Anomaly Benchmark: a water-pump test bed, 8 sensors at 1 Hz, one
short experiment per CSV file with labelled anomaly rows) as labelled telemetry for
`spikewatch evaluate`.

    scripts/skab-to-jsonl.py SKAB/data/valve1/1.csv SKAB/data/other/13.csv ... > skab.jsonl
    spikewatch evaluate skab.jsonl --learning-hours 0

Each file becomes its own cell (`skab/<folder>_<name>`), each row one sample with every
sensor column as a metric; rows whose `anomaly` column is 1 carry the label `anomaly`.
The `changepoint` column is not used. Some revisions of the benchmark name the columns
`is_anomaly` and `is_pa` instead: `is_anomaly` is read as `anomaly`, `is_pa` is not
used. Files may be SKAB's own (`;`-separated) or `,`-separated; times are read as UTC. The benchmark is not part of this repository.
"""
import csv
import datetime
import json
import os
import sys


def rows_of(path):
    with open(path, newline="") as handle:
        text = handle.read()
    delimiter = ";" if text.split("\n", 1)[0].count(";") > 0 else ","
    cell = "skab/" + os.path.basename(os.path.dirname(os.path.abspath(path))) + "_" + os.path.splitext(os.path.basename(path))[0]
    for index, row in enumerate(csv.DictReader(text.splitlines(), delimiter=delimiter)):
        stamp = datetime.datetime.strptime(row["datetime"].strip(), "%Y-%m-%d %H:%M:%S")
        ts = stamp.replace(tzinfo=datetime.timezone.utc).timestamp()
        metrics = {}
        for key, value in row.items():
            if key in ("datetime", "anomaly", "changepoint", "is_anomaly", "is_pa") or value in (None, ""):
                continue
            metrics[key.replace(" ", "")] = float(value)
        sample = {"v": 1, "cell": cell, "ts": ts, "seq": index, "metrics": metrics}
        if float(row.get("anomaly") or row.get("is_anomaly") or 0) == 1:
            sample["label"] = "anomaly"
        yield sample


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    samples = [sample for path in sys.argv[1:] for sample in rows_of(path)]
    samples.sort(key=lambda sample: sample["ts"])
    for sample in samples:
        print(json.dumps(sample))


if __name__ == "__main__":
    main()
