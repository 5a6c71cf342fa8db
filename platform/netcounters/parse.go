// parse.go holds the pure parsers of /proc/net/{dev,snmp,snmp6}.

package netcounters

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/gonetstat/gonetstat/collect"
)

// Bounds on hostile input. The longest real line is IcmpMsg's, at most
// 512 counters of a dozen bytes each.
const (
	MaxLineLen = 1 << 16
	MaxLines   = 1 << 14
)

// lineError is a malformed line: its number (from 1) and what is wrong.
func lineError(n int, format string, args ...any) error {
	return fmt.Errorf("netcounters: line %d: %s", n, fmt.Sprintf(format, args...))
}

// lines calls f with each line and its number, refusing overlong lines
// and files. A final empty line (the newline that ends the file) is not
// a line.
func lines(data []byte, f func(n int, line []byte) error) error {
	n := 0
	for len(data) > 0 {
		n++
		if n > MaxLines {
			return lineError(n, "more than %d lines", MaxLines)
		}
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(line) > MaxLineLen {
			return lineError(n, "longer than %d bytes", MaxLineLen)
		}
		if err := f(n, line); err != nil {
			return err
		}
	}
	return nil
}

// ParseSNMP adds the counters of /proc/net/snmp (or /proc/net/netstat)
// text to c.
func ParseSNMP(data []byte, c *collect.ProtoCounters) error {
	var (
		group   string   // the group of the pending names line; "" none
		names   [][]byte // its counter names
		namesAt int
	)
	seen := map[string]bool{}
	err := lines(data, func(n int, line []byte) error {
		if len(bytes.TrimSpace(line)) == 0 {
			return lineError(n, "empty line")
		}
		i := bytes.IndexByte(line, ':')
		if i <= 0 {
			return lineError(n, "no \"Group:\" prefix")
		}
		g := string(line[:i])
		if bytes.ContainsAny(line[:i], " \t") {
			return lineError(n, "bad group name %q", g)
		}
		fields := bytes.Fields(line[i+1:])
		if group == "" {
			if seen[g] {
				return lineError(n, "group %s given twice", g)
			}
			if len(fields) == 0 {
				return lineError(n, "group %s names no counter", g)
			}
			dup := make(map[string]bool, len(fields))
			for _, f := range fields {
				if !isLetter(f[0]) {
					return lineError(n, "group %s: counter name %q does not start with a letter (values before names?)", g, f)
				}
				if dup[string(f)] {
					return lineError(n, "group %s names %s twice", g, f)
				}
				dup[string(f)] = true
			}
			group, names, namesAt = g, fields, n
			return nil
		}
		if g != group {
			return lineError(n, "values of group %s follow the names of group %s (line %d)", g, group, namesAt)
		}
		if len(fields) != len(names) {
			return lineError(n, "%d values for the %d names of group %s on line %d", len(fields), len(names), g, namesAt)
		}
		vals := make([]int64, len(fields))
		for j, f := range fields {
			v, err := strconv.ParseInt(string(f), 10, 64)
			if err != nil {
				return lineError(n, "%s %s: bad value %q", g, names[j], f)
			}
			vals[j] = v
		}
		for j, name := range names {
			c.Set(g, string(name), vals[j])
		}
		seen[g] = true
		group, names = "", nil
		return nil
	})
	if err != nil {
		return err
	}
	if group != "" {
		return lineError(namesAt, "names of group %s have no values line", group)
	}
	return nil
}

