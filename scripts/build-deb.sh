#!/usr/bin/env bash
# Builds spikewatch_<version>_amd64.deb (what `make deb` runs), in the repository's top
# directory. The binary is linked against a static Swift runtime
# (--static-swift-stdlib), so it runs on a Debian 12 box with no Swift installed; it
# still needs libzmq5 and libsystemd0, which the package depends on.
#
# Layout:
#   /usr/bin/spikewatch
#   /lib/systemd/system/spikewatch.service     (ExecStart= /usr/bin, Documentation= the man page and README)
#   /etc/spikewatch/spikewatch.yaml            (a conffile, model: the installed one)
#   /usr/share/spikewatch/                     fault-classes.json, demo.jsonl
#   /usr/share/doc/spikewatch/                 README.md, BENCHMARKS.md, docs/, examples/, copyright, changelog.gz
#   /usr/share/man/man1/spikewatch.1.gz        generated from the CLI's help
#   /usr/share/lintian/overrides/spikewatch    the one lintian error overridden, with its reason
#
# Environment: SWIFT (default swift), DEB_MAINTAINER, OUT_DIR (default: the top directory).
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
SWIFT=${SWIFT:-swift}
OUT_DIR=${OUT_DIR:-$TOP}
MAINTAINER=${DEB_MAINTAINER:-Spikewatch maintainers <maintainers@users.noreply.r-seed-f6bb601d.example>}
ARCH=$(dpkg --print-architecture)

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/spikewatch-deb.XXXXXX")
TOOL_PID=""
trap 'rm -rf "$STAGE"; [ -z "$TOOL_PID" ] || kill "$TOOL_PID" 2>/dev/null || true' EXIT

start=$(date +%s)
"$SWIFT" package resolve
# The man page's generator (scripts/manpage.sh) builds meanwhile: the release build
# spends most of its time compiling one large module on one core.
"$SWIFT" build --package-path .build/checkouts/swift-argument-parser --scratch-path .build/manual-tool \
    --product generate-manual > "$STAGE/manual-tool.log" 2>&1 &
TOOL_PID=$!
echo "== static release build (swift build -c release --static-swift-stdlib)"
# --disable-local-rpath: no RUNPATH ($ORIGIN) in the binary; it loads only system libraries.
"$SWIFT" build -c release --static-swift-stdlib --disable-local-rpath --product spikewatch
BIN_DIR=$("$SWIFT" build -c release --static-swift-stdlib --disable-local-rpath --show-bin-path)
BIN="$BIN_DIR/spikewatch"
echo "   built in $(( $(date +%s) - start )) s"

VERSION=$("$BIN" --version)
case "$VERSION" in [0-9]*) ;; *) echo "unexpected version \"$VERSION\"" >&2; exit 1 ;; esac

# Refuse a binary that would need the Swift toolchain at run time.
if readelf -d "$BIN" | grep -Eq 'R(UN)?PATH'; then
    echo "error: $BIN has an RPATH/RUNPATH:" >&2; readelf -d "$BIN" | grep -E 'R(UN)?PATH' >&2; exit 1
fi
if readelf -d "$BIN" | grep NEEDED | grep -Eq 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime'; then
    echo "error: $BIN needs a shared Swift runtime library:" >&2; readelf -d "$BIN" | grep NEEDED >&2; exit 1
fi

ROOT="$STAGE/root"
PKG="spikewatch_${VERSION}_${ARCH}"
echo "== staging $PKG"

install -D -m 0755 "$BIN" "$ROOT/usr/bin/spikewatch"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$ROOT/usr/bin/spikewatch"

install -d "$ROOT/lib/systemd/system"
sed -e 's|/usr/local/bin/spikewatch|/usr/bin/spikewatch|g' \
    -e 's|^Documentation=.*|Documentation=man:spikewatch(1) file:/usr/share/doc/spikewatch/README.md|' \
    systemd/spikewatch.service > "$ROOT/lib/systemd/system/spikewatch.service"
chmod 0644 "$ROOT/lib/systemd/system/spikewatch.service"

install -d "$ROOT/etc/spikewatch"
sed 's|^model: ""|model: "/usr/share/spikewatch/fault-classes.json"|' configs/spikewatch.yaml \
    > "$ROOT/etc/spikewatch/spikewatch.yaml"
