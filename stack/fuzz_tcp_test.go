// fuzz_tcp_test.go fuzzes the TCP state machine of a live connection:
// arbitrary sequences of well-formed segments, their fields placed
// relative to the connection's own sequence space so that they land in
// and around the windows, where the interesting rules are.

package stack

import (
	"fmt"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/tcp"
)

// FuzzTCPSegments reads the input 8 bytes per segment: flags, a signed
// sequence offset from RCV.NXT (x64), a signed ack offset from SND.UNA
// (x64), window, data length, time to let pass (x10 ms), and a SACK block:
// its signed left edge from SND.UNA (x64) and its length (x64; 0: no
// block). The connection does SACK (RFC 2018), so the blocks drive the
// sender's scoreboard and recovery. After each segment the connection's
// invariants must hold.
func FuzzTCPSegments(f *testing.F) {
	f.Add([]byte{byte(A | P), 0, 0, 4, 10, 1, 0, 0})                                 // in-order data
	f.Add([]byte{byte(A | P), 2, 0, 4, 10, 1, 0, 0, byte(A), 0, 0, 4, 0, 200, 0, 0}) // out of order, then wait
	f.Add([]byte{byte(R), 1, 0, 0, 0, 0, 0, 0, byte(S), 0, 0, 4, 0, 0, 0, 0})        // blind RST, SYN
	f.Add([]byte{byte(F | A), 0, 0, 4, 0, 1, 0, 0, byte(A), 0, 1, 0, 0, 100, 0, 0})  // FIN, zero window
	f.Add([]byte{byte(A), 0, 0, 4, 0, 0, 46, 45, byte(A), 0, 0, 4, 0, 1, 23, 22})    // SACKs above a hole
	f.Add([]byte{byte(A), 0, 0, 4, 0, 0, 0xf0, 8, byte(A), 0, 0, 4, 0, 30, 0, 0})    // a D-SACK, then the RTO
	f.Fuzz(fuzzTCPSegments)
}

func fuzzTCPSegments(t *testing.T, in []byte) {
	// A hang is a bug too: crash the worker so the fuzzer keeps the input.
	watchdog := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("FuzzTCPSegments hung on %q", in)) })
	defer watchdog.Stop()
	sc, fd, _ := sackEstablished(t, tcp.Options{}, sackSynOpts)
	sc.s.Send(fd, make([]byte, 5000))
	limit := sc.s.Budget.Limit()
	for len(in) >= 8 {
		op := in[:8]
		in = in[8:]
		var row collect.Socket
		for _, r := range sc.s.Snapshot() {
			if r.Local.Port() == 80 && r.Remote.Port() == sc.port {
				row = r
			}
		}
		if row.Stack == nil {
			break // the connection is gone (reset, closed): nothing more to fuzz
		}
		flags := op[0] &^ (header.TCPUrg | header.TCPEce | header.TCPCwr)
		seq := row.Stack.RcvNxt + uint32(int32(int8(op[1]))*64)
		ack := row.Stack.SndUna + uint32(int32(int8(op[2]))*64)
		data := make([]byte, int(op[4])*8)
		o := ts(200, 0)
		if op[7] != 0 {
			left := row.Stack.SndUna + uint32(int32(int8(op[6]))*64)
			o.SACK[0] = header.SACKBlock{Left: left, Right: left + uint32(op[7])*64}
			o.NumSACK = 1
		}
		sc.inject(80, seg{Flags: flags, Seq: seq, Ack: ack, Wnd: uint16(op[3]) << 4, Data: data, Opts: o})
		sc.clk.Advance(time.Duration(op[5]) * 10 * time.Millisecond)
		sc.mu.Lock()
		sc.inbox = nil // what the stack answers is not checked here, only its state
		sc.mu.Unlock()
		for _, r := range sc.s.Snapshot() {
			if r.Stack == nil || r.Proto != collect.ProtoTCP {
				continue
			}
			if una, nxt := tcp.Seq(r.Stack.SndUna), tcp.Seq(r.Stack.SndNxt); nxt.LessThan(una) {
				t.Fatalf("SND.NXT %d before SND.UNA %d in %v", nxt, una, r.State)
			}
			if r.Stack.MemUsed < 0 || r.Stack.MemUsed > r.Stack.MemLimit {
				t.Fatalf("socket memory %d outside [0, %d]", r.Stack.MemUsed, r.Stack.MemLimit)
			}
		}
		if used := sc.s.Budget.Used(); used < 0 || used > limit {
			t.Fatalf("budget used %d of %d", used, limit)
		}
	}
}
