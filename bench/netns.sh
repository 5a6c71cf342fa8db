#!/usr/bin/env bash
# bench/netns.sh times `gonetstat -ano --all-netns` beside its peer,
# `ip -all netns exec ss -tuanp`, over NS network namespaces holding SOCKS
# sockets each (a third listening+established TCP pairs, a third UDP), made
# by this script and removed on exit. Needs root, ip, ss, python3.
#
#   bench/netns.sh            50 namespaces x 1,000 sockets, 7 runs each;
#                             writes its section of docs/performance.md
#   bench/netns.sh --smoke    3 x 50, one run each, checks the counts only
#                             (scripts/test.sh runs this so it cannot rot)
#
# Traffic stays on each namespace's own loopback. The smoke run is a test,
# and a test touches only what it makes: it runs in PID and mount
# namespaces of its own (unshare), where /proc shows its own processes and
# /run/netns is an empty tmpfs, so --all-netns and ip -all netns read the
# bench's namespaces (and the one they run in) and never another user's,
# which may vanish mid-read. The full benchmark measures the real machine.
set -euo pipefail
cd "$(dirname "$0")/.."

NS=50 SOCKS=1000 RUNS=${RUNS:-7} SMOKE=0
if [ "${1:-}" = "--smoke" ]; then NS=3 SOCKS=50 RUNS=1 SMOKE=1; fi
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/netns.sh: needs root (it makes network namespaces)" >&2
	exit 1
fi
for c in ip ss python3 unshare; do
	command -v $c >/dev/null || { echo "bench/netns.sh: needs $c" >&2; exit 1; }
done
if [ "$SMOKE" -eq 1 ] && [ -z "${GNST_NETNS_PRIVATE:-}" ]; then
	# PID 1 of the new PID namespace: when it exits, whatever it started
	# goes with it, and the namespaces named only in its tmpfs with them.
	exec env GNST_NETNS_PRIVATE=1 unshare --pid --fork --mount-proc --mount --propagation private "$PWD/bench/netns.sh" "$@"
fi
if [ -n "${GNST_NETNS_PRIVATE:-}" ]; then
	mkdir -p /run/netns
	mount -t tmpfs -o mode=0755 gnst-netns-smoke /run/netns
fi

prefix="gnst-ns-bench$$-"
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	for i in $(seq 1 "$NS"); do ip netns delete "${prefix}$i" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

go build -o "$tmp/gonetstat" .

# holder opens n sockets on loopback, says "ready", and keeps them until
# stdin closes or 10 minutes pass.
cat >"$tmp/holder.py" <<'PY'
import socket, sys, select
n = int(sys.argv[1]); keep = []
ln = socket.socket(); ln.bind(("127.0.0.1", 5432)); ln.listen(4096); keep.append(ln)
pairs = (n - 1) // 3
for _ in range(pairs):
    c = socket.create_connection(("127.0.0.1", 5432)); s, _ = ln.accept(); keep += [c, s]
while len(keep) < n:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0)); keep.append(u)
print("ready", len(keep), flush=True)
select.select([sys.stdin], [], [], 600)
PY

ulimit -n $((SOCKS + 64))
for i in $(seq 1 "$NS"); do
	ip netns add "${prefix}$i"
	ip -n "${prefix}$i" link set lo up
	mkfifo "$tmp/in$i"
	ip netns exec "${prefix}$i" python3 "$tmp/holder.py" "$SOCKS" <"$tmp/in$i" >"$tmp/out$i" &
	pids+=($!)
	exec {fd}>"$tmp/in$i" # holds the holder's stdin open
done
for i in $(seq 1 "$NS"); do
	for _ in $(seq 1 600); do grep -q ready "$tmp/out$i" 2>/dev/null && break; sleep 0.1; done
	grep -q "ready $SOCKS" "$tmp/out$i" || { echo "bench/netns.sh: holder $i not ready: $(cat "$tmp/out$i")" >&2; exit 1; }
done

