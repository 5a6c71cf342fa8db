// safetext.go holds the classification and the text and JSON appenders.

package safetext

import "unicode/utf8"

// Unsafe reports whether r must not be written raw: a C0 or C1 control,
// DEL, a Unicode Bidi_Control character, U+2028 or U+2029 (doc.go).
// utf8.RuneError is not unsafe by itself; a byte that decodes to it with
// size 1 is, and the appenders check that.
func Unsafe(r rune) bool {
	if r < utf8.RuneSelf {
		return r < 0x20 || r == 0x7f
	}
	switch {
	case r <= 0x9f: // C1
		return true
	case r < 0x061c:
		return false
	case r == 0x061c, r == 0x200e, r == 0x200f, // ALM, LRM, RLM
		r >= 0x2028 && r <= 0x202e, // LS, PS, LRE, RLE, PDF, LRO, RLO
		r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	}
	return false
}

// Safe reports whether s is valid UTF-8 without an unsafe rune: what the
// appenders write unchanged (JSON still escapes '"' and '\').
func Safe(s string) bool { return safePrefix(s) == len(s) }

// safePrefix returns the length of the longest prefix of s that is safe.
func safePrefix(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || Unsafe(r) {
			return i
		}
		i += size
	}
	return len(s)
}

// AppendText appends s to dst with every unsafe rune, and every byte that
// is not part of valid UTF-8, as '?': for a terminal, a table cell or a
// log line.
func AppendText(dst []byte, s string) []byte {
	n := safePrefix(s)
	dst = append(dst, s[:n]...)
	for i := n; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				c = '?'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || Unsafe(r) {
			dst = append(dst, '?')
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// Text returns s as AppendText writes it: s itself, without allocating,
// when it is already safe.
func Text(s string) string {
	if Safe(s) {
		return s
	}
	return string(AppendText(make([]byte, 0, len(s)), s))
}

const hexDigits = "0123456789abcdef"

// AppendJSON appends s to dst as a JSON string, quotes included (doc.go
// says what is escaped and how).
func AppendJSON(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = AppendJSONBody(dst, s)
	return append(dst, '"')
}

// AppendJSONBody appends s escaped as AppendJSON does, without the
// quotes: for a string written in parts, such as an address, '%' and its
// zone.
func AppendJSONBody(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = appendU(dst, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = appendU(dst, utf8.RuneError)
		case Unsafe(r):
			dst = append(dst, s[start:i]...)
			dst = appendU(dst, r)
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}

// appendU appends \uXXXX for a rune of the Basic Multilingual Plane (every
// rune this package escapes is one).
func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
