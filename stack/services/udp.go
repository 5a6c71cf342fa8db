// udp.go holds the UDP echo service (RFC 862 §"UDP Based Echo Service").

package services

import (
	"context"
	"fmt"
	"net"
)

// UDPEcho sends each datagram back to where it came from until ctx ends,
// then closes pc.
func UDPEcho(ctx context.Context, pc net.PacketConn) error {
	stop := context.AfterFunc(ctx, func() { pc.Close() })
	defer stop()
	buf := make([]byte, 64<<10)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			pc.Close()
			return fmt.Errorf("udp echo on %v: %w", pc.LocalAddr(), err)
		}
		if _, err := pc.WriteTo(buf[:n], from); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// A reply that cannot go out (no route, an ARP request not
			// answered) is that datagram's loss, as on any UDP path, not
			// the service's end; the stack's counters record it.
			continue
		}
	}
}
