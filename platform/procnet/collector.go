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
// namespace of the process (or, through /proc/<pid>/net, of that process).
type Collector struct {
	Root string // "/proc" when empty; a bundle's copy of /proc works too
}

var _ collect.Collector = (*Collector)(nil)

var files = map[collect.Kind]string{
	collect.TCP4: "tcp", collect.TCP6: "tcp6", collect.UDP4: "udp", collect.UDP6: "udp6",
}

// Collect reads the tables asked for. A missing IPv6 table means IPv6 is
// off, not an error; any other failure keeps the rows of the tables that
// were read and says what is missing with a *collect.PartialError.
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
		path := filepath.Join(root, "net", files[k])
		data, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && k.Family() == collect.FamilyIPv6 {
				return
			}
			problems = append(problems, fmt.Errorf("reading %s: %w", path, err))
			return
		}
		// Rows before a malformed line are kept; the error names the line.
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
