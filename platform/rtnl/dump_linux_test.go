// dump_linux_test.go drives the dump loop with a fake netlink socket:
// retries of interrupted dumps, partial tables, kernel refusals.

package rtnl

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/platform/nlmsg"
	"github.com/gonetstat/gonetstat/platform/nlmsg/nltest"
)

// fakeConn answers each request with the datagram reply returns for its
// type, family and how many times that dump was asked for, through an
// nltest.Conn, which stamps the request's sequence.
type fakeConn struct {
	nltest.Conn
	reply func(typ uint16, family uint8, try int) []byte
	tries map[[2]int]int
}

func newFakeConn(reply func(typ uint16, family uint8, try int) []byte) *fakeConn {
	f := &fakeConn{reply: reply, tries: map[[2]int]int{}}
	f.Reply = func(req []byte) [][]byte {
		typ, fam := native.Uint16(req[4:]), req[nlmsg.HdrLen]
		k := [2]int{int(typ), int(fam)}
		f.tries[k]++
		return [][]byte{f.reply(typ, fam, f.tries[k])}
	}
	return f
}

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func route4(dst byte) []byte {
	return msg(RTMNewRoute, 0, rtmsg(afInet, 24, 254, 4, 1), attr(rtaDst, 198, 18, dst, 0), attr(rtaOif, u32(7)...))
}

func TestDumpRetriesInterrupted(t *testing.T) {
	done := msg(nlmsg.Done, 0, u32(0))
	f := newFakeConn(func(typ uint16, fam uint8, try int) []byte {
		switch {
		case typ == RTMGetLink && try < 3:
			// Changing while dumped: a name that will be gone.
			l := link(7, "old")
			native.PutUint16(l[6:], nlmsg.FDumpIntr)
			return cat(l, done)
		case typ == RTMGetLink:
			return cat(link(7, "veth0"), done)
		case typ == RTMGetRoute && fam == afInet:
			return cat(route4(6), route4(7), done)
		}
		return done
	})
	tab, err := dumpAll(context.Background(), f, make([]byte, nlmsg.RecvBufSize))
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Interfaces) != 1 || tab.Interfaces[0].Name != "veth0" {
		t.Errorf("interfaces %+v: want only the third dump's veth0", tab.Interfaces)
	}
	if len(tab.IPv4) != 2 || tab.IPv4[0].IfName != "veth0" {
		t.Errorf("IPv4 routes %+v", tab.IPv4)
	}
	if f.tries[[2]int{RTMGetLink, afUnspec}] != 3 {
		t.Errorf("link dump asked %d times, want 3", f.tries[[2]int{RTMGetLink, afUnspec}])
	}
}

func TestDumpPartial(t *testing.T) {
	done := msg(nlmsg.Done, 0, u32(0))
	f := newFakeConn(func(typ uint16, fam uint8, try int) []byte {
		switch {
		case typ == RTMGetLink:
			return cat(link(7, "veth0"), done)
		case typ == RTMGetAddr:
			// One address with a broken attribute beside a good one.
			bad := msg(RTMNewAddr, 0, []byte{afInet, 24, 0, 0, 7, 0, 0, 0}, attr(ifaLocal, 1, 2))
			good := msg(RTMNewAddr, 0, []byte{afInet, 24, 0, 0, 7, 0, 0, 0}, attr(ifaLocal, 198, 18, 5, 1))
			return cat(bad, good, done)
		case typ == RTMGetRoute && fam == afInet:
			r := route4(6) // interrupted every time
			native.PutUint16(r[6:], nlmsg.FDumpIntr)
			return cat(r, done)
		}
		return done
	})
	tab, err := dumpAll(context.Background(), f, make([]byte, nlmsg.RecvBufSize))
	var pe *collect.PartialError
	if !errors.As(err, &pe) || len(pe.Problems) != 2 {
		t.Fatalf("err = %v, want a PartialError of two problems", err)
	}
	for _, want := range []string{"dumping addresses (RTM_GETADDR): netlink message 0 (type 20): IFA_LOCAL of 2 bytes",
		"dumping IPv4 routes (RTM_GETROUTE): the table kept changing during 3 dumps"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to say %q", err, want)
		}
	}
	if len(tab.Interfaces) != 1 || len(tab.Interfaces[0].Addrs) != 1 || len(tab.IPv4) != 1 {
		t.Errorf("what could be read was not kept: %+v", tab)
	}
}

func TestDumpRefused(t *testing.T) {
	done := msg(nlmsg.Done, 0, u32(0))
	refuse := func(errno syscall.Errno) []byte {
		return msg(nlmsg.Error, 0, native.AppendUint32(nil, uint32(-int32(errno))))
	}
	// IPv6 off in the kernel: no IPv6 table, and no error.
	f := newFakeConn(func(typ uint16, fam uint8, try int) []byte {
		if fam == afInet6 {
			return refuse(syscall.EAFNOSUPPORT)
		}
		return cat(link(7, "veth0"), done)
	})
	if tab, err := dumpAll(context.Background(), f, make([]byte, nlmsg.RecvBufSize)); err != nil || tab.IPv6 != nil {
		t.Errorf("without IPv6: %+v, %v", tab, err)
	}
	// Any other refusal is the error, naming the dump.
	f = newFakeConn(func(typ uint16, fam uint8, try int) []byte {
		if typ == RTMGetRoute {
			return refuse(syscall.EPERM)
		}
		return done
	})
	_, err := dumpAll(context.Background(), f, make([]byte, nlmsg.RecvBufSize))
	if !errors.Is(err, syscall.EPERM) || !strings.Contains(err.Error(), "dumping IPv4 routes (RTM_GETROUTE)") {
		t.Errorf("err = %v", err)
	}
}

// TestDumpStopsWhenCtxEnds: Ctrl-C in the middle of -r (here: while the
// routes are asked for, after the links were read) ends the dump with
// ctx's error and no table, not a half table or "a failed dump".
func TestDumpStopsWhenCtxEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := msg(nlmsg.Done, 0, u32(0))
	f := newFakeConn(func(typ uint16, fam uint8, try int) []byte {
		if typ == RTMGetRoute {
			cancel()
			return route4(6) // the rest of the dump never comes
		}
		return cat(link(7, "veth0"), done)
	})
	tab, err := dumpAll(ctx, f, make([]byte, nlmsg.RecvBufSize))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("dumpAll after ctx ended: err = %v, want context.Canceled", err)
	}
	if len(tab.Interfaces)+len(tab.IPv4)+len(tab.IPv6) != 0 {
		t.Errorf("dumpAll after ctx ended returned a partial table %+v", tab)
	}
}
