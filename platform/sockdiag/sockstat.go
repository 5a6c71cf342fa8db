// sockstat.go estimates a dump's row count from /proc/net/sockstat and
// sockstat6, so the rows are decoded into one slice of the right size
// instead of one that doubles its way there (at 100,000 sockets the
// doubling copies ~40 MB and nearly doubles the peak memory).

package sockdiag

import (
	"bytes"

	"github.com/gonetstat/gonetstat/collect"
)

// maxHint bounds the estimate, so a hostile or corrupt file cannot make us
// allocate gigabytes up front; a larger table still decodes, by growing.
const maxHint = 1 << 22

// SizeHint returns how many rows a dump of kinds will give, from the
// contents of /proc/net/sockstat and /proc/net/sockstat6 of the same
// namespace: "TCP: inuse" (IPv4 sockets, listeners and accept-queue
// children included), "TCP6: inuse", "tw" (TIME_WAIT of both families,
// counted into each TCP table asked for) and "UDP: inuse", "UDP6: inuse".
// Request sockets are not counted anywhere; the result is an estimate, 0
// when nothing could be read, and at most maxHint.
func SizeHint(sockstat, sockstat6 []byte, kinds collect.Kind) int {
	if kinds == 0 {
		kinds = collect.AllKinds
	}
	tcp := sockstatField(sockstat, "TCP:", "inuse")
	tw := sockstatField(sockstat, "TCP:", "tw")
	udp := sockstatField(sockstat, "UDP:", "inuse")
	tcp6 := sockstatField(sockstat6, "TCP6:", "inuse")
	udp6 := sockstatField(sockstat6, "UDP6:", "inuse")
	n := 0
	if kinds&collect.TCP4 != 0 {
		n += tcp + tw
	}
	if kinds&collect.TCP6 != 0 {
		n += tcp6
		if kinds&collect.TCP4 == 0 {
			n += tw
		}
	}
	if kinds&collect.UDP4 != 0 {
		n += udp
	}
	if kinds&collect.UDP6 != 0 {
		n += udp6
	}
	return min(n, maxHint)
}

// sockstatField returns the number after key on the line starting with
// label ("TCP: inuse 5 orphan 0 tw 2 ..."), or 0 when there is none or it
// is not a plain decimal below maxHint.
func sockstatField(b []byte, label, key string) int {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		rest, ok := bytes.CutPrefix(line, []byte(label))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		for i := 0; i+1 < len(f); i += 2 {
			if string(f[i]) != key {
				continue
			}
			v := 0
			for _, c := range f[i+1] {
				if c < '0' || c > '9' || v > maxHint {
					return 0
				}
				v = v*10 + int(c-'0')
			}
			return min(v, maxHint)
		}
		return 0
	}
	return 0
}
