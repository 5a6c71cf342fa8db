// options.go turns argv into Options: the flag grammar, pure and testable.

package cli

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gonetstat/gonetstat/bundle"
	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/stackcmd"
	"github.com/gonetstat/gonetstat/platform/netns"
	"github.com/gonetstat/gonetstat/render"
)

// Options is a parsed command line.
type Options struct {
	All, Numeric, Owner, Exe, FQDN bool
	Listening                      bool
	Bound                          bool         // -q: also bound, non-listening TCP sockets (BOUND); implies All
	Kinds                          collect.Kind // 0: all
	JSON, NDJSON                   bool
	Stack                          bool // --stack: also the running mini-stacks' sockets
	Info                           bool // --info (--internals): the wide table of TCP internals
	// Routes (-r), Interfaces (-e) and Statistics (-s) print those reports
	// instead of the socket table; Sections are the -s sections -p chose
	// (0: all).
	Routes, Interfaces, Statistics bool
	Sections                       render.StatsSection
	Source                         string
	NetNS                          string // --netns NAME|PATH|PID; "" for our own namespace
	AllNetNS                       bool   // --all-netns
	Interval                       int    // seconds; 0: once
	Help                           bool
	// Notes are said on stderr before the table: how an ambiguous command
	// line was read.
	Notes []string
	// Ran is true when a subcommand (gonetstat stack …) ran instead of a
	// table request: Parse's error is then that command's result.
	Ran bool
	// Bundle is "gonetstat bundle"'s request, which Run makes; nil for
	// any other command line.
	Bundle *bundle.Options
}

// usageError is a command line that cannot run; the CLI exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// maxInterval bounds the redisplay interval: a day.
const maxInterval = 86400

// protocols maps -p values (lower case) to tables, as Windows netstat
// names them.
var protocols = map[string]collect.Kind{
	"tcp": collect.TCP4, "udp": collect.UDP4, "tcpv6": collect.TCP6, "udpv6": collect.UDP6,
}

// statsSections maps -p values (lower case) to -s sections. Linux keeps
// one TCP MIB for IPv4 and IPv6, so TCP and TCPv6 both name its one
// section.
var statsSections = map[string]render.StatsSection{
	"tcp": render.StatsTCP, "tcpv6": render.StatsTCP, "udp": render.StatsUDPv4, "udpv6": render.StatsUDPv6,
	"ip": render.StatsIPv4, "ipv6": render.StatsIPv6, "icmp": render.StatsICMPv4, "icmpv6": render.StatsICMPv6,
}

// linuxLetters are the letters that mean the same in Linux netstat as
// here (W, "don't truncate addresses", is what gonetstat always does); a -p
// value made only of them is a Linux hand typing -...p... .
const linuxLetters = "antulW"

// linuxOnlyHints names the Linux netstat letters that have no equivalent
// here, with what to use instead, so that "-tulpen" fails with a way out
// rather than "unknown protocol".
var linuxOnlyHints = map[rune]string{
	'e': "user and inode are in --json; -e here is interface statistics",
	'c': "use a trailing interval: gonetstat -ano 2",
	'x': "Unix sockets are not shown",
	'w': "raw sockets are not shown",
	'v': "there is no verbose mode",
	'4': "use -p TCP or -p UDP for IPv4",
	'6': "use -p TCPv6 or -p UDPv6 for IPv6",
}

// linuxOnly are the letters of Linux netstat that Windows netstat does not
// have: a cluster holding one of them was typed by a Linux hand.
const linuxOnly = "tul"

// linuxPNote is said when -p was read as Linux netstat's "show owners".
func linuxPNote(arg string) string {
	return fmt.Sprintf("read -p in %q as Linux netstat's -p (show owners): that is -o here, the PID column (add -b for program names); in Windows netstat, and here, -p takes a protocol (-p tcp)", arg)
}

