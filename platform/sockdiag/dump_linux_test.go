// dump_linux_test.go tests the dump loop (retries, partial tables, refusals,
// cancellation) against a function-backed fake of the netlink socket.

package sockdiag

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/nlmsg"
	"github.com/gonetstat/gonetstat/platform/nlmsg/nltest"
)

// fakeConn answers each request with the datagrams reply returns for it
// (called with the request's family, protocol, ext bits and its count of
// earlier requests of the same table), through an nltest.Conn, which
// stamps the request's sequence.
type fakeConn struct {
	nltest.Conn
	reply func(fam, proto, ext uint8, attempt int) [][]byte
	asked map[[2]uint8]int
	log   []string
}

func newFakeConn(reply func(fam, proto, ext uint8, attempt int) [][]byte) *fakeConn {
	f := &fakeConn{reply: reply, asked: map[[2]uint8]int{}}
	f.Reply = f.answer
	return f
}

func (f *fakeConn) answer(req []byte) [][]byte {
	fam, proto, ext := req[16], req[17], req[18]
	key := [2]uint8{fam, proto}
	f.log = append(f.log, collect.KindOf(collect.Proto(proto), collect.Family(fam)).String()+map[bool]string{true: "+info", false: ""}[ext == ExtInfo])
	attempt := f.asked[key]
	f.asked[key]++
	return f.reply(fam, proto, ext, attempt)
}

// rows builds a datagram of one good message per port, for fam.
func rows(fam uint8, flags uint16, ports ...uint16) []byte {
	var b []byte
	for _, p := range ports {
		body := diag(p, 1)
		body[offFamily] = fam
		b = append(b, msg(sockDiagByFamily, nlmsg.FMulti|flags, 0, body)...)
	}
	return b
}

func errReply(e syscall.Errno) []byte {
	body := make([]byte, 20)
	binary.NativeEndian.PutUint32(body, uint32(-int32(e)))
	return msg(nlmsg.Error, 0, 0, body)
}

