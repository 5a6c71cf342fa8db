// usage.go holds the help text, kept beside the grammar it describes.

package cli

const usage = `Usage: gonetstat [-a] [-q] [-n] [-o] [-b] [-f] [-p PROTO] [-t] [-u] [-l] [--json|--ndjson] [--stack] [--info] [--source SRC]
                 [--netns NS | --all-netns] [interval]
       gonetstat [-r] [-e] [-s] [-p PROTO] [--json|--ndjson] [--netns NS] [interval]
       gonetstat COMMAND [flags]   (the commands are listed below)

Show the TCP and UDP sockets of this host, IPv4 and IPv6, in the layout of
Windows "netstat -ano": Proto, Local Address, Foreign Address, State, PID.

Options (Windows netstat meanings; each has a long form):
  -a, --all          all sockets: also listening TCP and bound UDP sockets
                     (without -a: connected TCP sockets only)
  -q, --bound        as -a, and also TCP sockets bound to a port but neither
                     listening nor connected, state BOUND (JSON:
                     BOUND_INACTIVE); with -l, listeners and bound sockets.
                     Only sock_diag lists them (Linux 6.8 and later); when
                     the source cannot, stderr says so once
  -n, --numeric      numeric addresses and ports (without -n: host names by
                     reverse DNS, bounded to 2 s in all, and service names)
  -o, --owner        the PID of the process holding each socket
  -b, --executable   the program holding each socket, on its own line
                     under the row (with -o as well: both)
  -f, --fqdn         fully qualified host names (with names, not with -n)
  -p, --proto PROTO  only PROTO: TCP, UDP, TCPv6 or UDPv6 (any case);
                     repeat it for more: -p tcp -p udp shows both (-p, -t
                     and -u add up); with -s, the section(s) to print: also
                     IP, IPv6, ICMP, ICMPv6 (TCP and TCPv6 both name the
                     one TCP section)
  -r, --route        the routing table instead of the socket table, as
                     Windows "route print" shows it: the interfaces, then
                     the IPv4 and IPv6 routes of the main and local tables
  -e, --ethernet     interface statistics instead of the socket table:
                     bytes, packets, multicast, discards and errors received
                     and sent, totalled over all interfaces but loopback,
                     then one line per interface (/proc/net/dev)
  -s, --statistics   per-protocol statistics instead of the socket table:
                     IPv4, IPv6, ICMPv4, ICMPv6, TCP, UDP and UDPv6 counters
                     (/proc/net/snmp, /proc/net/snmp6); with -e, -e first
  -t, --tcp          TCP sockets, IPv4 and IPv6 (Linux netstat/ss letter)
  -u, --udp          UDP sockets, IPv4 and IPv6 (Linux netstat/ss letter)
  -l, --listening    only listening TCP and unconnected UDP sockets (Linux)
      --json         one JSON document, schema gonetstat.sockets/v1
                     (docs/json.md); PIDs are in it with -o or -b
      --ndjson       the same document on one line; with an interval, one
                     line per snapshot
                     (with -r, -e or -s: schema gonetstat.reports/v1,
                     docs/reports-json.md)
      --stack        also the sockets of every running gonetstat mini-stack
                     (from any network namespace), marked by a last column,
                     Source: kernel or stack:NAME (JSON: source, stack_name)
      --info         the wide table of TCP internals, in ms and KiB: send and
                     receive queues, rtt/rttvar, rto, cwnd/ssthresh, mss,
                     unacked, retransmits, timer, bytes; for mini-stack rows
                     also descriptor, snd.una/snd.nxt/rcv.nxt, windows, memory
                     and age (ss calls this -i, --info); also --internals
      --source SRC   where to read the table: auto (sock_diag, falling back
                     to /proc/net), netlink or proc        (default auto)
      --netns NS     the sockets of one network namespace instead of ours:
                     NS is a name from "ip netns list", a path such as
                     /proc/PID/ns/net, or a PID (that process's namespace)
      --all-netns    the sockets of every network namespace: the named ones
                     and every process's (containers), ours included; rows
                     are labelled, and -o also names each owner's container
  -h, --help         this help
  interval           redisplay every interval seconds until Ctrl-C

Commands (each has its own --help):
  bundle        one archive of the host's network state, for support
  stack run     a mini-stack on a TAP device, serving HTTP and echo (root)
  stack demo    one connection from both ends, kernel and mini-stack (root)

-r, -e and -s print text reports (in that order), read from the kernel of
this host or of the namespace --netns names; -a, -q, -n, -o, -b and -f do
nothing there, as on Windows, and --stack, --all-netns, --info, -t, -u and
-l are refused. With --json or --ndjson they are one gonetstat.reports/v1
document holding each report asked for: routes (every table), interfaces,
protocols (the kernel's counter names, the groups -p selects). Linux keeps
one set of TCP counters for IPv4 and IPv6, so -s prints one "TCP
Statistics for IPv4 and IPv6" section, not two. A counter this kernel
does not keep is left out, never shown as 0.
-r's Metric is the route's own (Linux adds no interface metric) and its
routes are always numeric.

Windows and Linux disagree on two letters. Here -p takes a protocol and -o
shows PIDs, as on Windows; Linux netstat's -p (PID/program) is -o (and -b)
here, and its -o (timers) is in --json's tcp_info. Linux hands are read
the Linux way, with a note on stderr, where nothing else can be meant:
"-tulpn" (-p followed by Linux letters a n t u l W) and "-ntlp", "-tunap"
(a cluster holding t, u or l that ends in p, with no protocol after it).
"-anop" alone is an error: -p needs a protocol, and the PID column is -o.

A "-" in the PID column means no process was seen holding the socket: the
kernel keeps TIME_WAIT and not-yet-accepted sockets without one, other
users' processes cannot be read without root, and processes outside our PID
namespace cannot be seen. gonetstat never prints a PID it did not see;
stderr says how many rows lack an owner and why. A socket that several
processes hold (a listener shared after fork, a descriptor passed to
another process) shows one PID: the lowest of its holders (--json's
"holders" counts them).

Examples:
  gonetstat -ano                  every socket with its PID
  gonetstat -anop tcp             IPv4 TCP only
  gonetstat -ano 5                the same, every 5 seconds
  gonetstat -tulpn                what listens here, and who
  gonetstat -ano --json | jq '.sockets[] | select(.state=="LISTEN")'
  gonetstat -ano --stack          the kernel's sockets and the mini-stacks'
  gonetstat -anop tcp --stack --info   their control blocks side by side
  gonetstat -ano --all-netns      (as root) every namespace and container
  gonetstat -e 5                  interface counters, every 5 seconds
  gonetstat -s -p tcp -p udp      the TCP and UDP (IPv4) counters
  gonetstat --netns blue -s -p icmp   namespace blue's ICMP counters
  gonetstat -s -p udp --json | jq .protocols.Udp.NoPorts
  gonetstat -e --ndjson 10        interface counters, a JSON line every 10 s

Entering another network namespace needs root (CAP_SYS_ADMIN). With
--all-netns, a namespace that cannot be entered is named on stderr with
the reason, the others are printed, and the exit status is 1. In the -ano
table a Namespace column (its name, or its inode, then the owner's
container) appears when the rows come from more than one namespace; JSON
always has net_namespace.

Exit status: 0 success; 1 a runtime failure, or a table known to be
incomplete (printed, with a warning); 2 a usage error. Ctrl-C ends an
interval loop with 0, or 1 if any of its snapshots was incomplete.
`

