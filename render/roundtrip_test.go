// roundtrip_test.go guards the sockets/v1 round trip: it fills every field
// of collect.Socket, and of what hangs off its pointers, by reflection, so
// a field added to the model without an encoder and a decoder fails here
// by name.

package render

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

// leafTypes are struct types the walker treats as one value: their
// fields are unexported, and the schema carries them whole.
var leafTypes = map[reflect.Type]bool{
	reflect.TypeFor[netip.AddrPort](): true,
}

// leaves returns every leaf field under v (a struct) by its path
// ("Owner.Container.PodUID"). With alloc, nil pointers to structs are
// allocated on the way (to fill a value); without, a nil pointer is a leaf
// of its own (an absent part of a decoded value). Kinds the walker does
// not know fail the test: a new field of a new kind needs a filler here,
// not a silent pass.
func leaves(t *testing.T, v reflect.Value, path string, alloc bool, out map[string]reflect.Value, order *[]string) {
	t.Helper()
	add := func(p string, v reflect.Value) {
		out[p] = v
		*order = append(*order, p)
	}
	switch {
	case leafTypes[v.Type()]:
		add(path, v)
		return
	case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Struct:
		if v.IsNil() {
			if !alloc {
				add(path, v)
				return
			}
			v.Set(reflect.New(v.Type().Elem()))
		}
		leaves(t, v.Elem(), path, alloc, out, order)
		return
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				t.Fatalf("%s.%s is unexported: the round-trip guard cannot fill it", path, f.Name)
			}
			leaves(t, v.Field(i), strings.TrimPrefix(path+"."+f.Name, "."), alloc, out, order)
		}
		return
	}
	switch v.Kind() {
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			t.Fatalf("%s is a %s: teach the round-trip guard to fill and compare it", path, v.Type())
		}
		add(path, v)
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		add(path, v)
	default:
		t.Fatalf("%s is a %s: teach the round-trip guard to fill and compare it", path, v.Type())
	}
}

// socketLeaves returns the leaves of s by path, in field order.
func socketLeaves(t *testing.T, s *collect.Socket, alloc bool) (map[string]reflect.Value, []string) {
	t.Helper()
	m := map[string]reflect.Value{}
	var order []string
	leaves(t, reflect.ValueOf(s).Elem(), "", alloc, m, &order)
	return m, order
}

// fillAll sets every leaf of s to a value no other leaf of the table has
// (next counts across the table), so that a decoder that swaps two fields
// fails as surely as one that drops a field.
func fillAll(t *testing.T, s *collect.Socket, next *int) {
	t.Helper()
	m, order := socketLeaves(t, s, true)
	for _, p := range order {
		*next++
		n := *next
		v := m[p]
		switch {
		case v.Type() == reflect.TypeFor[netip.AddrPort]():
			v.Set(reflect.ValueOf(netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, byte(n >> 8), byte(n)}), uint16(1000+n))))
		case v.Kind() == reflect.Bool:
			v.SetBool(true)
		case v.Kind() == reflect.String:
			v.SetString(fmt.Sprintf("v%d", n))
		case v.Kind() == reflect.Slice: // of strings: two, to catch a writer that keeps one
			v.Set(reflect.ValueOf([]string{fmt.Sprintf("v%d", n), fmt.Sprintf("v%d.2", n)}))
		case v.CanInt():
			v.SetInt(int64(n))
		case v.CanUint():
			if v.Type().Bits() == 8 {
				n = n%254 + 1 // distinct enough, never 0; the enums are set by the constraints below
			}
			v.SetUint(uint64(n))
		}
	}
}

// roundTripTable is a table with every field of the model set in at least
// one row. Each row is filled whole by fillAll, then the schema's real
// constraints are applied, written out one by one (docs/json.md says
// each of them); nothing is excluded by name.
func roundTripTable(t *testing.T) Envelope {
	t.Helper()
	var n int
	row := func(constrain func(s *collect.Socket)) collect.Socket {
		var s collect.Socket
		fillAll(t, &s, &n)
		constrain(&s)
		return s
	}
	// Constraints every row has.
	common := func(s *collect.Socket) {
		// proto is tcp or udp, family 2 or 10, and state a Linux
		// state name: enums, not free numbers.
		s.Proto = collect.ProtoTCP
		s.State = collect.StateFinWait1
		// tcp_info.timer is one of four names, timer_expires_ms only
		// with a timer.
		s.TCP.Timer = collect.TimerKeepalive
	}
	kernel := row(func(s *collect.Socket) {
		common(s)
		s.Family = collect.FamilyIPv4 // the filled addresses are IPv4
		// source is kernel or stack; stack_name only on a stack's row.
		s.Source = collect.Kernel
		// stack_info only on a stack's row.
		s.Stack = nil
	})
	stack := row(func(s *collect.Socket) {
		common(s)
		s.State = collect.StateSynSent
		s.TCP.Timer = collect.TimerRetrans
		// An IPv6 row: its addresses are of its family; link-local
		// ones carry their zone.
		s.Family = collect.FamilyIPv6
		l, r := s.Local.Addr().As4(), s.Remote.Addr().As4()
		s.Local = netip.AddrPortFrom(netip.AddrFrom16([16]byte{0: 0xfe, 1: 0x80, 12: l[0], 13: l[1], 14: l[2], 15: l[3]}).WithZone("veth"+s.Source.Name), s.Local.Port())
		s.Remote = netip.AddrPortFrom(netip.AddrFrom16([16]byte{0: 0x20, 1: 0x01, 2: 0x0d, 3: 0xb8, 12: r[0], 13: r[1], 14: r[2], 15: r[3]}), s.Remote.Port())
		s.Source.Kind = "stack" // Name keeps its filled value
		// stack_info.age_ms carries whole milliseconds.
		s.Stack.Age *= time.Millisecond
		// send_queue and recv_queue are omitted when the source cannot
		// give them (NoSendQ, NoRecvQ): the model's SendQ and RecvQ then
		// mean nothing.
		s.SendQ, s.RecvQ = 0, 0
	})
	// the other half of the queue rules: shown, with their values
	kernel.NoSendQ, kernel.NoRecvQ = false, false
	return Envelope{
		Host: "h", Time: time.Date(2026, 11, 25, 4, 10, 0, 123456789, time.UTC), Warnings: []string{"w1", "w2"},
		Sockets: []collect.Socket{kernel, stack},
	}
}

