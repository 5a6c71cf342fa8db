// roundtrip_test.go guards the round trips of both schemas: it fills
// every field of the model (collect.Socket, and the reports' routing
// table, interface and protocol counters), and of what hangs off their
// pointers and slices, by reflection, so a field added to the model
// without an encoder and a decoder fails here by name.

package codec

import (
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

// leafTypes are struct types the walker treats as one value: their
// fields are unexported, and the schemas carry them whole.
var leafTypes = map[reflect.Type]bool{
	reflect.TypeFor[netip.AddrPort](): true,
	reflect.TypeFor[netip.Addr]():     true,
	reflect.TypeFor[netip.Prefix]():   true,
	reflect.TypeFor[time.Time]():      true,
}

// leaves returns every leaf field under v (a struct) by its path
// ("Owner.Container.PodUID", "Routes.IPv4[1].Gateway"). With alloc, nil
// pointers to structs are allocated on the way and slices of structs get
// two elements (to fill a value); without, a nil pointer is a leaf of its
// own (an absent part of a decoded value), and a slice of structs has its
// length as a leaf ("Routes.IPv4#len") besides its elements'. Kinds the
// walker does not know fail the test: a new field of a new kind needs a
// filler here, not a silent pass.
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
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		if alloc && v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		}
		add(path+"#len", reflect.ValueOf(v.Len())) // not settable: only compared
		for i := range v.Len() {
			leaves(t, v.Index(i), fmt.Sprintf("%s[%d]", path, i), alloc, out, order)
		}
		return
	}
	switch v.Kind() {
	case reflect.Slice:
		if k := v.Type().Elem().Kind(); k != reflect.String && k != reflect.Uint8 {
			t.Fatalf("%s is a %s: teach the round-trip guard to fill and compare it", path, v.Type())
		}
		add(path, v)
	case reflect.Map:
		if v.Type() != reflect.TypeFor[map[string]map[string]int64]() {
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

// leavesOf returns the leaves of *p (a pointer to a struct) by path, in
// field order.
func leavesOf(t *testing.T, p any, alloc bool) (map[string]reflect.Value, []string) {
	t.Helper()
	m := map[string]reflect.Value{}
	var order []string
	leaves(t, reflect.ValueOf(p).Elem(), "", alloc, m, &order)
	return m, order
}

// fillAll sets every leaf of *p to a value no other leaf has (next counts
// across the table), so that a decoder that swaps two fields fails as
// surely as one that drops a field. Slices of structs get two elements.
func fillAll(t *testing.T, p any, next *int) {
	t.Helper()
	m, order := leavesOf(t, p, true)
	for _, path := range order {
		*next++
		n := *next
		v := m[path]
		if !v.CanSet() {
			continue // a slice's length
		}
		switch {
		case v.Type() == reflect.TypeFor[netip.AddrPort]():
			v.Set(reflect.ValueOf(netip.AddrPortFrom(addrN(n), uint16(1000+n))))
		case v.Type() == reflect.TypeFor[netip.Addr]():
			v.Set(reflect.ValueOf(addrN(n)))
		case v.Type() == reflect.TypeFor[netip.Prefix]():
			v.Set(reflect.ValueOf(netip.PrefixFrom(addrN(n), 32)))
		case v.Type() == reflect.TypeFor[time.Time]():
			v.Set(reflect.ValueOf(time.Date(2026, 11, 25, 4, 10, n, 123456789, time.UTC)))
		case v.Type() == reflect.TypeFor[net.HardwareAddr]():
			v.Set(reflect.ValueOf(net.HardwareAddr{0x02, 0xfc, 0, 0, byte(n >> 8), byte(n)}))
		case v.Kind() == reflect.Map: // counter groups: two groups of two
			v.Set(reflect.ValueOf(map[string]map[string]int64{
				fmt.Sprintf("g%d", n):   {fmt.Sprintf("c%d", n): int64(n), fmt.Sprintf("c%d.2", n): -int64(n)},
				fmt.Sprintf("g%d.2", n): {fmt.Sprintf("c%d", n): int64(n + 1)},
			}))
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

// addrN is an IPv4 address of the benchmarking range, distinct for each n
// below 2^16.
func addrN(n int) netip.Addr { return netip.AddrFrom4([4]byte{198, 18, byte(n >> 8), byte(n)}) }

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

// roundTripLosses compares *want and *got (pointers to values of one
// struct type) leaf by leaf and returns one line per leaf that did not
// come back, naming its path.
func roundTripLosses(t *testing.T, want, got any) []string {
	t.Helper()
	w, order := leavesOf(t, want, false)
	g, _ := leavesOf(t, got, false)
	var lost []string
	for _, p := range order {
		gv, ok := g[p]
		switch {
		case !ok:
			lost = append(lost, fmt.Sprintf("%s: wrote %v, read back nothing (its parent is nil or shorter)", p, show(w[p])))
		case gv.Kind() == reflect.Pointer || w[p].Kind() == reflect.Pointer:
			if !(w[p].Kind() == reflect.Pointer && gv.Kind() == reflect.Pointer && w[p].IsNil() && gv.IsNil()) {
				lost = append(lost, fmt.Sprintf("%s: wrote %s, read back %s", p, show(w[p]), show(gv)))
			}
		case gv.Kind() == reflect.Slice || gv.Kind() == reflect.Map:
			if !reflect.DeepEqual(gv.Interface(), w[p].Interface()) {
				lost = append(lost, fmt.Sprintf("%s: wrote %v, read back %v", p, w[p], gv))
			}
		case !gv.Equal(w[p]):
			lost = append(lost, fmt.Sprintf("%s: wrote %v, read back %v", p, w[p], gv))
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

// everyLeafSet fails for each leaf of the model (a zero value of its type
// filled whole) that is zero in every one of values: a constraint may not
// quietly take a field out of the test. notCarried names the leaves the
// schema does not carry, each with the reason.
func everyLeafSet[T any](t *testing.T, notCarried map[string]string, values ...*T) {
	t.Helper()
	// A field of a slice's elements is tested when it is set in one
	// element: "Rules[].Goto".
	elem := regexp.MustCompile(`\[\d+\]`)
	_, all := leavesOf(t, new(T), true)
	seen := map[string]bool{}
	for _, v := range values {
		m, _ := leavesOf(t, v, false)
		for p, lv := range m {
			if !lv.IsZero() {
				seen[elem.ReplaceAllString(p, "[]")] = true
			}
		}
	}
	for _, p := range all {
		p = elem.ReplaceAllString(p, "[]")
		if _, ok := notCarried[p]; !ok && !seen[p] && !strings.HasSuffix(p, "#len") {
			t.Errorf("%s is zero in every row of the table: the guard does not test it", p)
			seen[p] = true // said once
		}
	}
}

// TestRoundTripEveryField: a whole table, every field of collect.Socket set
// (distinct values, all non-zero in some row), survives JSON and NDJSON
// encode -> DecodeSockets, field by field.
func TestRoundTripEveryField(t *testing.T) {
	want := roundTripTable(t)
	everyLeafSet(t, nil, &want.Sockets[0], &want.Sockets[1])

	for _, ndjson := range []bool{false, true} {
		doc := encode(t, want, ndjson)
		got, err := DecodeSockets(doc)
		if err != nil {
			t.Fatalf("ndjson=%v: %v\n%s", ndjson, err, doc)
		}
		if len(got.Sockets) != len(want.Sockets) {
			t.Fatalf("ndjson=%v: %d rows written, %d read back", ndjson, len(want.Sockets), len(got.Sockets))
		}
		for i := range want.Sockets {
			for _, l := range roundTripLosses(t, &want.Sockets[i], &got.Sockets[i]) {
				t.Errorf("ndjson=%v: row %d %s", ndjson, i, l)
			}
		}
		wantEnv := want
		wantEnv.Sockets, got.Sockets = nil, nil
		if diff := cmp.Diff(wantEnv, got); diff != "" {
			t.Errorf("ndjson=%v: envelope (-want +got):\n%s", ndjson, diff)
		}
	}
}

// guardCatchesLoss zeroes each settable, non-zero leaf of a deep copy of
// *want in turn: the comparison must name that leaf, and only it.
func guardCatchesLoss[T any](t *testing.T, want *T) {
	t.Helper()
	_, order := leavesOf(t, want, false)
	for _, p := range order {
		got := deepCopy(want)
		m, _ := leavesOf(t, got, false)
		v := m[p]
		if !v.CanSet() || v.IsZero() {
			continue // a slice's length, or a leaf a constraint keeps zero
		}
		v.Set(reflect.Zero(v.Type()))
		lost := roundTripLosses(t, want, got)
		if len(lost) != 1 || !strings.HasPrefix(lost[0], p+":") {
			t.Errorf("zeroing %s: the guard reports %q", p, lost)
		}
	}
}

// TestRoundTripGuardCatchesLoss: the comparison names each leaf when only
// that leaf is lost, so no field of the model escapes it.
func TestRoundTripGuardCatchesLoss(t *testing.T) {
	want := roundTripTable(t).Sockets
	for i := range want {
		guardCatchesLoss(t, &want[i])
	}
}

// deepCopy copies *p with its own pointed-to values, slices and maps, so
// that zeroing a leaf of the copy leaves the original alone.
func deepCopy[T any](p *T) *T {
	out := new(T)
	clone(reflect.ValueOf(out).Elem(), reflect.ValueOf(p).Elem())
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
	case src.Kind() == reflect.Slice && !src.IsNil():
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			clone(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case src.Kind() == reflect.Map && !src.IsNil():
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		for it := src.MapRange(); it.Next(); {
			v := reflect.New(src.Type().Elem()).Elem()
			clone(v, it.Value())
			m.SetMapIndex(it.Key(), v)
		}
		dst.Set(m)
	default:
		dst.Set(src)
	}
}