# Counts first: each tool must see every socket of every bench namespace.
ours=$("$tmp/gonetstat" -ano --all-netns 2>"$tmp/err" | grep -c " ${prefix}" || true)
theirs=$(ip -all netns exec ss -tuanp 2>/dev/null | grep -c -E '127\.0\.0\.1:' || true)
want=$((NS * SOCKS))
if [ "$ours" -ne "$want" ]; then
	echo "bench/netns.sh: gonetstat shows $ours rows in the bench namespaces, want $want" >&2
	cat "$tmp/err" >&2
	exit 1
fi
if [ "$theirs" -lt "$want" ]; then
	echo "bench/netns.sh: ss shows $theirs loopback rows, want at least $want" >&2
	exit 1
fi

# ms runs a command once and prints its wall time in milliseconds.
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || true
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Alternate the two so both see the same load.
: >"$tmp/g"
: >"$tmp/s"
for _ in $(seq 1 "$RUNS"); do
	ms "$tmp/gonetstat" -ano --all-netns >>"$tmp/g"
	ms ip -all netns exec ss -tuanp >>"$tmp/s"
done
g=$(median <"$tmp/g")
s=$(median <"$tmp/s")
ratio=$(awk -v g="$g" -v s="$s" 'BEGIN { if (g > 0) printf "%.1f", s / g; else print "n/a" }')
# The JSON must agree: every bench namespace, labelled, with all its rows.
"$tmp/gonetstat" -an --all-netns --json >"$tmp/json" 2>"$tmp/jerr" || true
read -r nsall nsbench rowsbench < <(python3 - "$tmp/json" "$prefix" <<'PY'
import json, sys
socks = json.load(open(sys.argv[1]))["sockets"]
bench = [s for s in socks if s.get("net_namespace_name", "").startswith(sys.argv[2])]
print(len({s["net_namespace"] for s in socks}), len({s["net_namespace"] for s in bench}), len(bench))
PY
)
if [ "$nsbench" -ne "$NS" ] || [ "$rowsbench" -ne "$want" ]; then
	echo "bench/netns.sh: gonetstat --json shows $rowsbench rows in $nsbench bench namespaces, want $want in $NS" >&2
	cat "$tmp/jerr" >&2
	exit 1
fi
echo "bench/netns.sh: $NS namespaces x $SOCKS sockets ($nsall namespaces with sockets in all, $rowsbench rows in the bench ones by --json): gonetstat -ano --all-netns ${g} ms, ip -all netns exec ss -tuanp ${s} ms (median of $RUNS); ss / gonetstat = $ratio"

if [ "$SMOKE" -eq 1 ]; then
	exit 0
fi

go run ./bench/timeit section -doc docs/performance.md -name bench/netns.sh <<MD
## Every network namespace: \`--all-netns\` beside \`ip -all netns exec ss\` (issue 6)

\`bench/netns.sh\` (root) makes $NS namespaces, each with a process holding $SOCKS sockets on the
namespace's own loopback (a listener, $(( (SOCKS - 1) / 3 )) established pairs, the rest UDP), checks that
both tools see all $want of them, then times each $RUNS times, alternating, and keeps the median.
\`ss\` has no "every namespace" mode: \`ip -all netns exec\` runs one \`ss -tuanp\` per named
namespace, each with its own \`/proc/*/fd\` scan for \`-p\`; gonetstat lists the namespaces (named
and every process's), reads them in parallel on locked threads and scans \`/proc/*/fd\` once.

Measured $(date -u +%Y-%m-%d) on the 2-core CI machine ($(nproc) CPUs, shared with other engineers'
work, whose processes' \`/proc/*/fd\` entries both tools scan too), $nsall namespaces with sockets in all:

| command | median wall time | ratio |
|---|---|---|
| \`gonetstat -ano --all-netns\` | $g ms | 1 |
| \`ip -all netns exec ss -tuanp\` | $s ms | $ratio× gonetstat |

Not like for like: ss prints its tables unsorted per namespace, gonetstat sorts the merged table and
also reads namespaces that have no name (containers'), here the host's and any others present.
MD
echo "bench/netns.sh: wrote docs/performance.md"
