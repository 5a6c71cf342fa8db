// units_test.go tests TCPInfo's size and its 32-bit durations.

package collect

import (
	"math"
	"testing"
	"time"
	"unsafe"
)

// TestTCPInfoSize: a dump keeps one TCPInfo per TCP row (100k rows, 6.4
// MB), and `gonetstat -ano --json` at 110k sockets has a 40 MiB peak RSS
// budget (docs/performance.md). The sock_diag decoder allocates them 64 at
// a time: 4096 bytes, a malloc size class, where the 88-byte struct of
// before took 5632 bytes of a 6144-byte one. A new field is a choice to
// make on purpose: find the bytes for it, or change this test and say in
// the commit what the memory budget pays for it.
func TestTCPInfoSize(t *testing.T) {
	if got := unsafe.Sizeof(TCPInfo{}); got != 64 {
		t.Errorf("unsafe.Sizeof(TCPInfo{}) = %d bytes, want 64: one is kept per TCP row, "+
			"and the -ano --json memory budget at 110k sockets counts on 64", got)
	}
}

func TestMicros(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want Micros
	}{
		{0, 0},
		{-time.Nanosecond, 0},
		{math.MinInt64, 0},
		{999 * time.Nanosecond, 0},
		{1999 * time.Nanosecond, 1}, // rounds down
		{1250 * time.Microsecond, 1250},
		{204 * time.Millisecond, 204000},
		{time.Duration(math.MaxUint32) * time.Microsecond, MaxMicros},
		{time.Duration(math.MaxUint32)*time.Microsecond + 999, MaxMicros},
		{time.Duration(math.MaxUint32+1) * time.Microsecond, MaxMicros}, // saturates
		{2 * time.Hour, MaxMicros},
		{math.MaxInt64, MaxMicros},
	}
	for _, tt := range tests {
		if got := MicrosOf(tt.in); got != tt.want {
			t.Errorf("MicrosOf(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
	if got, want := MaxMicros.Duration(), 71*time.Minute+34*time.Second+967295*time.Microsecond; got != want {
		t.Errorf("MaxMicros.Duration() = %v, want %v", got, want)
	}
	if got := Micros(1250).String(); got != "1.25ms" {
		t.Errorf("Micros(1250).String() = %q, want 1.25ms", got)
	}
}

func TestMillis(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want Millis
	}{
		{0, 0},
		{-5 * time.Millisecond, 0},
		{math.MinInt64, 0},
		{999 * time.Microsecond, 0},
		{7187*time.Millisecond + 999*time.Microsecond, 7187}, // rounds down
		{2 * time.Hour, 7200000},                             // a default keepalive, too long for Micros
		{32767 * time.Second, 32767000},                      // TCP_KEEPIDLE's limit
		{time.Duration(math.MaxUint32) * time.Millisecond, MaxMillis},
		{time.Duration(math.MaxUint32+1) * time.Millisecond, MaxMillis}, // saturates
		{math.MaxInt64, MaxMillis},
	}
	for _, tt := range tests {
		if got := MillisOf(tt.in); got != tt.want {
			t.Errorf("MillisOf(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
	if got, want := MaxMillis.Duration(), time.Duration(math.MaxUint32)*time.Millisecond; got != want || got < 49*24*time.Hour {
		t.Errorf("MaxMillis.Duration() = %v, want %v (over 49 days)", got, want)
	}
	if got := Millis(7187).String(); got != "7.187s" {
		t.Errorf("Millis(7187).String() = %q, want 7.187s", got)
	}
}
