// pseudonym.go gives IP addresses, MAC addresses and host names their
// --redact pseudonyms: keyed, consistent (one value, one pseudonym, in
// every file of every bundle made with the same map) and, for IP
// addresses, prefix-preserving, so that subnets stay subnets.

package bundle

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
)

// Kinds of pseudonyms, as --redact names them.
const (
	KindIP   = "ip"
	KindHost = "host"
	KindMAC  = "mac"
)

// pseudonymizer maps values to pseudonyms with a 32-byte secret: the first
// 16 bytes key AES-128 for the addresses (the next 13 are mixed into its
// length blocks), the whole secret keys HMAC-SHA256 for MACs and names. It records every mapping it makes, for
// the map file. Safe for concurrent use.
type pseudonymizer struct {
	ip, host, mac bool
	block         cipher.Block
	// lens[f][i] is AES_k of a block naming family f (0: IPv4, 1: IPv6)
	// and prefix length i: the first block of each bit's CBC-MAC.
	lens   [2][129][16]byte
	secret [32]byte

	mu    sync.Mutex
	ips   map[netip.Addr]netip.Addr
	macs  map[string]net.HardwareAddr // by the original's String
	hosts map[string]string
	names []string // host names to replace in free text, longest first
}

func newPseudonymizer(secret [32]byte, ip, host, mac bool) *pseudonymizer {
	block, err := aes.NewCipher(secret[:16])
	if err != nil {
		panic(err) // a 16-byte key is always valid
	}
	p := &pseudonymizer{ip: ip, host: host, mac: mac, block: block, secret: secret,
		ips: map[netip.Addr]netip.Addr{}, macs: map[string]net.HardwareAddr{}, hosts: map[string]string{}}
	for f := range p.lens {
		for i := range p.lens[f] {
			in := [16]byte{0: 'g', 1: byte(4 + 2*f), 2: byte(i)}
			copy(in[3:], secret[16:29])
			block.Encrypt(p.lens[f][i][:], in[:])
		}
	}
	return p
}

// enabled reports whether any kind is replaced.
func (p *pseudonymizer) enabled() bool { return p != nil && (p.ip || p.host || p.mac) }

// keptV4 and keptV6 are the ranges written as they are, for they identify
// no host and say how an address is used: unspecified, loopback,
// link-local, multicast, broadcast (RFC 6890's special-purpose blocks
// that are not private or documentation space). The IPv4 addresses
// embedded in ::ffff:0:0/96 (RFC 4291 §2.5.5.2) are mapped as IPv4.
var (
	keptV4 = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),          // "this network" (RFC 791), 0.0.0.0 among them
		netip.MustParsePrefix("127.0.0.0/8"),        // loopback (RFC 1122 §3.2.1.3)
		netip.MustParsePrefix("169.254.0.0/16"),     // link-local (RFC 3927)
		netip.MustParsePrefix("224.0.0.0/4"),        // multicast (RFC 5771)
		netip.MustParsePrefix("255.255.255.255/32"), // limited broadcast (RFC 919)
	}
	keptV6 = []netip.Prefix{
		netip.MustParsePrefix("::/128"),    // unspecified (RFC 4291 §2.5.2)
		netip.MustParsePrefix("::1/128"),   // loopback (RFC 4291 §2.5.3)
		netip.MustParsePrefix("fe80::/10"), // link-local (RFC 4291 §2.5.6)
		netip.MustParsePrefix("ff00::/8"),  // multicast (RFC 4291 §2.7)
	}
	// preservedV4 and preservedV6 are ranges that map onto themselves:
	// the kept ones (so that no other address can map into them) and,
	// for readability, the private ones (a private address stays
	// private) and the v4-mapped block. The first octet of an IPv4
	// address and the first 16 bits of an IPv6 one are always kept.
	preservedV4 = append([]netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"),
		netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
	}, keptV4...)
	preservedV6 = append([]netip.Prefix{
		netip.MustParsePrefix("fc00::/7"), netip.MustParsePrefix("::ffff:0:0/96"),
	}, keptV6...)
)

const (
	keepBitsV4 = 8
	keepBitsV6 = 16
)

