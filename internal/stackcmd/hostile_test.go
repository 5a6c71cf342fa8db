// hostile_test.go checks that the stack demo's side-by-side table shows
// hostile interface names (the zones of its addresses) only as safetext
// allows.

package stackcmd

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/safetext"
	"github.com/gonetstat/gonetstat/internal/safetext/safetexttest"
)

func TestDemoTableHostileZones(t *testing.T) {
	for _, name := range safetexttest.Names {
		zoned := func(a string, port uint16) netip.AddrPort {
			return netip.AddrPortFrom(netip.MustParseAddr(a).WithZone(name), port)
		}
		k := collect.Socket{Proto: collect.ProtoTCP, Family: collect.FamilyIPv6, State: collect.StateEstablished,
			Local: zoned("fe80::1", 40000), Remote: zoned("fe80::2", 80), Owner: &collect.Process{PID: 42, Name: name}}
		s := collect.Socket{Proto: collect.ProtoTCP, Family: collect.FamilyIPv6, State: collect.StateEstablished,
			Local: zoned("fe80::2", 80), Remote: zoned("fe80::1", 40000), Stack: &collect.StackInfo{FD: 3},
			Source: collect.Source{Kind: "stack", Name: name}}
		conns := pairEnds([]collect.Socket{k}, []collect.Socket{s})
		if len(conns) != 1 {
			t.Fatalf("%q: %d connections, want the pair", name, len(conns))
		}
		var out bytes.Buffer
		if err := writeSideBySide(&out, conns); err != nil {
			t.Fatal(err)
		}
		safetexttest.CheckLines(t, safetext.Text(name), out.Bytes())
		if want := "[fe80::1%" + safetext.Text(name) + "]:40000"; !strings.Contains(out.String(), want) {
			t.Errorf("%q: no %q in\n%s", name, want, out.String())
		}
	}
}
