#!/usr/bin/env python3
"""Spikewatch's event-driven engine side by side with Brian2 (issue #7, item 1).

    python3 benchmarks/brian2_engine.py [--spikewatch PATH] [--targets cython,cpp_standalone]

One run measures both: it calls `spikewatch bench engine --export DIR`, which times the
engine on the dense and sparse regimes and writes each network, its input spikes and the
engine's output spikes; then it runs the same network on the same input in Brian2, each
(regime, target) in a fresh Python process, and prints events/s and the ratio.

Brian2 is set up to compute exactly what the engine computes (INTERFACES.md section 5):
  - dt = 0.1 ms; every input spike lies on that grid; v decays with the exact solution;
  - the input generator runs at the start of a step and the synapses before the
    threshold, so a spike arriving at t is added, summed with every other arrival at t,
    and tested against the threshold at t (Brian2's default tests one step later);
  - `on_pre` adds nothing while the target is refractory (Brian2's `unless refractory`
    only freezes the integration; the engine ignores input during the refractory period).
The spike trains (neuron, step) must be identical; the script exits 1 if they are not.

Timing excludes code generation and compilation: Brian2's own record of the run loop
(`device._last_run_time`: the run loop, after code generation and compilation), best
of --repetitions. Install with `pip install brian2 "numpy<2.4" cython`.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def run_brian2(workload_path, target, repetitions):
    """Runs one workload on one Brian2 target; returns a dict (in a fresh process)."""
    import numpy as np
    import brian2 as b2

    with open(workload_path) as f:
        w = json.load(f)
    b2.prefs.codegen.target = "numpy" if target == "numpy" else "cython"
    build_dir = None
    if target == "cpp_standalone":
        build_dir = tempfile.mkdtemp(prefix="brian2-standalone-")
        b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    dt = w["dt_ms"] * b2.ms
    b2.defaultclock.dt = dt

    def build():
        inputs = b2.SpikeGeneratorGroup(
            w["inputs"], np.array(w["input_index"]), np.array(w["input_step"]) * dt, when="start", order=0)
        neurons = b2.NeuronGroup(
            w["neurons"],
            "dv/dt = (v_rest - v) / tau : 1 (unless refractory)",
            threshold="v >= v_thresh",
            reset="v = v_reset",
            refractory=w["refractory_ms"] * b2.ms,
            method="exact",
            namespace={"v_rest": w["v_rest"], "v_reset": w["v_reset"], "v_thresh": w["v_thresh"], "tau": w["tau_ms"] * b2.ms},
        )
        neurons.v = w["v_rest"]
        synapses = b2.Synapses(
            inputs, neurons, on_pre="v_post += weight * int(not_refractory_post)",
            namespace={"weight": w["weight"]})
        synapses.connect(i=np.array(w["syn_i"]), j=np.array(w["syn_j"]))
        monitor = b2.SpikeMonitor(neurons)
        net = b2.Network(inputs, neurons, synapses, monitor)
        # Synaptic effects are applied before the threshold test of the same step.
        net.schedule = ["start", "groups", "synapses", "thresholds", "resets", "end"]
        return net, monitor

    duration = w["duration_ms"] * b2.ms
    best = float("inf")
    spikes = None
    for _ in range(repetitions):
        if target == "cpp_standalone":
            b2.device.reinit()
            b2.device.activate(directory=build_dir, build_on_run=False)
            b2.defaultclock.dt = dt
            net, monitor = build()
            net.run(duration)
            b2.device.build(directory=build_dir, compile=True, run=True, debug=False)
            seconds = b2.device._last_run_time
        else:
            net, monitor = build()
            net.run(duration)
            seconds = b2.get_device()._last_run_time
        best = min(best, seconds)
        steps = np.round(np.asarray(monitor.t / dt)).astype(np.int64)
        order = np.lexsort((np.asarray(monitor.i), steps))
        spikes = (np.asarray(monitor.i)[order].tolist(), steps[order].tolist())
    return {"seconds": best, "spike_index": spikes[0], "spike_step": spikes[1]}


def engine_order(w):
    pairs = sorted(zip(w["spike_step"], w["spike_index"]))
    return [p[1] for p in pairs], [p[0] for p in pairs]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spikewatch", default=None, help="the spikewatch binary (default: the release build)")
    parser.add_argument("--targets", default="cython,cpp_standalone", help="Brian2 targets: numpy, cython, cpp_standalone")
    parser.add_argument("--regimes", default="dense,sparse")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10.0, help="simulated seconds per regime")
    parser.add_argument("--one", nargs=3, metavar=("WORKLOAD", "TARGET", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        result = run_brian2(args.one[0], args.one[1], args.repetitions)
        with open(args.one[2], "w") as f:
            json.dump(result, f)
        return 0

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = args.spikewatch
    if binary is None:
        path = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=root,
                              capture_output=True, text=True, check=True).stdout.strip()
        binary = os.path.join(path, "spikewatch")
    work = tempfile.mkdtemp(prefix="spikewatch-brian2-")
    print("spikewatch bench engine (the engine, timed in this run):", flush=True)
    subprocess.run([binary, "bench", "engine", "--seed", str(args.seed), "--seconds", str(args.seconds),
                    "--regimes", args.regimes, "--repetitions", str(max(args.repetitions, 5)), "--export", work], check=True)
    print()
    print("regime  target          syn-events  out-spikes  run-s     events/s   spikewatch-s  spikewatch-x  identical")
    failed = False
    for regime in args.regimes.split(","):
        workload_path = os.path.join(work, regime + ".json")
        with open(workload_path) as f:
            w = json.load(f)
        ours = engine_order(w)
        for target in args.targets.split(","):
            out = os.path.join(work, f"{regime}-{target}.json")
            proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--repetitions", str(args.repetitions),
                                   "--one", workload_path, target, out], capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{regime:7} {target:15} failed:\n{proc.stderr[-2000:]}")
                failed = True
                continue
            with open(out) as f:
                r = json.load(f)
            theirs = (r["spike_index"], r["spike_step"])
            identical = theirs == ours
            if not identical:
                failed = True
                mismatch = next((k for k, (a, b) in enumerate(zip(zip(*ours), zip(*theirs))) if a != b),
                                min(len(ours[0]), len(theirs[0])))
                note = f"no: {len(ours[0])} vs {len(theirs[0])} spikes, first difference at #{mismatch}"
            else:
                note = "yes"
            events = w["synaptic_events"]
            print(f"{regime:7} {target:15} {events:10d}  {len(theirs[0]):10d}  {r['seconds']:8.4f}  {events / r['seconds']:9.3g}"
                  f"  {w['engine_seconds']:12.5f}  {r['seconds'] / w['engine_seconds']:11.1f}x  {note}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
