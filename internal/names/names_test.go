// names_test.go tests resolution, its time bound and cache, and the
// services parser on a real services(5) file.

package names

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
	"github.com/gonetstat/gonetstat/internal/testenv"
)

// realServices is Debian netbase's /etc/services, as captured.
const realServices = "testdata/services"

func sock(proto collect.Proto, local, remote string) collect.Socket {
	return collect.Socket{Proto: proto, Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote)}
}

// dns is a fake reverse zone that counts its queries.
type dns struct {
	names map[string][]string
	mu    sync.Mutex
	asked map[string]int
}

func (d *dns) lookup(_ context.Context, addr string) ([]string, error) {
	d.mu.Lock()
	if d.asked == nil {
		d.asked = map[string]int{}
	}
	d.asked[addr]++
	d.mu.Unlock()
	if n, ok := d.names[addr]; ok {
		return n, nil
	}
	return nil, errors.New("no such host")
}

func TestEndpoint(t *testing.T) {
	zone := &dns{names: map[string][]string{
		"198.18.0.5":     {"web.example.com.", "alias.example.com."},
		"127.0.0.1":      {"localhost."},
		"::1":            {"ip6-localhost."},
		"198.18.0.66":    {"evil\x1b[2J.example."},
		"198.18.0.67":    {"abc\u202eexe.example."},
		"198.18.0.68":    {"c1\xc2\x9b.example."},
		"198.18.0.69":    {"bad\xff.example."},
		"198.18.0.70":    {"ünïcode.example."},
		"fe80::1%eth0":   {"router.lan."},
		"198.18.0.7":     {"."},
		"2001:db8::cafe": {"v6host.example.org"},
	}}
	socks := []collect.Socket{
		sock(collect.ProtoTCP, "0.0.0.0:22", "0.0.0.0:0"),
		sock(collect.ProtoTCP, "[::]:80", "[::]:0"),
		sock(collect.ProtoTCP, "198.18.0.1:40000", "198.18.0.5:80"),
		sock(collect.ProtoTCP, "127.0.0.1:631", "127.0.0.1:0"),
		sock(collect.ProtoUDP, "[::1]:53", "[2001:db8::9]:5000"),
		sock(collect.ProtoTCP, "198.18.0.1:22", "198.18.0.66:1"),
		sock(collect.ProtoTCP, "198.18.0.1:22", "198.18.0.67:1"),
		sock(collect.ProtoTCP, "198.18.0.1:22", "198.18.0.68:1"),
		sock(collect.ProtoTCP, "198.18.0.1:22", "198.18.0.69:1"),
		sock(collect.ProtoTCP, "198.18.0.1:22", "198.18.0.70:1"),
		sock(collect.ProtoTCP, "[fe80::1%eth0]:22", "[2001:db8::cafe]:443"),
		sock(collect.ProtoTCP, "198.18.0.1:22", "198.18.0.7:2"),
	}
	tests := []struct {
		ep    string
		proto collect.Proto
		short string // without -f
		fqdn  string // with -f
	}{
		{"0.0.0.0:22", collect.ProtoTCP, "0.0.0.0:ssh", "0.0.0.0:ssh"},
		{"0.0.0.0:0", collect.ProtoTCP, "0.0.0.0:0", "0.0.0.0:0"},
		{"[::]:80", collect.ProtoTCP, "[::]:http", "[::]:http"},
		{"198.18.0.5:80", collect.ProtoTCP, "web:http", "web.example.com:http"},
		{"198.18.0.1:40000", collect.ProtoTCP, "198.18.0.1:40000", "198.18.0.1:40000"},
		{"127.0.0.1:631", collect.ProtoTCP, "localhost:ipp", "localhost:ipp"},
		{"[::1]:53", collect.ProtoUDP, "ip6-localhost:domain", "ip6-localhost:domain"},
		{"[2001:db8::9]:5000", collect.ProtoTCP, "[2001:db8::9]:5000", "[2001:db8::9]:5000"},
		{"198.18.0.66:1", collect.ProtoTCP, "198.18.0.66:tcpmux", "198.18.0.66:tcpmux"},
		// Unsafe names (internal/safetext) keep the number; a valid
		// name in any script is a name.
		{"198.18.0.67:1", collect.ProtoTCP, "198.18.0.67:tcpmux", "198.18.0.67:tcpmux"},
		{"198.18.0.68:1", collect.ProtoTCP, "198.18.0.68:tcpmux", "198.18.0.68:tcpmux"},
		{"198.18.0.69:1", collect.ProtoTCP, "198.18.0.69:tcpmux", "198.18.0.69:tcpmux"},
		{"198.18.0.70:1", collect.ProtoTCP, "ünïcode:tcpmux", "ünïcode.example:tcpmux"},
		{"[fe80::1%eth0]:22", collect.ProtoTCP, "router:ssh", "router.lan:ssh"},
		{"[2001:db8::cafe]:443", collect.ProtoTCP, "v6host:https", "v6host.example.org:https"},
		{"198.18.0.7:2", collect.ProtoTCP, "198.18.0.7:2", "198.18.0.7:2"},
		{"198.18.0.1:7", collect.ProtoUDP, "198.18.0.1:echo", "198.18.0.1:echo"},
		{"198.18.0.1:21", collect.ProtoUDP, "198.18.0.1:fsp", "198.18.0.1:fsp"},
	}
	for _, fqdn := range []bool{false, true} {
		r := New(Options{FQDN: fqdn, Services: realServices, LookupAddr: zone.lookup})
		r.Prepare(context.Background(), socks)
		for _, tt := range tests {
			want := tt.short
			if fqdn {
				want = tt.fqdn
			}
			if got := r.Endpoint(netip.MustParseAddrPort(tt.ep), tt.proto, true); got != want {
				t.Errorf("FQDN=%v: Endpoint(%s) = %q, want %q", fqdn, tt.ep, got, want)
			}
		}
	}
	if got := New(Options{Services: realServices}).Endpoint(netip.AddrPort{}, collect.ProtoUDP, false); got != "*:*" {
		t.Errorf("absent endpoint = %q, want *:*", got)
	}
	// Unspecified addresses are never asked; every other one once per
	// Resolver, however many sockets share it.
	for a, n := range zone.asked {
		if n != 2 { // two Resolvers above
			t.Errorf("%s asked %d times, want 2", a, n)
		}
		if netip.MustParseAddr(a).IsUnspecified() {
			t.Errorf("asked for the unspecified address %s", a)
		}
	}
}

