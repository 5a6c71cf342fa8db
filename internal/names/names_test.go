// names_test.go tests resolution, its time bound and the services parser.

package names

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/collect"
)

const servicesFile = `# comment
ssh		22/tcp				# SSH Remote Login Protocol
domain		53/tcp
domain		53/udp
http		80/tcp		www		# WorldWideWeb HTTP
www-alt		80/tcp
broken line
bad		99999/tcp
odd		7/sctp
`

func writeServices(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "services")
	if err := os.WriteFile(p, []byte(servicesFile), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func sock(local, remote string) collect.Socket {
	return collect.Socket{Proto: collect.ProtoTCP, Local: netip.MustParseAddrPort(local), Remote: netip.MustParseAddrPort(remote)}
}

func TestEndpoint(t *testing.T) {
	lookups := map[string][]string{"198.18.0.5": {"web.example.com."}, "::1": {"localhost."}}
	var calls atomic.Int32
	r := New(Options{Services: writeServices(t), LookupAddr: func(_ context.Context, a string) ([]string, error) {
		calls.Add(1)
		if n, ok := lookups[a]; ok {
			return n, nil
		}
		return nil, errors.New("no name")
	}})
	socks := []collect.Socket{
		sock("0.0.0.0:22", "0.0.0.0:0"),
		sock("198.18.0.1:40000", "198.18.0.5:80"),
		sock("[::1]:53", "[2001:db8::9]:5000"),
	}
	r.Prepare(context.Background(), socks)
	for _, tt := range []struct {
		ep    string
		proto collect.Proto
		want  string
	}{
		{"0.0.0.0:22", collect.ProtoTCP, "0.0.0.0:ssh"},
		{"0.0.0.0:0", collect.ProtoTCP, "0.0.0.0:0"},
		{"198.18.0.5:80", collect.ProtoTCP, "web:http"},
		{"198.18.0.1:40000", collect.ProtoTCP, "198.18.0.1:40000"},
		{"[::1]:53", collect.ProtoUDP, "localhost:domain"},
		{"[2001:db8::9]:5000", collect.ProtoTCP, "[2001:db8::9]:5000"},
	} {
		if got := r.Endpoint(netip.MustParseAddrPort(tt.ep), tt.proto, true); got != tt.want {
			t.Errorf("Endpoint(%s) = %q, want %q", tt.ep, got, tt.want)
		}
	}
	before := calls.Load()
	r.Prepare(context.Background(), socks)
	if calls.Load() != before {
		t.Errorf("second Prepare looked up again: the cache did not hold")
	}
	fq := New(Options{FQDN: true, Services: writeServices(t), LookupAddr: func(context.Context, string) ([]string, error) { return []string{"web.example.com."}, nil }})
	fq.Prepare(context.Background(), socks[1:2])
	if got := fq.Endpoint(netip.MustParseAddrPort("198.18.0.5:80"), collect.ProtoTCP, false); got != "web.example.com:http" {
		t.Errorf("FQDN endpoint = %q", got)
	}
}

// TestPrepareNeverHangs gives a lookup that blocks forever: Prepare must
// return within its bound and the address prints numerically.
func TestPrepareNeverHangs(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	r := New(Options{Timeout: 50 * time.Millisecond, Services: "/nonexistent", LookupAddr: func(context.Context, string) ([]string, error) {
		<-block
		return nil, errors.New("unblocked")
	}})
	start := time.Now()
	r.Prepare(context.Background(), []collect.Socket{sock("198.18.0.1:1", "198.18.0.2:2")})
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Prepare took %v with a 50ms bound", d)
	}
	if got := r.Endpoint(netip.MustParseAddrPort("198.18.0.2:2"), collect.ProtoTCP, false); got != "198.18.0.2:2" {
		t.Errorf("unresolved endpoint = %q", got)
	}
}

func TestParseServices(t *testing.T) {
	s := parseServices([]byte(servicesFile))
	for k, want := range map[serviceKey]string{
		{collect.ProtoTCP, 22}: "ssh", {collect.ProtoUDP, 53}: "domain", {collect.ProtoTCP, 80}: "http",
		{collect.ProtoUDP, 22}: "", {collect.ProtoTCP, 7}: "",
	} {
		if got := s[k]; got != want {
			t.Errorf("%v = %q, want %q", k, got, want)
		}
	}
	if len(s) != 4 {
		t.Errorf("parsed %d services, want 4: %v", len(s), s)
	}
}

func FuzzParseServices(f *testing.F) {
	f.Add([]byte(servicesFile))
	f.Add([]byte("a 1/tcp\nb 65535/udp # x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for k, name := range parseServices(data) {
			if name == "" || strings.ContainsAny(name, " \t\n#") || (k.proto != collect.ProtoTCP && k.proto != collect.ProtoUDP) {
				t.Fatalf("bad entry %v = %q", k, name)
			}
		}
	})
}
