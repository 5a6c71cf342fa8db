// wire_test.go tests the decoder on reply bytes captured from a real kernel
// and on hand-broken buffers.

package sockdiag

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/nlmsg"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var captures = []struct {
	file  string
	proto uint8
}{{"tcp4.bin", 6}, {"tcp6.bin", 6}, {"udp4.bin", 17}, {"udp6.bin", 17}}

func describe(s collect.Socket) string {
	line := fmt.Sprintf("%s %v %v %v %v uid=%d/%t inode=%d sendq=%d recvq=%d cookie=%#x", s.Source.Kind, collect.KindOf(s.Proto, s.Family), s.Local, s.Remote, s.State, s.UID, s.HasUID, s.Inode, s.SendQ, s.RecvQ, s.Cookie)
	if t := s.TCP; t != nil {
		line += fmt.Sprintf(" timer=%q expires=%v retrans=%d rto=%v rtt=%v rttvar=%v cwnd=%d ssthresh=%d mss=%d/%d unacked=%d total_retrans=%d acked=%d received=%d",
			t.Timer, t.TimerExpires, t.Retransmits, t.RTO, t.RTT, t.RTTVar, t.SndCwnd, t.SndSsthresh, t.SndMSS, t.RcvMSS, t.Unacked, t.TotalRetrans, t.BytesAcked, t.BytesReceived)
	}
	return line
}

// TestDecodeCaptured decodes each captured dump and compares every field of
// every row with a golden description, and the fields ss prints with what
// ss said about the same sockets when they were captured (testdata/ss.txt).
func TestDecodeCaptured(t *testing.T) {
	ss, err := os.ReadFile("testdata/ss.txt")
	if err != nil {
		t.Fatal(err)
	}
	ssRows := parseSS(string(ss))
	for _, c := range captures {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			d := Decoder{Proto: c.proto}
			socks, done, intr, err := d.Decode(data, nil)
			if err != nil || !done || intr {
				t.Fatalf("Decode: done=%v interrupted=%v err=%v", done, intr, err)
			}
			var b strings.Builder
			for _, s := range socks {
				b.WriteString(describe(s) + "\n")
			}
			golden := "testdata/" + strings.TrimSuffix(c.file, ".bin") + ".golden"
			if *update {
				os.WriteFile(golden, []byte(b.String()), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// ss read the same sockets when they were captured.
			info := 0
			for _, s := range socks {
				info += compareSS(t, ssRows, s)
			}
			if c.proto == 6 && info == 0 {
				t.Error("no tcp_info value was compared with ss")
			}
		})
	}
}

func TestRequest(t *testing.T) {
	b := Request(10, 6, AllStates, ExtInfo, 7)
	want := make([]byte, 72)
	binary.NativeEndian.PutUint32(want[0:], 72)
	binary.NativeEndian.PutUint16(want[4:], 20)
	binary.NativeEndian.PutUint16(want[6:], 0x301)
	binary.NativeEndian.PutUint32(want[8:], 7)
	want[16], want[17], want[18] = 10, 6, 2
	binary.NativeEndian.PutUint32(want[20:], 0xffffffff)
	if !bytes.Equal(b, want) {
		t.Errorf("Request = % x\nwant      % x", b, want)
	}
}

// msg builds one netlink message.
func msg(typ, flags uint16, seq uint32, body []byte) []byte {
	n := nlmsg.HdrLen + len(body)
	b := make([]byte, (n+3)&^3)
	binary.NativeEndian.PutUint32(b[0:], uint32(n))
	binary.NativeEndian.PutUint16(b[4:], typ)
	binary.NativeEndian.PutUint16(b[6:], flags)
	binary.NativeEndian.PutUint32(b[8:], seq)
	copy(b[nlmsg.HdrLen:], body)
	return b
}

// diag builds an inet_diag_msg for 127.0.0.1:port -> 127.0.0.2:80 plus attributes.
func diag(port uint16, state uint8, attrs ...[]byte) []byte {
	b := make([]byte, diagMsgLen)
	b[offFamily], b[offState] = 2, state
	binary.BigEndian.PutUint16(b[offSport:], port)
	binary.BigEndian.PutUint16(b[offDport:], 80)
	copy(b[offSrc:], []byte{127, 0, 0, 1})
	copy(b[offDst:], []byte{127, 0, 0, 2})
	binary.NativeEndian.PutUint32(b[offInode:], uint32(port))
	for _, a := range attrs {
		b = append(b, a...)
	}
	return b
}

