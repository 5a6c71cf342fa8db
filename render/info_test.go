// info_test.go tests the human units of the --info table and its
// columns for kernel and mini-stack rows.

package render

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

func TestHumanUnits(t *testing.T) {
	durations := []struct {
		d    time.Duration
		want string
	}{
		{0, "0ms"},
		{250 * time.Microsecond, "0.25ms"},
		{1250*time.Microsecond + 400*time.Nanosecond, "1.25ms"},
		{200 * time.Millisecond, "200ms"},
		{999999 * time.Microsecond, "999.999ms"},
		{time.Second, "1.0s"},
		{7187 * time.Millisecond, "7.2s"},
		{59*time.Minute + 59*time.Second, "3599.0s"},
		{time.Hour + 5*time.Minute, "1h05m"},
		{-5 * time.Millisecond, "-5ms"},
		{math.MinInt64, "-2562047h47m"},
	}
	for _, tt := range durations {
		if got := HumanDuration(tt.d); got != tt.want {
			t.Errorf("HumanDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	sizes := []struct {
		n    int64
		want string
	}{
		{0, "0B"}, {1023, "1023B"}, {1024, "1.0KiB"}, {266752, "260.5KiB"}, {5 << 20, "5.0MiB"}, {3 << 30, "3.0GiB"}, {-2048, "-2.0KiB"},
	}
	for _, tt := range sizes {
		if got := HumanBytes(tt.n); got != tt.want {
			t.Errorf("HumanBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// TestInfoColumns: a kernel row leaves the stack-only columns "-", a UDP
// row the TCP ones, an unknown send queue is "-", and every row has as
// many cells as the header.
func TestInfoColumns(t *testing.T) {
	socks := []collect.Socket{
		{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, State: collect.StateListen,
			TCP: &collect.TCPInfo{RTO: 1000000, SndCwnd: 10}},
		{Source: collect.Kernel, Proto: collect.ProtoTCP, Family: collect.FamilyIPv4, State: collect.StateListen,
			NoSendQ: true, RecvQ: 2, TCP: &collect.TCPInfo{RTO: 1000000, SndCwnd: 10}},
		{Source: collect.Source{Kind: "stack", Name: "s\x1b1"}, Proto: collect.ProtoUDP, Family: collect.FamilyIPv4, State: collect.StateClose,
			Owner: &collect.Process{PID: 9}, Stack: &collect.StackInfo{FD: -1, MemUsed: 100, MemLimit: 2048, Age: 3 * time.Second}},
	}
	var b strings.Builder
	if err := Info(&b, socks, InfoOptions{PID: true, Source: true, Stack: true}); err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for _, l := range strings.Split(b.String(), "\n") {
		if !strings.HasPrefix(l, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
	}
	want := [][]string{
		{"Proto", "Local Address", "Foreign Address", "State", "PID", "Source", "Send-Q", "Recv-Q", "RTT/RTTVar", "RTO", "Cwnd/Ssthresh", "MSS", "Unacked", "Retrans", "Timer", "Acked", "Received", "FD", "SND.UNA", "SND.NXT", "RCV.NXT", "SND.WND", "RCV.WND", "Mem used/limit", "Age"},
		{"TCP", "0.0.0.0:0", "0.0.0.0:0", "LISTENING", "-", "kernel", "0", "0", "0ms/0ms", "1.0s", "10/-", "0", "0", "0/0", "-", "0B", "0B", "-", "-", "-", "-", "-", "-", "-", "-"},
		{"TCP", "0.0.0.0:0", "0.0.0.0:0", "LISTENING", "-", "kernel", "-", "2", "0ms/0ms", "1.0s", "10/-", "0", "0", "0/0", "-", "0B", "0B", "-", "-", "-", "-", "-", "-", "-", "-"},
		{"UDP", "0.0.0.0:0", "0.0.0.0:0", "", "9", "stack:s?1", "0", "0", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "100B/2.0KiB", "3.0s"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("--info table (-want +got):\n%s\n%s", diff, b.String())
	}
}
