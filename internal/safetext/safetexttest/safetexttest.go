// Package safetexttest holds the one table of hostile names that every
// writer of gonetstat is tested with, and the checks of what a writer
// printed from them. Tests only.
package safetexttest

import (
	"strings"
	"testing"

	"github.com/gonetstat/gonetstat/internal/safetext"
)

// Names are names an attacker (or a broken system) can give an
// interface, a process, a namespace, a container, a host, a mini-stack or
// a PTR record; each test fills every string it can with each of them.
var Names = []string{
	"\x1b[2J",                   // ESC: clear the screen
	"q\"\x1b[7mx\xff",           // ends a JSON string, reverse video, not UTF-8
	"\xc2\x9b31m",               // C1 CSI: ESC [ for some terminals
	"abc\u202efdp.exe",          // RLO: shows as "abcexe.pdf"
	"\u2066x\u2069",             // isolates
	"\u200fport",                // RLM
	"a\u2028b",                  // LINE SEPARATOR
	"nul\x00name",               // NUL
	"\xff",                      // a lone byte that is never UTF-8
	`back"sl\ash`,               // JSON's two escaped characters
	"\xc0\xaf",                  // overlong '/'
	"x\ngonetstat: all is well", // forges a row or a log line
	"cr\r",                      // carriage return
	"ünïcode",                   // valid, and must survive intact
}

// CheckLines fails t when out holds, on any line (split at '\n', a
// trailing '\r' allowed for CRLF), a control byte, DEL, a byte that is not
// UTF-8 or a rune safetext forbids. JSON output is held to the same rule:
// printing the raw document must be safe too.
func CheckLines(t testing.TB, what string, out []byte) {
	t.Helper()
	for i, line := range strings.Split(string(out), "\n") {
		if !safetext.Safe(strings.TrimSuffix(line, "\r")) {
			t.Errorf("%s: line %d is unsafe: %q", what, i+1, line)
		}
	}
}

// Decoded is what a JSON reader gets back for s from gonetstat's JSON:
// s with each byte that is not UTF-8 as U+FFFD (a range over a string
// reads them so).
func Decoded(s string) string { return string([]rune(s)) }
