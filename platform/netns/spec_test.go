// spec_test.go tests the --netns grammar and the namespace order.

package netns

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		in   string
		want Spec
		err  string // substring; "" means success
	}{
		{"gnst-ns-a", Spec{Kind: ByName, Name: "gnst-ns-a"}, ""},
		{"cni-1234abcd-5678", Spec{Kind: ByName, Name: "cni-1234abcd-5678"}, ""},
		{"/run/netns/x", Spec{Kind: ByPath, Path: "/run/netns/x"}, ""},
		{"./x", Spec{Kind: ByPath, Path: "./x"}, ""},
		{"/proc/1/ns/net", Spec{Kind: ByPath, Path: "/proc/1/ns/net"}, ""},
		{"1", Spec{Kind: ByPID, PID: 1}, ""},
		{"4194304", Spec{Kind: ByPID, PID: 4194304}, ""},
		{"4194305", Spec{}, "a PID is a whole number"},
		{"0", Spec{}, "a PID is a whole number"},
		{"0012", Spec{}, "a PID is a whole number"},
		{"99999999999999999999999", Spec{}, "a PID is a whole number"},
		{"", Spec{}, "empty value"},
		{".", Spec{}, "not a namespace name"},
		{"..", Spec{}, "not a namespace name"},
		{"a\nb", Spec{}, "control characters"},
		{strings.Repeat("n", 256), Spec{}, "longer than 255"},
	}
	for _, tt := range tests {
		got, err := ParseSpec(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrBadSpec) {
				t.Errorf("ParseSpec(%q) = %v, %v; want an ErrBadSpec containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSpec(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseSpec(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"gnst-ns-a", "/proc/1/ns/net", "123", "0", "..", "", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := ParseSpec(s)
		if err != nil {
			if !errors.Is(err, ErrBadSpec) || sp != (Spec{}) {
				t.Fatalf("ParseSpec(%q) = %+v, %v: a failure returns ErrBadSpec and no Spec", s, sp, err)
			}
			return
		}
		// Success names the namespace exactly as typed.
		switch sp.Kind {
		case ByName:
			if sp.Name != s || strings.ContainsRune(s, '/') {
				t.Fatalf("ParseSpec(%q) = name %q", s, sp.Name)
			}
		case ByPath:
			if sp.Path != s || !strings.ContainsRune(s, '/') {
				t.Fatalf("ParseSpec(%q) = path %q", s, sp.Path)
			}
		case ByPID:
			if sp.String() != "PID "+s {
				t.Fatalf("ParseSpec(%q) = %v", s, sp)
			}
		default:
			t.Fatalf("ParseSpec(%q): kind %d", s, sp.Kind)
		}
	})
}

func TestCompare(t *testing.T) {
	in := []Namespace{
		{Inode: 5},
		{Inode: 9, Name: "b"},
		{Inode: 3},
		{Inode: 7, Own: true},
		{Inode: 1, Name: "a"},
	}
	slices.SortFunc(in, Compare)
	var got []string
	for _, n := range in {
		got = append(got, n.Label())
	}
	if diff := cmp.Diff([]string{"7", "a", "b", "3", "5"}, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestErrorSaysRunAsRoot(t *testing.T) {
	e := &Error{Op: "entering", NS: "gnst-ns-a", Err: fs.ErrPermission}
	if got := e.Error(); !strings.Contains(got, "entering network namespace gnst-ns-a") || !strings.Contains(got, "run as root") {
		t.Errorf("Error() = %q", got)
	}
	e.Err = errors.New("no such file")
	if strings.Contains(e.Error(), "root") {
		t.Errorf("a missing namespace is not a privilege problem: %q", e.Error())
	}
}
