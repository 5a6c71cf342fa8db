// scrub.go cleans free-form text (command output, the log, sysctl values,
// reasons): secrets always, and with --redact the IP addresses, MAC
// addresses and host names it spells, by regular expression. Structured
// data never comes here: JSON is redacted field by field and raw /proc/net
// files by their parsers (procnet.go).

package bundle

import (
	"bytes"
	"errors"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// redactedMark replaces a secret.
const redactedMark = "[REDACTED]"

// errNotText is scrubText's answer for bytes it cannot vouch for: a NUL
// byte or invalid UTF-8 means a binary (or hostile) stream whose secrets
// no pattern can be trusted to find. The file is left out (fail closed).
var errNotText = errors.New("not text (a NUL byte or invalid UTF-8): it cannot be scrubbed, so it is left out")

// The secret patterns. Each keeps what names the secret and replaces the
// secret itself, so a reader still sees that one was there.
var (
	// A PEM block (RFC 7468 §2): everything from BEGIN to its END; an
	// unterminated one to the end of the text.
	pemBlock = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]{1,64}-----(?s:.*?)(?:-----END [A-Z0-9 ]{1,64}-----|\z)`)
	// URL userinfo (RFC 3986 §3.2.1): scheme://user:password@host.
	urlUserinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]{0,31}://)[^\s/?#@"'<>]+@`)
	// key=value and key: value where the key names a secret. The value
	// runs to the next blank, quote, comma, semicolon or '&'.
	keyValue = regexp.MustCompile(`(?i)((?:[A-Za-z0-9_.\-]*(?:password|passwd|passphrase|pwd|secret|token|api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key|credential|auth|session[_\-]?id|cookie))["']?\s*[=:]\s*["']?)([^\s"',;&]+)`)
	// An Authorization header's credentials.
	authScheme = regexp.MustCompile(`(?i)\b(bearer|basic|digest|token)\s+([A-Za-z0-9._~+/=\-]{8,})`)
)

// scrubSecrets replaces the secrets in text and returns how many it
// replaced.
func scrubSecrets(text string) (string, int) {
	n := 0
	count := func(re *regexp.Regexp, repl func(m []string) string) {
		text = re.ReplaceAllStringFunc(text, func(s string) string {
			n++
			return repl(re.FindStringSubmatch(s))
		})
	}
	count(pemBlock, func([]string) string { return redactedMark + " (PEM block)" })
	count(urlUserinfo, func(m []string) string { return m[1] + redactedMark + "@" })
	count(keyValue, func(m []string) string { return m[1] + redactedMark })
	count(authScheme, func(m []string) string { return m[1] + " " + redactedMark })
	return text, n
}

// scrubText cleans one free-form file: secrets always, pseudonyms when p
// replaces any kind. It returns errNotText for bytes that are not text.
func scrubText(data []byte, p *pseudonymizer) ([]byte, int, error) {
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return nil, 0, errNotText
	}
	text, n := scrubSecrets(string(data))
	if p.enabled() {
		text = p.Text(text)
	}
	return []byte(text), n, nil
}

// Free-text address candidates: each match is parsed, and only a match
// that parses is replaced (the pattern finds, the parser decides).
var (
	// Four dotted decimal groups; leading zeros are accepted (198.018.0.1
	// names the same address to many tools) and the pseudonym is printed
	// plainly.
	dottedV4 = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)
	// A run of hex digits, colons and dots holding at least two colons:
	// an IPv6 address (with an embedded IPv4 one), possibly followed by
	// ":port" as old ss prints it.
	textV6 = regexp.MustCompile(`[0-9A-Fa-f:.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*`)
	// textAddr finds either kind of candidate, IPv6 first.
	textAddr = regexp.MustCompile(textV6.String() + `|` + dottedV4.String())
	// Six (or eight, or twenty) hex byte pairs separated by ':' or '-'.
	textMAC = regexp.MustCompile(`\b[0-9A-Fa-f]{2}(?:([:\-])[0-9A-Fa-f]{2}){5}(?:[:\-][0-9A-Fa-f]{2}){0,14}\b`)
)

// macShape is textMAC anchored: a whole candidate that is a MAC.
var macShape = regexp.MustCompile(`^[0-9A-Fa-f]{2}(?:[:\-][0-9A-Fa-f]{2}){5,19}$`)

