// read_linux.go fetches /proc/net/{dev,snmp,snmp6} for the parsers.

package netcounters

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gonetstat/gonetstat/collect"
)

// The groups every Linux /proc/net/snmp has; a file without one of them is
// not a counters file (an empty read, a truncated copy).
var requiredGroups = []string{"Ip", "Icmp", "Tcp", "Udp"}

// ReadProtocols reads <proc>/net/snmp and, when IPv6 is enabled,
// <proc>/net/snmp6. proc is a /proc/self or /proc/thread-self directory:
// its net/ is the network namespace of that process or thread. Errors
// name the file.
func ReadProtocols(proc string) (collect.ProtoCounters, error) {
	var c collect.ProtoCounters
	path := filepath.Join(proc, "net/snmp")
	data, err := os.ReadFile(path)
	if err != nil {
		return c, err // *fs.PathError names the file
	}
	if err := ParseSNMP(data, &c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	for _, g := range requiredGroups {
		if !c.Has(g) {
			return c, fmt.Errorf("%s: no %s counters (is it /proc/net/snmp?)", path, g)
		}
	}
	path6 := filepath.Join(proc, "net/snmp6")
	data, err = os.ReadFile(path6)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil // IPv6 is disabled: its groups stay absent
	}
	if err != nil {
		return c, err
	}
	if err := ParseSNMP6(data, &c); err != nil {
		return c, fmt.Errorf("%s: %w", path6, err)
	}
	return c, nil
}

// ReadInterfaces reads <proc>/net/dev.
func ReadInterfaces(proc string) ([]collect.InterfaceCounters, error) {
	path := filepath.Join(proc, "net/dev")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ifs, err := ParseDev(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(ifs) == 0 {
		// Every network namespace has at least lo.
		return nil, fmt.Errorf("%s: lists no interface", path)
	}
	return ifs, nil
}
