#!/usr/bin/env bash
# Rebuilds models/fault-classes.json (and its embedded copy, Sources/spikewatch/BundledModel.swift):
# the fault-class readout trained on generated scenarios seeds 101-103 (never used for
# evaluation), each once with realism on and once plain, 16 cells x 4 days.
#   scripts/train-model.sh [SPIKEWATCH_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/spikewatch}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
files=()
for seed in 101 102 103; do
    "$bin" synth --realism on --seed "$seed" --cells 16 --days 4 --out "$work/realism-$seed.jsonl"
    "$bin" synth --seed "$seed" --cells 16 --days 4 --out "$work/plain-$seed.jsonl"
    files+=("$work/realism-$seed.jsonl" "$work/plain-$seed.jsonl")
done
"$bin" train "${files[@]}" --out models/fault-classes.json
{
    echo '// Generated from models/fault-classes.json by scripts/train-model.sh (generated scenarios'
    echo '// seeds 101-103, realism on and plain). Embedded so that `spikewatch demo` names fault'
    echo '// kinds from any directory; a test checks that this copy equals the file.'
    echo
    echo '/// The bundled fault-class model.'
    echo 'let embeddedFaultModel = #"""'
    cat models/fault-classes.json
    printf '\n"""#\n'
} > Sources/spikewatch/BundledModel.swift
echo "wrote models/fault-classes.json and Sources/spikewatch/BundledModel.swift"
