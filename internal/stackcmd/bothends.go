// bothends.go builds the command line that shows a mini-stack's sockets
// beside the kernel's ends of the same connections, which "stack run",
// "stack demo --hold" and the stack's web page tell the user.

package stackcmd

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gonetstat/gonetstat/platform/netns"
	"github.com/gonetstat/gonetstat/stack/control"
)

// bothEnds is the exact command that shows both ends: --stack adds the
// stack's rows, read from its control socket; the kernel's rows are those
// of one network namespace, so --netns names the one the TAP's kernel
// side is in (nsArg, a --netns value; "" leaves it out: the namespace of
// a terminal on this host). The control directory is named when it is not
// the default, or the reader would look in another.
func bothEnds(nsArg string) string {
	cmd := "sudo "
	if d := os.Getenv(control.DirEnv); d != "" {
		cmd += control.DirEnv + "=" + shellWord(d) + " "
	}
	cmd += "gonetstat -ano --stack"
	if nsArg != "" {
		cmd += " --netns " + shellWord(nsArg)
	}
	return cmd
}

// plainWord is what a shell takes as one word without quotes.
var plainWord = regexp.MustCompile(`^[A-Za-z0-9_./:@%+,=-]+$`)

// shellWord quotes s for a POSIX shell when it needs it. A string with
// anything unprintable (controls, bidi marks, invalid UTF-8) is Go-quoted
// instead, so that it never reaches a terminal raw.
func shellWord(s string) string {
	switch {
	case plainWord.MatchString(s):
		return s
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }):
		return strconv.Quote(s)
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// safeName is a /run/netns name that can be shown and typed as it is: one
// that ParseSpec reads as a name (not all digits, no slash).
var safeName = regexp.MustCompile(`^[A-Za-z0-9_.-]*[A-Za-z_.-][A-Za-z0-9_.-]*$`)

// ownNetnsArg is the --netns value naming this process's network
// namespace, where "stack run" makes its TAP: "" when it is the one PID 1
// runs in (where a terminal on this host is), its /run/netns name when it
// has a plain one (ip netns exec NAME gonetstat stack run …), else this
// process's PID, which --netns reads as that process's namespace.
func ownNetnsArg() string {
	self, err := netns.Self(netns.Roots{})
	if err == nil {
		if pid1, err := netns.Open(netns.Roots{}, netns.Spec{Kind: netns.ByPID, PID: 1}); err == nil && pid1.Own {
			return ""
		}
		if self.Name != "" && self.Name != "." && self.Name != ".." && safeName.MatchString(self.Name) {
			return self.Name
		}
	}
	return strconv.Itoa(os.Getpid())
}
