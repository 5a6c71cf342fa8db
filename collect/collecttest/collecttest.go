// Package collecttest holds what the tests of the packages that write a
// socket table share (render's text, codec's JSON): a large table for
// benchmarks and allocation bounds, and a writer that fails.
package collecttest

import (
	"errors"
	"net/netip"

	"github.com/gonetstat/gonetstat/collect"
)

// Sockets returns n established TCP rows on distinct loopback endpoints,
// all owned by one process, as a busy proxy's table looks.
func Sockets(n int) []collect.Socket {
	p := &collect.Process{PID: 4242, Name: "haproxy"}
	socks := make([]collect.Socket, n)
	for i := range socks {
		socks[i] = collect.Socket{Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
			Local:  netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, byte(i >> 16), byte(i >> 8)}), uint16(i)),
			Remote: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 1, 0, 1}), 8080), State: collect.StateEstablished, Owner: p}
	}
	return socks
}

// ErrDiskFull is what a FailWriter returns.
var ErrDiskFull = errors.New("disk full")

// FailWriter accepts After writes, then fails every one with ErrDiskFull.
type FailWriter struct{ After int }

func (f *FailWriter) Write(p []byte) (int, error) {
	if f.After <= 0 {
		return 0, ErrDiskFull
	}
	f.After--
	return len(p), nil
}
