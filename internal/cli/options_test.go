// options_test.go tests the flag grammar: argv to Options or a usage error.

package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
)

func TestParse(t *testing.T) {
	tcp := collect.TCP4 | collect.TCP6
	udp := collect.UDP4 | collect.UDP6
	def := func(o Options) Options {
		if o.Source == "" {
			o.Source = "auto"
		}
		return o
	}
	tests := []struct {
		args []string
		want Options
		err  string
	}{
		{args: nil, want: def(Options{})},
		{args: []string{"-ano"}, want: def(Options{All: true, Numeric: true, Owner: true})},
		{args: []string{"-a", "-n", "-o"}, want: def(Options{All: true, Numeric: true, Owner: true})},
		{args: []string{"--all", "--numeric", "--owner", "--executable", "--fqdn"}, want: def(Options{All: true, Numeric: true, Owner: true, Exe: true, FQDN: true})},
		{args: []string{"-anop", "tcp"}, want: def(Options{All: true, Numeric: true, Owner: true, Kinds: collect.TCP4})},
		{args: []string{"-anop", "TCPv6"}, want: def(Options{All: true, Numeric: true, Owner: true, Kinds: collect.TCP6})},
		{args: []string{"-p", "UdPv6"}, want: def(Options{Kinds: collect.UDP6})},
		{args: []string{"--proto=udp"}, want: def(Options{Kinds: collect.UDP4})},
		{args: []string{"-ano", "5"}, want: def(Options{All: true, Numeric: true, Owner: true, Interval: 5})},
		{args: []string{"5", "-ano"}, want: def(Options{All: true, Numeric: true, Owner: true, Interval: 5})},
		{args: []string{"-tu"}, want: def(Options{Kinds: tcp | udp})},
		// -q (Windows): everything -a shows, and the bound sockets.
		{args: []string{"-anq"}, want: def(Options{All: true, Numeric: true, Bound: true})},
		{args: []string{"--bound"}, want: def(Options{All: true, Bound: true})},
		{args: []string{"-lq"}, want: def(Options{All: true, Listening: true, Bound: true})},
		{args: []string{"-rq"}, want: def(Options{All: true, Routes: true, Bound: true})},
		{args: []string{"-t", "-l"}, want: def(Options{Kinds: tcp, Listening: true})},
		{args: []string{"-tulpn"}, want: def(Options{Kinds: tcp | udp, Listening: true, Owner: true, Numeric: true,
			Notes: []string{`read -p in "-pn" as Linux netstat's -p (show owners): that is -o here, the PID column (add -b for program names); in Windows netstat, and here, -p takes a protocol (-p tcp)`}})},
		{args: []string{"-plnt"}, want: def(Options{Kinds: tcp, Listening: true, Owner: true, Numeric: true, Notes: []string{linuxPNote("-plnt")}})},
		{args: []string{"-tulpnW"}, want: def(Options{Kinds: tcp | udp, Listening: true, Owner: true, Numeric: true, Notes: []string{linuxPNote("-pnW")}})},
		// A cluster ending in p, holding a Linux-only letter and followed
		// by no protocol: Linux's -p.
		{args: []string{"-ntlp"}, want: def(Options{Kinds: tcp, Listening: true, Owner: true, Numeric: true, Notes: []string{linuxPNote("-ntlp")}})},
		{args: []string{"-tunap"}, want: def(Options{Kinds: tcp | udp, All: true, Owner: true, Numeric: true, Notes: []string{linuxPNote("-tunap")}})},
		{args: []string{"-tunap", "5"}, want: def(Options{Kinds: tcp | udp, All: true, Owner: true, Numeric: true, Interval: 5, Notes: []string{linuxPNote("-tunap")}})},
		{args: []string{"-nlp", "-t"}, want: def(Options{Kinds: tcp, Listening: true, Owner: true, Numeric: true, Notes: []string{linuxPNote("-nlp")}})},
		// ... but followed by a protocol it is Windows' -p PROTO.
		{args: []string{"-tlp", "udpv6"}, want: def(Options{Kinds: tcp | collect.UDP6, Listening: true})},
		{args: []string{"--", "-tlp"}, err: `bad interval "-tlp"`},
		{args: []string{"-tulpen"}, err: "-pen reads as Linux netstat's -p followed by -en, but -e has no equivalent here (user and inode are in --json; -e here is interface statistics)"},
		{args: []string{"-p", "c"}, err: "use a trailing interval"},
		{args: []string{"-ap"}, err: "-p needs a protocol"},
		{args: []string{"-h", "-tlp"}, want: Options{Help: true, Source: "auto", Listening: true, Owner: true}},
		{args: []string{"--json"}, want: def(Options{JSON: true})},
		{args: []string{"--ndjson", "2"}, want: def(Options{NDJSON: true, Interval: 2})},
		{args: []string{"--source=proc"}, want: def(Options{Source: "proc"})},
		{args: []string{"-h"}, want: Options{Help: true, Source: "auto"}},
		{args: []string{"--help", "-x"}, err: "unknown shorthand flag: 'x'"},
		{args: []string{"-anop"}, err: "-p needs a protocol (TCP, UDP, TCPv6 or UDPv6), as in -anop tcp; for the PID column use -o"},
		{args: []string{"-p", "bogus"}, err: `unknown protocol "bogus" for -p: want TCP, UDP, TCPv6 or UDPv6 (the PID column is -o)`},
		{args: []string{"-anop", "5"}, err: `unknown protocol "5" for -p`},
		{args: []string{"-p", ""}, err: `unknown protocol "" for -p`},
		{args: []string{"-x"}, err: "unknown shorthand flag: 'x' in -x"},
		{args: []string{"--bogus"}, err: "unknown flag: --bogus"},
		{args: []string{"0"}, err: `bad interval "0"`},
		{args: []string{"-5"}, err: `bad interval "-5": want a whole number of seconds from 1 to 86400`},
		{args: []string{"-ano", "-10"}, err: `bad interval "-10"`},
		{args: []string{"-a5"}, err: "unknown shorthand flag: '5'"},
		{args: []string{"--", "-5"}, err: `bad interval "-5"`},
		{args: []string{"abc"}, err: `bad interval "abc"`},
		{args: []string{"86401"}, err: `bad interval "86401"`},
		{args: []string{"86400"}, want: def(Options{Interval: 86400})},
		{args: []string{"1.5"}, err: `bad interval "1.5"`},
		{args: []string{"99999999999999999999"}, err: `bad interval "99999999999999999999"`},
		{args: []string{"-bf"}, want: def(Options{Exe: true, FQDN: true})},
		{args: []string{"-p", "tcp", "-p", "udp", "-t"}, want: def(Options{Kinds: tcp | collect.UDP4})},
		// Every -p adds its table, as -t and -u do (issue 11: the last
		// one used to win).
		{args: []string{"-an", "-p", "tcp", "-p", "udp"}, want: def(Options{All: true, Numeric: true, Kinds: collect.TCP4 | collect.UDP4})},
		{args: []string{"-p", "udpv6", "-p", "TCPv6", "--proto=tcp"}, want: def(Options{Kinds: collect.UDP6 | collect.TCP6 | collect.TCP4})},
		{args: []string{"-tlp", "udpv6", "-p", "udp"}, want: def(Options{Kinds: tcp | collect.UDP6 | collect.UDP4, Listening: true})},
		{args: []string{"-ulpn", "-p", "tcp"}, want: def(Options{Kinds: udp | collect.TCP4, Listening: true, Owner: true, Numeric: true, Notes: []string{linuxPNote("-pn")}})},
		{args: []string{"-ntlp", "-p", "udpv6"}, want: def(Options{Kinds: tcp | collect.UDP6, Listening: true, Owner: true, Numeric: true, Notes: []string{linuxPNote("-ntlp")}})},
		{args: []string{"-tulpn", "-pn"}, want: def(Options{Kinds: tcp | udp, Listening: true, Owner: true, Numeric: true, Notes: []string{linuxPNote("-pn")}})},
		{args: []string{"-p", "tcp", "-p", "bogus"}, err: `unknown protocol "bogus" for -p`},
		{args: []string{"--ndjson"}, want: def(Options{NDJSON: true})},
		{args: []string{"--json", "-ano", "--source", "netlink"}, want: def(Options{JSON: true, All: true, Numeric: true, Owner: true, Source: "netlink"})},
		{args: []string{"--source"}, err: "flag needs an argument: --source"},
		{args: []string{"--proto"}, err: "-p needs a protocol"},
		{args: []string{"--all=false", "-a=true"}, want: def(Options{All: true})},
		{args: []string{"1", "2"}, err: "too many arguments"},
		{args: []string{"--json", "5"}, err: "with an interval use --ndjson"},
		{args: []string{"--json", "--ndjson"}, err: "cannot be used together"},
		{args: []string{"--source=kernel"}, err: `unknown --source "kernel"`},
		{args: []string{"-r"}, want: Options{Routes: true, Source: "auto"}},
		{args: []string{"-s"}, want: def(Options{Statistics: true})},
		{args: []string{"--ethernet", "--statistics"}, want: def(Options{Interfaces: true, Statistics: true})},
		{args: []string{"-es", "5"}, want: def(Options{Interfaces: true, Statistics: true, Interval: 5})},
		{args: []string{"-s", "-p", "tcpv6"}, want: def(Options{Statistics: true, Sections: codec.StatsTCP})},
		{args: []string{"-p", "TCP", "-s"}, want: def(Options{Statistics: true, Sections: codec.StatsTCP})},
		{args: []string{"-sp", "ICMPv6", "-p", "ip", "-p", "udp"}, want: def(Options{Statistics: true, Sections: codec.StatsICMPv6 | codec.StatsIPv4 | codec.StatsUDPv4})},
		{args: []string{"-s", "-p", "ipv6", "-p", "icmp", "-p", "udpv6"}, want: def(Options{Statistics: true, Sections: codec.StatsIPv6 | codec.StatsICMPv4 | codec.StatsUDPv6})},
		{args: []string{"-s", "--netns", "blue"}, want: def(Options{Statistics: true, NetNS: "blue"})},
		{args: []string{"-s", "-p", "igmp"}, err: `unknown protocol "igmp" for -s -p: want TCP, UDP, TCPv6, UDPv6, IP, IPv6, ICMP or ICMPv6`},
		{args: []string{"-p", "icmp"}, err: "-p icmp chooses a section of the statistics: add -s"},
		{args: []string{"-anop", "IPv6"}, err: "-p IPv6 chooses a section of the statistics: add -s"},
		{args: []string{"-e", "-p", "ip"}, err: "-p ip chooses a section of the statistics: add -s"},
		{args: []string{"-s", "--json"}, want: def(Options{Statistics: true, JSON: true})},
		{args: []string{"-r", "--json", "5"}, err: "with an interval use --ndjson"},
		{args: []string{"-r", "--json", "--info"}, err: "-r with --info"},
		{args: []string{"-es", "--stack"}, err: "-e and -s with --stack"},
		{args: []string{"-s", "--all-netns"}, err: "-s with --all-netns"},
		{args: []string{"-s", "--info"}, err: "-s with --info"},
		{args: []string{"-s", "-t"}, err: "-s with -t, -u or -l"},
		{args: []string{"--ethernet"}, want: def(Options{Interfaces: true})},
		{args: []string{"-e", "5"}, want: def(Options{Interfaces: true, Interval: 5})},
		{args: []string{"-anobfe"}, want: def(Options{All: true, Numeric: true, Owner: true, Exe: true, FQDN: true, Interfaces: true})},
		{args: []string{"-e", "--netns", "blue"}, want: def(Options{Interfaces: true, NetNS: "blue"})},
		{args: []string{"-e", "--json"}, want: def(Options{Interfaces: true, JSON: true})},
		{args: []string{"-e", "--ndjson", "2"}, want: def(Options{Interfaces: true, NDJSON: true, Interval: 2})},
		{args: []string{"-e", "--stack"}, err: "-e with --stack"},
		{args: []string{"-e", "--all-netns"}, err: "-e with --all-netns"},
		{args: []string{"-e", "--info"}, err: "-e with --info"},
		{args: []string{"-eu"}, err: "-e with -t, -u or -l"},
		{args: []string{"-e", "-l"}, err: "-e with -t, -u or -l"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := Parse(tt.args)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if _, ok := err.(*usageError); !ok {
					t.Errorf("err is %T, want *usageError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestUsageListsEveryFlag: the help text names every flag the grammar
// accepts, long and short, so the two cannot drift apart.
func TestUsageListsEveryFlag(t *testing.T) {
	var o Options
	newRoot(&o, nil, nil).Flags().VisitAll(func(f *pflag.Flag) {
		want := "--" + f.Name
		if f.Shorthand != "" {
			want = "-" + f.Shorthand + ", --" + f.Name
		}
		if !strings.Contains(usage, want) {
			t.Errorf("usage does not list %q", want)
		}
	})
}

// TestUsageListsEveryCommand: --help, and docs/usage.md which mirrors it,
// list every command of the tree on one line with its summary, so that
// a command cannot be added without being listed.
func TestUsageListsEveryCommand(t *testing.T) {
	doc, err := os.ReadFile("../../docs/usage.md")
	if err != nil {
		t.Fatal(err)
	}
	var o Options
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		if !c.HasSubCommands() {
			n++
			path := strings.TrimPrefix(c.CommandPath(), "gonetstat ")
			if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(path) + ` +` + regexp.QuoteMeta(c.Short) + `$`).MatchString(usage) {
				t.Errorf("--help lacks the line %q with %q", path, c.Short)
			}
			if !strings.Contains(string(doc), "| `gonetstat "+path+"` | "+c.Short) {
				t.Errorf("docs/usage.md lacks the row of %q with %q", path, c.Short)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	for _, c := range newRoot(&o, nil, nil).Commands() {
		walk(c)
	}
	if n < 2 {
		t.Errorf("found %d commands, want stack run and stack demo at least", n)
	}
}
