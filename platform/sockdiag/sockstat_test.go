// sockstat_test.go tests the row estimate on real sockstat text.

package sockdiag

import (
	"testing"

	"github.com/gonetstat/gonetstat/collect"
)

// Captured in the namespace of bench/load -tcp 100000 (110,000 sockets:
// ss counted 75,058 + 24,942 TCP and 7,500 + 2,500 UDP).
const (
	sockstat = `sockets: used 110000
TCP: inuse 75058 orphan 0 tw 0 alloc 100004 mem 1925
UDP: inuse 7500 mem 0
UDPLITE: inuse 0
RAW: inuse 0
FRAG: inuse 0 memory 0
`
	sockstat6 = `TCP6: inuse 24942
UDP6: inuse 2500
UDPLITE6: inuse 0
RAW6: inuse 0
FRAG6: inuse 0 memory 0
`
)

func TestSizeHint(t *testing.T) {
	for _, tc := range []struct {
		name    string
		st, st6 string
		kinds   collect.Kind
		want    int
	}{
		{"all", sockstat, sockstat6, collect.AllKinds, 110000},
		{"zero means all", sockstat, sockstat6, 0, 110000},
		{"tcp4", sockstat, sockstat6, collect.TCP4, 75058},
		{"tcp6", sockstat, sockstat6, collect.TCP6, 24942},
		{"udp", sockstat, sockstat6, collect.UDP4 | collect.UDP6, 10000},
		{"no ipv6", sockstat, "", collect.AllKinds, 75058 + 7500},
		{"tcp6 alone gets the TIME_WAITs", "TCP: inuse 3 orphan 0 tw 7\n", "TCP6: inuse 2\n", collect.TCP6, 2 + 7},
		{"both tcp count tw once", "TCP: inuse 3 orphan 0 tw 7\n", "TCP6: inuse 2\n", collect.TCP4 | collect.TCP6, 3 + 7 + 2},
		{"empty", "", "", collect.AllKinds, 0},
		{"not a number", "TCP: inuse 7x tw 1\n", "", collect.TCP4, 1},
		{"key without value", "TCP: inuse\n", "", collect.TCP4, 0},
		{"huge", "TCP: inuse 99999999999999999999999 tw 0\n", "", collect.TCP4, 0},
		{"bounded", "TCP: inuse 4194304 tw 4194304\n", "", collect.TCP4, maxHint},
	} {
		if got := SizeHint([]byte(tc.st), []byte(tc.st6), tc.kinds); got != tc.want {
			t.Errorf("%s: SizeHint = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func FuzzSizeHint(f *testing.F) {
	f.Add([]byte(sockstat), []byte(sockstat6))
	f.Add([]byte("TCP: inuse 1 tw"), []byte("TCP6:"))
	f.Fuzz(func(t *testing.T, st, st6 []byte) {
		for _, k := range []collect.Kind{0, collect.TCP4, collect.TCP6, collect.UDP4 | collect.UDP6} {
			if n := SizeHint(st, st6, k); n < 0 || n > maxHint {
				t.Fatalf("SizeHint = %d, outside [0, %d]", n, maxHint)
			}
		}
	})
}
