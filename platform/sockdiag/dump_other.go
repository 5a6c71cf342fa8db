//go:build !linux

// dump_other.go: sock_diag is Linux's; elsewhere the collector says so.

package sockdiag

import (
	"context"
	"fmt"

	"github.com/gonetstat/gonetstat/collect"
)

// Collector is Linux's sock_diag collector; on this OS it has no data.
type Collector struct {
	ZoneName func(index uint32) string
}

var _ collect.Collector = (*Collector)(nil)

// Collect reports that sock_diag does not exist here.
func (c *Collector) Collect(context.Context, collect.Query) ([]collect.Socket, error) {
	return nil, fmt.Errorf("%w: %w", ErrUnavailable, collect.ErrUnsupported)
}
