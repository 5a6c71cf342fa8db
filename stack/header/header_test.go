// header_test.go checks every header against github.com/google/gopacket,
// a decoder and encoder nobody here wrote, in both directions.

package header

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

var (
	macA = MAC{0x02, 0, 0, 0, 0, 1}
	macB = MAC{0x02, 0, 0, 0, 0, 2}
	ipA  = netip.MustParseAddr("198.18.0.1")
	ipB  = netip.MustParseAddr("198.18.0.2")
)

// frameTCP builds Ethernet/IPv4/TCP with our encoders.
func frameTCP(t *testing.T, f TCPFields, o TCPOptions, payload []byte) []byte {
	t.Helper()
	var opts [40]byte
	f.OptionsLen = EncodeTCPOptions(opts[:], o)
	tcpLen := TCPMinLen + f.OptionsLen + len(payload)
	b := make([]byte, EthernetLen+IPv4MinLen+tcpLen)
	EncodeEthernet(b, macB, macA, EtherTypeIPv4)
	EncodeIPv4(b[EthernetLen:], IPv4Fields{TotalLen: uint16(IPv4MinLen + tcpLen), ID: 77, Flags: IPv4DontFragment, TTL: 64, Protocol: ProtoTCP, Src: ipA, Dst: ipB})
	seg := b[EthernetLen+IPv4MinLen:]
	copy(seg[TCPMinLen:], opts[:f.OptionsLen])
	copy(seg[TCPMinLen+f.OptionsLen:], payload)
	EncodeTCP(seg, f, ipA, ipB)
	return b
}

