//go:build freebsd

// freebsd.go reads FreeBSD's socket table with sockstat(1).

package gops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

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
	out, err := c.run(ctx)
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

// run runs sockstat and returns its output. A failure is an error naming
// what sockstat said; so is output past maxOutput.
func (c *Collector) run(ctx context.Context) ([]byte, error) {
	cmd := exec.CommandContext(ctx, c.path, SockstatArgs...)
	var stdout, stderr bytes.Buffer
	stdoutPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = &limited{w: &stderr, n: 64 << 10}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("running sockstat: %w", err)
	}
	n, copyErr := io.Copy(&stdout, io.LimitReader(stdoutPipe, maxOutput+1))
	if n > maxOutput {
		copyErr = fmt.Errorf("its output passed %d MiB", maxOutput>>20)
		_ = cmd.Process.Kill()
	}
	waitErr := cmd.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	said := strings.TrimSpace(stderr.String())
	switch {
	case copyErr != nil:
		return nil, fmt.Errorf("reading sockstat's output: %w", copyErr)
	case waitErr != nil:
		var ee *exec.ExitError
		if errors.As(waitErr, &ee) && said != "" {
			return nil, fmt.Errorf("sockstat %s: %s", strings.Join(SockstatArgs, " "), firstLine(said))
		}
		return nil, fmt.Errorf("running sockstat: %w", waitErr)
	case said != "" && c.warn != nil:
		c.warn("sockstat: " + firstLine(said))
	}
	return stdout.Bytes(), nil
}

// limited writes at most n bytes to w and drops the rest.
type limited struct {
	w io.Writer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
