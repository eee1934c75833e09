#!/usr/bin/env bash
# libFuzzer over the telemetry decoder, the strict JSON parser, the alert reader and the
# fixture reader, for a bounded time (FUZZ_SECONDS, default 60). Seeds: fuzz/corpus (add
# a file there for every crash found, once fixed). New inputs go to a temporary
# directory, so the committed corpus only changes on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${FUZZ_SECONDS:-60}
SPIKEWATCH_FUZZ=1 swift build --product spikewatch-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld  # gold fails on ASan's symbols here
NEW=$(mktemp -d /tmp/spikewatch-fuzz.XXXXXX)
trap 'rm -rf "$NEW"' EXIT
SWIFT_BACKTRACE=enable=no .build-fuzz/debug/spikewatch-fuzz "$NEW" fuzz/corpus \
    -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$NEW/"
echo "fuzz: $SECONDS_TO_RUN s without a crash"
