// safetext_test.go checks the classification, both appenders on hostile
// strings, their invariants under fuzzing, and that they allocate nothing.

package safetext

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostile are the strings every writer of gonetstat is tested with (the
// render, CLI and stackcmd tests keep their own copy of the idea: these
// are the cases of the policy itself).
var hostile = []struct {
	name, in string
	text     string // what AppendText writes
	json     string // what AppendJSON writes
}{
	{"plain", "eth0", "eth0", `"eth0"`},
	{"unicode", "ünïcode", "ünïcode", `"ünïcode"`},
	{"empty", "", "", `""`},
	{"ESC clear screen", "\x1b[2J", "?[2J", `"\u001b[2J"`},
	{"quote ESC 0xff", "q\"\x1b[7mx\xff", "q\"?[7mx?", `"q\"\u001b[7mx\ufffd"`},
	{"C1 CSI", "a\xc2\x9bb", "a?b", `"a\u009bb"`},
	{"RLO", "x\u202ey", "x?y", `"x\u202ey"`},
	{"LRI..PDI", "\u2066a\u2069", "?a?", `"\u2066a\u2069"`},
	{"marks", "\u200e\u200f\u061c", "???", `"\u200e\u200f\u061c"`},
	{"line separator", "a\u2028b\u2029", "a?b?", `"a\u2028b\u2029"`},
	{"NUL", "a\x00b", "a?b", `"a\u0000b"`},
	{"lone 0xff", "\xff", "?", `"\ufffd"`},
	{"quote backslash", `a"b\c`, `a"b\c`, `"a\"b\\c"`},
	{"overlong slash", "\xc0\xafetc", "??etc", `"\ufffd\ufffdetc"`},
	{"surrogate", "\xed\xa0\x80", "???", `"\ufffd\ufffd\ufffd"`},
	{"truncated", "ab\xe2\x82", "ab??", `"ab\ufffd\ufffd"`},
	{"newline tab CR", "a\nb\tc\rd", "a?b?c?d", `"a\nb\tc\rd"`},
	{"DEL", "a\x7f", "a?", `"a\u007f"`},
	{"U+FFFD itself", "\uFFFD", "\uFFFD", "\"\uFFFD\""},
	{"emoji ZWJ", "👩\u200d💻", "👩\u200d💻", "\"👩\u200d💻\""},
	{"U+00A0 and U+00FF", "\u00a0\u00ff", "\u00a0\u00ff", "\"\u00a0\u00ff\""},
}

func TestHostile(t *testing.T) {
	for _, tt := range hostile {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(AppendText([]byte("<"), tt.in)); got != "<"+tt.text {
				t.Errorf("AppendText(%q) = %q, want %q", tt.in, got[1:], tt.text)
			}
			if got := Text(tt.in); got != tt.text {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.text)
			}
			if got := Safe(tt.in); got != (tt.in == tt.text) {
				t.Errorf("Safe(%q) = %v", tt.in, got)
			}
			got := AppendJSON(nil, tt.in)
			if string(got) != tt.json {
				t.Errorf("AppendJSON(%q) = %s, want %s", tt.in, got, tt.json)
			}
			checkJSON(t, tt.in, got)
		})
	}
}

// checkJSON checks what AppendJSON wrote for s: valid JSON, no unsafe
// rune in the raw bytes, and decoding gives s back with each invalid byte
// as U+FFFD.
func checkJSON(t *testing.T, s string, doc []byte) {
	t.Helper()
	if !json.Valid(doc) {
		t.Fatalf("AppendJSON(%q) = %q: not valid JSON", s, doc)
	}
	if !Safe(string(doc)) {
		t.Errorf("AppendJSON(%q) = %q carries an unsafe rune raw", s, doc)
	}
	var back string
	if err := json.Unmarshal(doc, &back); err != nil {
		t.Fatal(err)
	}
	if want := perByteValid(s); back != want {
		t.Errorf("AppendJSON(%q) decodes to %q, want %q", s, back, want)
	}
}

// perByteValid is s with every byte that is not UTF-8 as U+FFFD, one per
// byte (strings.ToValidUTF8 would merge a run into one).
func perByteValid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r) // RuneError for an invalid byte
		i += size
	}
	return b.String()
}

// TestUnsafe walks the whole code space: the unsafe runes are exactly the
// ones doc.go lists.
func TestUnsafe(t *testing.T) {
	listed := func(r rune) bool {
		return r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0x061c || r == 0x200e || r == 0x200f ||
			r == 0x2028 || r == 0x2029 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
	}
	n := 0
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if Unsafe(r) != listed(r) {
			t.Errorf("Unsafe(%U) = %v", r, Unsafe(r))
		}
		if Unsafe(r) {
			n++
		}
	}
	if n != 32+1+32+3+2+5+4 {
		t.Errorf("%d unsafe runes", n)
	}
}

func TestNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 256)
	for _, tt := range hostile {
		if n := testing.AllocsPerRun(100, func() { buf = AppendText(buf[:0], tt.in) }); n != 0 {
			t.Errorf("AppendText(%q): %v allocs", tt.in, n)
		}
		if n := testing.AllocsPerRun(100, func() { buf = AppendJSON(buf[:0], tt.in) }); n != 0 {
			t.Errorf("AppendJSON(%q): %v allocs", tt.in, n)
		}
	}
	s := "ünïcode process name"
	if n := testing.AllocsPerRun(100, func() { s = Text(s) }); n != 0 {
		t.Errorf("Text of a safe string: %v allocs", n)
	}
}

// FuzzAppend: for any bytes, the text is safe and as long in runes as
// the input is in runes and invalid bytes; the JSON is valid, carries no
// unsafe rune raw and decodes to the input with invalid bytes as U+FFFD.
func FuzzAppend(f *testing.F) {
	for _, tt := range hostile {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text := AppendText(nil, s)
		if !Safe(string(text)) {
			t.Fatalf("AppendText(%q) = %q is not safe", s, text)
		}
		if utf8.RuneCount(text) != utf8.RuneCountInString(s) {
			t.Errorf("AppendText(%q) = %q: %d runes from %d", s, text, utf8.RuneCount(text), utf8.RuneCountInString(s))
		}
		if Safe(s) != (string(text) == s) {
			t.Errorf("Safe(%q) = %v but AppendText gives %q", s, Safe(s), text)
		}
		checkJSON(t, s, AppendJSON(nil, s))
	})
}

func BenchmarkAppendText(b *testing.B) {
	buf := make([]byte, 0, 64)
	for _, s := range []string{"systemd-resolved", "q\"\x1b[7mx\xff"} {
		b.Run(Text(s), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendText(buf[:0], s)
			}
		})
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	buf := make([]byte, 0, 64)
	for _, s := range []string{"systemd-resolved", "q\"\x1b[7mx\xff"} {
		b.Run(Text(s), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendJSON(buf[:0], s)
			}
		})
	}
}
