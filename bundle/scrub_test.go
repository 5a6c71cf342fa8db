// scrub_test.go checks the free-text scrubber: the secrets it removes,
// the addresses and names it replaces, what it leaves, and that it fails
// closed on bytes that are not text.

package bundle

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestScrubSecrets(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"password=hunter2 next", "password=" + redactedMark + " next"},
		{"DB_PASSWORD: 'hunter2'", "DB_PASSWORD: '" + redactedMark + "'"},
		{"api_key=abc123&x=1", "api_key=" + redactedMark + "&x=1"},
		{"--token=eyJhbGciOi", "--token=" + redactedMark},
		{`{"secret": "xyz"}`, `{"secret": "` + redactedMark + `"}`},
		{"Authorization: Bearer abcdefgh12345678", "Authorization: Bearer " + redactedMark},
		{"curl https://alice:s3cret@example.net/x", "curl https://" + redactedMark + "@example.net/x"},
		{"postgres://bob@db:5432", "postgres://" + redactedMark + "@db:5432"},
		{"a\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\nb", "a\n" + redactedMark + " (PEM block)\nb"},
		{"-----BEGIN CERTIFICATE-----\nMIIE and never ends", redactedMark + " (PEM block)"},
		// Not secrets: left as they are.
		{"tcp LISTEN 0 128 0.0.0.0:22 users:((\"sshd\",pid=1,fd=3))", "tcp LISTEN 0 128 0.0.0.0:22 users:((\"sshd\",pid=1,fd=3))"},
		{"TcpExtTCPAuthFailures 0", "TcpExtTCPAuthFailures 0"},
		{"https://example.net/path", "https://example.net/path"},
	} {
		got, n := scrubSecrets(tc.in)
		if got != tc.want {
			t.Errorf("scrubSecrets(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if (n > 0) != (got != tc.in) {
			t.Errorf("scrubSecrets(%q) counted %d", tc.in, n)
		}
	}
}

func TestScrubTextPseudonyms(t *testing.T) {
	p := testPseudonymizer(11)
	p.addHostNames("web1.example.net", "web1")
	in := strings.Join([]string{
		"198.18.77.1:8077 -> 198.018.077.002 via fd00:77::1 and [fd00:77::2]:443, fd00:77::3:22",
		"mapped ::ffff:198.18.77.1 lo 127.0.0.1 ::1 fe80::1%vb0 ff02::1 0.0.0.0:22",
		"lladdr 02:00:5e:77:00:03 or 02-00-5E-77-00-01 at 12:30:00, ratio 1:2:3",
		"host WEB1 and web1.example.net, not web10",
		"odd fd00:77:0:0:0:0:0:0:0:1 and 1:2:3:4:5:6:7:8:9 and x:198.18.77.2:y",
	}, "\n")
	out, n, err := scrubText([]byte(in), p)
	if err != nil || n != 0 {
		t.Fatalf("scrubText: %d secrets, %v", n, err)
	}
	got := string(out)
	if l := leaks(out, []string{"198.18.77.1", "198.18.77.2", "fd00:77::1", "fd00:77::2", "fd00:77::3"}, []string{"02:00:5e:77:00:03", "02:00:5e:77:00:01"}); len(l) > 0 {
		t.Errorf("still there: %v\n%s", l, got)
	}
	for _, keep := range []string{"127.0.0.1", " ::1 ", "fe80::1%vb0", "ff02::1", "0.0.0.0:22", "12:30:00", "ratio 1:2:3", "web10", ":8077", ":443", ":22"} {
		if !strings.Contains(got, keep) {
			t.Errorf("%q was changed:\n%s", keep, got)
		}
	}
	for _, gone := range []string{"WEB1 ", "web1.example.net", "198.018.077.002", "fd00:77:0:0:0:0:0:0:0:1"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q is still there:\n%s", gone, got)
		}
	}
	if want := p.Addr(netip.MustParseAddr("198.18.77.1")).String(); !strings.Contains(got, want+":8077") || !strings.Contains(got, "::ffff:"+want) {
		t.Errorf("198.18.77.1 is not %s everywhere:\n%s", want, got)
	}
	if !regexp.MustCompile(` or [0-9a-f]{2}(-[0-9a-f]{2}){5} at`).MatchString(got) || !strings.Contains(got, "odd [ipv6 "+redactedMark+"] and") {
		t.Errorf("a dashed MAC lost its dashes, or an unparsable IPv6-like token was kept:\n%s", got)
	}
	// Not text: left out, never copied.
	for _, bad := range []string{"a\x00b", "a\xffb"} {
		if _, _, err := scrubText([]byte(bad), p); err != errNotText {
			t.Errorf("scrubText(%q): %v, want errNotText", bad, err)
		}
	}
}

// FuzzScrubText: any text scrubs without a panic into valid UTF-8, and
// an address planted in it, between blanks, is gone.
func FuzzScrubText(f *testing.F) {
	f.Add("password=x 198.18.0.1 fd00::1 02:00:5e:00:00:01 host1")
	f.Add("-----BEGIN X-----\n198.18.0.1")
	f.Add("1:2:3:4:5:6:7:8 ::ffff:1.2.3.4 [fd00::1]:80")
	p := testPseudonymizer(12)
	p.addHostNames("host1")
	f.Fuzz(func(t *testing.T, s string) {
		planted := s + " 198.18.123.45 " + s
		out, _, err := scrubText([]byte(planted), p)
		if err != nil {
			if utf8.ValidString(planted) && !strings.ContainsRune(planted, 0) {
				t.Fatalf("valid text refused: %v", err)
			}
			return
		}
		if !utf8.Valid(out) {
			t.Fatalf("invalid UTF-8 out of %q", planted)
		}
		if strings.Contains(string(out), " 198.18.123.45 ") {
			t.Fatalf("the planted address survived in %q", out)
		}
	})
}
