// errors.go holds the one error type every Parse returns.

package header

import "fmt"

// ParseError says which header was malformed and how; the stack counts it
// (InErrs, InHdrErrors) and drops the frame.
type ParseError struct {
	Header string // "ethernet", "arp", "ipv4", "icmpv4", "udp", "tcp"
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("malformed %s header: %s", e.Header, e.Reason)
}

func perr(h, format string, args ...any) error {
	return &ParseError{Header: h, Reason: fmt.Sprintf(format, args...)}
}
