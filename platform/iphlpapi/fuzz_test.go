// fuzz_test.go fuzzes every decoder: any bytes give rows or an error,
// never a panic, and what decodes obeys the structure it was read as.
// Seeds are the hand-written fixtures and the corpus in testdata/fuzz/.

package iphlpapi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/gonetstat/gonetstat/codec"
	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/render"
)

var fuzzKinds = [...]collect.Kind{collect.TCP4, collect.TCP6, collect.UDP4, collect.UDP6}

// encodeRow lays a decoded row out again with the test's encoder.
func encodeRow(tb testing.TB, r Row) []byte {
	switch r.Kind {
	case collect.TCP4:
		return tcp4Row(r.State, r.Local.String(), r.Remote.String(), r.PID)
	case collect.TCP6:
		return tcp6Row(tb, r.State, r.Local.String(), r.Remote.String(), r.PID)
	case collect.UDP4:
		return udp4Row(r.Local.String(), r.PID)
	}
	return udp6Row(tb, r.Local.String(), r.PID)
}

// FuzzDecodeTable: a table decodes iff its buffer holds the rows its
// count says; the rows re-encoded decode to the same rows (a round trip
// through the test's own encoder, so both agree on every offset); the
// model conversion and the -ano text never panic.
func FuzzDecodeTable(f *testing.F) {
	for i, file := range []string{"tcp4.hex", "tcp6.hex", "udp4.hex", "udp6.hex"} {
		f.Add(byte(i), readHex(f, file))
	}
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		k := fuzzKinds[int(which)%len(fuzzKinds)]
		prior := []Row{{Kind: collect.UDP4, PID: 42}}
		rows, err := DecodeTable(k, data, slices.Clone(prior))
		rowsAt, size := 4, map[collect.Kind]int{collect.TCP4: 24, collect.TCP6: 56, collect.UDP4: 12, collect.UDP6: 28}[k]
		fits := len(data) >= 4 && uint64(len(data)-rowsAt) >= uint64(binary.LittleEndian.Uint32(data))*uint64(size) ||
			len(data) >= 4 && binary.LittleEndian.Uint32(data) == 0
		if (err == nil) != fits {
			t.Fatalf("%d bytes, %v: err %v", len(data), k, err)
		}
		if err != nil {
			if !errors.Is(err, ErrTruncated) || len(rows) != 1 || rows[0] != prior[0] {
				t.Fatalf("error %v, rows %v", err, rows)
			}
			return
		}
		rows = rows[1:]
		if len(rows) != int(binary.LittleEndian.Uint32(data)) {
			t.Fatalf("%d rows, count %d", len(rows), binary.LittleEndian.Uint32(data))
		}
		enc := make([][]byte, len(rows))
		socks := make([]collect.Socket, len(rows))
		for i, r := range rows {
			enc[i] = encodeRow(t, r)
			socks[i] = r.Socket()
			socks[i].Owner = &collect.Process{PID: int(r.PID)}
		}
		again, err := DecodeTable(k, tableOf(4, enc...), nil)
		if err != nil || !slices.Equal(again, rows) {
			t.Fatalf("round trip: %v\n%v\n%v", err, rows, again)
		}
		if err := render.Text(&bytes.Buffer{}, socks, render.TextOptions{PID: true, Exe: true, CRLF: true}); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzStats: a statistics structure decodes iff it is whole, and the
// -s text of whatever it held never panics.
func FuzzStats(f *testing.F) {
	for i, file := range []string{"ipstats.hex", "icmpex.hex", "tcpstats.hex", "udpstats.hex", "icmp6ex.hex"} {
		f.Add(byte(i), readHex(f, file))
	}
	decoders := []struct {
		size int
		f    func([]byte, bool, *collect.ProtoCounters) error
	}{
		{92, decodeIPStats},
		{2064, decodeICMPStats},
		{60, func(b []byte, _ bool, c *collect.ProtoCounters) error { return decodeTCPStats(b, c) }},
		{20, decodeUDPStats},
	}
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		d := decoders[int(which)%len(decoders)]
		var c collect.ProtoCounters
		err := d.f(data, which&0x80 != 0, &c)
		if (err == nil) != (len(data) >= d.size) {
			t.Fatalf("%d bytes of %d: %v", len(data), d.size, err)
		}
		if err != nil && (!errors.Is(err, ErrTruncated) || len(c.Groups) != 0) {
			t.Fatalf("error %v with counters %v", err, c.Groups)
		}
		if err := render.ProtocolStats(&bytes.Buffer{}, c, codec.AllStats); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzRouteTables splits its input into the four tables of -r and -e,
// reads both reports over them and renders them: decode errors are
// errors, what decodes is consistent (prefixes valid, MACs within their
// field) and nothing panics.
func FuzzRouteTables(f *testing.F) {
	join := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(p)))
			b = append(b, p...)
		}
		return b
	}
	f.Add(join(readHex(f, "iftable.hex"), readHex(f, "ipif.hex"), readHex(f, "addr.hex"), readHex(f, "fwd.hex")))
	f.Add(join(windowsTables(f)))
	f.Fuzz(func(t *testing.T, data []byte) {
		var parts [4][]byte
		for i := range parts {
			if len(data) < 4 {
				break
			}
			n := min(int(binary.LittleEndian.Uint32(data)), len(data)-4)
			parts[i], data = data[4:4+n], data[4+n:]
		}
		src := &fakeSource{ifs: parts[0], ipifs: parts[1], addrs: parts[2], fwd: parts[3]}
		tab, err := readRoutes(t.Context(), src)
		if err == nil || collect.IsPartial(err) {
			for _, r := range append(slices.Clone(tab.IPv4), tab.IPv6...) {
				if !r.Dst.IsValid() || r.Dst.Addr().Zone() != "" || r.Dst.Addr().Is4() != slices.Contains(tab.IPv4, r) {
					t.Fatalf("route %+v", r)
				}
			}
			for _, ifc := range tab.Interfaces {
				if len(ifc.MAC) > 32 {
					t.Fatalf("MAC of %d bytes", len(ifc.MAC))
				}
				for _, a := range ifc.Addrs {
					if !a.Prefix.IsValid() {
						t.Fatalf("address %v", a.Prefix)
					}
				}
			}
			if err := render.Routes(&bytes.Buffer{}, tab); err != nil {
				t.Fatal(err)
			}
		}
		if ifs, err := readInterfaces(t.Context(), src); err == nil {
			if err := render.InterfaceStats(&bytes.Buffer{}, ifs); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzMibTables fuzzes each decoder of -r and -e alone: a buffer too
// short for its row count is ErrTruncated; one that holds its rows
// decodes, or is refused for a row no Windows writes (a family other
// than AF_INET and AF_INET6, a prefix longer than its address, a MAC
// longer than its field), never with ErrTruncated.
func FuzzMibTables(f *testing.F) {
	for i, file := range []string{"iftable.hex", "ipif.hex", "addr.hex", "fwd.hex"} {
		f.Add(byte(i), readHex(f, file))
	}
	decoders := []struct {
		size   int
		decode func([]byte) (int, error)
	}{
		{1352, func(b []byte) (int, error) { r, err := decodeIfTable(b); return len(r), err }},
		{168, func(b []byte) (int, error) { r, err := decodeIPInterfaceTable(b); return len(r), err }},
		{80, func(b []byte) (int, error) { r, err := decodeAddressTable(b); return len(r), err }},
		{104, func(b []byte) (int, error) { r, err := decodeForwardTable(b); return len(r), err }},
	}
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		d := decoders[int(which)%len(decoders)]
		n, err := d.decode(data)
		if len(data) < 4 {
			if !errors.Is(err, ErrTruncated) {
				t.Fatalf("%d bytes: %v", len(data), err)
			}
			return
		}
		count := uint64(binary.LittleEndian.Uint32(data))
		fits := count == 0 || len(data) >= 8 && uint64(len(data)-8) >= count*uint64(d.size)
		if errors.Is(err, ErrTruncated) == fits {
			t.Fatalf("%d bytes, %d rows of %d: %v", len(data), count, d.size, err)
		}
		if err == nil && uint64(n) != count {
			t.Fatalf("%d rows, count %d", n, count)
		}
	})
}
