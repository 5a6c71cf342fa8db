// tcp_linux_test.go is the attacker's TCP: a handshake made by hand from
// the spoofed peer, segments built on the connection's numbers, and the
// reset that ends it, so a probe can say exactly which segment it sends.

package attack

import (
	"encoding/binary"
	"net"
	"strings"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// conn is one hand-made connection from the peer to the target's port 80.
type conn struct {
	w              *wire
	sport          uint16
	sndNxt, rcvNxt uint32
	ts             bool
	tsVal, tsEcr   uint32
}

// connect opens a connection announcing mss, with the timestamp option
// when ts is set (RFC 7323), and acknowledges the SYN,ACK.
func (w *wire) connect(mss uint16, ts bool) *conn {
	w.t.Helper()
	c, _ := w.halfOpen(mss, ts)
	c.send(c.tcp(c.sndNxt))
	return c
}

// halfOpen sends a SYN and returns the connection at the SYN,ACK, not yet
// acknowledged, with the packet that carried it.
func (w *wire) halfOpen(mss uint16, ts bool) (*conn, gopacket.Packet) {
	w.t.Helper()
	c := &conn{w: w, sport: w.id(), sndNxt: 0x10000000 + uint32(w.nextID)<<8, ts: ts, tsVal: 1000}
	syn := c.tcp(c.sndNxt)
	syn.ACK, syn.SYN, syn.Ack = false, true, 0
	syn.Options = append([]layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4,
		OptionData: binary.BigEndian.AppendUint16(nil, mss)}}, syn.Options...)
	c.send(syn)
	p, _ := w.await(func(p gopacket.Packet) bool {
		s := c.segment(p)
		return s != nil && s.SYN && s.ACK
	})
	s := c.segment(p)
	for _, o := range s.Options {
		if o.OptionType == layers.TCPOptionKindTimestamps && len(o.OptionData) == 8 {
			c.tsEcr = binary.BigEndian.Uint32(o.OptionData)
		}
	}
	c.sndNxt++
	c.rcvNxt = s.Seq + 1
	return c, p
}

// tcp returns an ACK from the peer at seq, with the connection's numbers.
func (c *conn) tcp(seq uint32) *layers.TCP {
	s := &layers.TCP{SrcPort: layers.TCPPort(c.sport), DstPort: 80, Seq: seq, Ack: c.rcvNxt, ACK: true, Window: 65535}
	if c.ts {
		c.tsVal++
		data := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, c.tsVal), c.tsEcr)
		s.Options = []layers.TCPOption{{OptionType: layers.TCPOptionKindNop}, {OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: data}}
	}
	return s
}

func (c *conn) send(s *layers.TCP, payload ...byte) {
	c.w.t.Helper()
	c.w.sendIP(ip(c.w.peerIP, c.w.targetIP, layers.IPProtocolTCP), s, gopacket.Payload(payload))
}

// segment returns p's TCP header if it is the target's, to this
// connection.
func (c *conn) segment(p gopacket.Packet) *layers.TCP {
	s, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if !ok || uint16(s.DstPort) != c.sport {
		return nil
	}
	return s
}

// data waits for the target's next segment carrying data.
func (c *conn) data() (*layers.TCP, gopacket.Packet) {
	c.w.t.Helper()
	p, _ := c.w.await(func(p gopacket.Packet) bool {
		s := c.segment(p)
		return s != nil && len(s.Payload) > 0
	})
	return c.segment(p), p
}

// request sends an HTTP request for n bytes in one segment.
func (c *conn) request(n string) {
	c.w.t.Helper()
	req := "GET /bytes/" + n + " HTTP/1.0\r\n\r\n"
	s := c.tcp(c.sndNxt)
	s.PSH = true
	c.send(s, []byte(req)...)
	c.sndNxt += uint32(len(req))
}

// abort ends the connection with an exact reset, so it sends nothing
// into the later probes.
func (c *conn) abort() {
	s := c.tcp(c.sndNxt)
	s.ACK, s.RST, s.Ack = false, true, 0
	c.send(s)
}

// classify names what the target answered among ps: its segments to
// port (RST, SYN,ACK, ACK, data), any ICMP, UDP or IP fragment, an ARP request for an
// address other than the peer's; "no answer" for none.
func classify(ps []gopacket.Packet, port uint16) string {
	var got []string
	add := func(s string) {
		for _, g := range got {
			if g == s {
				return
			}
		}
		got = append(got, s)
	}
	for _, p := range ps {
		switch {
		case p.Layer(layers.LayerTypeTCP) != nil:
			s := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
			switch {
			case uint16(s.DstPort) != port:
			case s.RST:
				add("RST")
			case s.SYN:
				add("SYN,ACK")
			case len(s.Payload) > 0:
				add("data")
			default:
				add("ACK")
			}
		case p.Layer(gopacket.LayerTypeFragment) != nil:
			// gopacket decodes no further than the IP header of a
			// fragment: a reply too big for one frame.
			add("IP fragments")
		case p.Layer(layers.LayerTypeARP) != nil:
			add("ARP who-has " + net.IP(p.Layer(layers.LayerTypeARP).(*layers.ARP).DstProtAddress).String())
		case p.Layer(layers.LayerTypeICMPv4) != nil:
			add("ICMP " + p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4).TypeCode.String())
		case p.Layer(layers.LayerTypeUDP) != nil:
			add("UDP")
		}
	}
	if len(got) == 0 {
		return "no answer"
	}
	return strings.Join(got, ", ")
}