// reserialize has gopacket decode a frame and encode it again computing
// its own checksums: equal bytes mean our fields and checksums are right.
func reserialize(t *testing.T, frame []byte) (gopacket.Packet, []byte) {
	t.Helper()
	pkt := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	if el := pkt.ErrorLayer(); el != nil {
		t.Fatalf("gopacket cannot decode our frame: %v", el.Error())
	}
	var ls []gopacket.SerializableLayer
	for _, l := range pkt.Layers() {
		switch l := l.(type) {
		case *layers.TCP:
			l.SetNetworkLayerForChecksum(pkt.NetworkLayer())
			ls = append(ls, l)
		case *layers.UDP:
			l.SetNetworkLayerForChecksum(pkt.NetworkLayer())
			ls = append(ls, l)
		case gopacket.SerializableLayer:
			ls = append(ls, l)
		}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	// gopacket pads a frame to Ethernet's 60-byte minimum; the link does
	// that for us, so only zeros may follow.
	out := buf.Bytes()
	if len(out) > len(frame) && bytes.Count(out[len(frame):], []byte{0}) == len(out)-len(frame) {
		out = out[:len(frame)]
	}
	return pkt, out
}

func TestTCPAgainstGopacket(t *testing.T) {
	tests := []struct {
		name    string
		f       TCPFields
		o       TCPOptions
		payload []byte
	}{
		{"SYN with every option", TCPFields{SrcPort: 40000, DstPort: 80, Seq: 0xdeadbeef, Flags: TCPSyn, Window: 64240},
			TCPOptions{HasMSS: true, MSS: 1460, SACKPermitted: true, HasTS: true, TSVal: 1, TSEcr: 0, HasWS: true, WindowScale: 7}, nil},
		{"data with timestamps and SACK", TCPFields{SrcPort: 80, DstPort: 40000, Seq: 1, Ack: 0xffffffff, Flags: TCPAck | TCPPsh, Window: 501},
			TCPOptions{HasTS: true, TSVal: 99, TSEcr: 98, NumSACK: 2, SACK: [4]SACKBlock{{100, 200}, {300, 400}}}, []byte("hello, kernel")},
		{"odd payload, no options", TCPFields{SrcPort: 1, DstPort: 2, Flags: TCPFin | TCPAck}, TCPOptions{}, []byte("odd")},
		{"RST", TCPFields{SrcPort: 7, DstPort: 8, Seq: 5, Flags: TCPRst}, TCPOptions{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := frameTCP(t, tt.f, tt.o, tt.payload)
			pkt, again := reserialize(t, frame)
			if !bytes.Equal(frame, again) {
				t.Errorf("gopacket re-encodes differently:\nours % x\ntheirs % x", frame, again)
			}
			g := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
			if uint16(g.SrcPort) != tt.f.SrcPort || uint16(g.DstPort) != tt.f.DstPort || g.Seq != tt.f.Seq || g.Ack != tt.f.Ack || g.Window != tt.f.Window ||
				g.SYN != (tt.f.Flags&TCPSyn != 0) || g.FIN != (tt.f.Flags&TCPFin != 0) || g.RST != (tt.f.Flags&TCPRst != 0) || g.ACK != (tt.f.Flags&TCPAck != 0) || !bytes.Equal(g.Payload, tt.payload) {
				t.Errorf("gopacket reads %+v", g)
			}
			// And ours reads back what we wrote.
			e, _ := ParseEthernet(frame)
			ip, err := ParseIPv4(e.Payload())
			if err != nil || !ip.ChecksumValid() || ip.Src() != ipA || ip.Dst() != ipB || ip.TTL() != 64 || !ip.DontFragment() || ip.ID() != 77 {
				t.Fatalf("ipv4: %v", err)
			}
			seg, err := ParseTCP(ip.Payload())
			if err != nil || !seg.ChecksumValid(ipA, ipB) {
				t.Fatalf("tcp: %v, checksum valid %v", err, seg.ChecksumValid(ipA, ipB))
			}
			o, err := ParseTCPOptions(seg.Options())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.o, o); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseGopacketFrames(t *testing.T) {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr(macA[:]), DstMAC: net.HardwareAddr(macB[:]), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 3, Id: 9, Protocol: layers.IPProtocolUDP, SrcIP: ipA.AsSlice(), DstIP: ipB.AsSlice(), Flags: layers.IPv4MoreFragments, FragOffset: 2}
	udp := &layers.UDP{SrcPort: 5353, DstPort: 53}
	udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip, udp, gopacket.Payload("query")); err != nil {
		t.Fatal(err)
	}
	frame := append(buf.Bytes(), 0, 0, 0, 0) // Ethernet padding after the datagram
	e, err := ParseEthernet(frame)
	if err != nil || e.Src() != macA || e.Dst() != macB || e.Type() != EtherTypeIPv4 {
		t.Fatalf("ethernet: %v", err)
	}
	h, err := ParseIPv4(e.Payload())
	if err != nil || !h.ChecksumValid() || h.TTL() != 3 || h.ID() != 9 || !h.MoreFragments() || h.FragmentOffset() != 16 || h.Protocol() != ProtoUDP || len(h.Payload()) != 13 {
		t.Fatalf("ipv4 %v: ttl %d id %d mf %v off %d len %d", err, h.TTL(), h.ID(), h.MoreFragments(), h.FragmentOffset(), len(h.Payload()))
	}
	u, err := ParseUDP(h.Payload())
	if err != nil || u.SrcPort() != 5353 || u.DstPort() != 53 || string(u.Payload()) != "query" || !u.ChecksumValid(ipA, ipB) {
		t.Fatalf("udp: %v", err)
	}
	u[8] ^= 1
	if u.ChecksumValid(ipA, ipB) {
		t.Error("a flipped payload bit still passes the UDP checksum")
	}

	arpL := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: layers.ARPRequest, SourceHwAddress: macA[:], SourceProtAddress: ipA.AsSlice(), DstHwAddress: make([]byte, 6), DstProtAddress: ipB.AsSlice()}
	buf = gopacket.NewSerializeBuffer()
	eth.EthernetType = layers.EthernetTypeARP
	eth.DstMAC = net.HardwareAddr(Broadcast[:])
	if err := gopacket.SerializeLayers(buf, opts, eth, arpL); err != nil {
		t.Fatal(err)
	}
	e, _ = ParseEthernet(buf.Bytes())
	a, err := ParseARP(e.Payload())
	if err != nil || a.Op() != ARPRequest || a.SenderMAC() != macA || a.SenderIP() != ipA || a.TargetIP() != ipB || e.Dst() != Broadcast {
		t.Fatalf("arp: %v", err)
	}

	icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0), Id: 0x1234, Seq: 7}
	ip.Protocol, ip.Flags, ip.FragOffset = layers.IPProtocolICMPv4, 0, 0
	eth.EthernetType = layers.EthernetTypeIPv4
	buf = gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, opts, eth, ip, icmp, gopacket.Payload("ping!")); err != nil {
		t.Fatal(err)
	}
	e, _ = ParseEthernet(buf.Bytes())
	h, _ = ParseIPv4(e.Payload())
	m, err := ParseICMPv4(h.Payload())
	if err != nil || m.Type() != ICMPEchoRequest || m.ID() != 0x1234 || m.Seq() != 7 || string(m.Payload()) != "ping!" || !m.ChecksumValid() {
		t.Fatalf("icmp: %v", err)
	}
}

