// layout.go names the entries of a bundle (docs/bundle.md, "Layout"): the
// fixed ones, the per-namespace ones, and the rule that turns a network
// namespace into the name its entries use.

package bundle

import (
	"strconv"
	"strings"
)

// The fixed entries, in archive order. The manifest is always first, so
// that a reader streaming the archive knows what follows before it reads
// any of it.
const (
	ManifestPath = "manifest.json"
	SummaryPath  = "summary.txt"   // one line per collector, for humans
	ReadmePath   = "README.txt"    // what is inside, how it was made, review before sharing
	VersionPath  = "version.json"  // the Tool of the manifest, alone
	LogPath      = "gonetstat.log" // every collector's errors and notices

	SocketsJSONPath = "sockets/sockets.json"   // gonetstat -ano --all-netns --json
	SocketsTextPath = "sockets/sockets.txt"    // gonetstat -ano --all-netns
	SamplesPath     = "sockets/samples.ndjson" // --duration: one sockets/v1 snapshot per line
)

// ProcNetFiles are the /proc/net files copied verbatim per namespace under
// raw/<ns>/proc/net/, for re-parsing (the socket tables, the counters,
// interfaces, routes, addresses and the ARP cache).
var ProcNetFiles = [...]string{
	"tcp", "tcp6", "udp", "udp6", "raw", "raw6", "unix",
	"snmp", "snmp6", "netstat", "sockstat", "sockstat6",
	"dev", "route", "ipv6_route", "if_inet6", "arp",
}

// ReportsJSONPath is the gonetstat.reports/v1 document of namespace ns
// (its NetNS.File): routes of every table, interfaces, counters,
// neighbours and policy rules.
func ReportsJSONPath(ns string) string { return "reports/" + ns + ".json" }

// ReportsTextPath is the -r -e -s text of namespace ns.
func ReportsTextPath(ns string) string { return "reports/" + ns + ".txt" }

// RawProcNetPath is the verbatim copy of /proc/net/<name> of namespace ns.
func RawProcNetPath(ns, name string) string { return "raw/" + ns + "/proc/net/" + name }

// SysctlPath holds the selected net.* sysctls of namespace ns, one
// "name = value" a line.
func SysctlPath(ns string) string { return "sysctl/" + ns + ".txt" }

// CommandPath holds the output of one --with-commands command ("ss",
// "nstat", "nft"), headed by the command, its exit status and duration.
func CommandPath(name string) string { return "commands/" + name + ".txt" }

// topLevel lists what an entry name may begin with: a fixed file (dir
// false) or a directory whose entries sit below it.
var topLevel = [...]struct {
	name string
	dir  bool
}{
	{ManifestPath, false}, {SummaryPath, false}, {ReadmePath, false}, {VersionPath, false}, {LogPath, false},
	{"sockets", true}, {"reports", true}, {"raw", true}, {"sysctl", true}, {"commands", true},
}

// OwnNSFile is the entry name of the namespace gonetstat ran in.
const OwnNSFile = "host"

// NSFiles gives each namespace the name its entries use: OwnNSFile for
// our own, its /run/netns name for a named one, "ns-<inode>" for the
// rest, characters other than letters, digits, '.', '_' and '-' as '_'.
// A name taken twice (a namespace named "host", two names that map to
// the same) gets "-<inode>" after it; the result is unique and passes
// validNSFile. names[i] and own[i] describe namespace i.
func NSFiles(names []string, inodes []uint64, own []bool) []string {
	files := make([]string, len(names))
	taken := map[string]bool{}
	for i := range names {
		var f string
		switch {
		case own[i]:
			f = OwnNSFile
		case names[i] != "":
			f = nsFileChars(names[i])
		default:
			f = "ns-" + strconv.FormatUint(inodes[i], 10)
		}
		if taken[f] || !validNSFile(f) {
			f = strings.TrimRight(f[:min(len(f), 40)], ".") + "-" + strconv.FormatUint(inodes[i], 10)
			for n := 2; taken[f]; n++ { // the same inode twice: the caller's list was not distinct
				f = f + "-" + strconv.Itoa(n)
			}
		}
		taken[f] = true
		files[i] = f
	}
	return files
}

// nsFileChars maps a namespace name to entry-name characters.
func nsFileChars(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !nsFileChar(c) {
			b[i] = '_'
		}
	}
	s := strings.TrimLeft(string(b), ".")
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

func nsFileChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
}

// validNSFile reports whether s can name a namespace in entry paths: 1 to
// 84 letters, digits, '.', '_' or '-', not beginning with '.'.
func validNSFile(s string) bool {
	if s == "" || len(s) > 84 || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !nsFileChar(s[i]) {
			return false
		}
	}
	return true
}
