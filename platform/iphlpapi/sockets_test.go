// sockets_test.go checks the decoding of the four owner-PID tables:
// hand-written fixtures read against the documented offsets, encoded
// tables, zones, unknown states and buffers that lie about their size.

package iphlpapi

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// TestDecodeHexFixtures decodes the hand-written tables of testdata/,
// the rows of shared/reference/windows-netstat-ano.txt.
func TestDecodeHexFixtures(t *testing.T) {
	for _, tc := range []struct {
		file string
		kind collect.Kind
		want []Row
	}{
		{"tcp4.hex", collect.TCP4, []Row{
			{collect.TCP4, 2, ap("0.0.0.0:135"), ap("0.0.0.0:0"), 700},
			{collect.TCP4, 2, ap("0.0.0.0:445"), ap("0.0.0.0:0"), 4},
			{collect.TCP4, 5, ap("10.129.194.120:23"), ap("10.10.16.35:47684"), 1348},
			{collect.TCP4, 11, ap("127.0.0.1:8080"), ap("127.0.0.1:1"), 0},
		}},
		{"tcp6.hex", collect.TCP6, []Row{
			{collect.TCP6, 2, ap("[::]:135"), ap("[::]:0"), 700},
			{collect.TCP6, 5, ap("[fe80::a8c2:3d64:a5e6:878f%21]:22000"), ap("[fe80::f3c7:bff:2e5:c024%21]:22000"), 6300},
		}},
		{"udp4.hex", collect.UDP4, []Row{{Kind: collect.UDP4, Local: ap("0.0.0.0:123"), PID: 928}}},
		{"udp6.hex", collect.UDP6, []Row{
			{Kind: collect.UDP6, Local: ap("[::]:123"), PID: 928},
			{Kind: collect.UDP6, Local: ap("[fe80::a8c2:3d64:a5e6:878f%21]:1900"), PID: 3852},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := DecodeTable(tc.kind, readHex(t, tc.file), nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeEncoded decodes tables made by the test's own encoder: every
// documented state, the highest port, zones on local and remote, and a
// state no Windows documents.
func TestDecodeEncoded(t *testing.T) {
	var rows4 [][]byte
	var want []Row
	for st := uint32(0); st <= 14; st++ {
		rows4 = append(rows4, tcp4Row(st, "198.18.0.1:65535", "198.18.0.2:1", 1000+st))
		want = append(want, Row{collect.TCP4, st, ap("198.18.0.1:65535"), ap("198.18.0.2:1"), 1000 + st})
	}
	rows4 = append(rows4, tcp4Row(0xffffffff, "255.255.255.255:256", "0.0.0.0:0", 0xffffffff))
	want = append(want, Row{collect.TCP4, 0xffffffff, ap("255.255.255.255:256"), ap("0.0.0.0:0"), 0xffffffff})
	got, err := DecodeTable(collect.TCP4, tableOf(4, rows4...), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err = DecodeTable(collect.TCP6, tableOf(4,
		tcp6Row(t, 1, "[fe80::1%4294967295]:1", "[2001:db8::2%7]:2", 9),
		tcp6Row(t, 5, "[::ffff:198.18.0.1]:80", "[::1]:443", 10)), got)
	if err != nil {
		t.Fatal(err)
	}
	want = append(want,
		Row{collect.TCP6, 1, ap("[fe80::1%4294967295]:1"), ap("[2001:db8::2%7]:2"), 9},
		Row{collect.TCP6, 5, ap("[::ffff:198.18.0.1]:80"), ap("[::1]:443"), 10})
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestRowSocket checks the conversion to the model: states, UDP without
// a peer, queues marked unknown.
func TestRowSocket(t *testing.T) {
	names := map[uint32]string{
		0: "unknown-state-0", 1: "CLOSED", 2: "LISTENING", 3: "SYN_SENT", 4: "SYN_RECEIVED",
		5: "ESTABLISHED", 6: "FIN_WAIT_1", 7: "FIN_WAIT_2", 8: "CLOSE_WAIT", 9: "CLOSING",
		10: "LAST_ACK", 11: "TIME_WAIT", 12: "CLOSED", 13: "unknown-state-0", 0xffffffff: "unknown-state-0",
	}
	for st, name := range names {
		r := Row{Kind: collect.TCP4, State: st}
		if got := r.Socket().State.WindowsName(); got != name {
			t.Errorf("MIB_TCP_STATE %d: %s, want %s", st, got, name)
		}
		if KnownState(st) != (st >= 1 && st <= 12) {
			t.Errorf("KnownState(%d) = %v", st, KnownState(st))
		}
	}
	u := Row{Kind: collect.UDP6, State: 99, Local: ap("[::]:53"), PID: 7}
	s := u.Socket()
	want := collect.Socket{Source: collect.Kernel, Proto: collect.ProtoUDP, Family: collect.FamilyIPv6,
		State: collect.StateClose, Local: ap("[::]:53"), NoSendQ: true, NoRecvQ: true}
	if diff := cmp.Diff(want, s, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !collect.IsListening(&s) {
		t.Error("a Windows UDP row is not listening: its peer would print")
	}
}

// TestDecodeTruncated: a buffer shorter than its row count says is an
// error wrapping ErrTruncated, with no row appended, never a shorter
// table; bytes past the last row are the API's spare room.
func TestDecodeTruncated(t *testing.T) {
	full := tableOf(4, tcp4Row(2, "0.0.0.0:1", "0.0.0.0:0", 1), tcp4Row(2, "0.0.0.0:2", "0.0.0.0:0", 1))
	prior := []Row{{Kind: collect.UDP4}}
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"count cut", full[:3]},
		{"last row cut", full[:len(full)-1]},
		{"count past the rows", append([]byte{3, 0, 0, 0}, full[4:]...)},
		{"count overflowing", append([]byte{0xff, 0xff, 0xff, 0xff}, full[4:]...)},
		{"count of a larger table", append([]byte{0x00, 0x00, 0x00, 0x10}, full[4:]...)},
	} {
		got, err := DecodeTable(collect.TCP4, tc.b, prior)
		if !errors.Is(err, ErrTruncated) {
			t.Errorf("%s: err = %v, want ErrTruncated", tc.name, err)
		}
		if len(got) != len(prior) {
			t.Errorf("%s: %d rows appended", tc.name, len(got)-len(prior))
		}
	}
	got, err := DecodeTable(collect.TCP4, append(full, make([]byte, 100)...), nil)
	if err != nil || len(got) != 2 {
		t.Errorf("spare room after the rows: %d rows, %v", len(got), err)
	}
	if got, err := DecodeTable(collect.UDP6, []byte{0, 0, 0, 0}, nil); err != nil || len(got) != 0 {
		t.Errorf("empty table: %v, %v", got, err)
	}
	if _, err := DecodeTable(collect.AllKinds, full, nil); err == nil {
		t.Error("a table of several kinds decoded")
	}
}
