// netns_linux.go finds namespaces in /run/netns and /proc/*/ns/net and
// enters them with setns(2) on a locked OS thread.

package netns

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// Roots are the directories the functions read; tests point them at
// fixtures, and a zero Roots means the live system.
type Roots struct {
	Proc string // "/proc" when ""
	Run  string // "/run/netns" when ""
}

func (r Roots) proc() string {
	if r.Proc == "" {
		return "/proc"
	}
	return r.Proc
}

func (r Roots) run() string {
	if r.Run == "" {
		return "/run/netns"
	}
	return r.Run
}

// id is a namespace's identity: an nsfs inode on an nsfs device.
type id struct{ dev, ino uint64 }

func statID(path string) (id, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return id{}, err
	}
	return id{uint64(st.Dev), st.Ino}, nil
}

// selfID is the namespace of the calling thread; callers that must not
// move between threads lock theirs first.
func (r Roots) selfID() (id, error) {
	return statID(filepath.Join(r.proc(), "thread-self/ns/net"))
}

// Self returns the namespace this process runs in.
func Self(r Roots) (Namespace, error) {
	me, err := statID(filepath.Join(r.proc(), "self/ns/net"))
	if err != nil {
		return Namespace{}, &Error{Op: "opening", NS: "of this process", Err: err}
	}
	ns := Namespace{Inode: me.ino, Dev: me.dev, Path: filepath.Join(r.proc(), "self/ns/net"), PID: os.Getpid(), Own: true}
	ns.Name = r.nameOf(me)
	return ns, nil
}

// nameOf finds the /run/netns name of a namespace, "" when it has none.
// When several names refer to one namespace the first in order is used.
func (r Roots) nameOf(want id) string {
	ents, err := os.ReadDir(r.run())
	if err != nil {
		return ""
	}
	for _, e := range ents {
		if got, err := statID(filepath.Join(r.run(), e.Name())); err == nil && got == want {
			return e.Name()
		}
	}
	return ""
}

// Open finds the namespace a Spec names.
func Open(r Roots, s Spec) (Namespace, error) {
	var path string
	switch s.Kind {
	case ByName:
		path = filepath.Join(r.run(), s.Name)
	case ByPath:
		path = s.Path
	case ByPID:
		path = filepath.Join(r.proc(), strconv.Itoa(s.PID), "ns/net")
	default:
		return Namespace{}, &Error{Op: "opening", NS: s.String(), Err: ErrBadSpec}
	}
	got, err := statID(path)
	if err != nil {
		if s.Kind == ByName && errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("no %s (`ip netns list` shows the names)", path)
		} else if s.Kind == ByPID && errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("no process %d", s.PID)
		}
		return Namespace{}, &Error{Op: "opening", NS: s.String(), Err: err}
	}
	if err := isNetNS(path); err != nil {
		return Namespace{}, &Error{Op: "opening", NS: s.String(), Err: err}
	}
	ns := Namespace{Inode: got.ino, Dev: got.dev, Path: path, PID: s.PID}
	if s.Kind == ByName {
		ns.Name = s.Name
	} else {
		ns.Name = r.nameOf(got)
	}
	if me, err := statID(filepath.Join(r.proc(), "self/ns/net")); err == nil && me == got {
		ns.Own = true
	}
	return ns, nil
}

