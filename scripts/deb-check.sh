#!/usr/bin/env bash
# CI's check of the Debian package (run by .ci/run): builds it with `make deb`, installs
# it with dpkg -i and checks, on the installed files:
#   - the binary needs no Swift library and has no RUNPATH (ldd, readelf -d), and runs
#     with an empty environment, and (as root) with /opt/swift hidden;
#   - `spikewatch --version` is the package's version;
#   - the demo runs from the installed fixture and model, from outside the repository;
#   - the installed configuration is valid and a conffile; the man page is there;
#   - lintian reports no error, and every warning it reports is listed, with its reason,
#     in README.md's "Debian package" section;
#   - `systemd-analyze verify` on the installed unit is silent;
#   - removing and purging the package leave nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
fail() { echo "deb-check: FAILED: $*" >&2; exit 1; }

start=$(date +%s)
make deb
DEB=$(ls -t "$TOP"/spikewatch_*_amd64.deb | head -1)
VERSION=$(dpkg-deb -f "$DEB" Version)
echo "== $(basename "$DEB"): $(du -h "$DEB" | cut -f1), installed size $(dpkg-deb -f "$DEB" Installed-Size) KiB, built in $(( $(date +%s) - start )) s"
echo "   Depends: $(dpkg-deb -f "$DEB" Depends)"

echo "== dpkg -i"
$SUDO dpkg -i "$DEB"
BIN=/usr/bin/spikewatch

echo "== no Swift toolchain needed"
ldd "$BIN"
if ldd "$BIN" | grep -E '/opt/swift|libswift|libFoundation|lib_Foundation|libdispatch|not found'; then
    fail "$BIN needs a Swift library or a missing one"
fi
if readelf -d "$BIN" | grep -E 'RPATH|RUNPATH'; then fail "$BIN has an RPATH/RUNPATH"; fi
got=$(env -i LD_LIBRARY_PATH= "$BIN" --version)
[ "$got" = "$VERSION" ] || fail "spikewatch --version printed \"$got\", the package is $VERSION"
if [ "$(id -u)" = 0 ] && [ -d /opt/swift ] && command -v unshare >/dev/null; then
    # A private mount namespace where /opt/swift is an empty directory: as on a box
    # where Swift was never installed.
    got=$(unshare -m sh -c "mount -t tmpfs none /opt/swift && env -i LD_LIBRARY_PATH= $BIN --version") \
        || fail "spikewatch does not run with /opt/swift hidden"
    [ "$got" = "$VERSION" ] || fail "with /opt/swift hidden, --version printed \"$got\""
    echo "   runs with /opt/swift hidden: $got"
fi

echo "== the installed configuration and man page"
dpkg-query -W -f='${Conffiles}\n' spikewatch | grep -q '/etc/spikewatch/spikewatch.yaml' \
    || fail "/etc/spikewatch/spikewatch.yaml is not a conffile"
env -i "$BIN" run --check --config /etc/spikewatch/spikewatch.yaml
grep -q '^model: "/usr/share/spikewatch/fault-classes.json"' /etc/spikewatch/spikewatch.yaml \
    || fail "the installed configuration does not name the installed model"
zcat /usr/share/man/man1/spikewatch.1.gz | grep -q 'spikewatch run' || fail "the man page does not describe spikewatch run"
[ -f /usr/share/doc/spikewatch/README.md ] && [ -f /usr/share/doc/spikewatch/copyright ] || fail "docs missing"

echo "== the demo from the installed files"
DEMO_OUT=$(mktemp)
(cd / && env -i PATH=/usr/bin:/bin HOME=/tmp "$BIN" demo --model /usr/share/spikewatch/fault-classes.json) | tee "$DEMO_OUT"
grep -q 'from /usr/share/spikewatch/demo.jsonl' "$DEMO_OUT" || fail "the demo did not read the installed fixture"
grep -q 'fault-class model: /usr/share/spikewatch/fault-classes.json' "$DEMO_OUT" || fail "the demo did not use the installed model"
grep -Eq '^summary: 7 faults injected, 7 detected' "$DEMO_OUT" || fail "the demo did not detect its 7 faults"
rm -f "$DEMO_OUT"

echo "== lintian"
LINTIAN_OUT=$(mktemp)
status=0
lintian --fail-on error --display-info "$DEB" > "$LINTIAN_OUT" 2>&1 || status=$?
cat "$LINTIAN_OUT"
[ "$status" = 0 ] || fail "lintian reported errors (exit $status)"
# Every warning kept is explained in the README.
for tag in $(sed -n 's/^W: spikewatch[^:]*: \([a-z0-9-]*\).*/\1/p' "$LINTIAN_OUT" | sort -u); do
    grep -q -- "\`$tag\`" README.md || fail "lintian warning $tag is not listed in README.md"
done
rm -f "$LINTIAN_OUT"

echo "== systemd-analyze verify"
VERIFY=$(systemd-analyze verify /lib/systemd/system/spikewatch.service 2>&1) || fail "systemd-analyze verify: $VERIFY"
[ -z "$VERIFY" ] || fail "systemd-analyze verify is not silent: $VERIFY"
grep -q '^Documentation=man:spikewatch(1) file:/usr/share/doc/spikewatch/README.md$' /lib/systemd/system/spikewatch.service \
    || fail "the unit's Documentation= does not point at the installed docs"
grep -q '^ExecStart=/usr/bin/spikewatch run' /lib/systemd/system/spikewatch.service || fail "ExecStart= is not /usr/bin"

echo "== remove, purge"
$SUDO dpkg -r spikewatch
[ ! -e "$BIN" ] || fail "$BIN left after dpkg -r"
[ -f /etc/spikewatch/spikewatch.yaml ] || fail "dpkg -r removed the conffile (only purge should)"
$SUDO dpkg -P spikewatch
[ ! -e /etc/spikewatch ] || fail "/etc/spikewatch left after purge"
echo "deb-check: OK ($(( $(date +%s) - start )) s)"
