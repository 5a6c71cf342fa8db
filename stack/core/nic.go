// nic.go is one network interface: a LAN driver, its MAC and its address.

package core

import (
	"net/netip"
	"sync"

	"github.com/gonetstat/gonetstat/stack/header"
	"github.com/gonetstat/gonetstat/stack/link"
)

// NIC is a network interface of the stack.
type NIC struct {
	stack *Stack
	ep    link.Endpoint
	id    int
	addr  netip.Prefix
}

func (n *NIC) ID() int              { return n.id }
func (n *NIC) Stack() *Stack        { return n.stack }
func (n *NIC) MAC() header.MAC      { return n.ep.MAC() }
func (n *NIC) MTU() int             { return n.ep.MTU() }
func (n *NIC) Addr() netip.Addr     { return n.addr.Addr() }
func (n *NIC) Prefix() netip.Prefix { return n.addr }

// DeliverFrame is the link's upcall: check the frame is for us, and hand
// it to the protocol of its EtherType.
func (n *NIC) DeliverFrame(frame []byte) {
	c := &n.stack.Counters
	eth, err := header.ParseEthernet(frame)
	if err != nil {
		c.LinkInErrors.Add(1)
		return
	}
	if dst := eth.Dst(); dst != n.MAC() && dst != header.Broadcast {
		c.LinkInOtherHost.Add(1)
		return
	}
	h := n.stack.frameHandler(eth.Type())
	if h == nil {
		c.LinkInUnknownType.Add(1)
		return
	}
	h.HandleFrame(n, eth)
}

// framePool holds frame buffers so the send path does not allocate; the
// link copies what it keeps, so a buffer returns to the pool at once.
var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10+header.EthernetLen); return &b }}

// AllocFrame returns a buffer of header.EthernetLen+payloadLen bytes;
// give it back with FreeFrame.
func AllocFrame(payloadLen int) *[]byte {
	p := framePool.Get().(*[]byte)
	n := header.EthernetLen + payloadLen
	if cap(*p) < n {
		*p = make([]byte, n)
	}
	*p = (*p)[:n]
	return p
}

// FreeFrame returns a buffer from AllocFrame.
func FreeFrame(p *[]byte) { framePool.Put(p) }

// WriteFrame fills in the Ethernet header of frame and sends it.
func (n *NIC) WriteFrame(frame []byte, dst header.MAC, etherType uint16) error {
	header.EncodeEthernet(frame, dst, n.MAC(), etherType)
	n.stack.Counters.LinkOutFrames.Add(1)
	return n.ep.WritePacket(frame)
}
