// stats_test.go checks the -e report against golden files, and the
// rules: loopback is not in the totals, totals do not wrap, names cannot
// drive the terminal.

package render

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

func statsGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", file, diff)
	}
	if bytes.Contains(got, []byte("\r")) {
		t.Errorf("%s: CR in the output", name)
	}
}

func testInterfaces() []collect.InterfaceCounters {
	return []collect.InterfaceCounters{
		{Name: "lo", Loopback: true, RxBytes: 204353, RxPackets: 3192, TxBytes: 204353, TxPackets: 3192},
		{Name: "eth0", RxBytes: 55257100, RxPackets: 41708, RxErrors: 2, RxDrops: 7, RxMulticast: 310, TxBytes: 139008, TxPackets: 1324, TxDrops: 1},
		{Name: "wlp0s20f3", RxBytes: 18446744073709551615, RxPackets: 10, RxMulticast: 4, TxBytes: 2000, TxPackets: 20, TxErrors: 3},
	}
}

func TestInterfaceStatsGolden(t *testing.T) {
	var b bytes.Buffer
	if err := InterfaceStats(&b, testInterfaces()[:2]); err != nil {
		t.Fatal(err)
	}
	statsGolden(t, "stats_e.txt", b.Bytes())
	// A 20-digit total widens the columns instead of running into them,
	// and a total past 2^64 does not wrap.
	b.Reset()
	if err := InterfaceStats(&b, testInterfaces()); err != nil {
		t.Fatal(err)
	}
	statsGolden(t, "stats_e_wide.txt", b.Bytes())
	if !strings.Contains(b.String(), "Bytes               18446744073764808715") {
		t.Errorf("wrong total:\n%s", b.String())
	}
}

func TestInterfaceStatsTotalsLeaveOutLoopback(t *testing.T) {
	var b bytes.Buffer
	ifs := testInterfaces()[:1] // loopback only
	if err := InterfaceStats(&b, ifs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\nBytes                             0               0\n") {
		t.Errorf("loopback counted in the totals:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "\nlo           204353") {
		t.Errorf("loopback missing from the table:\n%s", b.String())
	}
}

func TestInterfaceStatsEscapesNames(t *testing.T) {
	var b bytes.Buffer
	if err := InterfaceStats(&b, []collect.InterfaceCounters{{Name: "ev\x1b[2Jil"}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "\x1b") || !strings.Contains(b.String(), `ev\x1b[2Jil`) {
		t.Errorf("name not escaped:\n%q", b.String())
	}
}
