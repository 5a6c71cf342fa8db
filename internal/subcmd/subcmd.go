// Package subcmd holds what gonetstat's commands (gonetstat stack …,
// gonetstat bundle …) share: the usage error that makes exit status 2
// and names the command whose --help to read, and the cobra set-up that
// gives a command tree its writers and turns every flag, argument and
// check failure into such an error.
package subcmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// UsageError is a command line that cannot run: exit status 2. Command
// is the command whose line it is, as typed ("gonetstat stack demo"):
// the one whose --help the user should read.
type UsageError struct{ Command, Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef makes a usage error; Setup names its command.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// InCommand names c as the command of a usage error that names none yet.
func InCommand(c *cobra.Command, err error) error {
	var u *UsageError
	if errors.As(err, &u) && u.Command == "" {
		u.Command = c.CommandPath()
	}
	return err
}

// ExitCode maps what a command returned to the process exit status: 0
// for nil, 2 for a usage error, 1 for anything else.
func ExitCode(err error) int {
	var u *UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u):
		return 2
	}
	return 1
}

// Setup readies the tree under parent: every command writes to stdout
// and stderr (nil: nowhere), returns its errors instead of printing them
// or its usage, prints its Long text and usage for --help, and names
// itself in every usage error, wherever it arose: the flags, the
// arguments, or the checks in RunE.
func Setup(parent *cobra.Command, stdout, stderr io.Writer) {
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	for _, c := range append([]*cobra.Command{parent}, parent.Commands()...) {
		c.SetOut(stdout)
		c.SetErr(stderr)
		c.SilenceUsage, c.SilenceErrors = true, true
		c.SetHelpFunc(func(c *cobra.Command, _ []string) {
			fmt.Fprintf(c.OutOrStdout(), "%s\n\n%s", c.Long, c.UsageString())
		})
		c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
			return InCommand(c, Usagef("%s: %v", strings.TrimPrefix(c.CommandPath(), "gonetstat "), err))
		})
		if args := c.Args; args != nil {
			c.Args = func(c *cobra.Command, a []string) error { return InCommand(c, args(c, a)) }
		}
		if run := c.RunE; run != nil {
			c.RunE = func(c *cobra.Command, a []string) error { return InCommand(c, run(c, a)) }
		}
	}
}
