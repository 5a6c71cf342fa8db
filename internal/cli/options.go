// options.go turns argv into Options: the flag grammar, pure and testable.

package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gonetstat/gonetstat/collect"
)

// Options is a parsed command line.
type Options struct {
	All, Numeric, Owner, Exe, FQDN bool
	Listening                      bool
	Kinds                          collect.Kind // 0: all
	JSON, NDJSON                   bool
	Source                         string
	Interval                       int // seconds; 0: once
	Help                           bool
	// Notes are said on stderr before the table: how an ambiguous command
	// line was read.
	Notes []string
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

// linuxLetters are the letters that mean the same in Linux netstat as
// here; a -p value made only of them is a Linux hand typing -...p... .
const linuxLetters = "antul"

// newRoot builds the root command; its RunE only finishes parsing into o.
// Args is MaximumNArgs(1) so that "-ano 5" is an interval, never taken for
// a subcommand.
func newRoot(o *Options) *cobra.Command {
	var proto string
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
	fs.StringVarP(&proto, "proto", "p", "", "")
	fs.BoolVarP(&tcp, "tcp", "t", false, "")
	fs.BoolVarP(&udp, "udp", "u", false, "")
	fs.BoolVarP(&o.Listening, "listening", "l", false, "")
	fs.BoolVar(&o.JSON, "json", false, "")
	fs.BoolVar(&o.NDJSON, "ndjson", false, "")
	fs.StringVar(&o.Source, "source", "auto", "")
	fs.BoolVarP(&o.Help, "help", "h", false, "")
	return root
}

// Parse reads a command line (without the program name).
func Parse(args []string) (Options, error) {
	var o Options
	root := newRoot(&o)
	// A nil slice would make cobra read os.Args instead.
	root.SetArgs(append([]string{}, args...))
	if err := root.Execute(); err != nil {
		return o, explainFlagError(err)
	}
	return o, nil
}

// finish applies what the flags alone do not say: the tables asked for,
// -p's value, the interval, and the combinations that cannot run.
func (o *Options) finish(fs *pflag.FlagSet, proto string, rest []string) error {
	if fs.Changed("tcp") {
		o.Kinds |= collect.TCP4 | collect.TCP6
	}
	if fs.Changed("udp") {
		o.Kinds |= collect.UDP4 | collect.UDP6
	}
	if fs.Changed("proto") {
		if err := o.readProto(proto); err != nil {
			return err
		}
	}
	switch o.Source {
	case "auto", "netlink", "proc":
	default:
		return usagef("unknown --source %q: want auto, netlink or proc", o.Source)
	}
	if o.JSON && o.NDJSON {
		return usagef("--json and --ndjson cannot be used together")
	}
	if len(rest) == 1 {
		n, err := strconv.Atoi(rest[0])
		if err != nil || n < 1 || n > maxInterval {
			return usagef("bad interval %q: want a whole number of seconds from 1 to %d", rest[0], maxInterval)
		}
		o.Interval = n
		if o.JSON {
			return usagef("--json prints one document; with an interval use --ndjson (one snapshot per line)")
		}
	}
	return nil
}

// readProto applies -p's value: a protocol (Windows), or the tail of a
// Linux cluster such as -tulpn, read the Linux way and said so.
func (o *Options) readProto(v string) error {
	if k, ok := protocols[strings.ToLower(v)]; ok {
		o.Kinds |= k
		return nil
	}
	if v != "" && strings.Trim(v, linuxLetters) == "" {
		o.Owner = true
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
		o.Notes = append(o.Notes, fmt.Sprintf("read \"-p%s\" as Linux netstat's -p (show owners) followed by -%s: the PID column (-o here; add -b for program names); in Windows netstat -p takes a protocol (-p tcp)", v, v))
		return nil
	}
	return usagef("unknown protocol %q for -p: want TCP, UDP, TCPv6 or UDPv6", v)
}

// explainFlagError rewrites pflag's messages where a netstat user needs
// more than the bare error.
func explainFlagError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "flag needs an argument: 'p'"), strings.Contains(msg, "flag needs an argument: --proto"):
		return usagef("-p needs a protocol (TCP, UDP, TCPv6 or UDPv6), as in -anop tcp; for the PID column use -o")
	case strings.HasPrefix(msg, "unknown shorthand flag: 's'"), strings.HasPrefix(msg, "unknown shorthand flag: 'r'"), strings.HasPrefix(msg, "unknown shorthand flag: 'e'"):
		return usagef("%s (statistics -s, routes -r and interface counters -e are not available yet)", msg)
	case strings.HasPrefix(msg, "accepts at most 1 arg"):
		return usagef("too many arguments: only one interval (seconds) may follow the options")
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return ue
	}
	return &usageError{msg}
}