// bundleHelp is "gonetstat bundle --help" (docs/bundle.md says more).
const bundleHelp = `Usage: gonetstat bundle [-o PATH|-] [--redact ip,host,mac] [--map-file PATH]
                        [--duration D [--interval I]] [--netns NS | --all-netns]
                        [--with-commands] [--max-size SIZE] [--timeout D]
                        [--dry-run] [--strict] [-q]

Write one diagnostic archive of this host's network: the socket table of
every namespace with owners and containers (exactly "-ano --all-netns
--json", and its -ano text), each namespace's routes, interfaces,
counters, ARP/NDP neighbours and policy rules (JSON and -r -e -s text),
the raw /proc/net files, selected net.* sysctls and the host's facts.
Each part is read by a collector with its own deadline; one that fails
or hangs is recorded, and the archive is still written. Secrets are
always scrubbed from free text. Review the archive before sharing it.

Options:
  -o, --output PATH   where to write it ("-": standard output); default
                      gonetstat-bundle_<host>_<UTC time>.tar.gz (.zip on
                      Windows) here, with PATH.sha256 beside it
      --redact KINDS  replace ip, host and/or mac (comma-separated) by
                      consistent pseudonyms; addresses keep their subnets,
                      loopback, link-local, multicast and ports stay
      --map-file PATH the pseudonym map, kept outside the archive (0600)
                      and reused by the next run so bundles agree; default
                      gonetstat-bundle_<host>.map.json beside the archive
      --duration D    also sample the socket table for D (at most 4m) ...
      --interval I    ... every I (default 1s)
      --netns NS      only that network namespace (default: every one as
                      root, ours otherwise)
      --all-netns     every network namespace (the default as root)
      --with-commands also the output of ss -tuanpie, nstat -zas and nft
                      list ruleset, where installed (never one that would
                      load a kernel module)
      --max-size SIZE stop collecting when the files reach SIZE before
                      compression (100M, 1G; default 512M): later
                      collectors are skipped
      --timeout D     each collector's deadline (default 10s; commands
                      30s; the whole run at most 5m)
      --dry-run       print the plan and an estimate; write nothing
      --strict        exit 3 when a collector was not ok, skipped or
                      unavailable, or a file could not be scrubbed
  -q, --quiet         no progress lines
  -h, --help          this help

One line per collector on stderr as it ends ("[ 3/11] reports/blue … ok
(41 ms)"); at the end the archive's path, size and sha256, the bundle id
and a summary. The archive is read back on any system with
"gonetstat bundle inspect BUNDLE" and "gonetstat -ano --from BUNDLE".

Exit status: 0 the archive was written and read back intact (even if some
collectors failed: manifest.json says which); 1 no archive; 2 a usage
error; 3 --strict and something was not clean.
`
