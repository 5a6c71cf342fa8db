// parse.go reads the tools' tables (gonetstat's JSON, ss -tuanpe's text)
// into rows and tallies them against the generator's owners. It is pure,
// so it is tested on captured output on any system.

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// row is what the check needs of one socket: its local address, whether a
// file refers to it (inode), and the PIDs the tool shows.
type row struct {
	Local netip.AddrPort
	Inode uint64
	PIDs  []int
}

// parseJSON reads a gonetstat.sockets/v1 document (docs/json.md).
func parseJSON(out []byte) ([]row, error) {
	var doc struct {
		Schema  string `json:"schema"`
		Sockets []struct {
			LocalAddress string `json:"local_address"`
			LocalPort    uint16 `json:"local_port"`
			Inode        uint64 `json:"inode"`
			PID          *int   `json:"pid"`
		} `json:"sockets"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("gonetstat's JSON: %w", err)
	}
	if doc.Schema != "gonetstat.sockets/v1" {
		return nil, fmt.Errorf("gonetstat's JSON: schema %q, want gonetstat.sockets/v1", doc.Schema)
	}
	rows := make([]row, 0, len(doc.Sockets))
	for i, s := range doc.Sockets {
		addr, err := netip.ParseAddr(s.LocalAddress)
		if err != nil {
			return nil, fmt.Errorf("gonetstat's JSON: socket %d: %w", i, err)
		}
		r := row{Local: netip.AddrPortFrom(addr, s.LocalPort), Inode: s.Inode}
		if s.PID != nil {
			r.PIDs = []int{*s.PID}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// parseSS reads `ss -tuanpe`: after the header, one socket per line,
// "Netid State Recv-Q Send-Q Local:Port Peer:Port" and then the extras,
// among them users:(("name",pid=N,fd=M),...) for each holder (-p) and
// ino:N (-e). A TIME_WAIT or request socket shows ino:0. ss prints process
// names raw, spaces included, so the extras are searched rather than split
// (the generator's processes are all named churn).
func parseSS(out []byte) ([]row, error) {
	var rows []row
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 && strings.HasPrefix(line, "Netid") {
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 6 {
			return nil, fmt.Errorf("ss line %d: %d fields in %q", n, len(f), line)
		}
		local, err := ssAddrPort(f[4])
		if err != nil {
			return nil, fmt.Errorf("ss line %d: %w", n, err)
		}
		r := row{Local: local}
		extras := line[strings.Index(line, f[5])+len(f[5]):]
		if m := ssInode.FindStringSubmatch(extras); m != nil {
			if r.Inode, err = strconv.ParseUint(m[1], 10, 64); err != nil {
				return nil, fmt.Errorf("ss line %d: inode %q: %w", n, m[1], err)
			}
		} else if strings.Contains(extras, "ino:") {
			return nil, fmt.Errorf("ss line %d: unreadable inode in %q", n, line)
		}
		if i := strings.Index(extras, "users:("); i >= 0 {
			for _, m := range ssPID.FindAllStringSubmatch(extras[i:], -1) {
				pid, err := strconv.Atoi(m[1])
				if err != nil {
					return nil, fmt.Errorf("ss line %d: pid %q: %w", n, m[1], err)
				}
				r.PIDs = append(r.PIDs, pid)
			}
			if len(r.PIDs) == 0 {
				return nil, fmt.Errorf("ss line %d: users without a pid: %q", n, line)
			}
		}
		rows = append(rows, r)
	}
	return rows, sc.Err()
}

var (
	ssInode = regexp.MustCompile(`(?:^|\s)ino:(\d+)(?:\s|$)`)
	ssPID   = regexp.MustCompile(`",pid=(\d+),fd=\d+\)`)
)

// ssAddrPort reads ss's "127.0.0.1:80", "[::1]:80", "[fe80::1%lo]:80" or
// "*:80" (any address).
func ssAddrPort(s string) (netip.AddrPort, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, fmt.Errorf("address %q has no port", s)
	}
	port, err := strconv.ParseUint(s[i+1:], 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("address %q: port: %w", s, err)
	}
	host := strings.TrimSuffix(strings.TrimPrefix(s[:i], "["), "]")
	if host == "*" {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(port)), nil
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("address %q: %w", s, err)
	}
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

// tally is one tool's figures over its runs.
type tally struct {
	Runs    int
	Rows    int // rows at a worker's address
	Owned   int // those a file refers to (inode other than 0): a process held them
	NoPID   int // owned rows shown without a PID
	Checked int // PIDs shown at a worker's address, each checked
	Wrong   int // of those, PIDs that are not the worker's
	// Foreign counts owned rows at an address no worker has: none is
	// expected in the generator's network namespace.
	Foreign int
	// Examples holds a few wrong rows, for the report.
	Examples []string
}

// add tallies one run's rows; owner maps each worker's address to its PID.
func (t *tally) add(rows []row, owner map[netip.Addr]int) {
	t.Runs++
	for _, r := range rows {
		want, ours := owner[r.Local.Addr()]
		if !ours {
			if r.Inode != 0 {
				t.Foreign++
			}
			continue
		}
		t.Rows++
		if r.Inode != 0 {
			t.Owned++
			if len(r.PIDs) == 0 {
				t.NoPID++
			}
		}
		for _, pid := range r.PIDs {
			t.Checked++
			if pid != want {
				t.Wrong++
				if len(t.Examples) < 5 {
					t.Examples = append(t.Examples, fmt.Sprintf("%v inode %d: PID %d, the worker is %d", r.Local, r.Inode, pid, want))
				}
			}
		}
	}
}

// share is the percentage of owned rows shown without a PID.
func (t *tally) share() float64 {
	if t.Owned == 0 {
		return 0
	}
	return 100 * float64(t.NoPID) / float64(t.Owned)
}

// numbersOut replaces each run of digits with N, so notes that differ
// only in their counts are counted together.
func numbersOut(s string) string {
	var b strings.Builder
	digits := false
	for _, c := range s {
		if c >= '0' && c <= '9' {
			if !digits {
				b.WriteByte('N')
			}
			digits = true
			continue
		}
		digits = false
		b.WriteRune(c)
	}
	return b.String()
}
