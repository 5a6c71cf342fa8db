#!/usr/bin/env bash
# bench/run.sh measures gonetstat against its peers at N sockets (issue 5,
# docs/performance.md). Run it as root from a clone, with Go installed:
#
#   bench/run.sh                  N = 1000 10000 100000, 5 runs each
#   bench/run.sh 1000 50000       other socket counts
#   bench/run.sh --runs 9 100000  more runs
#   bench/run.sh --smoke          N = 200, one run: checks the script works (scripts/test.sh)
#   bench/run.sh --results F ...  also keep the raw results (JSON lines) in F
#                                 (bench/timeit report -in F rewrites the summary from them)
#
# For each N it sizes the kernel's per-namespace hash tables for the load
# (net.ipv4.tcp_child_ehash_entries, net.ipv4.udp_child_hash_entries, set
# here and restored as soon as the namespace exists), then, in a fresh
# network namespace and a fresh PID namespace with its own /proc, starts
# bench/load (N TCP + N/10 UDP sockets on loopback, ~100 processes) and
# times every tool with bench/timeit: a warm-up run, then the timed runs,
# every tool's row count checked against the load, and the load's count
# checked with ss after every run. Then it adds 2,000 and 5,000 idle
# processes and times gonetstat -ano and the floor again. The namespaces die
# with their first process, taking every process and socket with them.
#
# Results go to stdout and, except in smoke mode, into docs/performance.md
# between the markers "<!-- bench/run.sh: begin -->" and
# "<!-- bench/run.sh: end -->"; the rest of that file is left alone.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" = "--inner" ]; then
	# Inside the namespaces: PID 1 of the new PID namespace.
	shift
	work=$1 n=$2 runs=$3 warmup=$4 extra=$5
	: >"$work/inside-$n"
	ip link set lo up
	sysctl -q -w net.ipv4.ip_local_port_range="1024 65535" net.core.somaxconn=65535
	echo "  namespace: tcp_ehash_entries=$(cat /proc/sys/net/ipv4/tcp_ehash_entries) udp_hash_entries=$(cat /proc/sys/net/ipv4/udp_hash_entries 2>/dev/null || echo ?) (negative: shared with the host)" >&2

	# start_load FILE ARGS... starts bench/load, waits for its ready line
	# and sets started to its PID.
	start_load() {
		local ready=$1
		shift
		rm -f "$ready"
		"$work/load" -ready "$ready" "$@" >/dev/null &
		local pid=$! i
		for i in $(seq 1200); do
			[ -s "$ready" ] && break
			kill -0 "$pid" 2>/dev/null || { echo "run.sh: bench/load failed" >&2; exit 1; }
			sleep 0.25
		done
		[ -s "$ready" ] || { echo "run.sh: bench/load not ready after 300 s" >&2; exit 1; }
		started=$pid
	}
	field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" "$2"; }

	start_load "$work/ready" -tcp "$n" -idle 50
	loadpid=$started
	sockets=$(field sockets "$work/ready")
	echo "  load: $(cat "$work/ready")" >&2
	cat >"$work/tools" <<TOOLS
gonetstat -ano|text|$work/gonetstat -ano
gonetstat -an|text|$work/gonetstat -an
gonetstat -ano --json|json|$work/gonetstat -ano --json
ss -tuanp|ss|ss -tuanp
ss -tuan|ss|ss -tuan
netstat -tuanp|netstat|netstat -tuanp
gopsutil v4|lines|$work/gopsutil
floor|lines|$work/floor
TOOLS
	"$work/timeit" run -tools "$work/tools" -n "$n" -label base -expect "$sockets" \
		-runs "$runs" -warmup "$warmup" -out "$work/results"

	cat >"$work/tools-idle" <<TOOLS
