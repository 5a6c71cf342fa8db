// tap_linux.go is the TAP driver: a Linux TAP device (/dev/net/tun with
// IFF_TAP|IFF_NO_PI) as the stack's LAN adapter. The kernel on the far
// side of the device is the other host on the LAN.

package link

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/stack/header"
)

// readBufLen holds the largest frame a TAP can hand us (a 64 KiB datagram,
// its Ethernet header and a VLAN tag), so one buffer serves every MTU.
const readBufLen = 65535 + header.EthernetLen + 4

// TAP is a Linux TAP device driven by the mini-stack.
//
// One goroutine reads frames into a single reused buffer and hands them to
// the attached Dispatcher; WritePacket is one write(2). The descriptor is
// nonblocking and registered with the Go runtime's poller (through
// os.File), so Close wakes the reader at once.
type TAP struct {
	name    string
	mtu     int
	mac     header.MAC
	created bool
	f       *os.File

	disp atomic.Pointer[dispatcherBox]

	closeOnce sync.Once
	closeErr  error
	done      chan struct{} // closed when the reader returns
	readErr   error         // why the reader stopped; set before done closes

	rxFrames, rxBytes, txFrames, txBytes, rxTruncated, txErrors atomic.Uint64
}

var _ Endpoint = (*TAP)(nil)

// OpenTAP creates the TAP device cfg names, or attaches to it when it
// exists, sets its MTU and starts reading. It needs CAP_NET_ADMIN.
func OpenTAP(cfg TAPConfig) (*TAP, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.MAC == (header.MAC{}) {
		if _, err := rand.Read(cfg.MAC[:]); err != nil {
			return nil, fmt.Errorf("link: picking a MAC: %w", err)
		}
		// Locally administered (bit 1), unicast (bit 0 clear): IEEE 802 §8.4.
		cfg.MAC[0] = cfg.MAC[0]&^1 | 2
	}
	existed := false
	if cfg.Name != "" {
		_, err := net.InterfaceByName(cfg.Name)
		existed = err == nil
	}
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("link: opening /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(cfg.Name)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("link: interface name %q: %w", cfg.Name, err)
	}
	// IFF_NO_PI: frames come and go without the 4-byte packet-information
	// prefix, so a read is exactly one Ethernet frame.
	ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		if existed && errors.Is(err, unix.EINVAL) {
			return nil, fmt.Errorf("link: %s exists and is not a TAP device: %w", cfg.Name, err)
		}
		return nil, fmt.Errorf("link: creating TAP %q (TUNSETIFF): %w", cfg.Name, err)
	}
	t := &TAP{name: ifr.Name(), mtu: cfg.MTU, mac: cfg.MAC, created: !existed, done: make(chan struct{})}
	if err := ioctlIfreq(t.name, unix.SIOCSIFMTU, func(r *unix.Ifreq) { r.SetUint32(uint32(cfg.MTU)) }); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("link: setting MTU %d on %s: %w", cfg.MTU, t.name, err)
	}
	// A nonblocking descriptor makes os.NewFile register it with the
	// runtime poller: Read parks the goroutine instead of a thread, and
	// Close unblocks it.
	t.f = os.NewFile(uintptr(fd), "/dev/net/tun:"+t.name)
	go t.readLoop()
	return t, nil
}

// Name is the interface name the kernel knows the device by.
func (t *TAP) Name() string { return t.name }

// Created reports whether OpenTAP created the device (it disappears on
// Close) rather than attaching to an existing one (it stays).
func (t *TAP) Created() bool { return t.created }

func (t *TAP) MTU() int        { return t.mtu }
func (t *TAP) MAC() header.MAC { return t.mac }

// Attach sets where received frames go.
func (t *TAP) Attach(d Dispatcher) { t.disp.Store(&dispatcherBox{d}) }

// WritePacket sends one frame with one write(2).
func (t *TAP) WritePacket(frame []byte) error {
	if len(frame) > t.mtu+header.EthernetLen {
		t.txErrors.Add(1)
		return fmt.Errorf("link: frame of %d bytes exceeds MTU %d", len(frame), t.mtu)
	}
	n, err := t.f.Write(frame)
	if err != nil {
		t.txErrors.Add(1)
		if errors.Is(err, os.ErrClosed) {
			return ErrClosed
		}
		// EIO: the interface is down; the frame is lost as on a cable
		// that is unplugged, and the caller learns why.
		return fmt.Errorf("link: writing to %s: %w", t.name, err)
	}
	t.txFrames.Add(1)
	t.txBytes.Add(uint64(n))
	return nil
}

