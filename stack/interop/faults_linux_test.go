// faults_linux_test.go: transfers both ways still arrive byte-exact when
// the stack's link drops 5% of frames and reorders 5%, each way (our fault
// wrapper: this kernel has no netem).
//
// Size: 50 MB by default (the figure); GONETSTAT_INTEROP_LOSSY_MB
// sets another. With SACK, RACK-TLP and PRR (stack/tcp/recovery.go) each
// 50 MB transfer takes 1.6-5 s here, the two tests in parallel on two
// loaded cores; before SACK, NewReno repaired one hole per round trip and
// waited out 200 ms retransmission timeouts, and 2 MB took 3-14 s.

package interop

import (
	"os"
	"strconv"
	"testing"

	"github.com/gonetstat/gonetstat/stack/link"
)

var lossy = options{faults: link.Faults{Loss: 0.05, Reorder: 0.05}, seed: 5}

func lossyBytes(t *testing.T) int64 {
	mb := int64(50)
	if v := os.Getenv("GONETSTAT_INTEROP_LOSSY_MB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > 1024 {
			t.Fatalf("GONETSTAT_INTEROP_LOSSY_MB=%q: want 1..1024", v)
		}
		mb = n
	}
	return mb << 20
}

func TestIntegrationLossyCurl50MB(t *testing.T) {
	t.Parallel() // bound by retransmission timers, not by the CPU
	e := newEnv(t, lossy)
	needTools(t, "curl")
	curlBytes(t, e, lossyBytes(t))
	checkFaultsHappened(t, e)
}

func TestIntegrationLossyUpload50MB(t *testing.T) {
	t.Parallel()
	e := newEnv(t, lossy)
	upload(t, e, lossyBytes(t))
	checkFaultsHappened(t, e)
}

func checkFaultsHappened(t *testing.T, e *env) {
	t.Helper()
	out, in := e.faulty.Stats()
	c := &e.s.Counters
	t.Logf("faults out %+v, in %+v; stack: %d segments out, %d retransmitted, %d timeouts, %d SACK recoveries, %d loss probes, %d D-SACKs",
		out, in, c.TCPOutSegs.Load(), c.TCPRetransSegs.Load(), c.TCPTimeouts.Load(), c.TCPSACKRecovery.Load(), c.TCPLossProbes.Load(), c.TCPDSACKRecv.Load())
	if out.Lost == 0 || in.Lost == 0 || out.Reordered == 0 || in.Reordered == 0 {
		t.Errorf("the link injected no faults in some direction: out %+v, in %+v", out, in)
	}
}