// newRoot builds the root command; its RunE only finishes parsing into o.
// Args is MaximumNArgs(1) so that "-ano 5" is an interval, never taken for
// a subcommand. A subcommand writes to stdout and stderr (nil: nowhere).
func newRoot(o *Options, stdout, stderr io.Writer) *cobra.Command {
	var proto []string // every -p given, in order: they add up (tables, or -s sections)
	var tcp, udp bool
	root := &cobra.Command{
		Use:           "gonetstat",
		Args:          cobra.MaximumNArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, rest []string) error {
			return o.finish(cmd.Flags(), proto, rest)
		},
	}
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	root.SetHelpFunc(func(*cobra.Command, []string) { o.Help = true })
	root.CompletionOptions.DisableDefaultCmd = true
	fs := root.Flags()
	fs.SortFlags = false
	fs.BoolVarP(&o.All, "all", "a", false, "")
	fs.BoolVarP(&o.Numeric, "numeric", "n", false, "")
	fs.BoolVarP(&o.Owner, "owner", "o", false, "")
	fs.BoolVarP(&o.Exe, "executable", "b", false, "")
	fs.BoolVarP(&o.FQDN, "fqdn", "f", false, "")
	fs.BoolVarP(&o.Routes, "route", "r", false, "")
	fs.BoolVarP(&o.Statistics, "statistics", "s", false, "")
	fs.BoolVarP(&o.Interfaces, "ethernet", "e", false, "")
	fs.StringArrayVarP(&proto, "proto", "p", nil, "")
	fs.BoolVarP(&tcp, "tcp", "t", false, "")
	fs.BoolVarP(&udp, "udp", "u", false, "")
	fs.BoolVarP(&o.Listening, "listening", "l", false, "")
	fs.BoolVarP(&o.Bound, "bound", "q", false, "")
	fs.BoolVar(&o.JSON, "json", false, "")
	fs.BoolVar(&o.NDJSON, "ndjson", false, "")
	fs.BoolVar(&o.Stack, "stack", false, "")
	fs.BoolVar(&o.Info, "info", false, "")
	fs.BoolVar(&o.Info, "internals", false, "")
	fs.StringVar(&o.Source, "source", "auto", "")
	fs.StringVar(&o.NetNS, "netns", "", "")
	fs.BoolVar(&o.AllNetNS, "all-netns", false, "")
	fs.BoolVarP(&o.Help, "help", "h", false, "")
	root.AddCommand(stackcmd.Command(stdout, stderr), newBundleCommand(o, stdout))
	return root
}

// Parse reads a command line (without the program name). A subcommand
// on it runs with its output discarded; Run gives it the real writers.
func Parse(args []string) (Options, error) { return parse(args, nil, nil) }

func parse(args []string, stdout, stderr io.Writer) (Options, error) {
	var o Options
	for _, a := range args {
		if a == "--" {
			break
		}
		// pflag would call "-5" an unknown flag '5'; it is a negative
		// interval.
		if len(a) > 1 && a[0] == '-' && strings.Trim(a[1:], "0123456789") == "" {
			return o, badInterval(a)
		}
	}
	args, linuxP := rewriteTrailingP(args)
	root := newRoot(&o, stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if cmd != nil && cmd != root && strings.HasPrefix(cmd.CommandPath(), "gonetstat stack") {
		o.Ran = true
		return o, err
	}
	if cmd != nil && cmd.CommandPath() == bundleCommandPath {
		if err != nil {
			var u *stackcmd.UsageError
			if !errors.As(err, &u) {
				err = bundleUsagef("%v", err)
			}
			o.Ran = true
		}
		if o.Bundle != nil {
			// The manifest records the command line after "bundle".
			if i := slices.Index(args, "bundle"); i >= 0 {
				o.Bundle.Args = slices.Clone(args[i+1:])
			}
		}
		return o, err
	}
	if err != nil {
		return o, explainFlagError(err)
	}
	if linuxP != "" && !o.Help {
		o.Notes = append([]string{linuxPNote(linuxP)}, o.Notes...)
	}
	return o, nil
}

// rewriteTrailingP reads a short cluster that ends in p with no protocol
// after it ("-ntlp", "-tunap 5") as Linux netstat's -p when the cluster
// holds a letter only Linux netstat has (t, u, l): it returns a copy of
// args with that p replaced by -o, and the cluster, for the note. "-anop"
// has no such letter and stays an error: its author may mean either
// dialect. Arguments after "--" are not flags and are left alone.
func rewriteTrailingP(args []string) ([]string, string) {
	out := make([]string, 0, len(args)+1) // never nil: cobra would read os.Args
	found := ""
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...), found
		}
		if found == "" && isLinuxPCluster(a) && (i+1 == len(args) || !isProtocol(args[i+1])) {
			found = a
			out = append(out, a[:len(a)-1], "-o")
			continue
		}
		out = append(out, a)
	}
	return out, found
}