func TestCollectFake(t *testing.T) {
	type want struct {
		ports       []uint16
		log         []string
		partial     string // text the *PartialError must contain
		unavailable bool
		fatal       string
	}
	tests := []struct {
		name  string
		q     collect.Query
		reply func(fam, proto, ext uint8, attempt int) [][]byte
		want  want
	}{{
		name: "all four tables, info only for tcp",
		q:    collect.Query{TCPInfo: true},
		reply: func(fam, proto, _ uint8, _ int) [][]byte {
			return [][]byte{rows(fam, 0, uint16(fam)*100+uint16(proto)), done()}
		},
		want: want{ports: []uint16{206, 1006, 217, 1017}, log: []string{"tcp+info", "tcp6+info", "udp", "udp6"}},
	}, {
		name: "only the tables asked, in several datagrams",
		q:    collect.Query{Kinds: collect.UDP6 | collect.TCP4},
		reply: func(fam, _, _ uint8, _ int) [][]byte {
			return [][]byte{rows(fam, 0, 1, 2), rows(fam, 0, 3), done()}
		},
		want: want{ports: []uint16{1, 2, 3, 1, 2, 3}, log: []string{"tcp", "udp6"}},
	}, {
		name: "interrupted once, retried from scratch",
		q:    collect.Query{Kinds: collect.TCP4},
		reply: func(fam, _, _ uint8, attempt int) [][]byte {
			if attempt == 0 {
				return [][]byte{rows(fam, nlmsg.FDumpIntr, 1, 2), done()}
			}
			return [][]byte{rows(fam, 0, 3), done()}
		},
		want: want{ports: []uint16{3}, log: []string{"tcp", "tcp"}},
	}, {
		name: "interrupted every time: rows of the last dump plus a partial error",
		q:    collect.Query{Kinds: collect.TCP6 | collect.UDP4},
		reply: func(fam, proto, _ uint8, attempt int) [][]byte {
			if proto == 17 {
				return [][]byte{rows(fam, 0, 9), done()}
			}
			return [][]byte{rows(fam, 0, uint16(attempt)), msg(nlmsg.Done, nlmsg.FMulti|nlmsg.FDumpIntr, 0, make([]byte, 4))}
		},
		want: want{ports: []uint16{2, 9}, log: []string{"tcp6", "tcp6", "tcp6", "udp"}, partial: "dumping tcp6: the table kept changing during 3 dumps"},
	}, {
		name: "a bad message keeps the rows around it",
		q:    collect.Query{Kinds: collect.UDP4},
		reply: func(fam, _, _ uint8, _ int) [][]byte {
			return [][]byte{bytes.Join([][]byte{rows(fam, 0, 1), msg(sockDiagByFamily, 0, 0, make([]byte, 10)), rows(fam, 0, 2)}, nil), done()}
		},
		want: want{ports: []uint16{1, 2}, log: []string{"udp"}, partial: "dumping udp: netlink message 1 (type 20): inet_diag_msg of 10 bytes"},
	}, {
		name: "IPv6 disabled: no IPv6 rows, no error",
		reply: func(fam, _, _ uint8, _ int) [][]byte {
			if fam == 10 {
				return [][]byte{errReply(syscall.EAFNOSUPPORT)}
			}
			return [][]byte{rows(fam, 0, 1), done()}
		},
		want: want{ports: []uint16{1, 1}, log: []string{"tcp", "tcp6", "udp", "udp6"}},
	}, {
		name: "no udp_diag module: unavailable",
		reply: func(fam, proto, _ uint8, _ int) [][]byte {
			if proto == 17 {
				return [][]byte{errReply(syscall.ENOENT)}
			}
			return [][]byte{rows(fam, 0, 1), done()}
		},
		want: want{log: []string{"tcp", "tcp6", "udp"}, unavailable: true},
	}, {
		name: "forbidden: unavailable",
		reply: func(uint8, uint8, uint8, int) [][]byte {
			return [][]byte{errReply(syscall.EPERM)}
		},
		want: want{log: []string{"tcp"}, unavailable: true},
	}, {
		name: "another kernel error is fatal",
		reply: func(fam, _, _ uint8, _ int) [][]byte {
			return [][]byte{rows(fam, 0, 1), msg(nlmsg.Done, nlmsg.FMulti, 0, errReply(syscall.ENOMEM)[16:20])}
		},
		want: want{log: []string{"tcp"}, fatal: "sock_diag: dumping tcp: netlink: kernel replied cannot allocate memory"},
	}, {
		name: "the reply stops before NLMSG_DONE",
		q:    collect.Query{Kinds: collect.UDP4},
		reply: func(fam, _, _ uint8, _ int) [][]byte {
			return [][]byte{rows(fam, 0, 1)}
		},
		want: want{log: []string{"udp"}, fatal: "dumping udp: receiving: fake: read with nothing queued"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeConn(tt.reply)
			socks, err := (&Collector{}).collect(context.Background(), fc, tt.q)
			if diff := cmp.Diff(tt.want.ports, ports(socks)); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want.log, fc.log); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			switch {
			case tt.want.partial != "":
				if !collect.IsPartial(err) || !strings.Contains(err.Error(), tt.want.partial) {
					t.Errorf("err = %v, want a partial error containing %q", err, tt.want.partial)
				}
			case tt.want.unavailable:
				if !errors.Is(err, ErrUnavailable) || socks != nil {
					t.Errorf("err = %v with %d rows, want ErrUnavailable and no rows", err, len(socks))
				}
			case tt.want.fatal != "":
				if err == nil || collect.IsPartial(err) || errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), tt.want.fatal) {
					t.Errorf("err = %v, want a fatal error containing %q", err, tt.want.fatal)
				}
			case err != nil:
				t.Errorf("err = %v, want none", err)
			}
		})
	}
}

func TestCollectFakeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	fc := newFakeConn(func(fam, _, _ uint8, _ int) [][]byte {
		cancel() // the kernel has answered, but the caller gave up
		return [][]byte{rows(fam, 0, 1), done()}
	})
	socks, err := (&Collector{}).collect(ctx, fc, collect.Query{})
	if !errors.Is(err, context.Canceled) || socks != nil {
		t.Errorf("got %d rows, err %v; want none and context.Canceled", len(socks), err)
	}
}
