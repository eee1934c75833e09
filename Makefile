# Spikewatch: the two commands a newcomer needs are `make demo` and `make test`.
# Each installs the system packages it needs (apt-get, with sudo when not root).

SWIFT      ?= swift
PREFIX     ?= /usr/local
DESTDIR    ?=
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
CONFIG     := configs/spikewatch.yaml
APT_PACKAGES := libzmq3-dev libsystemd-dev pkg-config
# promtool, for the test that checks examples/prometheus (Debian ships it in `prometheus`);
# Alertmanager, for the test that posts alerts to a real one (openssl and curl: its TLS
# certificates, and reading what it holds over TLS).
TEST_APT_PACKAGES := prometheus prometheus-alertmanager openssl curl
# dpkg-shlibdeps (the package's Depends:), readelf and strip.
DEB_APT_PACKAGES := dpkg-dev binutils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

PY_PACKAGES  := brian2==2.9.0 numpy<2.4 cython

.PHONY: all deps testdeps pydeps build release demo test bench deb install uninstall clean

all: build

# $(call apt_ensure,PACKAGES): apt-get install those of PACKAGES not installed yet.
define apt_ensure
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi
endef

## deps: install the system packages (libzmq, libsystemd, pkg-config) if any is missing
deps:
	$(call apt_ensure,$(APT_PACKAGES))

## testdeps: what only the tests need (promtool, Alertmanager, openssl, curl)
testdeps:
	$(call apt_ensure,$(TEST_APT_PACKAGES))

## pydeps: Brian2 for the test that checks the engine's spike trains against it (skipped without)
pydeps:
	@python3 -c "import brian2" 2>/dev/null || python3 -m pip install --quiet $(foreach p,$(PY_PACKAGES),"$(p)") \
	  || echo "note: could not install Brian2; the Brian2 cross-check test will be skipped"

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## demo: the one-command tour (daemon + bundled fixture over real ZeroMQ)
demo: release
	$$($(SWIFT) build -c release --show-bin-path)/spikewatch demo

## test: the whole test suite (what CI runs)
test: deps testdeps pydeps
	$(SWIFT) build --build-tests --explicit-target-dependency-import-check error
	$(SWIFT) test

## bench: every benchmark of BENCHMARKS.md in one go (release build; about 10 minutes).
## Brian2's cpp_standalone target needs a C++ compiler (g++).
bench: release pydeps
	@command -v g++ >/dev/null || { echo "installing: g++"; $(SUDO) apt-get install -y --no-install-recommends g++; }
	B="$$($(SWIFT) build -c release --show-bin-path)/spikewatch"; set -e; \
	$$B bench engine; \
	python3 benchmarks/brian2_engine.py --spikewatch "$$B" --repetitions 3; \
	python3 benchmarks/brian2_engine.py --spikewatch "$$B" --regimes dense --targets numpy --repetitions 1; \
	$$B bench decode; \
	$$B bench memory --cells 100,1000,10000 --metrics 5,10,20,40; \
	$$B bench sparsity; \
	$$B bench ingest --messages 600000; \
	$$B bench ingest --messages 600000 --workers 2; \
	$$B bench latency

## deb: spikewatch_<version>_amd64.deb in this directory, the binary linked against a static
## Swift runtime so it runs without Swift installed (scripts/build-deb.sh; README, "Debian package")
deb: deps
	$(call apt_ensure,$(DEB_APT_PACKAGES))
	SWIFT="$(SWIFT)" scripts/build-deb.sh

## install: from source: binary, systemd unit and default config where systemd expects them
install: release
	install -D -m 0755 "$$($(SWIFT) build -c release --show-bin-path)/spikewatch" "$(DESTDIR)$(PREFIX)/bin/spikewatch"
	install -d "$(DESTDIR)$(UNITDIR)"
	sed -e 's|/usr/local/bin/spikewatch|$(PREFIX)/bin/spikewatch|g' -e 's|/usr/local/share/doc/spikewatch|$(PREFIX)/share/doc/spikewatch|g' \
	  systemd/spikewatch.service > "$(DESTDIR)$(UNITDIR)/spikewatch.service"
	chmod 0644 "$(DESTDIR)$(UNITDIR)/spikewatch.service"
	install -D -m 0644 models/fault-classes.json "$(DESTDIR)$(PREFIX)/share/spikewatch/fault-classes.json"
	install -D -m 0644 fixtures/demo.jsonl "$(DESTDIR)$(PREFIX)/share/spikewatch/demo.jsonl"
	install -D -m 0644 README.md "$(DESTDIR)$(PREFIX)/share/doc/spikewatch/README.md"
	install -d "$(DESTDIR)$(SYSCONFDIR)/spikewatch"
	sed 's|^model: ""|model: "$(PREFIX)/share/spikewatch/fault-classes.json"|' $(CONFIG) > "$(DESTDIR)$(SYSCONFDIR)/spikewatch/spikewatch.yaml"
	chmod 0644 "$(DESTDIR)$(SYSCONFDIR)/spikewatch/spikewatch.yaml"

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/bin/spikewatch" "$(DESTDIR)$(UNITDIR)/spikewatch.service"
	rm -rf "$(DESTDIR)$(PREFIX)/share/spikewatch" "$(DESTDIR)$(PREFIX)/share/doc/spikewatch"

clean:
	rm -rf .build spikewatch_*.deb
