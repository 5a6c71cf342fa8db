// owner_other.go: where file ownership cannot be read the Unix way, the
// control directory cannot be checked, so nothing is served or read.

//go:build !unix

package control

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/gonetstat/gonetstat/collect"
)

// ErrUnsafe is wrapped when a control directory or socket is not safe to
// use.
var ErrUnsafe = errors.New("unsafe control path")

func checkDir(dir string, create bool) (bool, error) {
	return false, fmt.Errorf("control: checking the owner of %s: %w", dir, collect.ErrUnsupported)
}

func ownSocket(fs.FileInfo) error {
	return fmt.Errorf("control: checking a socket's owner: %w", collect.ErrUnsupported)
}
