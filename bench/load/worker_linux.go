// worker_linux.go opens one worker's share of sockets with raw system
// calls and holds them until its stdin closes.

package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Addresses: servers listen on 127.1.0.1 and ::1; clients and UDP sockets
// bind one of srcAddrs source addresses (127.2.0.1 ... 127.2.0.16, UDP on
// 127.3.0.x), so the table spans several 127.x addresses. A quarter of
// every kind (index%4 == 3) is on ::1.
const srcAddrs = 16

var (
	serverV4 = [4]byte{127, 1, 0, 1}
	loopV6   = [16]byte{15: 1}
)

func isV6(k int) bool { return k%4 == 3 }

func worker(spec string) error {
	idx, s, err := decodeShare(spec)
	if err != nil {
		return err
	}
	if err := raiseNoFile(uint64(s.TCP() + s.UDP + 64)); err != nil {
		return err
	}
	w := &holder{idx: idx}
	if err := w.open(s); err != nil {
		return err
	}
	if _, err := fmt.Printf("ok %d %d\n", w.tcp, w.udp); err != nil {
		return err
	}
	// Hold until the parent closes our stdin (or dies: PR_SET_PDEATHSIG).
	io.Copy(io.Discard, os.Stdin)
	return nil
}

// holder keeps every descriptor it opened; they are never closed before
// the process exits.
type holder struct {
	idx      int
	fds      []int
	tcp, udp int
}

func (w *holder) keep(fd int, tcp bool) {
	w.fds = append(w.fds, fd)
	if tcp {
		w.tcp++
	} else {
		w.udp++
	}
}

func (w *holder) open(s share) error {
	w.fds = make([]int, 0, s.TCP()+s.UDP)
	if s.BaseListens == 0 && s.TCP() > 0 {
		return fmt.Errorf("a share with TCP sockets needs its listeners")
	}
	var l4, l6, lq int
	var lq6 bool
	if s.BaseListens > 0 {
		var err error
		if l4, err = w.listen(false, 1024); err != nil {
			return err
		}
		if l6, err = w.listen(true, 1024); err != nil {
			return err
		}
		// The unaccepted connections of a worker all wait on one
		// listener, every fourth worker's on ::1.
		lq6 = isV6(w.idx)
		if lq, err = w.listen(lq6, s.Unaccepted+16); err != nil {
			return err
		}
	}
	for k := 0; k < s.Listeners; k++ {
		if _, err := w.listen(isV6(k), 16); err != nil {
			return err
		}
	}
	for k := 0; k < s.Pairs; k++ {
		ln := l4
		if isV6(k) {
			ln = l6
		}
		if _, err := w.pair(ln, isV6(k), k); err != nil {
			return fmt.Errorf("established pair %d: %w", k, err)
		}
	}
	for k := 0; k < s.FinWait; k++ {
		ln := l4
		if isV6(k) {
			ln = l6
		}
		c, err := w.pair(ln, isV6(k), k)
		if err != nil {
			return fmt.Errorf("FIN_WAIT2 pair %d: %w", k, err)
		}
		// The client's FIN is acked by the server, which does not
		// close: FIN_WAIT2 on one end, CLOSE_WAIT on the other (RFC 9293
		// §3.6), held as long as both descriptors are open.
		if err := unix.Shutdown(c, unix.SHUT_WR); err != nil {
			return fmt.Errorf("FIN_WAIT2 pair %d: shutdown: %w", k, err)
		}
	}
	for k := 0; k < s.Unaccepted; k++ {
		if _, err := w.connect(lq, lq6, k); err != nil {
			return fmt.Errorf("unaccepted connection %d: %w", k, err)
		}
		// The server end is a full socket in the accept queue: counted
		// as TCP, owned by no process.
		w.tcp++
	}
	for k := 0; k < s.UDP; k++ {
		if err := w.udpSocket(k); err != nil {
			return fmt.Errorf("UDP socket %d: %w", k, err)
		}
	}
	return nil
}

func family(v6 bool) int {
	if v6 {
		return unix.AF_INET6
	}
	return unix.AF_INET
}

func (w *holder) listen(v6 bool, backlog int) (int, error) {
	fd, err := unix.Socket(family(v6), unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	var sa unix.Sockaddr = &unix.SockaddrInet4{Addr: serverV4}
	if v6 {
		sa = &unix.SockaddrInet6{Addr: loopV6}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("bind: %w", err)
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("listen: %w", err)
	}
	w.keep(fd, true)
	return fd, nil
}

// connect opens a client to listener ln, from source address k%srcAddrs
// (IPv4) with IP_BIND_ADDRESS_NO_PORT, so the port is picked at connect
// time for the whole 4-tuple instead of being reserved at bind time.
func (w *holder) connect(ln int, v6 bool, k int) (int, error) {
	addr, err := unix.Getsockname(ln)
	if err != nil {
		return -1, fmt.Errorf("getsockname: %w", err)
	}
	fd, err := unix.Socket(family(v6), unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	if !v6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("IP_BIND_ADDRESS_NO_PORT: %w", err)
		}
		src := &unix.SockaddrInet4{Addr: [4]byte{127, 2, 0, byte(1 + (k/4)%srcAddrs)}}
		if err := unix.Bind(fd, src); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("bind: %w", err)
		}
	}
	if err := unix.Connect(fd, addr); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("connect: %w", err)
	}
	w.keep(fd, true)
	return fd, nil
}

// pair connects a client to ln and accepts the server end; it returns the
// client.
func (w *holder) pair(ln int, v6 bool, k int) (int, error) {
	c, err := w.connect(ln, v6, k)
	if err != nil {
		return -1, err
	}
	s, _, err := unix.Accept4(ln, unix.SOCK_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("accept: %w", err)
	}
	w.keep(s, true)
	return c, nil
}

// udpSocket binds a UDP socket; every odd one is connected to the one
// before it (connect on UDP only sets the peer: nothing is sent).
func (w *holder) udpSocket(k int) error {
	v6 := isV6(k / 2)
	fd, err := unix.Socket(family(v6), unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	var sa unix.Sockaddr = &unix.SockaddrInet4{Addr: [4]byte{127, 3, 0, byte(1 + (k/2)%srcAddrs)}}
	if v6 {
		sa = &unix.SockaddrInet6{Addr: loopV6}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return fmt.Errorf("bind: %w", err)
	}
	if k%2 == 1 {
		peer, err := unix.Getsockname(w.fds[len(w.fds)-1])
		if err != nil {
			unix.Close(fd)
			return fmt.Errorf("getsockname: %w", err)
		}
		if err := unix.Connect(fd, peer); err != nil {
			unix.Close(fd)
			return fmt.Errorf("connect: %w", err)
		}
	}
	w.keep(fd, false)
	return nil
}
