// netns_test.go tests the Namespace column of the -ano text and the
// namespace and container fields of JSON.

package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

func TestTextNamespaceColumn(t *testing.T) {
	id := strings.Repeat("3f", 32)
	a := tcp("127.0.0.1:5432", "0.0.0.0:0", collect.StateListen, pid(812))
	a.NetNS = &collect.Namespace{Inode: 4026532712, Name: "gnst-ns-a"}
	b := tcp("127.0.0.1:5432", "0.0.0.0:0", collect.StateListen, pid(9120))
	b.NetNS = &collect.Namespace{Inode: 4026532890}
	b.Owner.Container = &collect.Container{Runtime: "docker", ID: id, Name: "pg-main"}
	c := udp("127.0.0.1:53", "0.0.0.0:0", pid(455))
	c.NetNS = &collect.Namespace{Inode: 4026531840}
	c.Owner.Container = &collect.Container{Runtime: "containerd", ID: id, Name: "postgres", PodName: "db-0"}
	d := tcp("[2001:db8:aaaa:bbbb:cccc:dddd:eeee:1]:443", "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:2]:50000", collect.StateEstablished, pid(4100))
	d.NetNS = &collect.Namespace{Inode: 4026531840}
	d.Owner.Container = &collect.Container{Runtime: "kubernetes", PodUID: "5a1f3c2e-7b9d-4e8f-a0b1-c2d3e4f5a6b7"}
	e := udp("0.0.0.0:68", "0.0.0.0:0", pid(68))
	e.Owner.Container = &collect.Container{Runtime: "podman", ID: id}

	var out bytes.Buffer
	if err := Text(&out, []collect.Socket{a, b, d, c, e}, TextOptions{PID: true, NetNS: true}); err != nil {
		t.Fatal(err)
	}
	want := `
Active Connections

  Proto  Local Address          Foreign Address        State           PID      Namespace
  TCP    127.0.0.1:5432         0.0.0.0:0              LISTENING       812      gnst-ns-a
  TCP    127.0.0.1:5432         0.0.0.0:0              LISTENING       9120     4026532890 docker:pg-main
  TCP    [2001:db8:aaaa:bbbb:cccc:dddd:eeee:1]:443  [2001:db8:aaaa:bbbb:cccc:dddd:eeee:2]:50000  ESTABLISHED     4100  4026531840 kubernetes:pod-5a1f3c2e-7b9d-4e8f-a0b1-c2d3e4f5a6b7
  UDP    127.0.0.1:53           *:*                                    455      4026531840 containerd:db-0/postgres
  UDP    0.0.0.0:68             *:*                                    68       - podman:3f3f3f3f3f3f
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// Without -o the column follows State.
	out.Reset()
	if err := Text(&out, []collect.Socket{a}, TextOptions{NetNS: true}); err != nil {
		t.Fatal(err)
	}
	want = `
Active Connections

  Proto  Local Address          Foreign Address        State            Namespace
  TCP    127.0.0.1:5432         0.0.0.0:0              LISTENING        gnst-ns-a
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("without -o (-want +got):\n%s", diff)
	}

	// A namespace name is whatever `ip netns add` was given: printed safely.
	a.NetNS.Name = "evil\x1b[2Jname"
	out.Reset()
	Text(&out, []collect.Socket{a}, TextOptions{NetNS: true})
	if strings.Contains(out.String(), "\x1b") || !strings.Contains(out.String(), "evil?[2Jname") {
		t.Errorf("control characters not escaped: %q", out.String())
	}
}

// --stack with --all-netns: the Source column, then the Namespace column,
// each header over its cells.
func TestTextSourceAndNamespaceColumns(t *testing.T) {
	k := tcp("127.0.0.1:5432", "0.0.0.0:0", collect.StateListen, pid(812))
	k.Source, k.NetNS = collect.Kernel, &collect.Namespace{Inode: 4026532712, Name: "gnst-ns-a"}
	s := tcp("0.0.0.0:80", "0.0.0.0:0", collect.StateListen, pid(4242))
	s.Source = collect.Source{Kind: "stack", Name: "tap0"}
	var out bytes.Buffer
	if err := Text(&out, []collect.Socket{k, s}, TextOptions{PID: true, Source: true, NetNS: true}); err != nil {
		t.Fatal(err)
	}
	want := `
Active Connections

  Proto  Local Address          Foreign Address        State           PID     Source  Namespace
  TCP    127.0.0.1:5432         0.0.0.0:0              LISTENING       812     kernel  gnst-ns-a
  TCP    0.0.0.0:80             0.0.0.0:0              LISTENING       4242    stack:tap0  -
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