// isNetNS checks that path is a network namespace file: setns(2) on
// anything else fails with a less helpful EINVAL.
func isNetNS(path string) error {
	var sfs unix.Statfs_t
	if err := unix.Statfs(path, &sfs); err != nil {
		return err
	}
	if sfs.Type != unix.NSFS_MAGIC {
		return fmt.Errorf("%s is not a namespace file (want /run/netns/NAME or /proc/PID/ns/net)", path)
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	// NS_GET_NSTYPE (linux/nsfs.h) says which kind of namespace it is.
	typ, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	if err == nil && typ != unix.CLONE_NEWNET {
		return fmt.Errorf("%s is a namespace, but not a network namespace", path)
	}
	return nil
}

// ListResult is what List found.
type ListResult struct {
	Namespaces []Namespace // in Compare order, one per distinct inode
	// Denied counts processes whose namespace could not be read
	// (permission: another user's process without root); their namespaces
	// are missing unless another process or a name showed them.
	Denied        int
	DeniedExample int
}

// List finds every network namespace: the named ones in /run/netns and the
// distinct ones of all processes in /proc/*/ns/net, our own included,
// deduplicated by identity. A process that exits during the scan is
// skipped. Threads that entered another namespace alone (setns on one
// thread) are not seen: only each process's main thread is read.
func List(ctx context.Context, r Roots) (ListResult, error) {
	var res ListResult
	byID := map[id]int{}
	add := func(got id, ns Namespace) {
		if i, ok := byID[got]; ok {
			old := &res.Namespaces[i]
			if old.Name == "" && ns.Name != "" {
				old.Name, old.Path = ns.Name, ns.Path
			}
			if ns.PID != 0 && (old.PID == 0 || ns.PID < old.PID) {
				old.PID = ns.PID
				if old.Name == "" && !old.Own {
					old.Path = ns.Path
				}
			}
			return
		}
		ns.Inode, ns.Dev = got.ino, got.dev
		byID[got] = len(res.Namespaces)
		res.Namespaces = append(res.Namespaces, ns)
	}

	self, err := Self(r)
	if err != nil {
		return res, err
	}
	add(id{self.Dev, self.Inode}, self)

	if ents, err := os.ReadDir(r.run()); err == nil {
		for _, e := range ents {
			p := filepath.Join(r.run(), e.Name())
			got, err := statID(p)
			if err != nil {
				// A name whose mount is gone (ip netns delete raced us) is
				// no namespace; any other failure is worth saying.
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				return res, &Error{Op: "opening", NS: e.Name(), Err: err}
			}
			if isNetNS(p) != nil {
				continue // a leftover plain file, not a bind mount
			}
			add(got, Namespace{Name: e.Name(), Path: p})
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("listing %s: %w", r.run(), err)
	}

	procs, err := os.ReadDir(r.proc())
	if err != nil {
		return res, fmt.Errorf("listing %s: %w", r.proc(), err)
	}
	for _, e := range procs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid < 1 {
			continue
		}
		p := filepath.Join(r.proc(), e.Name(), "ns/net")
		got, err := statID(p)
		switch {
		case err == nil:
			add(got, Namespace{Path: p, PID: pid})
		case errors.Is(err, fs.ErrPermission):
			res.Denied++
			if res.DeniedExample == 0 {
				res.DeniedExample = pid
			}
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, unix.ESRCH):
			// The process exited during the scan: normal.
		default:
			return res, fmt.Errorf("reading %s: %w", p, err)
		}
	}
	slices.SortFunc(res.Namespaces, Compare)
	return res, nil
}

// Do runs f inside ns, on an OS thread locked for the call, and returns
// f's error. When ns is the calling thread's own namespace f runs in place,
// which needs no privilege. A namespace that cannot be opened or entered
// returns an *Error and f does not run. If the thread cannot be moved back
// afterwards the error says so and the thread is discarded (see the
// package doc), so nothing else ever runs in the wrong namespace.
func Do(r Roots, ns Namespace, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		errc <- do(r, ns, f)
	}()
	return <-errc
}

// do runs on the locked thread; it unlocks it only when the thread is back
// in its original namespace.
func do(r Roots, ns Namespace, f func() error) error {
	label := ns.Label()
	orig, err := unix.Open(filepath.Join(r.proc(), "thread-self/ns/net"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return &Error{Op: "opening", NS: "of the calling thread", Err: err}
	}
	defer unix.Close(orig)
	var st unix.Stat_t
	if err := unix.Fstat(orig, &st); err != nil {
		runtime.UnlockOSThread()
		return &Error{Op: "opening", NS: "of the calling thread", Err: err}
	}
	if (id{uint64(st.Dev), st.Ino}) == (id{ns.Dev, ns.Inode}) {
		err := f()
		runtime.UnlockOSThread()
		return err
	}
	target, err := unix.Open(ns.Path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ESRCH) {
			err = fmt.Errorf("%w: %w", ErrGone, err)
		}
		return &Error{Op: "opening", NS: label, Err: err}
	}
	defer unix.Close(target)
	// The path may now name another namespace (a PID reused, a name
	// deleted and re-added): check it is still the one listed.
	if err := unix.Fstat(target, &st); err != nil {
		runtime.UnlockOSThread()
		return &Error{Op: "opening", NS: label, Err: err}
	}
	if st.Ino != ns.Inode || uint64(st.Dev) != ns.Dev {
		runtime.UnlockOSThread()
		return &Error{Op: "opening", NS: label, Err: fmt.Errorf("%w: %s now refers to namespace %d, not %d", ErrGone, ns.Path, st.Ino, ns.Inode)}
	}
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return &Error{Op: "entering", NS: label, Err: err}
	}
	ferr := f()
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: when this goroutine returns the runtime
		// terminates it rather than running other goroutines in ns.
		return errors.Join(ferr, &Error{Op: "restoring the caller's namespace after", NS: label, Err: err})
	}
	runtime.UnlockOSThread()
	return ferr
}

// ThreadProc is the /proc directory of the calling thread: the /proc/net
// tables under it are those of the thread's namespace (/proc/self/net shows
// the main thread's, which Do never moves).
func ThreadProc(r Roots) string { return filepath.Join(r.proc(), "thread-self") }