func isLinuxPCluster(a string) bool {
	if len(a) < 3 || a[0] != '-' || a[1] == '-' || a[len(a)-1] != 'p' {
		return false
	}
	body := a[1 : len(a)-1]
	return strings.Trim(body, "anobftulW") == "" && strings.ContainsAny(body, linuxOnly)
}

func isProtocol(v string) bool {
	_, ok := protocols[strings.ToLower(v)]
	return ok
}

// finish applies what the flags alone do not say: the tables asked for,
// -p's value, the interval, and the combinations that cannot run.
func (o *Options) finish(fs *pflag.FlagSet, proto []string, rest []string) error {
	if fs.Changed("tcp") {
		o.Kinds |= collect.TCP4 | collect.TCP6
	}
	if fs.Changed("udp") {
		o.Kinds |= collect.UDP4 | collect.UDP6
	}
	if fs.Changed("proto") {
		// Every -p adds its table (or, with -s, its section), as -t and
		// -u do: "-p tcp -p udp" is both tables, never the last alone.
		for _, p := range proto {
			if err := o.readProto(p); err != nil {
				return err
			}
		}
	}
	if err := o.checkReports(fs); err != nil {
		return err
	}
	// Windows: -q "displays all connections, listening ports, and bound
	// nonlistening TCP ports": everything -a shows, and more.
	if o.Bound {
		o.All = true
	}
	switch o.Source {
	case "auto", "netlink", "proc":
	default:
		return usagef("unknown --source %q: want auto, netlink or proc", o.Source)
	}
	if fs.Changed("netns") {
		if o.AllNetNS {
			return usagef("--netns and --all-netns cannot be used together: --netns reads one namespace, --all-netns every one")
		}
		if _, err := netns.ParseSpec(o.NetNS); err != nil {
			return usagef("--netns: %v", err)
		}
	}
	if o.JSON && o.NDJSON {
		return usagef("--json and --ndjson cannot be used together")
	}
	if o.Info && (o.JSON || o.NDJSON) {
		return usagef("--info is a table for reading; JSON already carries every internal (tcp_info, stack_info): drop --info")
	}
	if o.Info && o.Exe {
		return usagef("the --info table has no program lines (-b); use -o for its PID column")
	}
	if len(rest) == 1 {
		n, err := strconv.Atoi(rest[0])
		if err != nil || n < 1 || n > maxInterval {
			return badInterval(rest[0])
		}
		o.Interval = n
		if o.JSON {
			return usagef("--json prints one document; with an interval use --ndjson (one snapshot per line)")
		}
	}
	return nil
}

// reportFlags names the reports asked for, as typed ("-e and -s"); ""
// when none is: the socket table.
func (o *Options) reportFlags() string {
	var f []string
	for _, r := range reports {
		if r.want(*o) {
			f = append(f, r.flag)
		}
	}
	return strings.Join(f, " and ")
}

