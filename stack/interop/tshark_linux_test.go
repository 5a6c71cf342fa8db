// tshark_linux_test.go has a capture of an interop run judged by tshark, a
// decoder nobody here wrote, with checksum validation on.

package interop

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack/icmp"
)

// TestIntegrationTsharkFindsNothingWrong records ping both ways, HTTP
// both ways, an upload and UDP echo both ways, with no injected faults,
// and asks tshark for every malformed packet and every expert item of
// severity warning or above (bad checksums are errors). A clean run has
// none: no resets (refused connections are tested in
// TestIntegrationRefusedWithRSTBothWays), nothing out of order. One
// warning is not a fault but the clock: on a busy machine an ACK can come
// later than the sender's tail-loss probe or RTO (RFC 8985 §7.2: 2*SRTT,
// well under a millisecond here), and the receiver then rightly reports
// the duplicate with a D-SACK (RFC 2883). A D-SACK passes when tshark saw
// the other side send at least as many retransmissions, never otherwise.
func TestIntegrationTsharkFindsNothingWrong(t *testing.T) {
	e := newEnv(t, options{capture: true})
	needTools(t, "tshark", "curl", "ping")
	replied := make(chan struct{}, 3)
	e.s.ICMP.OnEchoReply(9, func(icmp.EchoReply) { replied <- struct{}{} })
	for seq := uint16(1); seq <= 3; seq++ {
		if err := e.s.ICMP.Ping(kernelAddr.Addr(), 9, seq, []byte("tshark")); err != nil {
			t.Fatal(err)
		}
		select {
		case <-replied:
		case <-time.After(testenv.Patience):
			t.Fatal("no echo reply from the kernel")
		}
	}
	e.inNS(10*time.Second, "ping", "-c", "3", "-i", "0.2", "-s", "3000", stackAddr.Addr().String()) // fragmented both ways
	curlBytes(t, e, 300_000)
	upload(t, e, 1<<20)
	e.inNS(10*time.Second, "curl", "-sS", "--fail", "-X", "POST", "--data-binary", "@/etc/hostname", e.url("/upload"))
	e.close()

	path := filepath.Join(t.TempDir(), "interop.pcap")
	if err := os.WriteFile(path, e.pcap(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	checks := []string{"-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"}
	// 0x600000 is PI_WARN, Wireshark's "warning" severity.
	args := append([]string{"-n", "-r", path}, checks...)
	args = append(args, "-Y", "_ws.malformed || (_ws.expert.severity >= 0x600000 && !tcp.options.sack.dsack) || ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0")
	// Standard output only: tshark warns on stderr about running as root.
	out, err := exec.CommandContext(ctx, "tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("tshark flags these frames:\n%s", s)
	}
	// The capture is not empty and tshark read all of it: count frames.
	count, err := exec.CommandContext(ctx, "tshark", append([]string{"-n", "-r", path, "-q", "-z", "io,stat,0"}, checks...)...).Output()
	if err != nil || !strings.Contains(string(count), "Frames") {
		t.Fatalf("tshark io,stat: %v\n%s", err, count)
	}
	expert, _ := exec.CommandContext(ctx, "tshark", append([]string{"-n", "-r", path, "-q", "-z", "expert,warn"}, checks...)...).Output()
	for _, m := range regexp.MustCompile(`(?m)^\s*\d+\s+\S+\s+\S+\s+(.+?)\s*$`).FindAllStringSubmatch(string(expert), -1) {
		if m[1] != "D-SACK Sequence" {
			t.Errorf("tshark -z expert,warn:\n%s", expert)
			break
		}
	}
	if strings.Contains(string(expert), "Errors (") {
		t.Errorf("tshark -z expert,warn:\n%s", expert)
	}
	// Each D-SACK answers a retransmission by the other end.
	dsacks := sources(ctx, t, path, "tcp.options.sack.dsack")
	retrans := sources(ctx, t, path, "tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.spurious_retransmission")
	for from, n := range dsacks {
		other := stackAddr.Addr().String()
		if from == other {
			other = kernelAddr.Addr().String()
		}
		if retrans[other] < n {
			t.Errorf("%s sent %d D-SACKs, but %s only %d retransmissions", from, n, other, retrans[other])
		}
	}
	if len(dsacks) > 0 {
		t.Logf("D-SACKs by sender %v for retransmissions by sender %v (the stack's tail-loss probes: %d)", dsacks, retrans, e.s.Counters.TCPLossProbes.Load())
	}
	t.Logf("%s", count)
	if os.Getenv("GONETSTAT_KEEP_PCAP") != "" {
		os.WriteFile(os.Getenv("GONETSTAT_KEEP_PCAP"), e.pcap(), 0o644)
	}
}

// sources counts, by IPv4 source address, the frames of the capture that
// match a tshark display filter.
func sources(ctx context.Context, t *testing.T, path, filter string) map[string]int {
	t.Helper()
	out, err := exec.CommandContext(ctx, "tshark", "-n", "-r", path, "-Y", filter, "-T", "fields", "-e", "ip.src").Output()
	if err != nil {
		t.Fatalf("tshark -Y %q: %v", filter, err)
	}
	n := map[string]int{}
	for _, src := range strings.Fields(string(out)) {
		n[src]++
	}
	return n
}
