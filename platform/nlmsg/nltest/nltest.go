// Package nltest is a function-backed fake of a netlink socket, the seam
// where the dump loops of platform/nlmsg, platform/sockdiag and
// platform/rtnl are tested without a kernel.
package nltest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
)

// hdrLen is sizeof(struct nlmsghdr). It is spelled out, not taken from
// nlmsg, so nlmsg's own tests can use this package.
const hdrLen = 16

// Conn, an nlmsg.Conn, answers each request with the datagrams Reply
// returns for it, queued after any not yet read, with the request's
// sequence number stamped on every message (as the kernel answers; the
// replies a test builds need not know it).
type Conn struct {
	Reply   func(req []byte) [][]byte
	pending [][]byte
}

// Send queues Reply's answer to req.
func (c *Conn) Send(req []byte) error {
	seq := binary.NativeEndian.Uint32(req[8:])
	for _, d := range c.Reply(req) {
		d = bytes.Clone(d)
		for off := 0; off+hdrLen <= len(d); {
			binary.NativeEndian.PutUint32(d[off+8:], seq)
			n := int(binary.NativeEndian.Uint32(d[off:]))
			if n < hdrLen {
				break // broken on purpose: leave the rest as it is
			}
			off += (n + 3) &^ 3
		}
		c.pending = append(c.pending, d)
	}
	return nil
}

// Recv returns the next queued datagram, ctx's error once it is done, and
// an error when nothing is queued: a dump that reads on after its replies
// ran out.
func (c *Conn) Recv(ctx context.Context, buf []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if len(c.pending) == 0 {
		return 0, errors.New("fake: read with nothing queued")
	}
	n := copy(buf, c.pending[0])
	c.pending = c.pending[1:]
	return n, nil
}
