//go:build !linux

// tap_other.go: TAP devices need Linux's /dev/net/tun; elsewhere OpenTAP
// says so, and the rest of the package builds as everywhere.

package link

import (
	"net/netip"

	"github.com/gonetstat/gonetstat/stack/header"
)

// TAP is a Linux TAP device; on this OS none can be opened.
type TAP struct{}

var _ Endpoint = (*TAP)(nil)

// OpenTAP returns ErrTAPUnsupported: TAP devices are Linux-only here.
func OpenTAP(cfg TAPConfig) (*TAP, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return nil, ErrTAPUnsupported
}

func (t *TAP) Name() string                   { return "" }
func (t *TAP) Created() bool                  { return false }
func (t *TAP) MTU() int                       { return 0 }
func (t *TAP) MAC() header.MAC                { return header.MAC{} }
func (t *TAP) Attach(Dispatcher)              {}
func (t *TAP) WritePacket([]byte) error       { return ErrTAPUnsupported }
func (t *TAP) Close() error                   { return nil }
func (t *TAP) Done() <-chan struct{}          { return nil }
func (t *TAP) Err() error                     { return ErrTAPUnsupported }
func (t *TAP) Stats() TAPStats                { return TAPStats{} }
func (t *TAP) HostUp(addr netip.Prefix) error { return ErrTAPUnsupported }
