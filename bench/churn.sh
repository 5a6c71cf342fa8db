#!/usr/bin/env bash
# bench/churn.sh measures how often gonetstat shows no PID for a socket that
# a process holds, and checks every PID it shows, while loopback
# connections come and go (issue 11; docs/performance.md, "Owners under
# churn"). Run it as root from a clone, with Go installed:
#
#   bench/churn.sh                2,000 connections/s, 20 runs of each tool,
#                                 fails unless gonetstat misses < 0.5% of owned rows
#   bench/churn.sh --smoke        200 connections/s, 3 runs of each, no threshold:
#                                 checks the script and every PID shown (scripts/test.sh)
#   bench/churn.sh --before REV   also measures gonetstat built from git revision REV
#   bench/churn.sh --load N       also holds N TCP + N/10 UDP static sockets (bench/load)
#                                 in the namespace: the cost of the second look at scale
#   bench/churn.sh -- FLAGS...    passes FLAGS to bench/churn (-rate, -runs, -life,
#                                 -workers, -warmup, -target; see bench/churn/doc.go)
#
# It builds gonetstat and bench/churn into a temporary directory and runs the
# generator in a network namespace of its own (unshare --net, lo up), so the
# only inet sockets there are the generator's. The PID namespace is the
# host's: each tool reads every process of this machine, as it would on a
# busy host. The figures go to stdout; the exit status is bench/churn's.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
smoke=0 before= load=0 flags=()
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 ;;
	--before) before=${2:?--before needs a git revision}; shift ;;
	--load) load=${2:?--load needs a socket count}; shift
		[[ $load =~ ^[0-9]+$ ]] || { echo "churn.sh: --load needs a number, not $load" >&2; exit 2; } ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	--) shift; flags=("$@"); break ;;
	*) echo "churn.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done
if [ "$(id -u)" -ne 0 ]; then
	echo "churn.sh: needs root (a network namespace of its own); run it with sudo" >&2
	exit 1
fi
for tool in ss ip unshare go; do
	command -v "$tool" >/dev/null || { echo "churn.sh: needs $tool (iproute2, util-linux, Go)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/gnst-churn.XXXXXX)
trap 'rm -rf "$work"' EXIT
(cd "$repo" && go build -o "$work/gonetstat" . && go build -o "$work/churn" ./bench/churn && go build -o "$work/load" ./bench/load)
args=(-gonetstat "$work/gonetstat")
if [ -n "$before" ]; then
	mkdir "$work/before-src"
	git -C "$repo" archive "$before" | tar -x -C "$work/before-src"
	(cd "$work/before-src" && go build -o "$work/gonetstat-before" .)
	args+=(-gonetstat "before=$work/gonetstat-before")
fi
if [ $smoke = 1 ]; then
	args+=(-rate 200 -runs 3 -warmup 1s -target 0)
fi
# Inside the namespace: lo up, the static load if asked for (bench/load
# prints its ready line once every socket is open), then the generator.
# The load dies with the shell (its PR_SET_PDEATHSIG) when churn is done.
unshare --net -- bash -c '
	set -euo pipefail
	ip link set lo up
	work=$1 load=$2
	shift 2
	if [ "$load" -gt 0 ]; then
		"$work/load" -tcp "$load" -idle 0 -ready "$work/ready" >/dev/null &
		loadpid=$!
		trap "kill $loadpid 2>/dev/null" EXIT
		for i in $(seq 1200); do
			[ -s "$work/ready" ] && break
			kill -0 "$loadpid" 2>/dev/null || { echo "churn.sh: bench/load failed" >&2; exit 1; }
			sleep 0.25
		done
		[ -s "$work/ready" ] || { echo "churn.sh: bench/load not ready after 300 s" >&2; exit 1; }
		echo "load: $(cat "$work/ready")"
	fi
	"$work/churn" "$@"
' churn "$work" "$load" "${args[@]}" "${flags[@]}"
