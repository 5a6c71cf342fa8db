// sniffer.go wraps any endpoint and writes every frame it sends and
// receives to a pcap file, with gopacket's pcapgo writer, so a run can be
// opened in Wireshark or checked by tshark.

package link

import (
	"fmt"
	"io"
	"sync"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/header"
)

// Sniffer is an Endpoint that records the traffic of the one it wraps.
type Sniffer struct {
	inner Endpoint
	clk   clock.Clock

	mu   sync.Mutex
	w    *pcapgo.Writer
	err  error // the first write error; later frames are not recorded
	disp Dispatcher
}

var _ Endpoint = (*Sniffer)(nil)

// NewSniffer writes the pcap file header to w and returns the wrapper.
// Timestamps come from clk (the manual clock in tests), so captures of
// deterministic runs are themselves deterministic.
func NewSniffer(inner Endpoint, w io.Writer, clk clock.Clock) (*Sniffer, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	pw := pcapgo.NewWriterNanos(w)
	if err := pw.WriteFileHeader(uint32(inner.MTU()+header.EthernetLen), layers.LinkTypeEthernet); err != nil {
		return nil, fmt.Errorf("writing the pcap header: %w", err)
	}
	return &Sniffer{inner: inner, clk: clk, w: pw}, nil
}

func (s *Sniffer) MTU() int        { return s.inner.MTU() }
func (s *Sniffer) MAC() header.MAC { return s.inner.MAC() }
func (s *Sniffer) Close() error    { return s.inner.Close() }

func (s *Sniffer) Attach(d Dispatcher) {
	s.mu.Lock()
	s.disp = d
	s.mu.Unlock()
	s.inner.Attach(s)
}

func (s *Sniffer) WritePacket(frame []byte) error {
	s.record(frame)
	return s.inner.WritePacket(frame)
}

// DeliverFrame records a received frame and passes it up.
func (s *Sniffer) DeliverFrame(frame []byte) {
	s.record(frame)
	s.mu.Lock()
	d := s.disp
	s.mu.Unlock()
	if d != nil {
		d.DeliverFrame(frame)
	}
}

// Err returns the first error writing the capture, if any.
func (s *Sniffer) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Sniffer) record(frame []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return
	}
	ci := gopacket.CaptureInfo{Timestamp: s.clk.Now(), CaptureLength: len(frame), Length: len(frame)}
	s.err = s.w.WritePacket(ci, frame)
}
