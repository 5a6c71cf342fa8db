// tap.go holds what the TAP driver shares on every OS: its configuration,
// its counters and its errors. The device itself is Linux-only
// (tap_linux.go); elsewhere OpenTAP says so (tap_other.go).

package link

import (
	"errors"
	"fmt"

	"github.com/gonetstat/gonetstat/stack/header"
)

// TAPConfig configures a TAP device.
type TAPConfig struct {
	// Name is the interface name (at most 15 bytes). An interface of that
	// name that already exists is attached to (it must be a TAP, e.g. made
	// with "ip tuntap add mode tap"); otherwise it is created, and it
	// disappears when the driver closes. Empty lets the kernel pick tapN.
	Name string
	// MTU is set on the interface; 1500 when 0.
	MTU int
	// MAC is the stack's address on the LAN. The zero MAC picks a random
	// locally administered unicast one (IEEE 802 §8.4: bit 1 of the first
	// octet set, bit 0 clear).
	MAC header.MAC
}

// TAPStats count what the driver moved.
type TAPStats struct {
	RxFrames, RxBytes, TxFrames, TxBytes uint64
	// RxTruncated counts frames larger than the read buffer: the kernel
	// cuts them, so they are counted and not delivered.
	RxTruncated uint64
	TxErrors    uint64
}

// ErrTAPUnsupported is returned by OpenTAP on systems without Linux's
// /dev/net/tun.
var ErrTAPUnsupported = errors.New("link: TAP devices are supported only on Linux")

// maxIfName is IFNAMSIZ-1: the kernel's limit on interface names.
const maxIfName = 15

func (c *TAPConfig) check() error {
	if len(c.Name) > maxIfName {
		return fmt.Errorf("link: interface name %q is longer than %d bytes", c.Name, maxIfName)
	}
	if c.MTU == 0 {
		c.MTU = 1500
	}
	// 68 is the smallest MTU IPv4 allows (RFC 791 §3.2); 65535 the largest
	// datagram it can describe.
	if c.MTU < 68 || c.MTU > 65535 {
		return fmt.Errorf("link: MTU %d is outside 68..65535", c.MTU)
	}
	if c.MAC != (header.MAC{}) && (c.MAC[0]&1 != 0) {
		return fmt.Errorf("link: MAC %v is a group address; a NIC needs a unicast one", c.MAC)
	}
	return nil
}

// dispatcherBox lets a driver swap its Dispatcher atomically, so the
// receive path reads it without a lock.
type dispatcherBox struct{ d Dispatcher }
