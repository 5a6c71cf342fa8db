// dump_linux_test.go drives Dump.Run with a function-backed fake of the
// socket, and runs one real dump on a NETLINK_ROUTE socket.

package nlmsg

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/platform/nlmsg/nltest"
)

// fakeConn answers the try-th request (from 1) with the datagrams reply
// returns.
type fakeConn struct {
	nltest.Conn
	reply func(try int) [][]byte
	tries int
}

func newFakeConn(reply func(try int) [][]byte) *fakeConn {
	f := &fakeConn{reply: reply}
	f.Reply = func([]byte) [][]byte {
		f.tries++
		return f.reply(f.tries)
	}
	return f
}

// run runs a dump on f whose Decode keeps the first data byte of each
// message and fails on a message without one.
func run(f *fakeConn, maxDatagrams int) (kept []byte, resets int, problems []error, err error) {
	d := Dump{
		Request: func(seq uint32) []byte { return NewRequest(20, FDump, seq, 4) },
		Decode: func(m Message) error {
			if len(m.Data) == 0 {
				return errors.New("empty")
			}
			kept = append(kept, m.Data[0])
			return nil
		},
		Reset:        func() { kept, resets = nil, resets+1 },
		MaxDatagrams: maxDatagrams,
	}
	problems, err = d.Run(context.Background(), f, make([]byte, RecvBufSize))
	return kept, resets, problems, err
}

func TestDumpRun(t *testing.T) {
	done := msg(Done, FMulti, 0, 0, 0, 0, 0)
	t.Run("several datagrams, a bad message kept apart", func(t *testing.T) {
		f := newFakeConn(func(int) [][]byte {
			return [][]byte{append(msg(20, FMulti, 0, 1), msg(20, FMulti, 0)...), append(msg(20, FMulti, 0, 2), done...)}
		})
		kept, resets, problems, err := run(f, 0)
		if err != nil || string(kept) != "\x01\x02" || resets != 0 || len(problems) != 1 || !strings.Contains(problems[0].Error(), "netlink message 1 (type 20): empty") {
			t.Errorf("kept %v, %d resets, problems %v, err %v", kept, resets, problems, err)
		}
	})
	t.Run("interrupted once: a fresh dump", func(t *testing.T) {
		f := newFakeConn(func(try int) [][]byte {
			if try == 1 {
				return [][]byte{append(msg(20, FMulti|FDumpIntr, 0, 1), done...)}
			}
			return [][]byte{append(msg(20, FMulti, 0, 2), done...)}
		})
		kept, resets, problems, err := run(f, 0)
		if err != nil || string(kept) != "\x02" || resets != 1 || problems != nil || f.tries != 2 {
			t.Errorf("kept %v, %d resets, %d tries, problems %v, err %v", kept, resets, f.tries, problems, err)
		}
	})
	t.Run("interrupted every time: the last dump, said first", func(t *testing.T) {
		f := newFakeConn(func(try int) [][]byte {
			return [][]byte{append(msg(20, FMulti|FDumpIntr, 0, byte(try)), msg(20, FMulti, 0)...), done}
		})
		kept, _, problems, err := run(f, 0)
		if err != nil || string(kept) != "\x03" || f.tries != Tries || len(problems) != 2 ||
			!strings.Contains(problems[0].Error(), "the table kept changing during 3 dumps (NLM_F_DUMP_INTR)") {
			t.Errorf("kept %v, %d tries, problems %v, err %v", kept, f.tries, problems, err)
		}
	})
	t.Run("kernel error ends the dump and resets", func(t *testing.T) {
		f := newFakeConn(func(int) [][]byte {
			return [][]byte{msg(20, FMulti, 0, 1), msg(Done, FMulti, 0, status(syscall.ENOMEM)...)}
		})
		kept, resets, _, err := run(f, 0)
		var ke *KernelError
		if !errors.As(err, &ke) || !errors.Is(err, syscall.ENOMEM) || kept != nil || resets != 1 {
			t.Errorf("kept %v, %d resets, err %v", kept, resets, err)
		}
	})
	t.Run("no NLMSG_DONE: receiving fails", func(t *testing.T) {
		f := newFakeConn(func(int) [][]byte { return [][]byte{msg(20, FMulti, 0, 1)} })
		if _, _, _, err := run(f, 0); err == nil || err.Error() != "receiving: fake: read with nothing queued" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("datagrams bounded", func(t *testing.T) {
		f := newFakeConn(func(int) [][]byte { return [][]byte{msg(20, FMulti, 0, 1), msg(20, FMulti, 0, 2), done} })
		if _, _, _, err := run(f, 2); err == nil || err.Error() != "no NLMSG_DONE after 2 datagrams" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		d := Dump{Request: func(seq uint32) []byte { return NewRequest(20, FDump, seq, 0) }, Decode: func(Message) error { return nil }, Reset: func() {}}
		f := newFakeConn(func(int) [][]byte { return [][]byte{msg(Done, 0, 0)} })
		if _, err := d.Run(ctx, f, make([]byte, RecvBufSize)); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestSocketLinkDump dumps this namespace's interfaces (RTM_GETLINK, 18;
// RTM_NEWLINK replies, 16) through a real socket: anyone may, no
// privilege needed.
func TestSocketLinkDump(t *testing.T) {
	sock, err := Dial(unix.NETLINK_ROUTE)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	links := 0
	d := Dump{
		Request: func(seq uint32) []byte { return NewRequest(unix.RTM_GETLINK, FDump, seq, unix.SizeofIfInfomsg) },
		Decode: func(m Message) error {
			if m.Type != unix.RTM_NEWLINK {
				return errors.New("not a link")
			}
			links++
			return nil
		},
		Reset: func() { links = 0 },
	}
	problems, err := d.Run(context.Background(), sock, make([]byte, RecvBufSize))
	if err != nil || problems != nil || links == 0 {
		t.Errorf("%d links, problems %v, err %v", links, problems, err)
	}
}
