#!/usr/bin/env bash
# scripts/test.sh runs gonetstat's whole test suite, installing first what
# the tests need (ss and ip from iproute2, jq, procps; curl, tshark, nftables
# and ping for the mini-stack's interop tests over TAP in stack/interop; a C
# compiler and the kernel's uapi headers for sockdiag's ABI check; wine and
# mingw-w64 for the Windows build's run in internal/e2e/wine). It is
# what .ci/run calls and what the README tells a new machine to run. It
# ends with the count of tests passed, failed and skipped, and why each
# skipped one did.
#
#   scripts/test.sh --deps     only install what the tests need (root)
#   GONETSTAT_REQUIRE_PRIV=1   a test that needs root or a tool and skips is
#                              a failure
#   GONETSTAT_FUZZTIME=10s     also run every fuzz target for that long
#
# scripts/test-unprivileged.sh runs it as an ordinary user.
set -euo pipefail
cd "$(dirname "$0")/.."
deps_only=0
case ${1:-} in
--deps) deps_only=1 ;;
"") ;;
*) echo "test.sh: unknown argument $1 (want --deps or nothing)" >&2; exit 2 ;;
esac

need=()
command -v ss >/dev/null || need+=(iproute2)
command -v jq >/dev/null || need+=(jq)
command -v ps >/dev/null || need+=(procps)
command -v curl >/dev/null || need+=(curl)
command -v tshark >/dev/null || need+=(tshark)
command -v nft >/dev/null || need+=(nftables)
command -v ping >/dev/null || need+=(iputils-ping)
command -v python3 >/dev/null || need+=(python3)
command -v cc >/dev/null || need+=(gcc)
[ -e /usr/include/linux/inet_diag.h ] || need+=(linux-libc-dev)
command -v unshare >/dev/null || need+=(util-linux)
# Without their recommends (wine's would pull in the 32-bit wine, fonts and
# more): 64-bit wine runs gonetstat.exe, and mingw builds the stand-in
# bcryptprimitives.dll that Go 1.26 needs and wine 8 lacks.
norec=()
{ command -v wine >/dev/null && command -v wineserver >/dev/null && [ -x /usr/lib/wine/wine64 ]; } || norec+=(wine64 wine)
command -v x86_64-w64-mingw32-gcc >/dev/null || norec+=(gcc-mingw-w64-x86-64-win32)
if [ ${#need[@]} -gt 0 ] || [ ${#norec[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		hint=""
		[ ${#need[@]} -eq 0 ] || hint="apt-get install ${need[*]}"
		[ ${#norec[@]} -eq 0 ] || hint="${hint:+$hint; }apt-get install --no-install-recommends ${norec[*]}"
		echo "test.sh: missing ${need[*]} ${norec[*]}; install them ($hint) or run as root" >&2
		exit 1
	fi
	echo "test.sh: installing ${need[*]} ${norec[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# tshark's package asks whether non-root users may capture; say no
	# before it asks.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get update -qq >/dev/null
	if [ ${#need[@]} -gt 0 ]; then
		apt-get install -y -qq "${need[@]}" >/dev/null
	fi
	if [ ${#norec[@]} -gt 0 ]; then
		apt-get install -y -qq --no-install-recommends "${norec[@]}" >/dev/null
	fi
fi
if [ "$deps_only" = 1 ]; then
	exit 0
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

echo "== cross-compile and vet (windows, darwin, freebsd; darwin on arm64 too)"
# darwin/arm64 is most Macs, and gopsutil's process and purego's cgo
# stand-in have files of their own for it.
for target in windows/amd64 darwin/amd64 darwin/arm64 freebsd/amd64; do
	GOOS=${target%/*} GOARCH=${target#*/} go build -o /dev/null ./...
	GOOS=${target%/*} GOARCH=${target#*/} go vet ./...
done

echo "== go test"
# -json, so that the end can say what was skipped and why; the lines shown
# are those go test prints without it, plus the output of each failed test.
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
go test -race -count=1 -json ./... >"$out/test.json" || status=$?
jq -j 'select((.Action == "output" and (.Test | not)) or .Action == "build-output") | .Output' "$out/test.json" | grep -v -E '^(PASS|FAIL)$' || true
jq -js '
	[.[] | select(.Action == "fail" and .Test) | .Package + " " + .Test] as $failed
	| .[] | select(.Action == "output" and .Test and ((.Package + " " + .Test) as $k | $failed | index($k)))
	| .Output' "$out/test.json"
jq -rs '
	[.[] | select(.Test and (.Action == "pass" or .Action == "fail" or .Action == "skip"))] as $done
	| ($done | map(select(.Action == "pass")) | length) as $pass
	| ($done | map(select(.Action == "fail")) | length) as $fail
	| ($done | map(select(.Action == "skip")) | length) as $skip
	| "go test: \($pass) passed, \($fail) failed, \($skip) skipped"' "$out/test.json"
# Why each test skipped: its last line of output before the SKIP.
jq -rs '
	(reduce (.[] | select(.Action == "output" and .Test and (.Output | test("^\\s+\\S+_test\\.go:\\d+: ")))) as $e
		({}; .[$e.Package + " " + $e.Test] = ($e.Output | sub("^\\s+"; "") | rtrimstr("\n")))) as $why
	| .[] | select(.Action == "skip" and .Test)
	| "  skipped \(.Package | sub("^github.com/gonetstat/gonetstat/?"; "./")) \(.Test): \($why[.Package + " " + .Test] // "(no reason printed)")"' "$out/test.json"
if [ "$status" -ne 0 ]; then
	echo "test.sh: go test failed" >&2
	exit "$status"
fi

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
echo "test.sh: all green in ${SECONDS}s"
