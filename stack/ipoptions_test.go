// ipoptions_test.go sends datagrams with IPv4 options (RFC 791 §3.1): a
// source route, complete or not, is dropped as Linux drops it with
// accept_source_route=0 (its default), a malformed option field drops the
// datagram as Linux's ip_options_compile does, and well-formed options a
// host has no use for are skipped.

package stack

import (
	"testing"

	"github.com/gonetstat/gonetstat/stack/header"
)

func TestIPv4OptionsSourceRoute(t *testing.T) {
	l, pc := newLoneUDP(t)
	c := &l.s.Counters
	udp := make([]byte, header.UDPLen+2)
	copy(udp[header.UDPLen:], "hi")
	header.EncodeUDP(udp, 5000, 9, addrA.Addr(), addrB.Addr())
	send := func(opts []byte) bool {
		before := c.UDPInDatagrams.Load()
		l.nic.DeliverFrame(ipFrame(header.IPv4Fields{Protocol: header.ProtoUDP}, opts, udp))
		l.clk.Advance(0)
		got := c.UDPInDatagrams.Load() > before
		if got {
			pc.SetReadDeadline(l.clk.Now())
			pc.ReadFrom(make([]byte, 64))
		}
		return got
	}
	hop := addrA.Addr().As4()
	me := addrB.Addr().As4()
	for _, tt := range []struct {
		name      string
		opts      []byte
		delivered bool
		hdrErr    bool
	}{
		{"none but NOPs", []byte{1, 1, 1, 1}, true, false},
		{"record route", []byte{7, 7, 4, 0, 0, 0, 0, 0}, true, false},
		{"timestamp", []byte{68, 8, 5, 0, 0, 0, 0, 0}, true, false},
		// A loose source route whose pointer (4) still points at the next
		// hop: incomplete, the datagram is not for this host yet.
		{"incomplete loose source route", append(append([]byte{131, 11, 4}, hop[:]...), append(me[:], 0)...), false, false},
		// A strict one, completed (the pointer past the last address):
		// Linux drops it too, unless accept_source_route is set.
		{"completed strict source route", append(append([]byte{137, 11, 12}, hop[:]...), append(me[:], 0)...), false, false},
		{"option past the header", []byte{131, 40, 4, 0}, false, true},
		{"source route pointer below 4", []byte{131, 7, 3, 0, 0, 0, 0, 0}, false, true},
		{"option without length", []byte{1, 1, 1, 68}, false, true},
	} {
		errsBefore := c.IPInHdrErrors.Load()
		if got := send(tt.opts); got != tt.delivered {
			t.Errorf("%s: delivered %v, want %v", tt.name, got, tt.delivered)
		}
		if got := c.IPInHdrErrors.Load() > errsBefore; got != tt.hdrErr {
			t.Errorf("%s: counted as a header error %v, want %v", tt.name, got, tt.hdrErr)
		}
	}
}
