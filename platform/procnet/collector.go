// collector.go reads the four tables from a /proc root.

package procnet

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gonetstat/gonetstat/collect"
)

// Collector reads <Root>/net/{tcp,tcp6,udp,udp6}: the tables of the network
// namespace of the reading process (or, with Root "/proc/<pid>", of that
// process). It does no system call but reading files, so it runs on any OS
// given a root, such as a bundle's copy of /proc.
type Collector struct {
	Root string // "/proc" when empty
}

var _ collect.Collector = (*Collector)(nil)

func fileName(k collect.Kind) string {
	switch k {
	case collect.TCP4:
		return "tcp"
	case collect.TCP6:
		return "tcp6"
	case collect.UDP4:
		return "udp"
	}
	return "udp6"
}

// Collect reads the tables asked for (q.Kinds; 0 means all), in netstat
// order. q.TCPInfo changes nothing: /proc prints the few TCP internals it
// has on every row.
//
// A missing tcp6 or udp6 means the kernel has IPv6 disabled, not an error.
// Any other failure to read or parse a table keeps the rows of the other
// tables and returns them with a *collect.PartialError naming the file (and,
// for a malformed row, its line). The rows of a malformed table that come
// before the bad line are good rows and are kept too; the ones after it are
// what the error reports missing.
func (c *Collector) Collect(ctx context.Context, q collect.Query) ([]collect.Socket, error) {
	root := c.Root
	if root == "" {
		root = "/proc"
	}
	kinds := q.Kinds
	if kinds == 0 {
		kinds = collect.AllKinds
	}
	var socks []collect.Socket
	var problems []error
	kinds.Each(func(k collect.Kind) {
		if ctx.Err() != nil {
			return
		}
		path := filepath.Join(root, "net", fileName(k))
		// os.ReadFile reads to EOF, so the size 0 that /proc files report
		// does not cut it short.
		data, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && k.Family() == collect.FamilyIPv6 {
				return
			}
			problems = append(problems, fmt.Errorf("reading %s: %w", path, err))
			return
		}
		socks, err = Parse(data, k, socks)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", path, err))
		}
	})
	if err := ctx.Err(); err != nil {
		return socks, err
	}
	return socks, collect.Partial(problems...)
}