gonetstat -ano|text|$work/gonetstat -ano
floor|lines|$work/floor
TOOLS
	for k in $extra; do
		start_load "$work/ready-idle" -tcp 0 -udp 0 -idle "$k"
		idlepid=$started
		echo "  +$k idle: $(cat "$work/ready-idle")" >&2
		"$work/timeit" run -tools "$work/tools-idle" -n "$n" -label "+$k idle" -expect "$sockets" \
			-runs "$runs" -warmup "$warmup" -out "$work/results"
		kill "$idlepid"
		wait "$idlepid"
	done
	kill "$loadpid"
	wait "$loadpid"
	exit 0
fi

smoke=0 runs=5 warmup=1 ns=() extra="2000 5000" keep=
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 runs=1 warmup=1 extra=50 ;;
	--runs) runs=${2:?--runs needs a number}; shift ;;
	--results) keep=${2:?--results needs a file}; shift ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	*) [[ $1 =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: N must be a positive number, not $1" >&2; exit 2; }; ns+=("$1") ;;
	esac
	shift
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --runs must be a positive number" >&2; exit 2; }
if [ ${#ns[@]} -eq 0 ]; then
	if [ $smoke = 1 ]; then ns=(200); else ns=(1000 10000 100000); fi
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: needs root (network and PID namespaces, sysctls); run it with sudo" >&2
	exit 1
fi

need=()
command -v ss >/dev/null || need+=(iproute2)
command -v ip >/dev/null || need+=(iproute2)
command -v netstat >/dev/null || need+=(net-tools)
command -v unshare >/dev/null || need+=(util-linux)
command -v sysctl >/dev/null || need+=(procps)
if [ ${#need[@]} -gt 0 ]; then
	echo "run.sh: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "run.sh: needs Go (https://go.dev/dl/)" >&2; exit 1; }

work=$(mktemp -d /tmp/gnst-load.XXXXXX)
saved=()
restore() {
	local kv
	for kv in "${saved[@]}"; do sysctl -q -w "$kv" || true; done
	saved=()
}
cleanup() {
	restore
	[ -n "${inner:-}" ] && kill "$inner" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

echo "== building into $work" >&2
(cd "$repo" && go build -o "$work/gonetstat" . && go build -o "$work/load" ./bench/load && go build -o "$work/timeit" ./bench/timeit)
(cd "$repo/bench/floor" && go build -o "$work/floor" .)
(cd "$repo/bench/gopsutil" && go build -o "$work/gopsutil" .)

pow2() { local v=$1 p=1; while [ $p -lt "$v" ]; do p=$((p * 2)); done; echo $p; }

for n in "${ns[@]}"; do
	echo "== N = $n TCP + $((n / 10)) UDP sockets, $runs runs" >&2
	# The new namespace gets hash tables of its own, sized for its load,
	# instead of sharing the host's with every other socket on the machine.
	for kv in "net.ipv4.tcp_child_ehash_entries=$(pow2 $((2 * n)))" \
		"net.ipv4.udp_child_hash_entries=$(pow2 $((n / 10 < 256 ? 256 : (n / 10 > 65536 ? 65536 : n / 10))))"; do
		key=${kv%%=*}
		if [ -e "/proc/sys/${key//.//}" ]; then
			saved+=("$key=$(sysctl -n "$key")")
			sysctl -q -w "$kv"
		else
			echo "run.sh: this kernel has no $key: the namespace shares the host's table" >&2
		fi
	done
	unshare --net --pid --fork --mount-proc bash "$0" --inner "$work" "$n" "$runs" "$warmup" "$extra" &
	inner=$!
	for i in $(seq 100); do
		[ -e "$work/inside-$n" ] && break
		kill -0 "$inner" 2>/dev/null || break
		sleep 0.1
	done
	restore
	wait "$inner" || { inner=; echo "run.sh: the run at N = $n failed" >&2; exit 1; }
	inner=
done

[ -z "$keep" ] || cp "$work/results" "$keep"
echo "== summary" >&2
if [ $smoke = 1 ]; then
	"$work/timeit" report -in "$work/results"
else
	"$work/timeit" report -in "$work/results" -doc "$repo/docs/performance.md" \
		-head "$repo/bench/report-head.md"
	echo "(written to docs/performance.md)" >&2
fi
