// hostile_linux_test.go plays the attack of issue 11 for real: a veth
// named with a quote, an escape sequence and a byte that is not UTF-8, a
// link-local socket on it, then root runs gonetstat over every namespace.

package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/internal/safetext/safetexttest"
	"github.com/gonetstat/gonetstat/internal/testenv"
)

// hostileIfName is the interface name an unprivileged user may give a
// veth in a namespace of their own (8 bytes: IFNAMSIZ allows 15; the
// kernel refuses only '/', ':', whitespace and "."/".."): a quote that
// ends a JSON string, ESC [7m (reverse video), and a lone 0xff.
const hostileIfName = "q\"\x1b[7mx\xff"

// TestIntegrationHostileZone: a UDP socket bound to fe80::1%<hostile
// veth> inside a namespace the test makes. "gonetstat -ano --all-netns
// --json" exits 0 with valid JSON whose local_address is the address, '%'
// and the name escaped back (0xff as U+FFFD, docs/json.md); the text table
// shows the row with the name's unsafe bytes as '?', and neither output
// carries an ESC, a 0xff or any other control byte.
func TestIntegrationHostileZone(t *testing.T) {
	ns := testenv.NewNetns(t, fmt.Sprintf("gnst-hostile%d-", os.Getpid()))
	peer := fmt.Sprintf("gnsth%d", os.Getpid()%1000000)
	for _, args := range [][]string{
		{"link", "add", hostileIfName, "type", "veth", "peer", "name", peer},
		{"link", "set", peer, "up"},
		{"link", "set", hostileIfName, "up"},
		// nodad: the address is usable at once, not tentative.
		{"-6", "addr", "add", "fe80::1/64", "dev", hostileIfName, "nodad"},
	} {
		testenv.Run(t, "ip", append([]string{"-n", ns}, args...)...)
	}

	// The socket is opened on a thread inside the namespace, so it lives
	// there (and stays there) though this process runs in ours: what a
	// process of that namespace holding it would show, minus a child.
	var fd, port int
	testenv.InNetns(t, ns, func() {
		ifi, err := net.InterfaceByName(hostileIfName)
		if err != nil {
			t.Errorf("interface %q in %s: %v", hostileIfName, ns, err)
			return
		}
		fd, err = unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Errorf("socket: %v", err)
			return
		}
		sa := &unix.SockaddrInet6{ZoneId: uint32(ifi.Index), Addr: netip.MustParseAddr("fe80::1").As16()}
		if err := unix.Bind(fd, sa); err != nil {
			t.Errorf("bind [fe80::1%%%q]:0: %v", hostileIfName, err)
			return
		}
		got, err := unix.Getsockname(fd)
		if err != nil {
			t.Errorf("getsockname: %v", err)
			return
		}
		port = got.(*unix.SockaddrInet6).Port
	})
	if fd > 0 {
		t.Cleanup(func() { unix.Close(fd) })
	}
	if t.Failed() {
		t.FailNow()
	}

	stdout, stderr, code := run(t, "-ano", "--all-netns", "--json")
	safetexttest.CheckLines(t, "stderr of --json", []byte(stderr))
	if code != 0 {
		t.Fatalf("gonetstat -ano --all-netns --json: exit %d, stderr:\n%q", code, stderr)
	}
	if !json.Valid([]byte(stdout)) {
		t.Fatalf("gonetstat -ano --all-netns --json wrote invalid JSON:\n%q", stdout)
	}
	// The raw document carries no control byte either (cat-ing it is safe).
	safetexttest.CheckLines(t, "--json output", []byte(stdout))
	var doc struct {
		Sockets []nsJSONSocket `json:"sockets"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	wantAddr := "fe80::1%" + safetexttest.Decoded(hostileIfName)
	found := false
	for _, s := range doc.Sockets {
		if s.NetNSName != ns || s.Proto != "udp" || s.LocalPort != uint16(port) {
			continue
		}
		found = true
		if s.LocalAddress != wantAddr {
			t.Errorf("local_address = %q, want %q", s.LocalAddress, wantAddr)
		}
	}
	if !found {
		t.Errorf("no udp row on port %d in namespace %s:\n%q", port, ns, stdout)
	}

	stdout, stderr, code = run(t, "-ano", "--all-netns")
	safetexttest.CheckLines(t, "stderr of the text table", []byte(stderr))
	if code != 0 {
		t.Fatalf("gonetstat -ano --all-netns: exit %d, stderr:\n%q", code, stderr)
	}
	safetexttest.CheckLines(t, "the text table", []byte(stdout))
	if want := "[fe80::1%q\"?[7mx?]:" + strconv.Itoa(port); !strings.Contains(stdout, want) {
		t.Errorf("no %q in the table:\n%q", want, stdout)
	}
}
