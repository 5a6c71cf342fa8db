// parse_test.go tests the parser on a file captured on a Linux 6.18 host
// and on malformed input.

package netcounters

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestParseDevCaptured(t *testing.T) {
	got, err := ParseDev(mustRead(t, "dev"))
	if err != nil {
		t.Fatal(err)
	}
	want := []collect.InterfaceCounters{
		{Name: "lo", Loopback: true, RxBytes: 204353, RxPackets: 3192, TxBytes: 204353, TxPackets: 3192},
		{Name: "ifb0"}, {Name: "ifb1"},
		{Name: "eth0", RxBytes: 55257100, RxPackets: 1708, TxBytes: 139008, TxPackets: 1324},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestParseDevColumns: every kept column is read from its own place, and
// the columns are found by name (a column added to the header does not
// shift the others).
func TestParseDevColumns(t *testing.T) {
	in := "Inter-|   Receive                                                |  Transmit\n" +
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
		"  eth1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n" +
		"veth9a:18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	got, err := ParseDev([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []collect.InterfaceCounters{
		{Name: "eth1", RxBytes: 1, RxPackets: 2, RxErrors: 3, RxDrops: 4, RxMulticast: 8, TxBytes: 9, TxPackets: 10, TxErrors: 11, TxDrops: 12},
		{Name: "veth9a", RxBytes: 1<<64 - 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	moved := strings.Replace(in, "bytes    packets errs drop fifo", "bytes    packets errs drop newcol fifo", 1)
	moved = strings.Replace(moved, "1 2 3 4 5 6", "1 2 3 4 99 5 6", 1)
	moved = strings.Replace(moved, "615 0 0 0 0", "615 0 0 0 99 0", 1)
	got, err = ParseDev([]byte(moved))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("with a new column (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	long := "Inter-| Receive | Transmit\n" + strings.Repeat("A", MaxLineLen+1) + "\n"
	for _, tt := range []struct {
		name, in, want string
		parse          func([]byte) error
	}{
		{"dev long line", long, "line 2: longer than", dev},
		{"dev header", "lo: 1 2\n", "line 1: not the /proc/net/dev header", dev},
		{"dev no header", "", "line 1: no /proc/net/dev header", dev},
		{"dev columns", "Inter-| Receive | Transmit\n face |bytes packets|bytes packets\n", `line 2: no receive column "errs"`, dev},
		{"dev count", string(mustRead(t, "dev")) + "  eth9: 1 2 3\n", "line 7: eth9: 3 values, want 16", dev},
		{"dev value", string(mustRead(t, "dev")) + "  eth9: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -1\n", `line 7: eth9: bad value "-1"`, dev},
		{"dev name", string(mustRead(t, "dev")) + "  : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n", `line 7: bad interface name ""`, dev},
		{"dev colon", string(mustRead(t, "dev")) + "eth9 1 2\n", `line 7: no "name:"`, dev},
	} {
		err := tt.parse([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func dev(b []byte) error { _, err := ParseDev(b); return err }

// The fuzz target: the parser never panics, an error names its line, and a
// result (iff no error) is consistent with the input.

func FuzzParseDev(f *testing.F) {
	f.Add(mustRead(f, "dev"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ifs, err := ParseDev(data)
		if err != nil {
			if ifs != nil || !strings.HasPrefix(err.Error(), "netcounters: line ") {
				t.Fatalf("rows %v with error %v", ifs, err)
			}
			return
		}
		if lines := bytes.Count(data, []byte("\n")) + 1; len(ifs) > lines-2 {
			t.Fatalf("%d interfaces from %d lines", len(ifs), lines)
		}
		for _, i := range ifs {
			if i.Name == "" || !bytes.Contains(data, []byte(i.Name)) || i.Loopback != (i.Name == "lo") {
				t.Fatalf("bad row %+v", i)
			}
		}
	})
}
