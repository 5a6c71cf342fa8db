// bound_linux_test.go tests the bound, inactive TCP sockets (netstat -q):
// the state bit the dumps ask for, the state the decoder gives them, and,
// live, that a socket bound without listening is listed only when asked.

package sockdiag

import (
	"context"
	"encoding/binary"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/platform/nlmsg"
	"github.com/gonetstat/gonetstat/platform/nlmsg/nltest"
)

// TestCollectBoundMask: the bind-hash walk (BoundInactive) is asked for in
// the TCP dumps when the query wants bound sockets, never otherwise, and
// never for UDP, which has no such state.
func TestCollectBoundMask(t *testing.T) {
	for _, bound := range []bool{false, true} {
		masks := map[collect.Kind]uint32{}
		fc := &nltest.Conn{Reply: func(req []byte) [][]byte {
			r := req[nlmsg.HdrLen:]
			k := collect.KindOf(collect.Proto(r[1]), collect.Family(r[0]))
			masks[k] = binary.NativeEndian.Uint32(r[4:])
			return [][]byte{done()}
		}}
		if _, err := (&Collector{}).collect(context.Background(), fc, collect.Query{Bound: bound}); err != nil {
			t.Fatal(err)
		}
		for _, k := range []collect.Kind{collect.TCP4, collect.TCP6, collect.UDP4, collect.UDP6} {
			want := uint32(AllStates) &^ BoundInactive
			if bound && k.Proto() == collect.ProtoTCP {
				want = AllStates
			}
			if masks[k] != want {
				t.Errorf("Bound=%v: %v asks for states %#x, want %#x", bound, k, masks[k], want)
			}
		}
	}
}

// TestDecodeBoundInactive: a TCP row in TCP_CLOSE is a bound, inactive
// socket; a UDP row in TCP_CLOSE is an unconnected UDP socket, as ever.
func TestDecodeBoundInactive(t *testing.T) {
	for _, tt := range []struct {
		proto uint8
		want  collect.State
	}{{6, collect.StateBoundInactive}, {17, collect.StateClose}} {
		d := Decoder{Proto: tt.proto}
		s, err := d.decodeMsg(nlmsg.Message{Type: sockDiagByFamily, Data: diag(6000, uint8(collect.StateClose))})
		if err != nil {
			t.Fatal(err)
		}
		if s.State != tt.want {
			t.Errorf("protocol %d in TCP_CLOSE: state %v, want %v", tt.proto, s.State, tt.want)
		}
	}
}

// kernelAtLeast reports whether this kernel's release is at least
// major.minor.
func kernelAtLeast(t *testing.T, major, minor int) bool {
	t.Helper()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	rel := unix.ByteSliceToString(u.Release[:])
	parts := strings.SplitN(rel, ".", 3)
	if len(parts) < 2 {
		t.Fatalf("kernel release %q", rel)
	}
	// The minor number may carry a suffix ("8-rc1" has none here, but
	// a vendor's "8foo" might): read its leading digits.
	digits := strings.IndexFunc(parts[1]+"x", func(r rune) bool { return r < '0' || r > '9' })
	maj, err1 := strconv.Atoi(parts[0])
	min, err2 := strconv.Atoi(parts[1][:digits])
	if err1 != nil || err2 != nil {
		t.Fatalf("kernel release %q", rel)
	}
	return maj > major || maj == major && min >= minor
}

// TestLiveBound binds a TCP socket to 127.0.0.1 without listening: from
// Linux 6.8 sock_diag lists it, as StateBoundInactive, when the query asks
// for bound sockets, and not otherwise. ListsBound agrees with what the
// dump shows.
func TestLiveBound(t *testing.T) {
	fd, port := testenv.BoundTCP(t)
	local := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(port))
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}

	lists, err := ListsBound(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if kernelAtLeast(t, 6, 8) && !lists {
		t.Errorf("ListsBound = false on Linux 6.8 or later")
	}
	find := func(bound bool) *collect.Socket {
		socks, err := (&Collector{}).Collect(context.Background(), collect.Query{Kinds: collect.TCP4, Bound: bound})
		if err != nil {
			t.Fatal(err)
		}
		for i := range socks {
			if socks[i].Inode == st.Ino {
				return &socks[i]
			}
		}
		return nil
	}
	if s := find(false); s != nil {
		t.Errorf("a bound socket is listed without Query.Bound: %+v", s)
	}
	s := find(true)
	if s == nil {
		if lists {
			t.Fatalf("ListsBound says yes, but a dump with Query.Bound lacks inode %d", st.Ino)
		}
		testenv.SkipWithout(t, false, "a kernel whose sock_diag lists bound TCP sockets (Linux 6.8)")
	}
	if !lists {
		t.Errorf("ListsBound says no, but the dump lists inode %d", st.Ino)
	}
	if s.State != collect.StateBoundInactive || s.Local != local || s.Remote != netip.AddrPortFrom(netip.IPv4Unspecified(), 0) {
		t.Errorf("bound socket: state %v, %v -> %v; want %v, %v -> 0.0.0.0:0", s.State, s.Local, s.Remote, collect.StateBoundInactive, local)
	}
}