func attr(typ uint16, payload []byte) []byte {
	n := rtaHdrLen + len(payload)
	b := make([]byte, (n+3)&^3)
	binary.NativeEndian.PutUint16(b[0:], uint16(n))
	binary.NativeEndian.PutUint16(b[2:], typ)
	copy(b[rtaHdrLen:], payload)
	return b
}

func done() []byte { return msg(nlmsg.Done, nlmsg.FMulti, 0, make([]byte, 4)) }

func ports(socks []collect.Socket) []uint16 {
	var p []uint16
	for _, s := range socks {
		p = append(p, s.Local.Port())
	}
	return p
}

func TestDecodeMalformed(t *testing.T) {
	good := func(p uint16) []byte { return msg(sockDiagByFamily, nlmsg.FMulti, 0, diag(p, 1)) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	shortInfo := make([]byte, 12) // an old kernel's tcp_info: up to tcpi_ato only
	binary.NativeEndian.PutUint32(shortInfo[tiRTO:], 204000)
	tooLong := good(3)
	binary.NativeEndian.PutUint32(tooLong[0:], 4096)
	tooShort := good(3)
	binary.NativeEndian.PutUint32(tooShort[0:], 8)
	badAttr := attr(inetDiagInfo, make([]byte, 8))
	binary.NativeEndian.PutUint16(badAttr[0:], 200)
	errMsg := make([]byte, 4)
	e := int32(-int32(syscall.ENOENT))
	binary.NativeEndian.PutUint32(errMsg, uint32(e))

	tests := []struct {
		name       string
		buf        []byte
		ports      []uint16
		done, intr bool
		errIs      error
		errText    string
	}{
		{name: "good", buf: cat(good(1), good(2), done()), ports: []uint16{1, 2}, done: true},
		{name: "truncated header", buf: cat(good(1), []byte{1, 2, 3}), ports: []uint16{1}, errIs: ErrFraming},
		{name: "length too big", buf: cat(good(1), tooLong), ports: []uint16{1}, errIs: ErrFraming},
		{name: "length too small", buf: cat(good(1), tooShort), ports: []uint16{1}, errIs: ErrFraming},
		{name: "truncated inet_diag_msg", buf: cat(good(1), msg(sockDiagByFamily, 0, 0, make([]byte, 40)), good(2), done()), ports: []uint16{1, 2}, done: true, errText: "message 1 (type 20): inet_diag_msg of 40 bytes"},
		{name: "bad family in the middle", buf: cat(good(1), msg(sockDiagByFamily, 0, 0, append([]byte{99}, diag(5, 1)[1:]...)), good(2), done()), ports: []uint16{1, 2}, done: true, errText: "message 1 (type 20): address family 99"},
		{name: "bad attribute length", buf: cat(msg(sockDiagByFamily, 0, 0, diag(1, 1, badAttr)), good(2), done()), ports: []uint16{2}, done: true, errText: "message 0 (type 20): attribute 2 claims 200 bytes"},
		{name: "short tcp_info", buf: cat(msg(sockDiagByFamily, 0, 0, diag(1, 1, attr(inetDiagInfo, shortInfo))), done()), ports: []uint16{1}, done: true},
		{name: "error reply", buf: msg(nlmsg.Error, 0, 0, errMsg), done: true, errIs: syscall.ENOENT},
		{name: "dump interrupted", buf: cat(msg(sockDiagByFamily, nlmsg.FMulti|nlmsg.FDumpIntr, 0, diag(1, 1)), done()), ports: []uint16{1}, done: true, intr: true},
		{name: "unknown type", buf: cat(msg(77, 0, 0, nil), good(1)), ports: []uint16{1}, errText: "unexpected message type 77"},
		{name: "noop is skipped", buf: cat(good(1), msg(nlmsg.Noop, 0, 0, nil), good(2), done()), ports: []uint16{1, 2}, done: true},
		{name: "overrun", buf: cat(good(1), msg(nlmsg.Overrun, 0, 0, nil), good(2)), ports: []uint16{1, 2}, errText: "message 1 (type 4): NLMSG_OVERRUN"},
		{name: "done with a negative status", buf: cat(good(1), msg(nlmsg.Done, nlmsg.FMulti, 0, errMsg)), ports: []uint16{1}, done: true, errIs: syscall.ENOENT},
		{name: "ack ends the reply", buf: cat(msg(nlmsg.Error, 0, 0, make([]byte, 20)), good(1)), done: true},
		{name: "short error reply", buf: msg(nlmsg.Error, 0, 0, []byte{1}), done: true, errText: "short NLMSG_ERROR"},
		{name: "last message unpadded", buf: cat(good(1), msg(sockDiagByFamily, 0, 0, append(diag(2, 1), attr(99, []byte{1})[:5]...))[:nlmsg.HdrLen+diagMsgLen+5]), ports: []uint16{1, 2}},
		{name: "trailing attribute bytes", buf: cat(msg(sockDiagByFamily, 0, 0, append(diag(1, 1), 1, 2)), good(2)), ports: []uint16{2}, errText: "message 0 (type 20): 2 trailing attribute bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decoder{Proto: 6}
			socks, gotDone, gotIntr, err := d.Decode(tt.buf, nil)
			if diff := cmp.Diff(tt.ports, ports(socks)); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if gotDone != tt.done || gotIntr != tt.intr {
				t.Errorf("done=%v interrupted=%v, want %v %v", gotDone, gotIntr, tt.done, tt.intr)
			}
			switch {
			case tt.errIs != nil && !errors.Is(err, tt.errIs):
				t.Errorf("err = %v, want %v", err, tt.errIs)
			case tt.errText != "" && (err == nil || !strings.Contains(err.Error(), tt.errText)):
				t.Errorf("err = %v, want it to contain %q", err, tt.errText)
			case tt.errIs == nil && tt.errText == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			}
		})
	}
	// The short tcp_info gives the fields it has and no others.
	d := Decoder{Proto: 6}
	socks, _, _, _ := d.Decode(cat(msg(sockDiagByFamily, 0, 0, diag(1, 1, attr(inetDiagInfo, shortInfo))), done()), nil)
	if got := socks[0].TCP; got.RTO != 204000 || got.RTT != 0 || got.SndCwnd != 0 {
		t.Errorf("short tcp_info decoded as %+v", got)
	}
}

