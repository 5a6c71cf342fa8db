// sniffer.go wraps any endpoint and writes every frame it sends and
// receives to a pcap file, so a run can be opened in Wireshark or checked
// by tshark.
//
// The file is written here, not by gopacket's pcapgo: pcapgo imports
// gopacket/layers, whose package initialisation fills tables of 65,536
// entries and added 11 MiB to the resident size of every gonetstat
// command (-ano included) once the stack was linked into the binary. The
// format is 40 lines (the libpcap file format, nanosecond variant); the
// tests still read every capture back with pcapgo and tshark, so we are
// not our own only judge.

package link

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/gonetstat/gonetstat/stack/clock"
	"github.com/gonetstat/gonetstat/stack/header"
)

// Sniffer is an Endpoint that records the traffic of the one it wraps.
type Sniffer struct {
	inner Endpoint
	clk   clock.Clock

	mu   sync.Mutex
	w    io.Writer
	rec  [pcapRecordLen]byte // the record header, reused
	err  error               // the first write error; later frames are not recorded
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
	if _, err := w.Write(pcapFileHeader(uint32(inner.MTU() + header.EthernetLen))); err != nil {
		return nil, fmt.Errorf("writing the pcap header: %w", err)
	}
	return &Sniffer{inner: inner, clk: clk, w: w}, nil
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
	now := s.clk.Now()
	le := binary.LittleEndian
	le.PutUint32(s.rec[0:], uint32(now.Unix()))
	le.PutUint32(s.rec[4:], uint32(now.Nanosecond()))
	le.PutUint32(s.rec[8:], uint32(len(frame)))  // captured
	le.PutUint32(s.rec[12:], uint32(len(frame))) // on the wire
	if _, err := s.w.Write(s.rec[:]); err != nil {
		s.err = err
		return
	}
	_, s.err = s.w.Write(frame)
}

// The libpcap file format (draft-ietf-opsawg-pcap §4, §5), nanosecond
// timestamps, little-endian: readers tell the byte order and resolution
// from the magic number.
const (
	pcapMagicNanos    = 0xa1b23c4d
	pcapLinkTypeEther = 1 // LINKTYPE_ETHERNET
	pcapFileHeaderLen = 24
	pcapRecordLen     = 16
	pcapVersionMajor  = 2
	pcapVersionMinor  = 4
)

func pcapFileHeader(snaplen uint32) []byte {
	b := make([]byte, pcapFileHeaderLen)
	le := binary.LittleEndian
	le.PutUint32(b[0:], pcapMagicNanos)
	le.PutUint16(b[4:], pcapVersionMajor)
	le.PutUint16(b[6:], pcapVersionMinor)
	// b[8:16]: time zone offset and timestamp accuracy, both 0.
	le.PutUint32(b[16:], snaplen)
	le.PutUint32(b[20:], pcapLinkTypeEther)
	return b
}
