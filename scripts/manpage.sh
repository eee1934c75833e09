#!/usr/bin/env bash
# scripts/manpage.sh BINARY OUT.1: the man page of `spikewatch` (every subcommand on one
# page), generated from the CLI's own help by swift-argument-parser's generate-manual
# tool: the tool behind `swift package plugin generate-manual`, built here on its own
# from the resolved checkout, because the plugin first rebuilds every product in release
# mode, a second full build next to the static one.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$1
OUT=$2
SWIFT=${SWIFT:-swift}
PARSER=.build/checkouts/swift-argument-parser
[ -d "$PARSER" ] || "$SWIFT" package resolve
SCRATCH=.build/manual-tool
"$SWIFT" build --package-path "$PARSER" --scratch-path "$SCRATCH" --product generate-manual >/dev/null
TOOL="$("$SWIFT" build --package-path "$PARSER" --scratch-path "$SCRATCH" --show-bin-path)/generate-manual"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# The date of the last commit, so the page (and the package) depends only on the sources.
DATE=$(date -u -d "@$(git log -1 --format=%ct 2>/dev/null || date +%s)" +%F)
"$TOOL" "$BIN" --output-directory "$TMP" --date "$DATE" \
    --authors "Spikewatch maintainers<maintainers@users.noreply.r-seed-f6bb601d.example>"
[ -s "$TMP/spikewatch.1" ] || { echo "generate-manual wrote no spikewatch.1" >&2; ls "$TMP" >&2; exit 1; }
# A blank line in mdoc is not a paragraph break (groff warns about it): use .Pp.
sed 's/^$/.Pp/' "$TMP/spikewatch.1" > "$OUT"
chmod 0644 "$OUT"