chmod 0644 "$ROOT/etc/spikewatch/spikewatch.yaml"
grep -q '^model: "/usr/share/spikewatch/fault-classes.json"' "$ROOT/etc/spikewatch/spikewatch.yaml"

install -D -m 0644 models/fault-classes.json "$ROOT/usr/share/spikewatch/fault-classes.json"
install -D -m 0644 fixtures/demo.jsonl "$ROOT/usr/share/spikewatch/demo.jsonl"

DOC="$ROOT/usr/share/doc/spikewatch"
install -D -m 0644 README.md "$DOC/README.md"
install -m 0644 BENCHMARKS.md "$DOC/BENCHMARKS.md"
# The README links docs/... and examples/... relatively; keep that layout.
(cd docs && find . -type f) | while read -r f; do install -D -m 0644 "docs/$f" "$DOC/docs/$f"; done
(cd examples && find . -type f) | while read -r f; do install -D -m 0644 "examples/$f" "$DOC/examples/$f"; done
install -m 0644 packaging/copyright "$DOC/copyright"
install -D -m 0644 packaging/lintian-overrides "$ROOT/usr/share/lintian/overrides/spikewatch"
{
    echo "spikewatch ($VERSION) unstable; urgency=medium"
    echo
    echo "  * Release $VERSION; see README.md for what it does."
    echo
    echo " -- $MAINTAINER  $(date -R -d "@$(git log -1 --format=%ct 2>/dev/null || date +%s)")"
} > "$DOC/changelog"
gzip -9n "$DOC/changelog"

echo "== man page"
wait "$TOOL_PID" || { cat "$STAGE/manual-tool.log" >&2; echo "building generate-manual failed" >&2; exit 1; }
TOOL_PID=""
install -d "$ROOT/usr/share/man/man1"
scripts/manpage.sh "$ROOT/usr/bin/spikewatch" "$ROOT/usr/share/man/man1/spikewatch.1"
gzip -9n "$ROOT/usr/share/man/man1/spikewatch.1"

echo "== control"
install -d "$ROOT/DEBIAN"
# Shared-library dependencies, as dpkg-shlibdeps computes them from the binary.
SHLIB="$STAGE/shlib"
mkdir -p "$SHLIB/debian"
printf 'Source: spikewatch\n\nPackage: spikewatch\nArchitecture: any\n' > "$SHLIB/debian/control"
DEPENDS=$(cd "$SHLIB" && dpkg-shlibdeps -O "$ROOT/usr/bin/spikewatch" | sed -n 's/^shlibs:Depends=//p')
[ -n "$DEPENDS" ] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }
INSTALLED_SIZE=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
cat > "$ROOT/DEBIAN/control" <<EOF
Package: spikewatch
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $INSTALLED_SIZE
Depends: $DEPENDS
Section: net
Priority: optional
Description: spiking-neural-network anomaly detection for small-cell telemetry
 Spikewatch is a daemon for edge boxes next to 4G/5G small cells. It
 subscribes to cell telemetry over ZeroMQ, learns each cell's normal from the
 stream itself, turns what the learned normal did not predict into spikes,
 runs an event-driven network of leaky integrate-and-fire neurons and
 publishes anomaly alerts, with the metrics that drove them and the fault
 kind, over ZeroMQ. It runs as a systemd Type=notify service.
 .
 The service is installed but neither enabled nor started: edit
 /etc/spikewatch/spikewatch.yaml, then "systemctl enable --now spikewatch".
 "spikewatch demo" replays the bundled recording through the daemon.
EOF
echo /etc/spikewatch/spikewatch.yaml > "$ROOT/DEBIAN/conffiles"
install -m 0755 packaging/postinst packaging/prerm packaging/postrm "$ROOT/DEBIAN/"
(cd "$ROOT" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
    > "$ROOT/DEBIAN/md5sums"
chmod 0644 "$ROOT/DEBIAN/control" "$ROOT/DEBIAN/conffiles" "$ROOT/DEBIAN/md5sums"

find "$ROOT" -type d -exec chmod 0755 {} +
dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$OUT_DIR/$PKG.deb" >/dev/null
echo "== $OUT_DIR/$PKG.deb ($(du -h "$OUT_DIR/$PKG.deb" | cut -f1), $(( $(date +%s) - start )) s)"
