// scan_test.go tests the Scanner on hand-made buffers: the control
// messages, the sequence check and broken framing. The decoders built on
// it (sockdiag, rtnl) test and fuzz it further on captured replies.

package nlmsg

import (
	"bytes"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// msg builds one message, padded to 4 bytes.
func msg(typ, flags uint16, seq uint32, data ...byte) []byte {
	n := HdrLen + len(data)
	b := make([]byte, (n+3)&^3)
	native.PutUint32(b[0:], uint32(n))
	native.PutUint16(b[4:], typ)
	native.PutUint16(b[6:], flags)
	native.PutUint32(b[8:], seq)
	copy(b[HdrLen:], data)
	return b
}

// status is an int32 errno payload, as NLMSG_DONE and NLMSG_ERROR carry.
func status(e syscall.Errno) []byte { return native.AppendUint32(nil, uint32(-int32(e))) }

func TestScannerNext(t *testing.T) {
	cat := func(b ...[]byte) []byte { return bytes.Join(b, nil) }
	done := msg(Done, FMulti, 0, 0, 0, 0, 0)
	tests := []struct {
		name       string
		buf        []byte
		seq        uint32
		readOn     bool
		want       []uint16 // the types Next hands out, in order
		done, intr bool
		errIs      error
		errText    string
	}{
		{name: "data then done", buf: cat(msg(20, FMulti, 0, 1), msg(21, FMulti, 0), done), want: []uint16{20, 21}, done: true},
		{name: "nothing after done", buf: cat(done, msg(20, 0, 0)), done: true},
		{name: "read on after done", buf: cat(done, msg(20, 0, 0)), readOn: true, want: []uint16{20}, done: true},
		{name: "noop skipped", buf: cat(msg(Noop, 0, 0), msg(20, 0, 0)), want: []uint16{20}},
		{name: "overrun said, scan goes on", buf: cat(msg(Overrun, 0, 0), msg(20, 0, 0)), want: []uint16{20}, errText: "netlink message 0 (type 4): NLMSG_OVERRUN"},
		{name: "interrupted", buf: cat(msg(20, FDumpIntr, 0), done), want: []uint16{20}, done: true, intr: true},
		{name: "done with a negative status", buf: msg(Done, 0, 0, status(syscall.ENOMEM)...), done: true, errIs: syscall.ENOMEM},
		{name: "error reply", buf: msg(Error, 0, 0, status(syscall.EPERM)...), done: true, errIs: syscall.EPERM},
		{name: "ack", buf: msg(Error, 0, 0, 0, 0, 0, 0), done: true},
		{name: "short error reply", buf: msg(Error, 0, 0, 1), done: true, errText: "netlink message 0 (type 2): short NLMSG_ERROR"},
		{name: "another sequence skipped", buf: cat(msg(20, 0, 6), msg(Done, 0, 6), msg(21, 0, 7)), seq: 7, want: []uint16{21}, errText: "netlink message 1 (type 3): sequence 6, want 7"},
		{name: "trailing bytes", buf: cat(msg(20, 0, 0), []byte{1, 2, 3}), want: []uint16{20}, errIs: ErrFraming, errText: "3 trailing bytes"},
		{name: "length past the end", buf: cat(msg(20, 0, 0), native.AppendUint32(make([]byte, 0, 16), 99), make([]byte, 12), msg(21, 0, 0)), want: []uint16{20}, errIs: ErrFraming, errText: "message 1 claims 99 bytes of 32"},
		{name: "length below the header", buf: cat(native.AppendUint32(nil, 8), make([]byte, 12)), errIs: ErrFraming},
		{name: "last message unpadded", buf: msg(20, 0, 0, 1)[:HdrLen+1], want: []uint16{20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := NewScanner(tt.buf, tt.seq)
			sc.ReadOn = tt.readOn
			var got []uint16
			for m, ok := sc.Next(); ok; m, ok = sc.Next() {
				got = append(got, m.Type)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if sc.Done() != tt.done || sc.Interrupted() != tt.intr {
				t.Errorf("done=%v interrupted=%v, want %v %v", sc.Done(), sc.Interrupted(), tt.done, tt.intr)
			}
			err := sc.Err()
			switch {
			case tt.errIs == nil && tt.errText == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.errIs != nil && !errors.Is(err, tt.errIs):
				t.Errorf("err = %v, want %v", err, tt.errIs)
			case tt.errText != "" && (err == nil || !strings.Contains(err.Error(), tt.errText)):
				t.Errorf("err = %v, want it to contain %q", err, tt.errText)
			}
		})
	}
}

func TestScannerMessage(t *testing.T) {
	sc := NewScanner(append(msg(Noop, 0, 5), msg(20, FMulti, 5, 1, 2, 3)...), 5)
	m, ok := sc.Next()
	if !ok {
		t.Fatal("no message")
	}
	want := Message{Type: 20, Flags: FMulti, Seq: 5, Data: []byte{1, 2, 3}}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	sc.Fail(m, errors.New("bad"))
	var me *MessageError
	if _, ok := sc.Next(); ok || !errors.As(sc.Err(), &me) || me.Index != 1 || me.Type != 20 || me.Error() != "netlink message 1 (type 20): bad" {
		t.Errorf("after Fail: err %v", sc.Err())
	}
}

func TestNewRequest(t *testing.T) {
	got := NewRequest(18, FDump, 9, 3)
	want := []byte{19, 0, 0, 0, 18, 0, 0x01, 0x03, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if native.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the expected bytes are little-endian")
	}
	if !bytes.Equal(got, want) {
		t.Errorf("NewRequest = % x\nwant         % x", got, want)
	}
}

// BenchmarkNext is the framing cost on the path of every row.
func BenchmarkNext(b *testing.B) {
	buf := bytes.Repeat(msg(20, FMulti, 1, make([]byte, 300)...), 10000)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		sc := NewScanner(buf, 1)
		n := 0
		for _, ok := sc.Next(); ok; _, ok = sc.Next() {
			n++
		}
		if n != 10000 || sc.Err() != nil {
			b.Fatal(n, sc.Err())
		}
	}
}
