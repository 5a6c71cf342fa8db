// read_linux.go fetches /proc/net/dev for the parser.

package netcounters

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gonetstat/gonetstat/collect"
)

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
