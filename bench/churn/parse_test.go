// parse_test.go tests the readers of the tools' tables on output captured
// from ss 6.x and gonetstat, and the tally that checks them.

package main

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ssOut is ss -tuanpe as it prints: a header, a TIME_WAIT (ino:0, no
// users), owned sockets with one holder, and one with two (a name holding
// a space and a quote, which ss prints raw).
const ssOut = `Netid State     Recv-Q Send-Q Local Address:Port  Peer Address:Port Process
udp   UNCONN    0      0          127.0.0.1:42082      0.0.0.0:*     users:(("python3",pid=22115,fd=4)) ino:383222 sk:e922 cgroup:/ <->
tcp   LISTEN    0      128            [::1]:46715         [::]:*     users:(("python3",pid=22115,fd=3)) ino:383221 sk:e924 cgroup:/ v6only:1 <->
tcp   TIME-WAIT 0      0          127.0.0.1:38835    127.0.0.1:52202 timer:(timewait,22sec,0) ino:0 sk:14c7
tcp   LISTEN    0      4096      127.77.0.1:8080       0.0.0.0:*     users:(("a b\"c",pid=700,fd=3),("worker",pid=701,fd=3)) ino:500 sk:1 cgroup:/ <->
tcp   ESTAB     0      0         127.77.0.1:40000   127.77.0.1:8080  ino:501 sk:2 cgroup:/ <->
tcp   LISTEN    0      128                *:22               *:*     ino:77 sk:3 <->
`

func TestParseSS(t *testing.T) {
	rows, err := parseSS([]byte(ssOut))
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{Local: netip.MustParseAddrPort("127.0.0.1:42082"), Inode: 383222, PIDs: []int{22115}},
		{Local: netip.MustParseAddrPort("[::1]:46715"), Inode: 383221, PIDs: []int{22115}},
		{Local: netip.MustParseAddrPort("127.0.0.1:38835")},
		{Local: netip.MustParseAddrPort("127.77.0.1:8080"), Inode: 500, PIDs: []int{700, 701}},
		{Local: netip.MustParseAddrPort("127.77.0.1:40000"), Inode: 501},
		{Local: netip.MustParseAddrPort("0.0.0.0:22"), Inode: 77},
	}
	if diff := cmp.Diff(want, rows, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{
		"Netid State\ntcp LISTEN 0 0 127.0.0.1 0.0.0.0:*\n",             // no port
		"Netid State\ntcp LISTEN 0 0 1.2.3:80 0.0.0.0:*\n",              // not an address
		"Netid State\ntcp LISTEN 0 0 127.0.0.1:80 0.0.0.0:* ino:x\n",    // bad inode
		"Netid State\ntcp LISTEN 0 0 127.0.0.1:80 0.0.0.0:* users:((\n", // no pid
		"Netid State\ntcp LISTEN 0 0\n",                                 // short
	} {
		if _, err := parseSS([]byte(bad)); err == nil {
			t.Errorf("parseSS(%q) accepted it", bad)
		}
	}
}

func TestParseJSON(t *testing.T) {
	out := `{"schema":"gonetstat.sockets/v1","host":"vm","time":"2026-12-05T01:35:47Z","sockets":[
  {"source":"kernel","proto":"tcp","local_address":"127.77.0.1","local_port":8080,"state":"LISTEN","pid":700,"process_name":"churn","inode":500},
  {"source":"kernel","proto":"tcp","local_address":"127.77.0.1","local_port":40000,"state":"ESTABLISHED","inode":501},
  {"source":"kernel","proto":"tcp","local_address":"::1","local_port":1,"state":"TIME_WAIT"}
]}`
	rows, err := parseJSON([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{Local: netip.MustParseAddrPort("127.77.0.1:8080"), Inode: 500, PIDs: []int{700}},
		{Local: netip.MustParseAddrPort("127.77.0.1:40000"), Inode: 501},
		{Local: netip.MustParseAddrPort("[::1]:1")},
	}
	if diff := cmp.Diff(want, rows, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{`{"schema":"gonetstat.sockets/v2","sockets":[]}`, `{"schema":"gonetstat.sockets/v1","sockets":[{"local_address":"x"}]}`, `[`} {
		if _, err := parseJSON([]byte(bad)); err == nil {
			t.Errorf("parseJSON(%q) accepted it", bad)
		}
	}
}

// TestTally: rows at a worker's address are counted, owned ones (inode
// other than 0) without a PID are misses, and every PID shown is checked
// against the worker's; owned rows elsewhere are foreign.
func TestTally(t *testing.T) {
	rows, err := parseSS([]byte(ssOut))
	if err != nil {
		t.Fatal(err)
	}
	var tl tally
	tl.add(rows, map[netip.Addr]int{netip.MustParseAddr("127.77.0.1"): 700})
	want := tally{Runs: 1, Rows: 2, Owned: 2, NoPID: 1, Checked: 2, Wrong: 1, Foreign: 3,
		Examples: []string{"127.77.0.1:8080 inode 500: PID 701, the worker is 700"}}
	if diff := cmp.Diff(want, tl); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := tl.share(); got != 50 {
		t.Errorf("share = %v, want 50", got)
	}
	if got := (&tally{}).share(); got != 0 {
		t.Errorf("share of nothing = %v", got)
	}
}

func TestNumbersOut(t *testing.T) {
	in := "gonetstat: 12 of 4031 sockets have no owner (e.g. PID 1)"
	if got, want := numbersOut(in), "gonetstat: N of N sockets have no owner (e.g. PID N)"; got != want {
		t.Errorf("numbersOut = %q, want %q", got, want)
	}
	if strings.Contains(numbersOut("a1b22c"), "2") {
		t.Error("digits left")
	}
}
