// units.go holds the 32-bit durations of TCPInfo.

package collect

import (
	"math"
	"time"
)

// Micros is a duration in whole microseconds, from 0 to MaxMicros (about
// 71.6 minutes). TCPInfo keeps its round-trip times and RTO in it: Linux
// struct tcp_info reports them as __u32 microseconds, so it holds every
// value sock_diag can send, in half the bytes of a time.Duration.
type Micros uint32

// MaxMicros is the longest Micros: 2^32-1 µs, about 71.6 minutes.
const MaxMicros Micros = math.MaxUint32

// MicrosOf converts d, rounding down to a whole microsecond; a negative d
// becomes 0 and one longer than MaxMicros becomes MaxMicros.
func MicrosOf(d time.Duration) Micros {
	return Micros(clampU32(d, time.Microsecond))
}

// Duration returns m as a time.Duration; it is always exact.
func (m Micros) Duration() time.Duration { return time.Duration(m) * time.Microsecond }

// String prints m as its Duration does ("1.25ms").
func (m Micros) String() string { return m.Duration().String() }

// Millis is a duration in whole milliseconds, from 0 to MaxMillis (about
// 49.7 days). TCPInfo keeps the time until its timer fires in it: a
// keepalive timer runs for up to 32767 s (TCP_KEEPIDLE's limit), too long
// for a Micros; sock_diag reports idiag_expires as __u32 milliseconds and
// /proc/net/tcp in 10 ms clock ticks, both of which it holds.
type Millis uint32

// MaxMillis is the longest Millis: 2^32-1 ms, about 49.7 days.
const MaxMillis Millis = math.MaxUint32

// MillisOf converts d, rounding down to a whole millisecond; a negative d
// becomes 0 and one longer than MaxMillis becomes MaxMillis.
func MillisOf(d time.Duration) Millis {
	return Millis(clampU32(d, time.Millisecond))
}

// Duration returns m as a time.Duration; it is always exact.
func (m Millis) Duration() time.Duration { return time.Duration(m) * time.Millisecond }

// String prints m as its Duration does ("7.187s").
func (m Millis) String() string { return m.Duration().String() }

// clampU32 counts the whole units in d, clamped to the range of a uint32.
func clampU32(d, unit time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	return uint32(min(d/unit, math.MaxUint32))
}