// isKept reports whether a is written as it is.
func isKept(a netip.Addr) bool {
	list := keptV4
	if a.Is6() {
		list = keptV6
	}
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Addr returns a's pseudonym (a itself without --redact ip, or when it is
// kept readable). The zone of an IPv6 address is an interface name and is
// kept.
func (p *pseudonymizer) Addr(a netip.Addr) netip.Addr {
	if p == nil || !p.ip || !a.IsValid() {
		return a
	}
	zone := a.Zone()
	a = a.WithZone("")
	if a.Is4In6() {
		return netip.AddrFrom16(p.Addr(a.Unmap()).As16()).WithZone(zone)
	}
	if isKept(a) {
		return a.WithZone(zone)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if m, ok := p.ips[a]; ok {
		return m.WithZone(zone)
	}
	m := p.permute(a)
	p.ips[a] = m
	return m.WithZone(zone)
}

// permute is Crypto-PAn's construction (Fan, Xu, Ammar, Moon:
// "Prefix-preserving IP address anonymization", 2004): bit i of the
// result is bit i of a XORed with a keyed function of the first i bits of
// a. Two addresses sharing an n-bit prefix get pseudonyms sharing an
// n-bit prefix, and the mapping is a bijection. The function is the
// first bit of a CBC-MAC under AES-128 of two blocks, (family, i) and the
// first i bits padded with zeros: a PRF of the prefix and its length.
// (Crypto-PAn pads the prefix with fixed pad bits instead, so that the
// inputs for i and i+1 coincide whenever bit i equals the pad's, and the
// flips of neighbouring bits are correlated.) A bit is not flipped while
// the prefix above it lies on the way into a preserved range, so each
// preserved range maps onto itself.
func (p *pseudonymizer) permute(a netip.Addr) netip.Addr {
	var in [16]byte
	bits, keep, preserved, fam := 32, keepBitsV4, preservedV4, 0
	if a.Is4() {
		v4 := a.As4()
		copy(in[:], v4[:])
	} else {
		in = a.As16()
		bits, keep, preserved, fam = 128, keepBitsV6, preservedV6, 1
	}
	out := in
	var x, enc [16]byte
	for i := keep; i < bits; i++ {
		if insidePreserved(a, i, preserved) {
			continue
		}
		// x: the length block's cipher XOR the prefix block.
		for j := range x {
			var mask byte
			switch {
			case (j+1)*8 <= i:
				mask = 0xff
			case j*8 < i:
				mask = byte(0xff << (8 - (i - j*8)))
			}
			x[j] = p.lens[fam][i][j] ^ in[j]&mask
		}
		p.block.Encrypt(enc[:], x[:])
		if enc[0]&0x80 != 0 {
			out[i/8] ^= 0x80 >> (i % 8)
		}
	}
	if a.Is4() {
		return netip.AddrFrom4([4]byte(out[:4]))
	}
	return netip.AddrFrom16(out)
}

// insidePreserved reports whether the first i bits of a lie on the way
// into a preserved range: they are a prefix of that range's own prefix.
func insidePreserved(a netip.Addr, i int, preserved []netip.Prefix) bool {
	for _, r := range preserved {
		if i < r.Bits() && netip.PrefixFrom(r.Addr(), i).Masked() == netip.PrefixFrom(a, i).Masked() {
			return true
		}
	}
	return false
}

// Prefix returns the pseudonym of a subnet: its address's pseudonym
// masked to the same length, which holds the pseudonyms of every address
// in it.
func (p *pseudonymizer) Prefix(x netip.Prefix) netip.Prefix {
	if p == nil || !p.ip || !x.IsValid() {
		return x
	}
	return netip.PrefixFrom(p.Addr(x.Addr()), x.Bits()).Masked()
}

// AddrPort returns ap with its address's pseudonym; the port is kept.
func (p *pseudonymizer) AddrPort(ap netip.AddrPort) netip.AddrPort {
	if p == nil || !p.ip || !ap.IsValid() {
		return ap
	}
	return netip.AddrPortFrom(p.Addr(ap.Addr()), ap.Port())
}

// MAC returns hw's pseudonym: the all-zero, broadcast and multicast
// addresses are kept (they name no card); a 4- or 16-byte link address
// is a tunnel's IP address and maps as one; any other becomes keyed
// bytes of the same length, a 6-byte one unicast and locally
// administered (IEEE 802 U/L bit set, I/G bit clear).
func (p *pseudonymizer) MAC(hw net.HardwareAddr) net.HardwareAddr {
	if p == nil || !p.mac || len(hw) == 0 || hw[0]&1 == 1 || allBytes(hw, 0) {
		return hw
	}
	switch len(hw) {
	case 4, 16:
		a, _ := netip.AddrFromSlice(hw)
		return net.HardwareAddr(p.addrAlways(a).AsSlice())
	}
	key := hw.String()
	p.mu.Lock()
	defer p.mu.Unlock()
	if m, ok := p.macs[key]; ok {
		return slices.Clone(m)
	}
	sum := p.mac256("mac", key)
	out := make(net.HardwareAddr, len(hw))
	for i := range out {
		out[i] = sum[i%len(sum)]
	}
	if len(out) == 6 {
		out[0] = out[0]&^1 | 2
	}
	p.macs[key] = slices.Clone(out)
	return out
}

// addrAlways maps a as Addr does under --redact ip: a tunnel's link
// address is an IP address even when only --redact mac was asked.
func (p *pseudonymizer) addrAlways(a netip.Addr) netip.Addr {
	if isKept(a) {
		return a
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if m, ok := p.ips[a]; ok {
		return m
	}
	m := p.permute(a)
	p.ips[a] = m
	return m
}

func allBytes(b []byte, v byte) bool {
	for _, c := range b {
		if c != v {
			return false
		}
	}
	return true
}

// parseHexColons reads the hex bytes of a HardwareAddr.String of any
// length (net.ParseMAC accepts only 6, 8 and 20 bytes).
func parseHexColons(s string) net.HardwareAddr {
	b, err := hex.DecodeString(strings.ReplaceAll(s, ":", ""))
	if err != nil {
		return nil
	}
	return b
}

// Host returns a host name's pseudonym, "host-" and 8 hex digits, the
// same for any case of the name; "" stays "".
func (p *pseudonymizer) Host(name string) string {
	if p == nil || !p.host || name == "" {
		return name
	}
	key := strings.ToLower(name)
	p.mu.Lock()
	defer p.mu.Unlock()
	if m, ok := p.hosts[key]; ok {
		return m
	}
	sum := p.mac256("host", key)
	m := "host-" + hex.EncodeToString(sum[:4])
	p.hosts[key] = m
	return m
}

// addHostNames registers the names of this host (its name, its short
// name, its FQDN) to be replaced in free text as well as where a field
// holds one; each gets its pseudonym now.
func (p *pseudonymizer) addHostNames(names ...string) {
	if p == nil || !p.host {
		return
	}
	for _, n := range names {
		if n == "" || strings.EqualFold(n, "localhost") {
			continue
		}
		p.Host(n)
		p.mu.Lock()
		if !containsFold(p.names, n) {
			p.names = append(p.names, n)
		}
		p.mu.Unlock()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// Longest first, so that "web1.example.com" is replaced before "web1".
	sortByLenDesc(p.names)
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func sortByLenDesc(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && len(s[j]) > len(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func (p *pseudonymizer) mac256(domain, s string) []byte {
	h := hmac.New(sha256.New, p.secret[:])
	h.Write([]byte(domain))
	h.Write([]byte{0})
	h.Write([]byte(s))
	return h.Sum(nil)
}

// replaced counts the distinct values given a pseudonym, by kind, for the
// manifest (kept values are not counted).
func (p *pseudonymizer) replaced() map[string]int {
	if !p.enabled() {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	m := map[string]int{}
	if p.ip {
		m[KindIP] = len(p.ips)
	}
	if p.host {
		m[KindHost] = len(p.hosts)
	}
	if p.mac {
		m[KindMAC] = len(p.macs)
	}
	return m
}

// kinds lists the kinds replaced, in the manifest's order.
func (p *pseudonymizer) kinds() []string {
	out := []string{}
	if p == nil {
		return out
	}
	for _, k := range [...]struct {
		on   bool
		name string
	}{{p.ip, KindIP}, {p.host, KindHost}, {p.mac, KindMAC}} {
		if k.on {
			out = append(out, k.name)
		}
	}
	return out
}
