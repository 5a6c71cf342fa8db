// crlf.go holds the writer that gives Windows its line endings.

package cli

import "io"

// crlfWriter writes through to w with every "\n" that is not already
// preceded by "\r" turned into "\r\n", as Windows netstat ends its lines
// (../shared/reference/windows-netstat-ano.txt). It keeps no buffer: each
// Write is converted and passed on whole (the renderers buffer already).
type crlfWriter struct {
	w      io.Writer
	lastCR bool // the last byte written was '\r' (a CRLF split across writes)
	buf    []byte
}

func (c *crlfWriter) Write(p []byte) (int, error) {
	c.buf = c.buf[:0]
	for i, b := range p {
		if b == '\n' {
			prevCR := c.lastCR
			if i > 0 {
				prevCR = p[i-1] == '\r'
			}
			if !prevCR {
				c.buf = append(c.buf, '\r')
			}
		}
		c.buf = append(c.buf, b)
	}
	if len(p) > 0 {
		c.lastCR = p[len(p)-1] == '\r'
	}
	if _, err := c.w.Write(c.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}
