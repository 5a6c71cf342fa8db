// parse_test.go tests the parser on tables captured from a real kernel.

package procnet

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

var addrCmp = cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// The captured tables were written on a little-endian machine.
func withHostOrder(t *testing.T, o binary.ByteOrder) {
	old := hostOrder
	hostOrder = o
	t.Cleanup(func() { hostOrder = old })
}

func TestParseCapturedTCP(t *testing.T) {
	withHostOrder(t, binary.LittleEndian)
	got, err := Parse(mustRead(t, "tcp"), collect.TCP4, nil)
	if err != nil {
		t.Fatal(err)
	}
	k := collect.Kernel
	want := []collect.Socket{
		{Source: k, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, Local: ap("127.0.0.1:39409"), Remote: ap("0.0.0.0:0"),
			State: collect.StateListen, HasUID: true, Inode: 9684,
			TCP: &collect.TCPInfo{RTO: time.Second, SndCwnd: 10}},
		{Source: k, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, Local: ap("0.0.0.0:2024"), Remote: ap("0.0.0.0:0"),
			State: collect.StateListen, HasUID: true, Inode: 1077,
			TCP: &collect.TCPInfo{RTO: time.Second, SndCwnd: 10}},
		{Source: k, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, Local: ap("127.0.0.1:40958"), Remote: ap("127.0.0.1:39409"),
			State: collect.StateEstablished, HasUID: true, Inode: 9685,
			TCP: &collect.TCPInfo{RTO: 200 * time.Millisecond, SndCwnd: 11}},
		{Source: k, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, Local: ap("127.0.0.1:40970"), Remote: ap("127.0.0.1:39409"),
			State: collect.StateTimeWait, HasUID: false, Inode: 0, // no owner: uid 0 here is not root
			TCP: &collect.TCPInfo{Timer: collect.TimerTimeWait, TimerExpires: 0x1751 * 10 * time.Millisecond}},
		{Source: k, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, Local: ap("127.0.0.1:39409"), Remote: ap("127.0.0.1:40958"),
			State: collect.StateEstablished, HasUID: true, Inode: 9686,
			TCP: &collect.TCPInfo{RTO: 200 * time.Millisecond, SndCwnd: 10}},
	}
	if diff := cmp.Diff(want, got, addrCmp); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseCapturedUDP6(t *testing.T) {
	withHostOrder(t, binary.LittleEndian)
	got, err := Parse(mustRead(t, "udp6"), collect.UDP6, nil)
	if err != nil {
		t.Fatal(err)
	}
	k := collect.Kernel
	want := []collect.Socket{
		{Source: k, Proto: collect.ProtoUDP, Family: collect.FamilyIPv6, Local: ap("[::1]:37930"), Remote: ap("[::]:0"),
			State: collect.StateClose, HasUID: true, Inode: 9696},
		{Source: k, Proto: collect.ProtoUDP, Family: collect.FamilyIPv6, Local: ap("[::1]:60192"), Remote: ap("[::1]:37930"),
			State: collect.StateEstablished, HasUID: true, Inode: 9697},
	}
	if diff := cmp.Diff(want, got, addrCmp); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseAllCapturedTables(t *testing.T) {
	withHostOrder(t, binary.LittleEndian)
	for name, kind := range map[string]collect.Kind{"tcp": collect.TCP4, "tcp6": collect.TCP6, "udp": collect.UDP4, "udp6": collect.UDP6} {
		data := mustRead(t, name)
		got, err := Parse(data, kind, nil)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if rows := bytes.Count(data, []byte("\n")) - 1; len(got) != rows {
			t.Errorf("%s: %d sockets from %d rows", name, len(got), rows)
		}
		for _, s := range got {
			if !s.Local.IsValid() || s.Local.Addr().Is4() != (kind.Family() == collect.FamilyIPv4) {
				t.Errorf("%s: bad local %v", name, s.Local)
			}
		}
	}
}

func TestParseBigEndianHost(t *testing.T) {
	withHostOrder(t, binary.BigEndian)
	in := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		"   0: 7F000001:0016 0A000002:C350 01 0000000A:00000014 02:00000064 00000003  1000        0 42 1 0 30 4 30 10 7\n"
	got, err := Parse([]byte(in), collect.TCP4, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []collect.Socket{{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4,
		Local: ap("127.0.0.1:22"), Remote: ap("10.0.0.2:50000"), State: collect.StateEstablished,
		SendQ: 10, RecvQ: 20, UID: 1000, HasUID: true, Inode: 42,
		TCP: &collect.TCPInfo{Timer: collect.TimerKeepalive, TimerExpires: time.Second, Retransmits: 3,
			RTO: 300 * time.Millisecond, SndCwnd: 10, SndSsthresh: 7}}}
	if diff := cmp.Diff(want, got, addrCmp); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseMalformed(t *testing.T) {
	good := "   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1077 1 0 100 0 0 10 0"
	tests := []struct {
		name, line, want string
	}{
		{"short", "   0: 0100007F:0016 00000000:0000 0A", "line 2: too few fields"},
		{"bad slot", strings.Replace(good, "0:", "x:", 1), "line 2: slot"},
		{"bad address", strings.Replace(good, "0100007F:0016", "0100007G:0016", 1), "line 2: local address"},
		{"ipv6 address in tcp", strings.Replace(good, "0100007F:0016", "00000000000000000000000001000000:0016", 1), "line 2: local address"},
		{"port overflow", strings.Replace(good, "0100007F:0016", "0100007F:10016", 1), "line 2: local address"},
		{"state", strings.Replace(good, " 0A ", " 1FF ", 1), "line 2: state"},
		{"queues", strings.Replace(good, "00000000:00000000", "00000000", 1), "line 2: queues"},
		{"uid", strings.Replace(good, "     0        0 1077", "     x        0 1077", 1), "line 2: uid"},
		{"inode", strings.Replace(good, " 1077 ", " -1 ", 1), "line 2: inode"},
		{"cwnd", strings.Replace(good, " 10 0", " ten 0", 1), "line 2: snd_cwnd"},
		{"long line", good + strings.Repeat(" ", MaxLineLen), "line 2: longer than"},
	}
	hdr := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(hdr+tt.line+"\n"+good+"\n"), collect.TCP4, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := Parse(nil, collect.TCP4|collect.UDP4, nil); err == nil {
		t.Error("Parse with two kinds: no error")
	}
}

func BenchmarkParse10k(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&buf, "%4d: 0100007F:%04X 0200007F:%04X 01 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 20 4 30 10 -1\n", i, i%65536, (i*7)%65536, 100000+i)
	}
	data := buf.Bytes()
	dst := make([]collect.Socket, 0, 10000)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var err error
		if dst, err = Parse(data, collect.TCP4, dst[:0]); err != nil || len(dst) != 10000 {
			b.Fatal(err, len(dst))
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"tcp", "tcp6", "udp", "udp6"} {
		f.Add(mustRead(f, name), uint8(0))
	}
	kinds := []collect.Kind{collect.TCP4, collect.TCP6, collect.UDP4, collect.UDP6}
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := kinds[int(k)%len(kinds)]
		got, err := Parse(data, kind, nil)
		if err != nil {
			return
		}
		for _, s := range got {
			if !s.Local.IsValid() || !s.Remote.IsValid() || s.Local.Addr().Is4() != (kind.Family() == collect.FamilyIPv4) {
				t.Fatalf("row with bad address: %+v", s)
			}
			if s.Proto != kind.Proto() || s.Family != kind.Family() {
				t.Fatalf("row of the wrong kind: %+v", s)
			}
		}
		again, err := Parse(data, kind, nil)
		if err != nil || !cmp.Equal(got, again, addrCmp) {
			t.Fatalf("second parse differs: %v", err)
		}
	})
}
