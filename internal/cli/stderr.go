// stderr.go is the one way gonetstat writes to stderr: every line goes
// through internal/safetext, since warnings and errors quote interface,
// process and namespace names, kernel messages and what the user typed.

package cli

import (
	"bytes"
	"fmt"
	"io"

	"github.com/gonetstat/gonetstat/internal/safetext"
)

// sayf writes one line to w: the formatted message with every unsafe rune
// and invalid byte as '?' (safetext.Text), newlines included, so that a
// name holding one cannot start a line that looks like gonetstat's own.
// Every line gonetstat itself writes to stderr goes through sayf.
func sayf(w io.Writer, format string, args ...any) {
	line := safetext.AppendText(nil, fmt.Sprintf(format, args...))
	w.Write(append(line, '\n'))
}

// safeLines passes what a subcommand (gonetstat stack …) writes to stderr
// through safetext line by line: each line's text as safetext.AppendText
// writes it, the newlines kept. Each Write is taken as whole text (the
// subcommands write whole lines with fmt.Fprintf), so a UTF-8 sequence
// split across two Writes would show as '?'.
type safeLines struct{ w io.Writer }

func (s safeLines) Write(p []byte) (int, error) {
	n := len(p)
	out := make([]byte, 0, n+8)
	for len(p) > 0 {
		line, rest, nl := bytes.Cut(p, []byte{'\n'})
		out = safetext.AppendText(out, string(line))
		if nl {
			out = append(out, '\n')
		}
		p = rest
	}
	if _, err := s.w.Write(out); err != nil {
		return 0, err
	}
	return n, nil
}
