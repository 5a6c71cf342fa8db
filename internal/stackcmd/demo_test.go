// demo_test.go checks "stack demo" without privileges: its command line,
// the refusal without root, and the side-by-side table built from a
// kernel's and a mini-stack's sockets.

package stackcmd

import (
	"bytes"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/subcmd"
)

func TestDemoUsageAndRoot(t *testing.T) {
	if _, err := execute("demo", "extra"); subcmd.ExitCode(err) != 2 || !strings.Contains(err.Error(), `unexpected argument "extra"`) {
		t.Errorf("demo extra: exit %d, %v; want a usage error", subcmd.ExitCode(err), err)
	}
	if _, err := execute("demo", "--bogus"); subcmd.ExitCode(err) != 2 {
		t.Errorf("demo --bogus: exit %d, %v; want 2", subcmd.ExitCode(err), err)
	}
	defer func(f func() int) { euid = f }(euid)
	euid = func() int { return 1000 }
	_, err := execute("demo")
	if subcmd.ExitCode(err) != 1 || !strings.Contains(err.Error(), "needs root") || !strings.Contains(err.Error(), "sudo gonetstat stack demo") {
		t.Errorf("as a user: exit %d, %v; want exit 1 saying it needs root and how to run it", subcmd.ExitCode(err), err)
	}
}

func sock(local, remote string, st collect.State) collect.Socket {
	return collect.Socket{Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
		Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote), State: st}
}

func TestPairEnds(t *testing.T) {
	k1 := sock("198.18.0.1:40000", "198.18.0.2:80", collect.StateEstablished)
	k1.Inode, k1.Owner = 77, &collect.Process{PID: 42}
	k1.TCP = &collect.TCPInfo{RTT: 150, RTO: 204000, SndCwnd: 10, Timer: collect.TimerKeepalive, TimerExpires: 14000}
	kl := sock("198.18.0.1:8080", "0.0.0.0:0", collect.StateListen)
	s1 := sock("198.18.0.2:80", "198.18.0.1:40000", collect.StateEstablished)
	s1.Cookie, s1.SendQ = 3, 262144
	s1.TCP = &collect.TCPInfo{RTT: 1000, RTO: 200000, SndCwnd: 34, Timer: collect.TimerProbe, TimerExpires: 240}
	s1.Stack = &collect.StackInfo{FD: 5, SndUna: 1000, SndNxt: 1000, RcvNxt: 2000, RcvWnd: 1 << 20, MemUsed: 264192, MemLimit: 1363968}
	sl := sock("0.0.0.0:80", "0.0.0.0:0", collect.StateListen)
	sl.Stack = &collect.StackInfo{FD: 3}
	sl.SendQ, sl.RecvQ = 16, 1 // a listener's backlog limit and accept queue
	udp := sock("198.18.0.2:7", "0.0.0.0:0", collect.StateClose)
	udp.Proto = collect.ProtoUDP

	got := pairEnds([]collect.Socket{k1, kl}, []collect.Socket{sl, s1, udp})
	if len(got) != 3 {
		t.Fatalf("%d connections, want 3 (stack listener, the pair, kernel listener): %+v", len(got), got)
	}
	if got[0].Stack == nil || got[0].Stack.State != collect.StateListen || got[0].Kernel != nil {
		t.Errorf("first: %+v, want the stack's listener alone", got[0])
	}
	if got[1].Stack == nil || got[1].Kernel == nil || got[1].Kernel.Inode != 77 {
		t.Errorf("second: %+v, want the kernel's and the stack's end together", got[1])
	}
	if got[2].Kernel == nil || got[2].Kernel.State != collect.StateListen || got[2].Stack != nil {
		t.Errorf("third: %+v, want the kernel's listener alone", got[2])
	}

	var out bytes.Buffer
	got[1].Title = "kernel fetches"
	if err := writeSideBySide(&out, got[1:2]); err != nil {
		t.Fatal(err)
	}
	writeExplanation(&out)
	for _, want := range []string{
		"| kernel fetches", "inode 77 (PID 42)", "descriptor 5, socket ID 3",
		"198.18.0.1:40000", "256.0KiB", "1000 / 1000", "(hidden)",
		"0.15ms ± 0ms, RTO 204ms", "34 / - segments", "keepalive in 14.0s", "persist in 240ms",
		"258.0KiB of 1.3MiB", "a memory area the protocol stack keeps",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	// A listener's queues are connections, not bytes.
	var ls bytes.Buffer
	if err := writeSideBySide(&ls, got[:1]); err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{`\| +send queue +\| +- +\| +backlog limit 16 +\|`, `\| +receive queue +\| +- +\| +accept queue 1 +\|`} {
		if !regexp.MustCompile(re).MatchString(ls.String()) {
			t.Errorf("the listener's table lacks %s:\n%s", re, ls.String())
		}
	}
	if strings.Contains(ls.String(), "16B") || strings.Contains(ls.String(), "1B") {
		t.Errorf("the listener's backlog is labelled as bytes:\n%s", ls.String())
	}
	for i, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "  ") && len(line) > 80 {
			t.Errorf("explanation line %d is %d bytes, want at most 80: %q", i, len(line), line)
		}
	}
}

// TestDemoExplanationInDocs: docs/stack.md shows the demo's explanation
// of the fields as the demo prints it.
func TestDemoExplanationInDocs(t *testing.T) {
	doc, err := os.ReadFile("../../docs/stack.md")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	writeExplanation(&out)
	if !strings.Contains(string(doc), strings.TrimSpace(out.String())) {
		t.Errorf("docs/stack.md does not show the demo's explanation as printed:\n%s", out.String())
	}
}

// TestDemoUnknownSendQ: a send queue the source could not give (a
// listener read from /proc/net) is "-", not "0B".
func TestDemoUnknownSendQ(t *testing.T) {
	kl := sock("198.18.0.1:8080", "0.0.0.0:0", collect.StateListen)
	kl.NoSendQ = true
	var out bytes.Buffer
	if err := writeSideBySide(&out, pairEnds([]collect.Socket{kl}, nil)); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "send queue") {
			if strings.Contains(line, "0B") || !strings.Contains(line, " - ") {
				t.Errorf("send queue line %q, want -", line)
			}
			return
		}
	}
	t.Errorf("no send queue line:\n%s", out.String())
}
