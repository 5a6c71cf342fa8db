// command.go holds the "bundle" command, the parent of inspect.

package bundlecmd

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/gonetstat/gonetstat/internal/subcmd"
)

// usagef is the usage error of a bundle command (exit status 2).
var usagef = subcmd.Usagef

// Command returns "bundle" with its commands. Errors are returned, not
// printed: the caller says them and picks the exit status with
// subcmd.ExitCode (1 for a bundle that does not match its manifest, or
// cannot be read).
func Command(stdout, stderr io.Writer) *cobra.Command {
	if stdout == nil {
		stdout = io.Discard
	}
	parent := &cobra.Command{
		Use:   "bundle",
		Short: "diagnostic bundles (docs/bundle.md)",
		Long:  "Commands of gonetstat's diagnostic bundles (docs/bundle.md).",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("bundle: unknown command %q; there is: inspect", args[0])
			}
			return nil
		},
		RunE: func(*cobra.Command, []string) error {
			return usagef("bundle: a command is needed; there is: inspect")
		},
	}
	parent.AddCommand(inspectCommand(stdout))
	subcmd.Setup(parent, stdout, stderr)
	return parent
}