// Close stops the reader, waits for it, and closes the device (which the
// kernel then deletes if OpenTAP created it). It is safe to call twice.
func (t *TAP) Close() error {
	t.closeOnce.Do(func() {
		t.closeErr = t.f.Close()
		<-t.done
	})
	return t.closeErr
}

// Done is closed when the reader stops: after Close, or when the device
// fails (Err says why).
func (t *TAP) Done() <-chan struct{} { return t.done }

// Err is why the reader stopped: nil while it runs and after Close.
func (t *TAP) Err() error {
	select {
	case <-t.done:
		return t.readErr
	default:
		return nil
	}
}

// Stats returns the driver's counters.
func (t *TAP) Stats() TAPStats {
	return TAPStats{
		RxFrames: t.rxFrames.Load(), RxBytes: t.rxBytes.Load(),
		TxFrames: t.txFrames.Load(), TxBytes: t.txBytes.Load(),
		RxTruncated: t.rxTruncated.Load(), TxErrors: t.txErrors.Load(),
	}
}

// HostUp gives the kernel's side of the device the address addr (and its
// netmask) and brings the interface up, in the calling thread's network
// namespace. It uses the SIOCSIFADDR/SIOCSIFNETMASK/SIOCSIFFLAGS ioctls
// that ifconfig uses: no netlink library and no ip(8) needed.
func (t *TAP) HostUp(addr netip.Prefix) error {
	if !addr.Addr().Is4() {
		return fmt.Errorf("link: host address %v is not IPv4", addr)
	}
	ip := addr.Addr().As4()
	mask := net.CIDRMask(addr.Bits(), 32)
	if err := ioctlIfreq(t.name, unix.SIOCSIFADDR, func(r *unix.Ifreq) { r.SetInet4Addr(ip[:]) }); err != nil {
		return fmt.Errorf("link: setting address %v on %s: %w", addr, t.name, err)
	}
	if err := ioctlIfreq(t.name, unix.SIOCSIFNETMASK, func(r *unix.Ifreq) { r.SetInet4Addr(mask) }); err != nil {
		return fmt.Errorf("link: setting netmask /%d on %s: %w", addr.Bits(), t.name, err)
	}
	return t.setUp()
}

func (t *TAP) setUp() error {
	var flags uint16
	if err := ioctlIfreq(t.name, unix.SIOCGIFFLAGS, nil, func(r *unix.Ifreq) { flags = r.Uint16() }); err != nil {
		return fmt.Errorf("link: reading flags of %s: %w", t.name, err)
	}
	if err := ioctlIfreq(t.name, unix.SIOCSIFFLAGS, func(r *unix.Ifreq) { r.SetUint16(flags | unix.IFF_UP) }); err != nil {
		return fmt.Errorf("link: bringing %s up: %w", t.name, err)
	}
	return nil
}

// ioctlIfreq runs one interface ioctl on a throwaway AF_INET socket: set
// fills the request, and each of get reads the answer.
func ioctlIfreq(name string, req uint, set func(*unix.Ifreq), get ...func(*unix.Ifreq)) error {
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(s)
	r, err := unix.NewIfreq(name)
	if err != nil {
		return err
	}
	if set != nil {
		set(r)
	}
	if err := unix.IoctlIfreq(s, req, r); err != nil {
		return err
	}
	for _, g := range get {
		g(r)
	}
	return nil
}

// readLoop delivers frames until Close or a device error. It allocates
// its buffer once: a Dispatcher copies what it keeps.
func (t *TAP) readLoop() {
	defer close(t.done)
	buf := make([]byte, readBufLen)
	for {
		n, err := t.f.Read(buf)
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			t.readErr = fmt.Errorf("link: reading from %s: %w", t.name, err)
			return
		}
		if n == len(buf) {
			t.rxTruncated.Add(1)
			continue
		}
		t.rxFrames.Add(1)
		t.rxBytes.Add(uint64(n))
		if b := t.disp.Load(); b != nil {
			b.d.DeliverFrame(buf[:n])
		}
	}
}
