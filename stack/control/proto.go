// proto.go is the control protocol's framing: a request line, a response
// header line and a length-counted body, each bounded in size.

package control

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"
)

// Version names the control protocol. A peer that speaks another version
// gets an error response naming this one; a change to the request or the
// header that an old peer would misread makes gonetstat.control/v2.
const Version = "gonetstat.control/v1"

// Size bounds. A request is one short line; a header carries Info (a few
// NICs); a body is one socket table, about 600 bytes a TCP row, so 64 MiB
// holds some 100,000 sockets, far more than a mini-stack's memory budget
// allows.
const (
	MaxRequest = 1 << 10
	MaxHeader  = 64 << 10
	MaxBody    = 64 << 20
)

// OpSnapshot asks for the stack's socket table.
const OpSnapshot = "snapshot"

// Info describes a running stack: what `gonetstat -ano --stack` names it
// by, and what it runs on.
type Info struct {
	Name    string    `json:"name"`    // the stack instance name (its rows' stack_name)
	PID     int       `json:"pid"`     // the serving process, as it sees itself
	Process string    `json:"process"` // the serving program's name, shown by -b
	Started time.Time `json:"started"` // when the stack started
	NICs    []NIC     `json:"nics,omitempty"`
}

// NIC is one network interface of a stack.
type NIC struct {
	Name string       `json:"name"` // the LAN driver: "tap0", "pair"
	MAC  string       `json:"mac,omitempty"`
	MTU  int          `json:"mtu,omitempty"`
	Addr netip.Prefix `json:"addr"`
}

type request struct {
	Version string `json:"version"`
	Op      string `json:"op"`
}

// header is the response's first line. Status is "ok" (Length body bytes
// follow) or "error" (Error says why; no body).
type header struct {
	Version string `json:"version"`
	Status  string `json:"status"`
	Error   string `json:"error,omitempty"`
	Info    *Info  `json:"info,omitempty"`
	Length  int64  `json:"length"`
}

// ErrProtocol is wrapped by every error about what the peer sent.
var ErrProtocol = errors.New("control protocol error")

func protoErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// writeLine writes v as one JSON line.
func writeLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// readLine reads one newline-terminated line of at most limit bytes
// (newline included) and decodes it into v.
func readLine(r *bufio.Reader, limit int, what string, v any) error {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > limit {
			return protoErr("%s longer than %d bytes", what, limit)
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(line) == 0 {
				return protoErr("connection closed before the %s", what)
			}
			return protoErr("%s not terminated by a newline", what)
		}
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(v); err != nil {
		return protoErr("%s: %v", what, err)
	}
	return nil
}

// readResponse reads a header and its body.
func readResponse(r *bufio.Reader) (header, []byte, error) {
	var h header
	if err := readLine(r, MaxHeader, "response header", &h); err != nil {
		return h, nil, err
	}
	if h.Version != Version {
		return h, nil, protoErr("the stack speaks %q, we speak %q", h.Version, Version)
	}
	switch h.Status {
	case "ok":
	case "error":
		return h, nil, fmt.Errorf("the stack answered: %s", h.Error)
	default:
		return h, nil, protoErr("response status %q is neither ok nor error", h.Status)
	}
	if h.Info == nil {
		return h, nil, protoErr("response header without info")
	}
	if h.Length < 0 || h.Length > MaxBody {
		return h, nil, protoErr("body of %d bytes (at most %d)", h.Length, MaxBody)
	}
	body := make([]byte, h.Length)
	if _, err := io.ReadFull(r, body); err != nil {
		return h, nil, fmt.Errorf("reading a %d-byte body: %w", h.Length, err)
	}
	return h, body, nil
}
