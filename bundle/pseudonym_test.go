// pseudonym_test.go checks the pseudonyms' promises: consistent, prefix-
// preserving, a bijection that keeps the readable ranges as they are and
// maps nothing else into them, keyed by the map's secret.

package bundle

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"testing"
)

func testPseudonymizer(seed byte) *pseudonymizer {
	var secret [32]byte
	for i := range secret {
		secret[i] = seed + byte(i)
	}
	return newPseudonymizer(secret, true, true, true)
}

// commonBits is the length of the longest common prefix of a and b.
func commonBits(a, b netip.Addr) int {
	x, y := a.AsSlice(), b.AsSlice()
	n := 0
	for i := range x {
		d := x[i] ^ y[i]
		if d == 0 {
			n += 8
			continue
		}
		for d&0x80 == 0 {
			n++
			d <<= 1
		}
		return n
	}
	return n
}

func randAddr(r *rand.Rand, v6 bool) netip.Addr {
	if v6 {
		var b [16]byte
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return netip.AddrFrom16(b)
	}
	var b [4]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return netip.AddrFrom4(b)
}

// TestPrefixPreserving: two addresses sharing n leading bits have
// pseudonyms sharing exactly n leading bits (neither kept), and the
// mapping never sends an address into a kept range or onto another
// address's pseudonym.
func TestPrefixPreserving(t *testing.T) {
	p := testPseudonymizer(1)
	r := rand.New(rand.NewPCG(1, 2))
	for _, v6 := range []bool{false, true} {
		seen := map[netip.Addr]netip.Addr{}
		for range 3000 {
			a := randAddr(r, v6)
			// b shares a random prefix with a.
			b := randAddr(r, v6)
			n := r.IntN(a.BitLen())
			pb := a.AsSlice()
			bs := b.AsSlice()
			for i := 0; i < n; i++ {
				bit := byte(0x80 >> (i % 8))
				bs[i/8] = bs[i/8]&^bit | pb[i/8]&bit
			}
			b, _ = netip.AddrFromSlice(bs)
			if isKept(a) || isKept(b) || a.Is4In6() || b.Is4In6() {
				continue
			}
			pa, pbb := p.Addr(a), p.Addr(b)
			if got, want := commonBits(pa, pbb), commonBits(a, b); got != want {
				t.Fatalf("%v and %v share %d bits, their pseudonyms %v and %v share %d", a, b, want, pa, pbb, got)
			}
			for _, x := range []netip.Addr{pa, pbb} {
				if isKept(x) {
					t.Fatalf("a pseudonym in a kept range: %v", x)
				}
			}
			if a.Is4() && a.As4()[0] != pa.As4()[0] {
				t.Fatalf("%v -> %v: the first octet changed", a, pa)
			}
			for orig, ps := range map[netip.Addr]netip.Addr{a: pa, b: pbb} {
				if prev, ok := seen[ps]; ok && prev != orig {
					t.Fatalf("%v and %v share the pseudonym %v", prev, orig, ps)
				}
				seen[ps] = orig
			}
		}
	}
}

func TestKeptAndPreserved(t *testing.T) {
	p := testPseudonymizer(2)
	for _, s := range []string{"0.0.0.0", "127.0.0.1", "127.9.9.9", "169.254.3.4", "224.0.0.251", "239.1.2.3", "255.255.255.255",
		"::", "::1", "fe80::1", "ff02::1", "ff05::1:3"} {
		a := netip.MustParseAddr(s)
		if got := p.Addr(a); got != a {
			t.Errorf("%v -> %v, want it kept", a, got)
		}
	}
	// A zone is an interface name: kept, on a kept or mapped address.
	if got := p.Addr(netip.MustParseAddr("fe80::1%eth0")); got.String() != "fe80::1%eth0" {
		t.Errorf("fe80::1%%eth0 -> %v", got)
	}
	// Private space stays private, 198.18/15 stays 198.
	for _, c := range []struct{ addr, within string }{
		{"10.1.2.3", "10.0.0.0/8"}, {"172.20.1.1", "172.16.0.0/12"}, {"192.168.7.7", "192.168.0.0/16"},
		{"100.64.9.9", "100.64.0.0/10"}, {"198.18.0.1", "198.0.0.0/8"}, {"fd00:40::1", "fd00::/16"}, {"fc12::1", "fc00::/7"},
		{"169.1.2.3", "169.0.0.0/8"},
	} {
		got := p.Addr(netip.MustParseAddr(c.addr))
		if !netip.MustParsePrefix(c.within).Contains(got) || got.String() == c.addr {
			t.Errorf("%s -> %v, want another address within %s", c.addr, got, c.within)
		}
		if netip.MustParsePrefix("169.254.0.0/16").Contains(got) {
			t.Errorf("%s -> %v: into link-local", c.addr, got)
		}
	}
	// v4-mapped IPv6 maps its IPv4 address as IPv4.
	v4 := p.Addr(netip.MustParseAddr("198.18.0.1"))
	if got := p.Addr(netip.MustParseAddr("::ffff:198.18.0.1")); got.Unmap() != v4 || !got.Is4In6() {
		t.Errorf("::ffff:198.18.0.1 -> %v, want ::ffff:%v", got, v4)
	}
	// A prefix maps to the prefix of its addresses' pseudonyms.
	pf := p.Prefix(netip.MustParsePrefix("198.18.5.0/24"))
	if !pf.Contains(p.Addr(netip.MustParseAddr("198.18.5.77"))) || pf.Bits() != 24 || pf != pf.Masked() {
		t.Errorf("198.18.5.0/24 -> %v, which does not hold 198.18.5.77's pseudonym", pf)
	}
}

