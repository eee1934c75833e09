#!/usr/bin/env bash
# libFuzzer for a bounded time (FUZZ_SECONDS in all, default 60, split in two halves):
#  - spikewatch-fuzz: the telemetry decoder, the strict JSON parser, the alert reader and
#    the fixture reader, over arbitrary bytes (seeds: fuzz/corpus);
#  - spikewatch-fuzz-pipeline: the whole pipeline (decode -> per-cell model -> alert
#    transitions -> checkpoint encode and decode) over streams of telemetry, with a
#    structure-aware mutator that changes one field of a valid sample at a time (seeds:
#    fuzz/pipeline-corpus).
# Add a file to the seeds for every crash found, once fixed. New inputs go to temporary
# directories, so the committed corpora only change on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${FUZZ_SECONDS:-60}
DECODER_SECONDS=$(( (SECONDS_TO_RUN + 1) / 2 ))
PIPELINE_SECONDS=$(( SECONDS_TO_RUN - DECODER_SECONDS ))
for product in spikewatch-fuzz spikewatch-fuzz-pipeline; do
    SPIKEWATCH_FUZZ=1 swift build --product "$product" --scratch-path .build-fuzz \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld  # gold fails on ASan's symbols here
done
NEW=$(mktemp -d /tmp/spikewatch-fuzz.XXXXXX)
trap 'rm -rf "$NEW"' EXIT
mkdir -p "$NEW/decoders" "$NEW/pipeline"
SWIFT_BACKTRACE=enable=no .build-fuzz/debug/spikewatch-fuzz "$NEW/decoders" fuzz/corpus \
    -max_total_time="$DECODER_SECONDS" -max_len=4096 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$NEW/"
echo "fuzz: decoders, $DECODER_SECONDS s without a crash"
if [ "$PIPELINE_SECONDS" -gt 0 ]; then
    SWIFT_BACKTRACE=enable=no .build-fuzz/debug/spikewatch-fuzz-pipeline "$NEW/pipeline" fuzz/pipeline-corpus \
        -max_total_time="$PIPELINE_SECONDS" -max_len=32768 -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$NEW/"
    echo "fuzz: pipeline, $PIPELINE_SECONDS s without a crash"
fi
