// command.go runs one of the system's tools and returns its output,
// bounded, with what it said on stderr turned into an error or a notice.

package gops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
)

// maxStderr bounds what is kept of a tool's stderr: its first line is
// all that is said of it.
const maxStderr = 64 << 10

// runCommand runs path with args and returns its stdout. It fails when
// the tool fails (naming the first line it wrote on stderr), when its
// output passes limit bytes (the tool is killed), or when ctx ends (with
// ctx's error: output cut short is never returned). A tool that succeeds
// but writes on stderr has that first line passed to warn.
func runCommand(ctx context.Context, path string, args []string, limit int64, warn func(string)) ([]byte, error) {
	name := filepath.Base(path)
	cmd := exec.CommandContext(ctx, path, args...)
	var stdout, stderr bytes.Buffer
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = &limited{w: &stderr, n: maxStderr}
	if err := cmd.Start(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("running %s: %w", name, err)
	}
	n, copyErr := io.Copy(&stdout, io.LimitReader(pipe, limit+1))
	if n > limit {
		copyErr = fmt.Errorf("its output passed %d bytes", limit)
		_ = cmd.Process.Kill()
	}
	waitErr := cmd.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	said := firstLine(strings.TrimSpace(stderr.String()))
	var exit *exec.ExitError
	switch {
	case copyErr != nil:
		return nil, fmt.Errorf("reading %s's output: %w", name, copyErr)
	case errors.As(waitErr, &exit) && said != "":
		return nil, fmt.Errorf("%s %s: %s", name, strings.Join(args, " "), said)
	case waitErr != nil:
		return nil, fmt.Errorf("running %s: %w", name, waitErr)
	case said != "" && warn != nil:
		warn(name + ": " + said)
	}
	return stdout.Bytes(), nil
}

// limited writes at most n bytes to w and drops the rest, so that a tool
// is never blocked on a full stderr.
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