func TestPseudonymsKeyed(t *testing.T) {
	a := netip.MustParseAddr("198.18.0.1")
	p1, p2, p3 := testPseudonymizer(3), testPseudonymizer(3), testPseudonymizer(4)
	if p1.Addr(a) != p2.Addr(a) || p1.Host("Web1") != p2.Host("web1") {
		t.Error("one secret, two pseudonyms")
	}
	if p1.Addr(a) == p3.Addr(a) {
		t.Error("two secrets, one pseudonym")
	}
	if h := p1.Host("web1"); !strings.HasPrefix(h, "host-") || len(h) != 13 {
		t.Errorf("host pseudonym %q", h)
	}
	off := newPseudonymizer([32]byte{}, false, false, false)
	if off.Addr(a) != a || off.Host("web1") != "web1" || off.Text("198.18.0.1 web1") != "198.18.0.1 web1" {
		t.Error("a pseudonymizer with nothing to replace replaced something")
	}
}

func TestMACPseudonyms(t *testing.T) {
	p := testPseudonymizer(5)
	for _, s := range []string{"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:fb", "33:33:00:00:00:01"} {
		hw, _ := net.ParseMAC(s)
		if got := p.MAC(hw); got.String() != s {
			t.Errorf("%s -> %v, want it kept", s, got)
		}
	}
	hw, _ := net.ParseMAC("02:00:5e:10:00:01")
	got := p.MAC(hw)
	if len(got) != 6 || got[0]&1 != 0 || got[0]&2 == 0 || got.String() == hw.String() {
		t.Errorf("%v -> %v, want a different unicast, locally administered MAC", hw, got)
	}
	if again := p.MAC(hw); again.String() != got.String() {
		t.Errorf("two pseudonyms for one MAC: %v, %v", got, again)
	}
	// A tunnel's link address is an IPv4 address, mapped as one.
	tun := net.HardwareAddr{198, 18, 0, 1}
	if got := p.MAC(tun); netip.AddrFrom4([4]byte(got)) != p.Addr(netip.MustParseAddr("198.18.0.1")) {
		t.Errorf("tunnel address %v -> %v", tun, got)
	}
}

// TestPseudonymsSpread: over many secrets, one address's pseudonym takes
// every value of an octet it may change, about as often each: the flips
// of neighbouring bits are independent. (Crypto-PAn's fixed pad makes the
// inputs of bits i and i+1 one block whenever bit i equals the pad's bit;
// with it this address's second octet took 203 of 256 values in 2000
// secrets, and kept 18 in 7% of them.)
func TestPseudonymsSpread(t *testing.T) {
	a := netip.MustParseAddr("198.18.77.0")
	count := map[byte]int{}
	for k := range 4096 {
		var secret [32]byte
		for i := range secret {
			secret[i] = byte(k>>(8*(i%2))) ^ byte(i*31)
		}
		count[newPseudonymizer(secret, true, false, false).Addr(a).As4()[1]]++
	}
	if len(count) != 256 {
		t.Errorf("the second octet took %d of 256 values", len(count))
	}
	for v, n := range count {
		if n > 48 { // 16 expected; 48 is 8 standard deviations away
			t.Errorf("the second octet was %d in %d of 4096 secrets", v, n)
		}
	}
}
