// system_linux_test.go checks the namespace listing and pinning of a
// bundle against namespaces the test makes, and that a namespace that
// goes away between the listing and the reading is unavailable.

package bundle

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/platform/netns"
)

func TestPinNamespace(t *testing.T) {
	name := testenv.NewNetns(t, "gnst-bpin-")
	list, _, err := sysNamespaces(context.Background(), SocketsQuery{NetNS: name})
	if err != nil || len(list) != 1 || list[0].Name != name || list[0].File != name || list[0].Spec == "" {
		t.Fatalf("sysNamespaces(--netns %s): %+v, %v", name, list, err)
	}
	ns := list[0]
	spec, release, err := sysPin(ns)
	if err != nil {
		t.Fatal(err)
	}
	// The pinned path opens the same namespace, whatever /run/netns says.
	testenv.Run(t, "ip", "netns", "delete", name)
	testenv.Run(t, "ip", "netns", "add", name)
	s, err := netns.ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := netns.Open(netns.Roots{}, s)
	release()
	if err != nil || got.Inode != ns.Inode {
		t.Errorf("the pinned %s opens %+v (%v), want inode %d", spec, got, err, ns.Inode)
	}
	// Pinned again, the name now holds another namespace: gone, and the
	// collectors that read it say unavailable.
	if _, _, err := sysPin(ns); !errors.Is(err, netns.ErrGone) {
		t.Errorf("pinning a replaced namespace: %v, want ErrGone", err)
	}
	err = sysInNamespace(context.Background(), ns, func(string) error { return nil })
	var ue *unavailableError
	if !errors.As(gone(err), &ue) {
		t.Errorf("reading a replaced namespace: %v, want it unavailable", err)
	}
	// Our own namespace needs no pin.
	own, _, err := sysNamespaces(context.Background(), SocketsQuery{})
	if err != nil || len(own) != 1 || !own[0].Own || own[0].File != OwnNSFile {
		t.Fatalf("our namespace: %+v, %v", own, err)
	}
	if spec, release, err := sysPin(own[0]); err != nil || spec != "" {
		t.Errorf("pinning our namespace: %q, %v", spec, err)
	} else {
		release()
	}
	if os.Geteuid() == 0 {
		all, _, err := sysNamespaces(context.Background(), SocketsQuery{AllNetNS: true})
		found := false
		for _, n := range all {
			found = found || n.Name == name
		}
		if err != nil || !found || !all[0].Own {
			t.Errorf("every namespace: %+v, %v", all, err)
		}
	}
}