func TestEncodeARPAndICMPAgainstGopacket(t *testing.T) {
	b := make([]byte, EthernetLen+ARPLen)
	EncodeEthernet(b, Broadcast, macA, EtherTypeARP)
	EncodeARP(b[EthernetLen:], ARPReply, macA, ipA, macB, ipB)
	pkt, again := reserialize(t, b)
	if !bytes.Equal(b, again) {
		t.Errorf("arp re-encodes differently")
	}
	if a := pkt.Layer(layers.LayerTypeARP).(*layers.ARP); a.Operation != layers.ARPReply || !bytes.Equal(a.SourceProtAddress, ipA.AsSlice()) {
		t.Errorf("gopacket reads %+v", a)
	}

	payload := []byte("0123456789")
	b = make([]byte, EthernetLen+IPv4MinLen+ICMPv4MinLen+len(payload))
	EncodeEthernet(b, macB, macA, EtherTypeIPv4)
	EncodeIPv4(b[EthernetLen:], IPv4Fields{TotalLen: uint16(IPv4MinLen + ICMPv4MinLen + len(payload)), TTL: 64, Protocol: ProtoICMP, Src: ipA, Dst: ipB})
	m := b[EthernetLen+IPv4MinLen:]
	copy(m[ICMPv4MinLen:], payload)
	EncodeICMPv4(m, ICMPEchoReply, 0, 0xabcd0001)
	pkt, again = reserialize(t, b)
	if !bytes.Equal(b, again) {
		t.Errorf("icmp re-encodes differently:\nours % x\ntheirs % x", b, again)
	}
	if g := pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); g.TypeCode.Type() != ICMPEchoReply || g.Id != 0xabcd || g.Seq != 1 {
		t.Errorf("gopacket reads %+v", g)
	}
}

func TestParseMalformed(t *testing.T) {
	good := frameTCP(t, TCPFields{SrcPort: 1, DstPort: 2, Flags: TCPAck}, TCPOptions{HasTS: true}, []byte("x"))
	ipOf := func(mut func([]byte)) []byte {
		b := append([]byte(nil), good[EthernetLen:]...)
		mut(b)
		return b
	}
	for name, tt := range map[string]struct {
		parse func([]byte) error
		in    []byte
		want  string
	}{
		"ethernet short":     {func(b []byte) error { _, err := ParseEthernet(b); return err }, good[:13], "13 bytes"},
		"ipv4 version 6":     {func(b []byte) error { _, err := ParseIPv4(b); return err }, ipOf(func(b []byte) { b[0] = 0x65 }), "version 6"},
		"ipv4 ihl 4":         {func(b []byte) error { _, err := ParseIPv4(b); return err }, ipOf(func(b []byte) { b[0] = 0x44 }), "header length 16"},
		"ipv4 ihl past end":  {func(b []byte) error { _, err := ParseIPv4(b[:24]); return err }, ipOf(func(b []byte) { b[0] = 0x4f }), "header length 60"},
		"ipv4 total too big": {func(b []byte) error { _, err := ParseIPv4(b); return err }, ipOf(func(b []byte) { binary.BigEndian.PutUint16(b[2:], 9000) }), "total length 9000"},
		"tcp offset too big": {func(b []byte) error { _, err := ParseTCP(b); return err }, ipOf(func(b []byte) { b[20+12] = 0xf0 })[20:], "data offset 60"},
		"tcp short":          {func(b []byte) error { _, err := ParseTCP(b); return err }, good[34:50], "16 bytes"},
		"udp length too big": {func(b []byte) error { _, err := ParseUDP(b); return err }, []byte{0, 1, 0, 2, 0, 99, 0, 0}, "length field 99"},
		"arp not ethernet":   {func(b []byte) error { _, err := ParseARP(b); return err }, make([]byte, 28), "not Ethernet/IPv4"},
		"icmp short":         {func(b []byte) error { _, err := ParseICMPv4(b); return err }, make([]byte, 7), "7 bytes"},
		"option past end":    {func(b []byte) error { _, err := ParseTCPOptions(b); return err }, []byte{2, 4, 5}, "length 4 of 3 left"},
		"option no length":   {func(b []byte) error { _, err := ParseTCPOptions(b); return err }, []byte{1, 1, 8}, "has no length"},
		"option length 1":    {func(b []byte) error { _, err := ParseTCPOptions(b); return err }, []byte{99, 1}, "length 1"},
		"mss wrong length":   {func(b []byte) error { _, err := ParseTCPOptions(b); return err }, []byte{2, 3, 0}, "MSS option length 3"},
		"sack wrong length":  {func(b []byte) error { _, err := ParseTCPOptions(b); return err }, []byte{5, 6, 0, 0, 0, 0}, "SACK option length 6"},
	} {
		err := tt.parse(tt.in)
		var pe *ParseError
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tt.want)
		} else if !asParseError(err, &pe) {
			t.Errorf("%s: %T is not a *ParseError", name, err)
		}
	}
	// Unknown options are skipped by their length; EOL ends the field.
	o, err := ParseTCPOptions([]byte{99, 4, 0xaa, 0xbb, 2, 4, 0x05, 0xb4, 0, 3, 3, 9})
	if err != nil || !o.HasMSS || o.MSS != 1460 || o.HasWS {
		t.Errorf("skip unknown / stop at EOL: %+v %v", o, err)
	}
	// As Linux's tcp_parse_options: a known option of the wrong length is
	// skipped and the rest read; a length running past the field ends the
	// parse with what came before.
	o, err = ParseTCPOptions([]byte{2, 3, 0, 3, 3, 7, 4, 2, 99, 9})
	if err == nil || o.HasMSS || !o.HasWS || o.WindowScale != 7 || !o.SACKPermitted {
		t.Errorf("after a bad MSS option: %+v %v; want window scale 7, SACK-permitted and an error", o, err)
	}
}

