//go:build !linux

// netns_other.go: network namespaces exist only on Linux.

package netns

import (
	"context"
	"fmt"
	"runtime"

	"github.com/gonetstat/gonetstat/collect"
)

// Roots are the directories the functions read (Linux only).
type Roots struct{ Proc, Run string }

// ListResult is what List found (Linux only).
type ListResult struct {
	Namespaces    []Namespace
	Denied        int
	DeniedExample int
}

var errUnsupported = fmt.Errorf("network namespaces on %s: %w", runtime.GOOS, collect.ErrUnsupported)

func Self(Roots) (Namespace, error)                   { return Namespace{}, errUnsupported }
func Open(Roots, Spec) (Namespace, error)             { return Namespace{}, errUnsupported }
func List(context.Context, Roots) (ListResult, error) { return ListResult{}, errUnsupported }
func Do(Roots, Namespace, func() error) error         { return errUnsupported }
func ThreadProc(r Roots) string                       { return r.Proc + "/thread-self" }
