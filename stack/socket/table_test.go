// table_test.go tests descriptor numbering and stale descriptors.

package socket

import (
	"errors"
	"syscall"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
)

type fake struct{ name string }

func (fake) Close() error                  { return nil }
func (f fake) Snapshot(int) collect.Socket { return collect.Socket{} }

func TestLowestFreeSlotAndStaleDescriptors(t *testing.T) {
	var tab Table
	a, _ := tab.Add(fake{"a"})
	b, _ := tab.Add(fake{"b"})
	c, _ := tab.Add(fake{"c"})
	if a.Int() != 3 || b.Int() != 4 || c.Int() != 5 {
		t.Fatalf("descriptors %v %v %v, want 3 4 5", a, b, c)
	}
	if _, err := tab.Remove(b); err != nil {
		t.Fatal(err)
	}
	d, _ := tab.Add(fake{"d"})
	if d.Int() != 4 {
		t.Errorf("reused %v, want the lowest free slot 4", d)
	}
	// The old descriptor 4 must not reach the new socket in slot 4.
	if _, err := tab.Get(b); !errors.Is(err, syscall.EBADF) {
		t.Errorf("stale descriptor: %v, want EBADF", err)
	}
	if _, err := tab.Remove(b); !errors.Is(err, syscall.EBADF) {
		t.Errorf("stale remove: %v, want EBADF", err)
	}
	if s, err := tab.Get(d); err != nil || s.(fake).name != "d" {
		t.Errorf("Get(d) = %v, %v", s, err)
	}
	if _, err := tab.Get(FD{}); !errors.Is(err, syscall.EBADF) {
		t.Errorf("zero FD: %v", err)
	}
	var seen []int
	tab.Each(func(fd int, s Socket) { seen = append(seen, fd) })
	if len(seen) != 3 || seen[0] != 3 || seen[1] != 4 || seen[2] != 5 || tab.Len() != 3 {
		t.Errorf("Each saw %v", seen)
	}
}
