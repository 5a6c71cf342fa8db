// demo_netns_linux.go makes and removes the demo's named network
// namespace with vishvananda/netns, and sets up its TAP device, addresses
// and links over rtnetlink with vishvananda/netlink: the demo needs no
// ip(8).

package stackcmd

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"

	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/platform/netns"
	"github.com/gonetstat/gonetstat/stack/link"
)

// netnsRun is where named namespaces are bind-mounted, by ip netns add and
// by vishvananda/netns alike, so ip netns list and --netns NAME see ours.
const netnsRun = "/run/netns"

// createNetns makes the network namespace name, bind-mounted at
// /run/netns/NAME as ip netns add does. A name that exists is an error
// and is left alone: it is not ours to remove.
func createNetns(name string) error {
	path := filepath.Join(netnsRun, name)
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("network namespace %s exists already (%s): remove it with ip netns del %s if no one uses it", name, path, name)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("network namespace %s: %w", name, err)
	}
	errc := make(chan error, 1)
	go func() {
		// unshare(CLONE_NEWNET), inside NewNamed, moves the calling thread
		// alone into the new namespace: the thread is locked for the call
		// and put back before it is unlocked. One that cannot be put back
		// stays locked, so the runtime ends it with this goroutine and no
		// other goroutine ever runs in the wrong namespace (as
		// platform/netns.Do does).
		runtime.LockOSThread()
		orig, err := vnetns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("opening this thread's network namespace: %w", err)
			return
		}
		defer orig.Close()
		h, err := vnetns.NewNamed(name)
		if err == nil {
			h.Close() // the bind mount keeps the namespace alive
		}
		if serr := vnetns.Set(orig); serr != nil {
			errc <- errors.Join(err, fmt.Errorf("returning to this process's network namespace: %w", serr))
			return
		}
		runtime.UnlockOSThread()
		errc <- err
	}()
	if err := <-errc; err != nil {
		// NewNamed leaves the file it made when the bind mount fails; the
		// name did not exist above, so what is there now is ours.
		return errors.Join(fmt.Errorf("creating network namespace %s: %w", name, err), deleteNetns(name))
	}
	return nil
}

// deleteNetns removes the namespace name as ip netns del does: it detaches
// the bind mount and removes the file (the namespace itself ends when its
// last socket and process are gone). A name that is not there is not an
// error.
func deleteNetns(name string) error {
	err := vnetns.DeleteNamed(name)
	switch {
	case err == nil, errors.Is(err, fs.ErrNotExist):
		return nil
	case errors.Is(err, unix.EINVAL):
		// Not a mount point: the empty file of a failed bind mount.
		if err := os.Remove(filepath.Join(netnsRun, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing network namespace %s: %w", name, err)
		}
		return nil
	}
	return fmt.Errorf("removing network namespace %s: %w", name, err)
}

// openTAPIn creates the TAP device cfg names inside the namespace nsName,
// brings up the namespace's loopback and the TAP, and gives the TAP's
// kernel side addr; the kernel adds the connected route of addr's prefix
// itself (fib_add_ifaddr), so no route is added. On error nothing it made
// is left.
func openTAPIn(nsName string, cfg link.TAPConfig, addr netip.Prefix) (*link.TAP, error) {
	ns, err := netns.Open(netns.Roots{}, netns.Spec{Kind: netns.ByName, Name: nsName})
	if err != nil {
		return nil, err
	}
	var tap *link.TAP
	var h *netlink.Handle
	// The TAP device and the rtnetlink socket both belong to the namespace
	// of the thread that makes them: made inside, the device never
	// appears in ours, and every request on h acts inside.
	err = netns.Do(netns.Roots{}, ns, func() (err error) {
		if h, err = netlink.NewHandle(unix.NETLINK_ROUTE); err != nil {
			return fmt.Errorf("rtnetlink socket in %s: %w", nsName, err)
		}
		tap, err = link.OpenTAP(cfg)
		return err
	})
	if h != nil {
		defer h.Close()
	}
	if err != nil {
		if tap != nil { // made, but the thread could not be put back
			tap.Close()
		}
		return nil, err
	}
	fail := func(err error) (*link.TAP, error) {
		tap.Close()
		return nil, err
	}
	lo, err := h.LinkByName("lo")
	if err != nil {
		return fail(fmt.Errorf("loopback of %s: %w", nsName, err))
	}
	if err := h.LinkSetUp(lo); err != nil {
		return fail(fmt.Errorf("bringing up the loopback of %s: %w", nsName, err))
	}
	dev, err := h.LinkByName(tap.Name())
	if err != nil {
		return fail(fmt.Errorf("TAP %s in %s: %w", tap.Name(), nsName, err))
	}
	a := &netlink.Addr{IPNet: &net.IPNet{IP: addr.Addr().AsSlice(), Mask: net.CIDRMask(addr.Bits(), addr.Addr().BitLen())}}
	if err := h.AddrAdd(dev, a); err != nil {
		return fail(fmt.Errorf("adding %v to %s in %s: %w", addr, tap.Name(), nsName, err))
	}
	if err := h.LinkSetUp(dev); err != nil {
		return fail(fmt.Errorf("bringing up %s in %s: %w", tap.Name(), nsName, err))
	}
	return tap, nil
}