func asParseError(err error, pe **ParseError) bool {
	p, ok := err.(*ParseError)
	*pe = p
	return ok
}

// naiveChecksum is RFC 1071 §4.1's reference loop, 16 bits at a time.
func naiveChecksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

func FuzzChecksum(f *testing.F) {
	f.Add([]byte{0x45, 0, 0, 0x1c})
	f.Add(bytes.Repeat([]byte{0xff}, 1001))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Checksum(b, 0), naiveChecksum(b); got != want {
			t.Fatalf("Checksum = %#x, RFC 1071 reference %#x", got, want)
		}
	})
}

// FuzzParseFrame feeds arbitrary frames through every parser: no panic,
// and every view a parser returns stays inside the input and agrees with
// gopacket on the fields both read.
func FuzzParseFrame(f *testing.F) {
	tt := &testing.T{}
	f.Add(frameTCP(tt, TCPFields{SrcPort: 1, DstPort: 2, Flags: TCPSyn}, TCPOptions{HasMSS: true, MSS: 1460, HasWS: true, WindowScale: 7, SACKPermitted: true, HasTS: true}, nil))
	f.Add(frameTCP(tt, TCPFields{SrcPort: 80, DstPort: 40000, Flags: TCPAck}, TCPOptions{HasTS: true, NumSACK: 1}, []byte("data")))
	arp := make([]byte, EthernetLen+ARPLen)
	EncodeEthernet(arp, Broadcast, macA, EtherTypeARP)
	EncodeARP(arp[EthernetLen:], ARPRequest, macA, ipA, MAC{}, ipB)
	f.Add(arp)
	f.Fuzz(func(t *testing.T, frame []byte) {
		e, err := ParseEthernet(frame)
		if err != nil {
			return
		}
		switch e.Type() {
		case EtherTypeARP:
			if a, err := ParseARP(e.Payload()); err == nil {
				_, _, _ = a.Op(), a.SenderIP(), a.TargetMAC()
			}
		case EtherTypeIPv4:
			ip, err := ParseIPv4(e.Payload())
			if err != nil {
				return
			}
			if int(ip.TotalLen()) != len(ip) || ip.HeaderLen() > len(ip) {
				t.Fatalf("ipv4 view of %d bytes, total %d, header %d", len(ip), ip.TotalLen(), ip.HeaderLen())
			}
			g := gopacket.NewPacket(e.Payload(), layers.LayerTypeIPv4, gopacket.NoCopy)
			if gl, ok := g.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok && (gl.TTL != ip.TTL() || uint8(gl.Protocol) != ip.Protocol() || gl.Id != ip.ID()) {
				t.Fatalf("ipv4 fields differ from gopacket's: %+v", gl)
			}
			switch ip.Protocol() {
			case ProtoTCP:
				seg, err := ParseTCP(ip.Payload())
				if err != nil {
					return
				}
				if o, err := ParseTCPOptions(seg.Options()); err == nil {
					// Round trip what we understood.
					var b [40]byte
					n := EncodeTCPOptions(b[:], o)
					o2, err := ParseTCPOptions(b[:n])
					o.NumSACK = min(o.NumSACK, o2.NumSACK)
					if err != nil || o2.HasMSS != o.HasMSS || o2.MSS != o.MSS || o2.HasTS != o.HasTS || o2.TSVal != o.TSVal || o2.HasWS != o.HasWS || o2.SACKPermitted != o.SACKPermitted {
						t.Fatalf("options round trip: %+v -> %+v (%v)", o, o2, err)
					}
				}
				_ = seg.Payload()
			case ProtoUDP:
				if u, err := ParseUDP(ip.Payload()); err == nil && int(u.Length()) != len(u) {
					t.Fatalf("udp view %d bytes, length %d", len(u), u.Length())
				}
			case ProtoICMP:
				if m, err := ParseICMPv4(ip.Payload()); err == nil {
					_ = m.ChecksumValid()
				}
			}
		}
	})
}

func BenchmarkChecksum1500(b *testing.B) {
	buf := make([]byte, 1500)
	for i := range buf {
		buf[i] = byte(i)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		Checksum(buf, 0)
	}
}