// checkReports refuses what cannot go with the reports (-r, -e, -s):
// they replace the socket table, so its selectors and views have nothing
// to act on. -a, -q, -n, -o, -b and -f are accepted and do nothing, as on
// Windows; --json and --ndjson write the reports' own schema
// (gonetstat.reports/v1).
func (o *Options) checkReports(fs *pflag.FlagSet) error {
	r := o.reportFlags()
	if r == "" {
		return nil
	}
	switch {
	case o.Stack:
		return usagef("%s with --stack: these reports are the kernel's counters; --stack adds mini-stack sockets to the socket table", r)
	case o.AllNetNS:
		return usagef("%s with --all-netns: these reports read one network namespace; name it with --netns NAME", r)
	case o.Info:
		return usagef("%s with --info: --info is a socket table, which these reports replace", r)
	case fs.Changed("tcp"), fs.Changed("udp"), fs.Changed("listening"):
		return usagef("%s with -t, -u or -l: those select sockets, which these reports do not show; with -s, -p PROTO chooses sections", r)
	}
	return nil
}

// readProto applies -p's value: a protocol (Windows), or the tail of a
// Linux cluster such as -tulpn, read the Linux way and said so.
func (o *Options) readProto(v string) error {
	if o.Statistics {
		sec, ok := statsSections[strings.ToLower(v)]
		if !ok {
			return usagef("unknown protocol %q for -s -p: want TCP, UDP, TCPv6, UDPv6, IP, IPv6, ICMP or ICMPv6", v)
		}
		o.Sections |= sec
		return nil
	}
	if _, ok := statsSections[strings.ToLower(v)]; ok && !isProtocol(v) {
		return usagef("-p %s chooses a section of the statistics: add -s (gonetstat -s -p %s); the socket table takes TCP, UDP, TCPv6 or UDPv6", v, v)
	}
	if k, ok := protocols[strings.ToLower(v)]; ok {
		o.Kinds |= k
		return nil
	}
	if v != "" && strings.Trim(v, linuxLetters) == "" {
		o.Owner = true
		// "W" (wide) is what gonetstat always does: nothing to set.
		for _, c := range v {
			switch c {
			case 'a':
				o.All = true
			case 'n':
				o.Numeric = true
			case 't':
				o.Kinds |= collect.TCP4 | collect.TCP6
			case 'u':
				o.Kinds |= collect.UDP4 | collect.UDP6
			case 'l':
				o.Listening = true
			}
		}
		if note := linuxPNote("-p" + v); !slices.Contains(o.Notes, note) {
			o.Notes = append(o.Notes, note) // "-tulpn -pn" says it once
		}
		return nil
	}
	if v != "" && strings.Trim(v, linuxLetters+"ecxwv46") == "" {
		for _, c := range v {
			if hint, ok := linuxOnlyHints[c]; ok {
				return usagef("-p%s reads as Linux netstat's -p followed by -%s, but -%c has no equivalent here (%s); here -p takes a protocol (TCP, UDP, TCPv6 or UDPv6) and the PID column is -o", v, v, c, hint)
			}
		}
	}
	return usagef("unknown protocol %q for -p: want TCP, UDP, TCPv6 or UDPv6 (the PID column is -o)", v)
}

// explainFlagError rewrites pflag's messages where a netstat user needs
// more than the bare error.
func explainFlagError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "flag needs an argument: 'p'"), strings.Contains(msg, "flag needs an argument: --proto"):
		return usagef("-p needs a protocol (TCP, UDP, TCPv6 or UDPv6), as in -anop tcp; for the PID column use -o")
	case strings.HasPrefix(msg, "accepts at most 1 arg"):
		return usagef("too many arguments: only one interval (seconds) may follow the options")
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return ue
	}
	return &usageError{msg}
}

func badInterval(arg string) error {
	return usagef("bad interval %q: want a whole number of seconds from 1 to %d", arg, maxInterval)
}
