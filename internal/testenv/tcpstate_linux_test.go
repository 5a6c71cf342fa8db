// tcpstate_linux_test.go checks KernelTCPState on loopback sockets of its
// own: established, then TIME_WAIT on the side that closed first.

package testenv

import (
	"io"
	"net"
	"testing"
)

func TestKernelTCPState(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "[::1]"} {
		ln, err := net.Listen("tcp", host+":0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		cp, sp := uint16(c.LocalAddr().(*net.TCPAddr).Port), uint16(ln.Addr().(*net.TCPAddr).Port)
		if st, ok, err := KernelTCPState(cp, sp); err != nil || !ok || st != 1 {
			t.Errorf("%s: open client: state %d, listed %v, %v; want 1 (ESTABLISHED)", host, st, ok, err)
		}
		c.Close()
		if _, err := s.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("server read: %v, want EOF", err)
		}
		s.Close()
		WaitTCPState(t, cp, sp, TCPTimeWait)
		if _, ok, err := KernelTCPState(1, 1); ok || err != nil {
			t.Errorf("ports 1 -> 1 listed (%v) or %v", ok, err)
		}
	}
}
