#!/usr/bin/env bash
# scripts/test.sh runs gonetstat's whole test suite, installing first what
# the tests need (ss and ip from iproute2, jq, procps; curl, tshark, nftables
# and ping for the mini-stack's interop tests over TAP in stack/interop). It is what .ci/run calls and
# what the README tells a new machine to run.
#
#   GONETSTAT_REQUIRE_PRIV=1   a test that needs root and skips is a failure
#   GONETSTAT_FUZZTIME=10s     also run every fuzz target for that long
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ss >/dev/null || need+=(iproute2)
command -v jq >/dev/null || need+=(jq)
command -v ps >/dev/null || need+=(procps)
command -v curl >/dev/null || need+=(curl)
command -v tshark >/dev/null || need+=(tshark)
command -v nft >/dev/null || need+=(nftables)
command -v ping >/dev/null || need+=(iputils-ping)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "test.sh: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
		exit 1
	fi
	echo "test.sh: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# tshark's package asks whether non-root users may capture; say no
	# before it asks.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get update -qq >/dev/null
	apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "== gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$bad" ]; then
	echo "gofmt would change:" >&2
	echo "$bad" >&2
	exit 1
fi

echo "== go vet"
go vet ./...

echo "== cross-compile (windows, darwin, freebsd)"
for os in windows darwin freebsd; do
	GOOS=$os GOARCH=amd64 go build -o /dev/null ./...
done

echo "== go test"
go test -race -count=1 ./...

echo "== benchmarks, once each (so they cannot rot; figures come from longer runs)"
go test -run='^$' -bench=. -benchtime=1x ./... >/dev/null
# gVisor's TAP benchmark runs through bench/tap.sh below, which reports a
# round that gVisor fails instead of failing the suite on the peer.
(cd bench/gvisor && go vet ./... && go test -run='^$' -bench='^Benchmark(Bulk|ConnEcho)$' -benchtime=1x ./... >/dev/null)
if [ "$(id -u)" -eq 0 ]; then
	echo "== bench/tap.sh --smoke (mini-stack and gVisor over TAP)"
	bench/tap.sh --smoke
elif [ "${GONETSTAT_REQUIRE_PRIV:-}" = 1 ]; then
	echo "test.sh: bench/tap.sh needs root and GONETSTAT_REQUIRE_PRIV=1" >&2
	exit 1
fi

echo "== bench/netns.sh --smoke (3 namespaces x 50 sockets; root only)"
if [ "$(id -u)" -eq 0 ]; then
	bench/netns.sh --smoke
elif [ "${GONETSTAT_REQUIRE_PRIV:-}" = 1 ]; then
	echo "GONETSTAT_REQUIRE_PRIV=1 but bench/netns.sh needs root" >&2
	exit 1
else
	echo "skipped: needs root"
fi

(cd bench/floor && go vet ./...)
(cd bench/gopsutil && go vet ./...)

if [ "$(id -u)" -eq 0 ]; then
	echo "== bench/run.sh --smoke (200 sockets, one run; the real benchmark is bench/run.sh)"
	bench/run.sh --smoke >/dev/null
elif [ "${GONETSTAT_REQUIRE_PRIV:-}" = 1 ]; then
	echo "test.sh: GONETSTAT_REQUIRE_PRIV=1 but bench/run.sh --smoke needs root" >&2
	exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
	echo "== bench/churn.sh --smoke (200 connections/s, 3 runs of each tool; the real check is bench/churn.sh)"
	bench/churn.sh --smoke >/dev/null
elif [ "${GONETSTAT_REQUIRE_PRIV:-}" = 1 ]; then
	echo "test.sh: GONETSTAT_REQUIRE_PRIV=1 but bench/churn.sh --smoke needs root" >&2
	exit 1
fi

if [ -n "${GONETSTAT_FUZZTIME:-}" ]; then
	echo "== fuzz (${GONETSTAT_FUZZTIME} each)"
	for pkg in $(go list ./...); do
		dir=$(go list -f '{{.Dir}}' "$pkg")
		for f in $(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)' "$dir"/*_test.go 2>/dev/null | awk '{print $2}'); do
			# Go 1.26's fuzz coordinator can report its own -fuzztime deadline
			# as a failure ("context deadline exceeded", golang/go#75804, fixed
			# in Go 1.27) when a worker is busy as time runs out. That, with no
			# failing input written, is not a finding; anything else fails.
			before=$({ ls "$dir/testdata/fuzz/$f" 2>/dev/null || true; } | wc -l)
			if ! out=$(go test -run='^$' -fuzz="^${f}\$" -fuzztime="$GONETSTAT_FUZZTIME" -fuzzminimizetime=200x "$pkg" 2>&1); then
				after=$({ ls "$dir/testdata/fuzz/$f" 2>/dev/null || true; } | wc -l)
				if [ "$after" = "$before" ] && grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
					echo "ok (fuzz) $pkg $f: ended by Go's deadline race (golang/go#75804), no failing input"
					continue
				fi
				echo "$out"
				exit 1
			fi
			echo "ok (fuzz) $pkg $f"
		done
	done
fi
