// Package socket is the mini-stack's descriptor table: the application
// never holds a socket, only a small number that the stack looks up to
// find the socket's control block again, as the seed article describes.
//
// Descriptors are the lowest free slot (starting at 3, as a process's
// first socket would be, after stdin, stdout and stderr). Each slot has a
// generation, bumped when it is freed, that travels inside the FD value:
// a descriptor kept after Close gets EBADF, never the socket that reused
// its number.
package socket

import (
	"fmt"
	"strconv"
	"sync"
	"syscall"

	"github.com/gonetstat/gonetstat/collect"
)

// First is the lowest descriptor number handed out.
const First = 3

// MaxDescriptors bounds the table (RLIMIT_NOFILE's role).
const MaxDescriptors = 1 << 20

// FD is a descriptor: the number the application sees, and the generation
// of the slot it was issued from.
type FD struct {
	n   int32
	gen uint32
}

// Int is the descriptor's number, as tables show it.
func (fd FD) Int() int       { return int(fd.n) }
func (fd FD) String() string { return strconv.Itoa(int(fd.n)) }
func (fd FD) Valid() bool    { return fd.gen != 0 }

// Socket is what a descriptor refers to: a protocol endpoint.
type Socket interface {
	Close() error
	// Snapshot copies the control block into a table row.
	Snapshot(fd int) collect.Socket
}

// ErrBadFD is returned for a descriptor that is not open.
var ErrBadFD = fmt.Errorf("socket: bad descriptor: %w", syscall.EBADF)

// ErrTooMany is returned when the table is full.
var ErrTooMany = fmt.Errorf("socket: too many open descriptors: %w", syscall.EMFILE)

type slot struct {
	gen  uint32 // odd while in use; even while free (0: never used)
	sock Socket
}

// Table maps descriptors to sockets.
type Table struct {
	mu    sync.Mutex
	slots []slot // index i is descriptor First+i
}

// Add stores s in the lowest free slot.
func (t *Table) Add(s Socket) (FD, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := 0
	for i < len(t.slots) && t.slots[i].gen%2 == 1 {
		i++
	}
	if i == len(t.slots) {
		if len(t.slots) >= MaxDescriptors {
			return FD{}, ErrTooMany
		}
		t.slots = append(t.slots, slot{})
	}
	t.slots[i].gen++
	t.slots[i].sock = s
	return FD{n: int32(First + i), gen: t.slots[i].gen}, nil
}

func (t *Table) slotLocked(fd FD) (*slot, error) {
	i := int(fd.n) - First
	if fd.gen == 0 || i < 0 || i >= len(t.slots) || t.slots[i].gen != fd.gen {
		return nil, ErrBadFD
	}
	return &t.slots[i], nil
}

// Get returns the socket of an open descriptor.
func (t *Table) Get(fd FD) (Socket, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sl, err := t.slotLocked(fd)
	if err != nil {
		return nil, err
	}
	return sl.sock, nil
}

// Remove frees the descriptor and returns its socket, which the caller
// closes.
func (t *Table) Remove(fd FD) (Socket, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sl, err := t.slotLocked(fd)
	if err != nil {
		return nil, err
	}
	s := sl.sock
	sl.gen++
	sl.sock = nil
	return s, nil
}

// Each calls f for every open descriptor in ascending order, with the
// table unlocked so that f may take the socket's own lock.
func (t *Table) Each(f func(fd int, s Socket)) {
	t.mu.Lock()
	type open struct {
		fd int
		s  Socket
	}
	var all []open
	for i, sl := range t.slots {
		if sl.gen%2 == 1 {
			all = append(all, open{First + i, sl.sock})
		}
	}
	t.mu.Unlock()
	for _, o := range all {
		f(o.fd, o.s)
	}
}

// Len returns the number of open descriptors.
func (t *Table) Len() int {
	n := 0
	t.Each(func(int, Socket) { n++ })
	return n
}