// Text replaces in free text what --redact asked for: host names (as
// registered, any case), MAC addresses, IPv6 and then IPv4 addresses.
// Kept addresses stay as they are.
func (p *pseudonymizer) Text(text string) string {
	if !p.enabled() {
		return text
	}
	if p.host {
		p.mu.Lock()
		names := append([]string(nil), p.names...)
		p.mu.Unlock()
		for _, n := range names {
			text = replaceFold(text, n, p.Host(n))
		}
	}
	if p.mac {
		text = textMAC.ReplaceAllStringFunc(text, func(s string) string {
			sep := ":"
			if strings.Contains(s, "-") {
				sep = "-"
			}
			hw := parseHexColons(strings.ReplaceAll(s, "-", ":"))
			if hw == nil {
				return s
			}
			return strings.ReplaceAll(p.MAC(hw).String(), ":", sep)
		})
	}
	if p.ip {
		// One pass for both families, so that a pseudonym written for
		// one (::ffff:198.51.… holds a dotted quad) is never read again
		// by the other.
		text = textAddr.ReplaceAllStringFunc(text, func(s string) string {
			if strings.Count(s, ":") >= 2 {
				return p.textV6(s)
			}
			return p.dotted(s)
		})
	}
	return text
}

// dotted replaces every dotted quad in s.
func (p *pseudonymizer) dotted(s string) string {
	return dottedV4.ReplaceAllStringFunc(s, func(q string) string {
		a, ok := parseDotted(q)
		if !ok {
			return q
		}
		return p.Addr(a).String()
	})
}

// textV6 replaces one IPv6 candidate. A candidate that does not parse as
// an address, nor as one followed by ":port", nor after trimming the
// punctuation that ends a sentence, is left as it is when it cannot be an
// address at all (fewer than two hex groups, a time such as 12:30:00) and
// masked otherwise: no spelling of an address must slip through.
func (p *pseudonymizer) textV6(s string) string {
	core := strings.TrimRight(s, ":.")
	tail := s[len(core):]
	if a, err := netip.ParseAddr(core); err == nil && a.Is6() {
		return p.Addr(a).String() + tail
	}
	if i := strings.LastIndexByte(core, ':'); i > 0 {
		if _, err := strconv.ParseUint(core[i+1:], 10, 16); err == nil {
			if a, err := netip.ParseAddr(core[:i]); err == nil && a.Is6() {
				return p.Addr(a).String() + core[i:] + tail
			}
		}
	}
	if !couldBeV6(core) || macShape.MatchString(core) {
		// A time, a ratio, a MAC (the MAC pass has seen it), or dotted
		// quads run together with colons: those are still replaced.
		return p.dotted(s)
	}
	return "[ipv6 " + redactedMark + "]" + tail
}

// couldBeV6 reports whether s has the shape of an IPv6 address (a "::",
// or at least three colon-separated groups with a hex letter or a group
// of more than two digits): times (12:30:00), MACs and ratios do not.
func couldBeV6(s string) bool {
	if strings.Contains(s, "::") {
		return true
	}
	groups := strings.Split(s, ":")
	if len(groups) < 4 {
		return false
	}
	for _, g := range groups {
		if len(g) > 2 || strings.ContainsAny(g, "abcdefABCDEF") {
			return true
		}
	}
	return false
}

// parseDotted reads a dotted-quad IPv4 address whose groups may have
// leading zeros.
func parseDotted(s string) (netip.Addr, bool) {
	var b [4]byte
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return netip.Addr{}, false
	}
	for i, part := range parts {
		v, err := strconv.ParseUint(part, 10, 8)
		if err != nil {
			return netip.Addr{}, false
		}
		b[i] = byte(v)
	}
	return netip.AddrFrom4(b), true
}

// replaceFold replaces every case-insensitive occurrence of old in s
// that is not inside a longer run of letters and digits, so that "web1"
// leaves "web10" alone but goes from "web1-db" (when in doubt, hide).
func replaceFold(s, old, repl string) string {
	if old == "" {
		return s
	}
	lower, lowOld := strings.ToLower(s), strings.ToLower(old)
	if len(lower) != len(s) {
		// Case mapping changed the length (some non-ASCII letters): fall
		// back to exact matches.
		return replaceWord(s, s, old, repl)
	}
	return replaceWord(s, lower, lowOld, repl)
}

func replaceWord(s, hay, needle, repl string) string {
	var b strings.Builder
	last := 0
	for i := 0; i+len(needle) <= len(hay); {
		j := strings.Index(hay[i:], needle)
		if j < 0 {
			break
		}
		at := i + j
		end := at + len(needle)
		if (at == 0 || !nameByte(hay[at-1])) && (end == len(hay) || !nameByte(hay[end])) {
			b.WriteString(s[last:at])
			b.WriteString(repl)
			last = end
		}
		i = at + 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func nameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
