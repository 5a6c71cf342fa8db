// system_linux.go lists the network namespaces a bundle collects and runs
// a reader inside one (platform/netns): what the raw /proc/net and sysctl
// collectors read through.

package bundle

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/platform/netns"
)

// sysNamespaces lists the namespaces q asks for: the one --netns names,
// every one (--all-netns, or root by default), or ours. Notes say what
// could not be seen.
func sysNamespaces(ctx context.Context, q SocketsQuery) ([]Namespace, []string, error) {
	roots := netns.Roots{}
	var list []netns.Namespace
	var notes []string
	switch {
	case q.NetNS != "":
		spec, err := netns.ParseSpec(q.NetNS)
		if err != nil {
			return nil, nil, err
		}
		ns, err := netns.Open(roots, spec)
		if err != nil {
			return nil, nil, err
		}
		list = []netns.Namespace{ns}
	case q.AllNetNS:
		res, err := netns.List(ctx, roots)
		if err != nil {
			return nil, nil, err
		}
		list = res.Namespaces
		if res.Denied > 0 {
			notes = append(notes, fmt.Sprintf("could not see the network namespace of %d process(es) (e.g. PID %d: permission denied)", res.Denied, res.DeniedExample))
		}
	default:
		self, err := netns.Self(roots)
		if err != nil {
			return nil, nil, err
		}
		list = []netns.Namespace{self}
	}
	names := make([]string, len(list))
	inodes := make([]uint64, len(list))
	own := make([]bool, len(list))
	for i, ns := range list {
		names[i], inodes[i], own[i] = ns.Name, ns.Inode, ns.Own
	}
	files := NSFiles(names, inodes, own)
	out := make([]Namespace, len(list))
	for i, ns := range list {
		out[i] = Namespace{NetNS: NetNS{File: files[i], Name: ns.Name, Inode: ns.Inode, Own: ns.Own}, Path: ns.Path, Dev: ns.Dev}
		if !ns.Own {
			// By its path, not its name: a name of digits alone would
			// read as a PID.
			out[i].Spec = ns.Path
		}
	}
	return out, notes, nil
}

// sysInNamespace runs f on a thread inside ns with the /proc directory
// whose net/ is that namespace's.
func sysInNamespace(ctx context.Context, ns Namespace, f func(proc string) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	roots := netns.Roots{}
	if ns.Path == "" && ns.Own {
		self, err := netns.Self(roots)
		if err != nil {
			return err
		}
		ns.Path, ns.Dev, ns.Inode = self.Path, self.Dev, self.Inode
	}
	target := netns.Namespace{Inode: ns.Inode, Dev: ns.Dev, Name: ns.Name, Path: ns.Path, Own: ns.Own}
	return netns.Do(roots, target, func() error { return f(netns.ThreadProc(roots)) })
}

func sysElevated() bool { return os.Geteuid() == 0 }

// sysPin holds namespace ns open for as long as a collector reads it
// through a --netns value (the reports), and returns that value: a path
// to the held descriptor, so that the reader opens this namespace and no
// other, even if its name or the PID it was found by is reused meanwhile.
// A namespace no longer at its path is netns.ErrGone.
func sysPin(ns Namespace) (spec string, release func(), err error) {
	if ns.Own || ns.Path == "" {
		return ns.Spec, func() {}, nil
	}
	fd, err := unix.Open(ns.Path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", nil, fmt.Errorf("opening network namespace %s: %w: %w", ns.File, netns.ErrGone, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Ino != ns.Inode || uint64(st.Dev) != ns.Dev {
		unix.Close(fd)
		return "", nil, fmt.Errorf("opening network namespace %s: %w: %s now refers to another namespace", ns.File, netns.ErrGone, ns.Path)
	}
	return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), fd), func() { unix.Close(fd) }, nil
}