func isLetter(b byte) bool { return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' }

// ParseSNMP6 adds the counters of /proc/net/snmp6 text to c.
func ParseSNMP6(data []byte, c *collect.ProtoCounters) error {
	seen := map[string]bool{}
	return lines(data, func(n int, line []byte) error {
		fields := bytes.Fields(line)
		if len(fields) != 2 {
			return lineError(n, "want \"Name value\", have %d fields", len(fields))
		}
		name := string(fields[0])
		if seen[name] {
			return lineError(n, "%s given twice", name)
		}
		seen[name] = true
		v, err := strconv.ParseInt(string(fields[1]), 10, 64)
		if err != nil {
			return lineError(n, "%s: bad value %q", name, fields[1])
		}
		group, counter := splitSNMP6(name)
		c.Set(group, counter, v)
		return nil
	})
}

// splitSNMP6 splits a snmp6 name after its first digit: "Ip6InReceives"
// is group "Ip6", counter "InReceives". A name with no such digit, or
// nothing after it, stays whole in group "".
func splitSNMP6(name string) (group, counter string) {
	for i := 1; i < len(name)-1; i++ {
		if name[i] >= '0' && name[i] <= '9' {
			return name[:i+1], name[i+1:]
		}
	}
	return "", name
}

// devColumns are the /proc/net/dev columns kept, by their header names.
var devColumns = []string{"bytes", "packets", "errs", "drop"}

// ParseDev reads /proc/net/dev text: one row per interface, in the file's
// order. The loopback interface is the one named "lo" (the kernel's
// loopback_dev always is).
func ParseDev(data []byte) ([]collect.InterfaceCounters, error) {
	var rx, tx map[string]int // column index by name, within each half
	var nrx, ntx int
	var out []collect.InterfaceCounters
	err := lines(data, func(n int, line []byte) error {
		switch n {
		case 1:
			if !bytes.Contains(line, []byte("Receive")) || !bytes.Contains(line, []byte("Transmit")) {
				return lineError(n, "not the /proc/net/dev header (Receive | Transmit)")
			}
			return nil
		case 2:
			parts := bytes.Split(line, []byte("|"))
			if len(parts) != 3 {
				return lineError(n, "want \"face |receive columns|transmit columns\"")
			}
			rx, nrx = columns(parts[1])
			tx, ntx = columns(parts[2])
			for _, c := range devColumns {
				if _, ok := rx[c]; !ok {
					return lineError(n, "no receive column %q", c)
				}
				if _, ok := tx[c]; !ok {
					return lineError(n, "no transmit column %q", c)
				}
			}
			if _, ok := rx["multicast"]; !ok {
				return lineError(n, "no receive column \"multicast\"")
			}
			return nil
		}
		i := bytes.IndexByte(line, ':')
		if i < 0 {
			return lineError(n, "no \"name:\"")
		}
		name := string(bytes.TrimSpace(line[:i]))
		if name == "" || bytes.ContainsAny([]byte(name), " \t/") {
			return lineError(n, "bad interface name %q", name)
		}
		fields := bytes.Fields(line[i+1:])
		if len(fields) != nrx+ntx {
			return lineError(n, "%s: %d values, want %d", name, len(fields), nrx+ntx)
		}
		vals := make([]uint64, len(fields))
		for j, f := range fields {
			v, err := strconv.ParseUint(string(f), 10, 64)
			if err != nil {
				return lineError(n, "%s: bad value %q", name, f)
			}
			vals[j] = v
		}
		r, t := vals[:nrx], vals[nrx:]
		out = append(out, collect.InterfaceCounters{
			Name: name, Loopback: name == "lo",
			RxBytes: r[rx["bytes"]], RxPackets: r[rx["packets"]], RxErrors: r[rx["errs"]], RxDrops: r[rx["drop"]],
			RxMulticast: r[rx["multicast"]],
			TxBytes:     t[tx["bytes"]], TxPackets: t[tx["packets"]], TxErrors: t[tx["errs"]], TxDrops: t[tx["drop"]],
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rx == nil {
		return nil, lineError(1, "no /proc/net/dev header")
	}
	return out, nil
}

// columns indexes the names of one half of the /proc/net/dev header.
func columns(half []byte) (map[string]int, int) {
	m := map[string]int{}
	fields := bytes.Fields(half)
	for i, f := range fields {
		if _, dup := m[string(f)]; !dup {
			m[string(f)] = i
		}
	}
	return m, len(fields)
}
