// command.go holds what the bundle commands share: their usage error.

package bundlecmd

import "github.com/gonetstat/gonetstat/internal/subcmd"

// usagef is the usage error of a bundle command (exit status 2).
var usagef = subcmd.Usagef
