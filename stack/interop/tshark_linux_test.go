// tshark_linux_test.go has a capture of an interop run judged by tshark, a
// decoder nobody here wrote, with checksum validation on.

package interop

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
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
// none: no retransmissions, no resets (refused connections are tested in
// TestIntegrationRefusedWithRSTBothWays), nothing out of order.
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
	args = append(args, "-Y", "_ws.malformed || _ws.expert.severity >= 0x600000 || ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0")
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
	if strings.Contains(string(expert), "Warns (") || strings.Contains(string(expert), "Errors (") {
		t.Errorf("tshark -z expert,warn:\n%s", expert)
	}
	t.Logf("%s", count)
	if os.Getenv("GONETSTAT_KEEP_PCAP") != "" {
		os.WriteFile(os.Getenv("GONETSTAT_KEEP_PCAP"), e.pcap(), 0o644)
	}
}
