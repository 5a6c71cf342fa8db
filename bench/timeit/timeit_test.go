// timeit_test.go tests the row counters, the section rewrite and the
// target checks of the report.

package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCountRows(t *testing.T) {
	for _, tc := range []struct {
		mode, out string
		want      int
		wantErr   bool
	}{
		{"text", "\nActive Connections\n\n  Proto  Local Address\n  TCP    1.2.3.4:1  5.6.7.8:2  ESTABLISHED  7\n  UDP    0.0.0.0:53  *:*  9\n", 2, false},
		{"netstat", "Active Internet connections (servers and established)\nProto Recv-Q\ntcp 0 0 x\ntcp6 0 0 y\nudp 0 0 z\n", 3, false},
		{"ss", "Netid State\ntcp ESTAB\nudp UNCONN\n", 2, false},
		{"ss", "tcp ESTAB\n", 0, true},
		{"lines", "a\n\nb\nc", 3, false},
		{"json", `{"schema":"x","sockets":[{"a":1},{"a":2}]}`, 2, false},
		{"json", `{"sockets":[`, 0, true},
		{"bogus", "", 0, true},
	} {
		got, err := countRows(tc.mode, []byte(tc.out))
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("countRows(%s, %q) = %d, %v; want %d, error %v", tc.mode, tc.out, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestReplaceSection(t *testing.T) {
	beginMark, endMark := marks(runSection)
	for _, tc := range []struct{ name, doc, want string }{
		{"appended", "# P\n\ntext\n", "# P\n\ntext\n\n" + beginMark + "\nNEW\n" + endMark + "\n"},
		{"replaced", "# P\n" + beginMark + "\nOLD\n" + endMark + "\nafter\n", "# P\n" + beginMark + "\nNEW\n" + endMark + "\nafter\n"},
	} {
		got, err := replaceSection([]byte(tc.doc), runSection, []byte("NEW\n"))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.want, string(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	if _, err := replaceSection([]byte(endMark+"\n"+beginMark), runSection, nil); err == nil {
		t.Error("markers out of order: no error")
	}
}

func TestTargets(t *testing.T) {
	res := func(n int, label, tool string, wall, rss float64) Result {
		return Result{N: n, Label: label, Tool: tool, Sockets: n, Wall: []float64{wall, wall * 2, wall / 2}, CPU: []float64{wall}, RSS: []float64{rss}}
	}
	results := []Result{
		res(1000, baseLabel, toolANO, 0.020, 6),
		res(100000, baseLabel, toolANO, 0.6, 30),
		res(100000, baseLabel, toolAN, 0.3, 25),
		res(100000, baseLabel, toolJSON, 0.9, 45),
		res(100000, baseLabel, toolFloor, 0.55, 30),
		res(100000, baseLabel, toolSS, 0.25, 7),
		res(100000, "+2000 idle", toolANO, 0.7, 30),
	}
	var b bytes.Buffer
	summary(&b, results)
	out := b.String()
	for _, want := range []string{
		"N = 1000: gonetstat -ano 20.0 ms ≤ 30 ms: met",
		"gonetstat -ano ÷ floor = 1.09 ≤ 1.2 (stretch ≤ 1.0; CPU 1.09): met",
		"gonetstat -an ÷ ss -tuan = 1.20 ≤ 1.1 (CPU 1.20): NOT met",
		"gonetstat -ano --json peak RSS 45.0 MiB ≤ 40 MiB: NOT met",
		"--json ÷ -ano = 1.50 ≤ 1.3 (CPU 1.50): NOT met",
		"2,000 extra idle processes add 0.100 s ≤ 0.15 s to gonetstat -ano (CPU +0.100 s): met",
		"| gonetstat -ano | 0.600 s | 0.300–1.200 s |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}