// TestDecodeTCPInfoPresence checks that TCP internals are absent, not
// zero, when the kernel sent none, and that tcp_info overrides the header's
// retransmit count.
func TestDecodeTCPInfoPresence(t *testing.T) {
	info := make([]byte, 232)
	info[tiRetransmits] = 4
	binary.NativeEndian.PutUint32(info[tiRTT:], 1500)
	binary.NativeEndian.PutUint32(info[tiSndSsthresh:], infiniteSsthresh)
	binary.NativeEndian.PutUint64(info[tiBytesRecv:], 1<<40)
	withTimer := diag(3, 6)
	withTimer[offTimer], withTimer[offRetrans] = 3, 0
	binary.NativeEndian.PutUint32(withTimer[offExpires:], 59500)
	tests := []struct {
		name  string
		proto uint8
		body  []byte
		want  *collect.TCPInfo
	}{
		{"tcp without info or timer", 6, diag(1, 10), nil},
		{"tcp with an unknown attribute only", 6, diag(1, 10, attr(99, []byte{1, 2, 3})), nil},
		{"time-wait: timer only", 6, withTimer, &collect.TCPInfo{Timer: collect.TimerTimeWait, TimerExpires: 59500}},
		{"tcp_info", 6, diag(2, 1, attr(inetDiagInfo, info)), &collect.TCPInfo{Retransmits: 4, RTT: 1500, BytesReceived: 1 << 40}},
		{"udp never has tcp internals", 17, diag(4, 7, attr(inetDiagInfo, info)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decoder{Proto: tt.proto}
			socks, _, _, err := d.Decode(msg(sockDiagByFamily, 0, 0, tt.body), nil)
			if err != nil || len(socks) != 1 {
				t.Fatalf("Decode: %d rows, %v", len(socks), err)
			}
			if diff := cmp.Diff(tt.want, socks[0].TCP); diff != "" {
				t.Errorf("TCP (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeOwner checks that the uid 0 the kernel writes for sockets
// without an owner (timewait and request sockets) is absent, not root,
// while a real root-owned socket keeps its UID.
func TestDecodeOwner(t *testing.T) {
	mk := func(state, timer uint8, uid, inode uint32) []byte {
		b := diag(1, state)
		b[offTimer] = timer
		binary.NativeEndian.PutUint32(b[offUID:], uid)
		binary.NativeEndian.PutUint32(b[offInode:], inode)
		return b
	}
	tests := []struct {
		name    string
		body    []byte
		uid     uint32
		hasUID  bool
		inode   uint64
		wantTCP bool
	}{
		{"time-wait", mk(6, 3, 0, 0), 0, false, 0, true},
		{"orphaned fin-wait-2 as a timewait socket", mk(5, 3, 0, 0), 0, false, 0, true},
		{"request socket", mk(3, 1, 0, 0), 0, false, 0, true},
		{"root-owned established socket", mk(1, 0, 0, 4242), 0, true, 4242, false},
		{"user-owned syn-recv socket", mk(3, 1, 1000, 0), 1000, true, 0, true},
		{"user-owned listener", mk(10, 0, 65534, 77), 65534, true, 77, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decoder{Proto: 6}
			socks, _, _, err := d.Decode(msg(sockDiagByFamily, 0, 0, tt.body), nil)
			if err != nil || len(socks) != 1 {
				t.Fatalf("Decode: %d rows, %v", len(socks), err)
			}
			s := socks[0]
			type owner struct {
				UID    uint32
				HasUID bool
				Inode  uint64
				TCP    bool
			}
			want := owner{tt.uid, tt.hasUID, tt.inode, tt.wantTCP}
			if diff := cmp.Diff(want, owner{s.UID, s.HasUID, s.Inode, s.TCP != nil}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeZone(t *testing.T) {
	b := make([]byte, diagMsgLen)
	b[offFamily], b[offState] = 10, 1
	copy(b[offSrc:], []byte{0xfe, 0x80, 15: 1})
	copy(b[offDst:], []byte{0x20, 0x01, 0x0d, 0xb8, 15: 2})
	binary.NativeEndian.PutUint32(b[offIf:], 3)
	for name, d := range map[string]Decoder{
		"fe80::1%3":    {Proto: 6},
		"fe80::1%eth0": {Proto: 6, ZoneName: func(i uint32) string { return fmt.Sprintf("eth%d", i-3) }},
	} {
		socks, _, _, err := d.Decode(msg(sockDiagByFamily, 0, 0, b), nil)
		if err != nil || len(socks) != 1 {
			t.Fatal(err)
		}
		if got := socks[0].Local.Addr().String(); got != name {
			t.Errorf("local = %s, want %s", got, name)
		}
		if got := socks[0].Remote.Addr().String(); got != "2001:db8::2" {
			t.Errorf("remote = %s, want no zone on a global address", got)
		}
	}
}

func BenchmarkDecode10k(b *testing.B) {
	info := make([]byte, 232)
	one := msg(sockDiagByFamily, nlmsg.FMulti, 0, diag(1, 1, attr(inetDiagInfo, info)))
	buf := bytes.Repeat(one, 10000)
	d := Decoder{Proto: 6}
	dst := make([]collect.Socket, 0, 10000)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		var err error
		dst, _, _, err = d.Decode(buf, dst[:0])
		if err != nil || len(dst) != 10000 {
			b.Fatal(err, len(dst))
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, c := range captures {
		data, err := os.ReadFile("testdata/" + c.file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, c.proto == 6)
	}
	f.Fuzz(func(t *testing.T, data []byte, tcp bool) {
		d := Decoder{Proto: 17}
		if tcp {
			d.Proto = 6
		}
		socks, done, intr, err := d.Decode(data, nil)
		for _, s := range socks {
			if !s.Local.IsValid() || !s.Remote.IsValid() || s.Local.Addr().Is4() != (s.Family == collect.FamilyIPv4) ||
				s.Remote.Addr().Is4() != s.Local.Addr().Is4() || (s.Proto == collect.ProtoUDP && s.TCP != nil) {
				t.Fatalf("row with bad addresses: %+v", s)
			}
		}
		again, done2, intr2, err2 := d.Decode(data, nil)
		errText := func(e error) string {
			if e == nil {
				return ""
			}
			return e.Error()
		}
		same := len(socks) == len(again) && done == done2 && intr == intr2 && errText(err) == errText(err2)
		for i := 0; same && i < len(socks); i++ {
			// Every field, the TCP internals by value: Socket is
			// comparable once its pointers are set aside.
			a, b := socks[i], again[i]
			same = (a.TCP == nil) == (b.TCP == nil) && (a.TCP == nil || *a.TCP == *b.TCP)
			a.TCP, b.TCP = nil, nil
			same = same && a == b
		}
		if !same {
			t.Fatal("decoding is not deterministic")
		}
	})
}
