// command_test.go runs runCommand against /bin/sh on any Unix: what
// FreeBSD's collector does with sockstat's output, failures and stderr.

package gops

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

func haveSh(t *testing.T) {
	_, err := os.Stat("/bin/sh")
	testenv.SkipWithout(t, err == nil, "/bin/sh")
}

func TestRunCommand(t *testing.T) {
	haveSh(t)
	tests := []struct {
		name, script string
		limit        int64
		out, warn    string
		wantErr      string
	}{
		{name: "output", script: `printf 'a\nb\n'`, out: "a\nb\n"},
		{name: "a notice on stderr", script: `echo out; echo 'warning: x' >&2; echo more >&2`, out: "out\n", warn: "sh: warning: x …"},
		{name: "failure says why", script: `echo part; echo 'usage: sockstat [-46]' >&2; exit 1`, wantErr: "sh -c " + `echo part; echo 'usage: sockstat [-46]' >&2; exit 1: usage: sockstat [-46]`},
		{name: "silent failure", script: `exit 3`, wantErr: "running sh: exit status 3"},
		// An endless writer is killed once past the limit.
		{name: "too much", script: `while :; do echo y; done`, limit: 1000, wantErr: "reading sh's output: its output passed 1000 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := tt.limit
			if limit == 0 {
				limit = 1 << 20
			}
			var warned []string
			out, err := runCommand(context.Background(), "/bin/sh", []string{"-c", tt.script}, limit, func(s string) { warned = append(warned, s) })
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || out != nil {
					t.Fatalf("got %q, %v; want no output and %q", out, err, tt.wantErr)
				}
				return
			}
			if err != nil || string(out) != tt.out {
				t.Fatalf("got %q, %v; want %q", out, err, tt.out)
			}
			if strings.Join(warned, "|") != tt.warn {
				t.Errorf("warned %q, want %q", warned, tt.warn)
			}
		})
	}
}

// TestRunCommandEnded: a context that has ended gives its error, never
// the output of a run it cut short.
func TestRunCommandEnded(t *testing.T) {
	haveSh(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out, err := runCommand(ctx, "/bin/sh", []string{"-c", "echo x"}, 1<<20, nil)
	if !errors.Is(err, context.Canceled) || out != nil {
		t.Fatalf("got %q, %v; want context.Canceled", out, err)
	}
	_, err = runCommand(context.Background(), "/nonexistent/sockstat", nil, 1<<20, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "running sockstat: ") {
		t.Fatalf("err = %v, want running sockstat: …", err)
	}
}
