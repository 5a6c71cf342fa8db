// isn.go generates initial sequence numbers (RFC 6528).

package tcp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"net/netip"
	"time"
)

// ISNGenerator implements RFC 6528 §3: ISN = M + F(localip, localport,
// remoteip, remoteport, secretkey), where M is a timer ticking every 4
// microseconds and F a keyed hash, so that ISNs are unguessable from off
// the path yet increase for one connection's successive incarnations
// (which protects TIME_WAIT reuse).
type ISNGenerator struct {
	secret [32]byte
	epoch  time.Time
}

// NewISNGenerator draws a secret key (RFC 6528 §3: "SHOULD be ... a
// pseudorandom number ... of at least 128 bits"); epoch anchors M.
func NewISNGenerator(epoch time.Time) *ISNGenerator {
	g := &ISNGenerator{epoch: epoch}
	if _, err := rand.Read(g.secret[:]); err != nil {
		panic("tcp: no randomness for the ISN secret: " + err.Error())
	}
	return g
}

// ISN returns the initial sequence number for a connection at time now.
func (g *ISNGenerator) ISN(local, remote netip.AddrPort, now time.Time) Seq {
	f := keyedHash(&g.secret, local, remote, 0)
	m := uint32(now.Sub(g.epoch) / (4 * time.Microsecond))
	return Seq(m + f)
}

// keyedHash is the F of RFC 6528 §3 (and the hash of a SYN cookie): 32
// bits of SHA-256 over a secret key, the connection's addresses and ports,
// and extra.
func keyedHash(secret *[32]byte, local, remote netip.AddrPort, extra uint32) uint32 {
	var buf [32 + 16]byte
	copy(buf[:], secret[:])
	l, r := local.Addr().As16(), remote.Addr().As16()
	copy(buf[32:], l[12:])
	copy(buf[36:], r[12:])
	binary.BigEndian.PutUint16(buf[40:], local.Port())
	binary.BigEndian.PutUint16(buf[42:], remote.Port())
	binary.BigEndian.PutUint32(buf[44:], extra)
	h := sha256.Sum256(buf[:])
	return binary.BigEndian.Uint32(h[:4])
}