// TestCache: an answer, including "no name", is kept across Prepare calls
// (the redisplays of an interval); a lookup cut short is not, and is
// tried again next time. The cut is Prepare's context ending once the
// other answers are in (the time bound ends the same context: see
// TestPrepareNeverHangs), so no answer can miss a deadline on a slow
// machine.
func TestCache(t *testing.T) {
	var calls atomic.Int32
	slow, slowAsked := make(chan struct{}), make(chan struct{})
	r := New(Options{Timeout: time.Hour, Services: realServices, LookupAddr: func(ctx context.Context, a string) ([]string, error) {
		calls.Add(1)
		switch a {
		case "198.18.0.2":
			// Answers once slow is closed; before, it is cut.
			select {
			case <-slow:
				return []string{"late.example."}, nil
			default:
			}
			slowAsked <- struct{}{}
			<-ctx.Done()
			return nil, ctx.Err()
		case "198.18.0.3":
			return []string{"named.example."}, nil
		}
		return nil, errors.New("no such host")
	}})
	socks := []collect.Socket{sock(collect.ProtoTCP, "198.18.0.1:1", "198.18.0.2:2"), sock(collect.ProtoTCP, "198.18.0.1:3", "198.18.0.3:4")}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cut the slow lookup once it is asked and the two others are
		// cached.
		defer cancel()
		<-slowAsked
		testenv.Poll(func() bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			return len(r.hosts) == 2
		})
	}()
	r.Prepare(ctx, socks)
	if got := calls.Load(); got != 3 {
		t.Fatalf("first Prepare made %d lookups, want 3", got)
	}
	if got := r.Endpoint(netip.MustParseAddrPort("198.18.0.2:2"), collect.ProtoTCP, false); got != "198.18.0.2:2" {
		t.Errorf("timed-out endpoint = %q, want numeric", got)
	}
	close(slow)
	r.Prepare(context.Background(), socks)
	if got := calls.Load(); got != 4 {
		t.Errorf("after the second Prepare %d lookups, want 4 (only the timed-out one again)", got)
	}
	if got := r.Endpoint(netip.MustParseAddrPort("198.18.0.2:2"), collect.ProtoTCP, false); got != "late:2" {
		t.Errorf("retried endpoint = %q, want late:2", got)
	}
}

// TestPrepareNeverHangs gives a lookup that ignores its context and blocks
// forever: Prepare must return (it can only by giving up on the lookup:
// no stopwatch needed), and the address prints numerically.
func TestPrepareNeverHangs(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	r := New(Options{Timeout: 50 * time.Millisecond, Services: "/nonexistent", LookupAddr: func(context.Context, string) ([]string, error) {
		<-block
		return nil, errors.New("unblocked")
	}})
	var socks []collect.Socket
	for i := range 100 {
		socks = append(socks, sock(collect.ProtoTCP, "198.18.0.1:22", netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, 1, byte(i)}), 443).String()))
	}
	testenv.NoHang(t, "Prepare with a 50ms bound and lookups that never return", func() { r.Prepare(context.Background(), socks) })
	if got := r.Endpoint(netip.MustParseAddrPort("198.18.1.2:22"), collect.ProtoTCP, false); got != "198.18.1.2:22" {
		t.Errorf("unresolved endpoint with no services file = %q", got)
	}
	// A context already ended (Ctrl-C) returns at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	testenv.NoHang(t, "Prepare with a cancelled context and an hour's bound", func() {
		New(Options{Timeout: time.Hour, LookupAddr: r.opt.LookupAddr}).Prepare(ctx, socks)
	})
}

