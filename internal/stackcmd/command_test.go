// command_test.go checks the command line of "stack run": every bad flag
// is a usage error naming the flag, and without root the command says so
// and fails with exit code 1 before touching any device.

package stackcmd

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/internal/subcmd"
)

func execute(args ...string) (stdout string, err error) {
	var out bytes.Buffer
	c := Command(&out, nil)
	c.SetArgs(args)
	_, err = c.ExecuteC()
	return out.String(), err
}

func TestRunUsageErrors(t *testing.T) {
	ok := []string{"run", "--tap", "gntap0", "--addr", "198.18.0.2/24"}
	tests := []struct {
		args []string
		want string // in the message
	}{
		{[]string{"run"}, "--tap and --addr are required"},
		{[]string{"run", "--tap", "gntap0"}, "--tap and --addr are required"},
		{[]string{"frob"}, `unknown command "frob"`},
		{[]string{}, "a command is needed"},
		{[]string{"run", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"run", "--tap", "gntap0", "--addr", "198.18.0.2"}, "--addr"},
		{[]string{"run", "--tap", "gntap0", "--addr", "::1/128"}, "--addr"},
		{append(ok, "--host-addr", "198.18.0.2/24"), "different addresses"},
		{append(ok, "--gw", "10.0.0.1"), "not on the mini-stack's network"},
		{append(ok, "--mtu", "20"), "--mtu 20"},
		{append(ok, "--loss", "101"), "--loss 101"},
		{append(ok, "--reorder", "-1"), "--reorder -1"},
		{append(ok, "--http", "198.18.0.9:80"), "not the mini-stack's address"},
		{append(ok, "--echo", "7"), "--echo"},
		{append(ok, "--udp-echo", ":70000"), "--udp-echo"},
		{[]string{"run", "--tap", "gntap0123456789x", "--addr", "198.18.0.2/24"}, "at most 15 bytes"},
		{append(ok, "extra"), `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		_, err := execute(tt.args...)
		if subcmd.ExitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: exit %d, %v; want exit 2 mentioning %q", tt.args, subcmd.ExitCode(err), err, tt.want)
		}
	}
}

func TestRunNeedsRoot(t *testing.T) {
	defer func(f func() int) { euid = f }(euid)
	euid = func() int { return 1000 }
	_, err := execute("run", "--tap", "gntap0", "--addr", "198.18.0.2/24")
	if subcmd.ExitCode(err) != 1 || !strings.Contains(err.Error(), "needs root") {
		t.Errorf("as a user: exit %d, %v; want exit 1 saying it needs root", subcmd.ExitCode(err), err)
	}
}

func TestRunHelp(t *testing.T) {
	out, err := execute("run", "--help")
	if err != nil || !strings.Contains(out, "--host-addr") || !strings.Contains(out, "GET /bytes/N") {
		t.Errorf("help: %v\n%s", err, out)
	}
}

// TestUsageErrorsNameTheirCommand: a usage error carries the command it
// is about, so the CLI can point at that command's --help (issue 11).
func TestUsageErrorsNameTheirCommand(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"demo", "--bogus"}, "stack demo"},
		{[]string{"demo", "extra"}, "stack demo"},
		{[]string{"run", "--bogus"}, "stack run"},
		{[]string{"run"}, "stack run"},
		{[]string{"run", "--tap", "gntap0", "--addr", "198.18.0.2/24", "--mtu", "20"}, "stack run"},
		{[]string{"--bogus"}, "stack"},
		{[]string{"nope"}, "stack"},
		{[]string{}, "stack"},
	}
	for _, tt := range tests {
		_, err := execute(tt.args...)
		var u *subcmd.UsageError
		if !errors.As(err, &u) || u.Command != tt.want {
			t.Errorf("%q: %#v, want a usage error of command %q", tt.args, err, tt.want)
		}
	}
}
