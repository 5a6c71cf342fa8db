// hostile_test.go checks that the web page never turns what a client
// sent into HTML: the page is fixed text, and the one answer that quotes
// the request (a bad /bytes/N) is plain text the browser may not sniff.

package services

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerEchoesNoHTML(t *testing.T) {
	// The page's command names a namespace, which any local user names.
	h := Handler(Page{BothEnds: "sudo gonetstat -ano --stack --netns <script>alert(1)</script>\x1b[2J"})
	const evil = "%3Cscript%3Ealert(1)%3C/script%3E%1B%5B2J"
	for _, target := range []string{"/", "/?q=" + evil, "/bytes/" + evil} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		resp := rec.Result()
		body, _ := io.ReadAll(resp.Body)
		ct := resp.Header.Get("Content-Type")
		if strings.HasPrefix(ct, "text/html") {
			if strings.Contains(string(body), "<script") || strings.Contains(string(body), "\x1b") {
				t.Errorf("GET %s: the HTML page quotes the request:\n%s", target, body)
			}
			continue
		}
		if !strings.HasPrefix(ct, "text/plain") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: Content-Type %q, X-Content-Type-Options %q: want text/plain, nosniff", target, ct, resp.Header.Get("X-Content-Type-Options"))
		}
		if strings.Contains(string(body), "\x1b") {
			t.Errorf("GET %s: raw ESC in the answer %q", target, body)
		}
	}
}
