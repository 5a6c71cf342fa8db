//go:build freebsd

// freebsd.go reads FreeBSD's socket table with sockstat(1).

package gops

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"

	"github.com/gonetstat/gonetstat/collect"
)

// maxOutput bounds what is read of sockstat's output: about 100 bytes a
// line, so far above any table a host holds.
const maxOutput = 256 << 20

// Collector is FreeBSD's socket table: sockstat(1), from the base system.
type Collector struct {
	path string
	warn func(string)
}

var _ collect.Collector = (*Collector)(nil)

// NewCollector finds sockstat; warn receives what sockstat says on stderr
// while still printing its table.
func NewCollector(warn func(string)) (*Collector, error) {
	path, err := exec.LookPath("sockstat")
	if err != nil {
		return nil, fmt.Errorf("FreeBSD's socket table is read with sockstat, which was not found (%w): it is part of the base system (/usr/bin/sockstat); put /usr/bin on PATH", err)
	}
	return &Collector{path: path, warn: warn}, nil
}

// Collect runs sockstat once and folds its rows (one per process and
// descriptor, and one for each socket no descriptor holds) into sockets,
// one per socket ID.
func (c *Collector) Collect(ctx context.Context, q collect.Query) ([]collect.Socket, error) {
	out, err := runCommand(ctx, c.path, SockstatArgs, maxOutput, c.warn)
	if err != nil {
		return nil, err
	}
	rows, problems := ParseSockstat(bytes.NewReader(out))
	var name Namer
	if q.Owners {
		name = Names(ctx)
	}
	return Assemble(rows, q.Owners, name), collect.Partial(problems...)
}
