// tcp_capture_test.go checks TCP segments with a decoder nobody here
// wrote: gopacket parses every captured frame and recomputes its
// checksums.

package stack

import (
	"bytes"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack/core"
	"github.com/gonetstat/gonetstat/stack/link"
)

func TestTCPCaptureDecodes(t *testing.T) {
	ea, eb := link.Pair(link.PairConfig{MACA: macA, MACB: macB, AtoB: link.Faults{Loss: 0.02}, BtoA: link.Faults{Loss: 0.02}, Seed: 3})
	var capture testenv.SyncBuffer
	snif, err := link.NewSniffer(ea, &capture, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := New(Options{Options: core.Options{Name: "a"}})
	b := New(Options{Options: core.Options{Name: "b"}})
	a.AddNIC(snif, addrA)
	b.AddNIC(eb, addrB)
	ln, _ := b.Listen(netip.MustParseAddrPort("0.0.0.0:80"), 4)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write(pattern(300_000))
			c.Close()
		}
	}()
	c, err := a.Dial(netip.AddrPortFrom(addrB.Addr(), 80))
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(testenv.Patience))
	got, err := io.ReadAll(c)
	if err != nil || !bytes.Equal(got, pattern(300_000)) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	c.Close()

	data := capture.Bytes()
	r, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var segs, syn, fin, withTS int
	for {
		frame, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		pkt := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
		if el := pkt.ErrorLayer(); el != nil {
			t.Fatalf("frame does not decode: %v", el.Error())
		}
		tcp, ok := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if !ok {
			continue
		}
		segs++
		ip := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		want := tcp.Checksum
		tcp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true}, tcp, gopacket.Payload(tcp.Payload)); err != nil {
			t.Fatal(err)
		}
		if tcp.Checksum != want {
			t.Fatalf("segment %d: checksum %#x, gopacket computes %#x", segs, want, tcp.Checksum)
		}
		if tcp.SYN {
			syn++
			var mss, ws bool
			for _, o := range tcp.Options {
				mss = mss || o.OptionType == layers.TCPOptionKindMSS
				ws = ws || o.OptionType == layers.TCPOptionKindWindowScale
			}
			if !mss || !ws {
				t.Errorf("SYN without MSS or window scale: %v", tcp.Options)
			}
		}
		if tcp.FIN {
			fin++
		}
		for _, o := range tcp.Options {
			if o.OptionType == layers.TCPOptionKindTimestamps {
				withTS++
			}
		}
		if ip.Flags&layers.IPv4DontFragment == 0 {
			t.Errorf("segment %d without DF", segs)
		}
	}
	if syn < 2 || fin < 2 || withTS < segs/2 || segs < 200 {
		t.Errorf("captured %d segments, %d SYN, %d FIN, %d with timestamps", segs, syn, fin, withTS)
	}
}
