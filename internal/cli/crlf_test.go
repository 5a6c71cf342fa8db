// crlf_test.go checks the Windows line-ending writer.

package cli

import (
	"strings"
	"testing"
)

func TestCRLFWriter(t *testing.T) {
	for _, tt := range []struct {
		writes []string
		want   string
	}{
		{[]string{"a\nb\n"}, "a\r\nb\r\n"},
		{[]string{"\n\n"}, "\r\n\r\n"},
		{[]string{"already\r\n"}, "already\r\n"},
		{[]string{"split\r", "\nnext\n"}, "split\r\nnext\r\n"}, // a CRLF cut between two writes stays one
		{[]string{"x", "\n"}, "x\r\n"},
		{[]string{"lone\rcr\n"}, "lone\rcr\r\n"},
		{[]string{""}, ""},
	} {
		var out strings.Builder
		w := &crlfWriter{w: &out}
		for _, s := range tt.writes {
			n, err := w.Write([]byte(s))
			if err != nil || n != len(s) {
				t.Fatalf("Write(%q) = %d, %v", s, n, err)
			}
		}
		if out.String() != tt.want {
			t.Errorf("writes %q: got %q, want %q", tt.writes, out.String(), tt.want)
		}
	}
}