// roundTripLosses compares want and got leaf by leaf and returns one line
// per leaf that did not come back, naming its row and path.
func roundTripLosses(t *testing.T, want, got []collect.Socket) []string {
	t.Helper()
	if len(want) != len(got) {
		return []string{fmt.Sprintf("%d rows written, %d read back", len(want), len(got))}
	}
	var lost []string
	for i := range want {
		w, order := socketLeaves(t, &want[i], false)
		g, _ := socketLeaves(t, &got[i], false)
		for _, p := range order {
			gv, ok := g[p]
			switch {
			case !ok:
				lost = append(lost, fmt.Sprintf("row %d %s: wrote %v, read back nothing (its parent is nil)", i, p, w[p]))
			case gv.Kind() == reflect.Pointer || w[p].Kind() == reflect.Pointer:
				if !(w[p].Kind() == reflect.Pointer && gv.Kind() == reflect.Pointer && w[p].IsNil() && gv.IsNil()) {
					lost = append(lost, fmt.Sprintf("row %d %s: wrote %s, read back %s", i, p, show(w[p]), show(gv)))
				}
			case gv.Kind() == reflect.Slice:
				if !reflect.DeepEqual(gv.Interface(), w[p].Interface()) {
					lost = append(lost, fmt.Sprintf("row %d %s: wrote %v, read back %v", i, p, w[p], gv))
				}
			case !gv.Equal(w[p]):
				lost = append(lost, fmt.Sprintf("row %d %s: wrote %v, read back %v", i, p, w[p], gv))
			}
		}
	}
	return lost
}

func show(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "nil"
		}
		return "a value"
	}
	return fmt.Sprint(v)
}

// TestRoundTripEveryField: a whole table, every field of collect.Socket set
// (distinct values, all non-zero in some row), survives JSON and NDJSON
// encode -> DecodeJSON, field by field.
func TestRoundTripEveryField(t *testing.T) {
	want := roundTripTable(t)

	// Every leaf is non-zero in some row: a constraint may not quietly
	// take a field out of the test.
	_, all := socketLeaves(t, &collect.Socket{}, true) // every leaf of the model
	seen := map[string]bool{}
	for i := range want.Sockets {
		m, _ := socketLeaves(t, &want.Sockets[i], false)
		for p, v := range m {
			if !v.IsZero() {
				seen[p] = true
			}
		}
	}
	for _, p := range all {
		if !seen[p] {
			t.Errorf("%s is zero in every row of the table: the guard does not test it", p)
		}
	}

	for _, ndjson := range []bool{false, true} {
		doc := encode(t, want, ndjson)
		got, err := DecodeJSON(doc)
		if err != nil {
			t.Fatalf("ndjson=%v: %v\n%s", ndjson, err, doc)
		}
		for _, l := range roundTripLosses(t, want.Sockets, got.Sockets) {
			t.Errorf("ndjson=%v: %s", ndjson, l)
		}
		wantEnv := want
		wantEnv.Sockets, got.Sockets = nil, nil
		if diff := cmp.Diff(wantEnv, got); diff != "" {
			t.Errorf("ndjson=%v: envelope (-want +got):\n%s", ndjson, diff)
		}
	}
}

// TestRoundTripGuardCatchesLoss: the comparison names each leaf when only
// that leaf is lost, so no field of the model escapes it.
func TestRoundTripGuardCatchesLoss(t *testing.T) {
	want := roundTripTable(t).Sockets
	for i := range want {
		_, order := socketLeaves(t, &want[i], false)
		for _, p := range order {
			got := deepCopy(t, want)
			m, _ := socketLeaves(t, &got[i], false)
			v := m[p]
			if v.IsZero() {
				continue // a constraint keeps it zero in this row
			}
			v.Set(reflect.Zero(v.Type()))
			lost := roundTripLosses(t, want, got)
			if len(lost) != 1 || !strings.HasPrefix(lost[0], fmt.Sprintf("row %d %s:", i, p)) {
				t.Errorf("zeroing row %d %s: the guard reports %q", i, p, lost)
			}
		}
	}
}

// deepCopy copies a table with its own pointed-to values, so that
// zeroing a leaf of the copy leaves the original alone.
func deepCopy(t *testing.T, socks []collect.Socket) []collect.Socket {
	t.Helper()
	out := make([]collect.Socket, len(socks))
	for i := range socks {
		clone(reflect.ValueOf(&out[i]).Elem(), reflect.ValueOf(&socks[i]).Elem())
	}
	return out
}

func clone(dst, src reflect.Value) {
	switch {
	case src.Kind() == reflect.Pointer && src.Type().Elem().Kind() == reflect.Struct && !src.IsNil():
		p := reflect.New(src.Type().Elem())
		clone(p.Elem(), src.Elem())
		dst.Set(p)
	case src.Kind() == reflect.Struct && !leafTypes[src.Type()]:
		for i := range src.NumField() {
			clone(dst.Field(i), src.Field(i))
		}
	default:
		dst.Set(src)
	}
}
