// parse.go holds the pure parser of /proc/net/dev.

package netcounters

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/gonetstat/gonetstat/collect"
)

// Bounds on hostile input.
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