// TestWorkersBound: no more lookups run at once than Workers.
func TestWorkersBound(t *testing.T) {
	var now, peak atomic.Int32
	r := New(Options{Workers: 4, Services: realServices, LookupAddr: func(context.Context, string) ([]string, error) {
		n := now.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(time.Millisecond)
		now.Add(-1)
		return nil, errors.New("no such host")
	}})
	var socks []collect.Socket
	for i := range 64 {
		socks = append(socks, sock(collect.ProtoTCP, "198.18.0.1:22", netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, 2, byte(i)}), 443).String()))
	}
	r.Prepare(context.Background(), socks)
	if p := peak.Load(); p > 4 || p < 1 {
		t.Errorf("peak concurrent lookups %d, want 1..4", p)
	}
}

func TestParseServices(t *testing.T) {
	const file = "# comment\n" +
		"ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol\n" +
		"domain\t\t53/tcp\n" +
		"domain\t\t53/udp\r\n" + // CRLF
		"http\t\t80/tcp\t\twww\t\t# WorldWideWeb HTTP\n" +
		"www-alt\t\t80/tcp\n" + // a second name for a port: the first wins
		"broken line\n" +
		"bad\t\t99999/tcp\n" +
		"neg\t\t-1/tcp\n" +
		"odd\t\t7/sctp\n" +
		"noproto\t\t8\n" +
		"#commented\t9/tcp\n" +
		"last 10/udp" // no final newline
	want := services{
		{collect.ProtoTCP, 22}: "ssh", {collect.ProtoTCP, 53}: "domain", {collect.ProtoUDP, 53}: "domain",
		{collect.ProtoTCP, 80}: "http", {collect.ProtoUDP, 10}: "last",
	}
	if diff := cmp.Diff(want, parseServices([]byte(file))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A line longer than any scanner buffer does not end the parse.
	long := "x " + strings.Repeat("a", 200<<10) + "\nafter 11/tcp\n"
	if got := parseServices([]byte(long)); got[serviceKey{collect.ProtoTCP, 11}] != "after" {
		t.Errorf("entries after a long line lost: %v", got)
	}
	if got := loadServices("/nonexistent/services"); len(got) != 0 {
		t.Errorf("missing file gave %d entries", len(got))
	}
}

// TestRealServices reads the captured Debian file: every line that names
// a tcp or udp port is found, and known entries are right.
func TestRealServices(t *testing.T) {
	data, err := os.ReadFile(realServices)
	if err != nil {
		t.Fatal(err)
	}
	s := parseServices(data)
	for k, want := range map[serviceKey]string{
		{collect.ProtoTCP, 22}: "ssh", {collect.ProtoUDP, 53}: "domain", {collect.ProtoTCP, 443}: "https",
		{collect.ProtoUDP, 123}: "ntp", {collect.ProtoTCP, 5432}: "postgresql", {collect.ProtoUDP, 5353}: "mdns",
	} {
		if got := s[k]; got != want {
			t.Errorf("%v = %q, want %q", k, got, want)
		}
	}
	if len(s) < 300 {
		t.Errorf("parsed %d entries from %s, want the ~340 it holds", len(s), realServices)
	}
}

// FuzzParseServices: parsing never panics, and every entry comes from the
// input: its name is a field of the data, its key a tcp or udp port.
func FuzzParseServices(f *testing.F) {
	if data, err := os.ReadFile(realServices); err == nil {
		f.Add(data)
	}
	f.Add([]byte("a 1/tcp\nb 65535/udp # x\n"))
	f.Add([]byte("a\t1/tcp\r\nb 1/tcp\n#c 2/udp"))
	f.Fuzz(func(t *testing.T, data []byte) {
		text := string(data)
		for k, name := range parseServices(data) {
			if name == "" || strings.ContainsAny(name, " \t\r\n#") || (k.proto != collect.ProtoTCP && k.proto != collect.ProtoUDP) {
				t.Fatalf("bad entry %v = %q", k, name)
			}
			if !strings.Contains(text, name) {
				t.Fatalf("name %q is not in the input", name)
			}
		}
	})
}

func BenchmarkParseServices(b *testing.B) {
	data, err := os.ReadFile(realServices)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		parseServices(data)
	}
}

// BenchmarkEndpoint is the per-row cost of a named table once Prepare has
// filled the cache.
func BenchmarkEndpoint(b *testing.B) {
	zone := &dns{names: map[string][]string{"198.18.0.5": {"web.example.com."}}}
	r := New(Options{Services: realServices, LookupAddr: zone.lookup})
	socks := []collect.Socket{sock(collect.ProtoTCP, "198.18.0.1:40000", "198.18.0.5:443")}
	r.Prepare(context.Background(), socks)
	b.ReportAllocs()
	for b.Loop() {
		r.Endpoint(socks[0].Local, collect.ProtoTCP, true)
		r.Endpoint(socks[0].Remote, collect.ProtoTCP, false)
	}
}
