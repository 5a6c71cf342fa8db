// Command floor is the benchmark's floor (issue 5, bench/run.sh): the least
// a Go program must do to print every TCP and UDP socket with its owning
// PID. One goroutine runs one sock_diag dump per table while the main one
// walks /proc/*/fd once, plainly (os.ReadDir, os.Readlink); the two are
// joined on the socket inode and printed, one socket per line. It is a
// separate module so that it never becomes a dependency of gonetstat, and
// small on purpose: gonetstat is measured against it in the same run.
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

type sock struct {
	proto, state byte
	local, peer  netip.AddrPort
	inode        uint32
}

// dump reads the four tables over one NETLINK_SOCK_DIAG socket: an
// nlmsghdr plus inet_diag_req_v2 per table, all states, then the replies
// up to NLMSG_DONE.
func dump() ([]sock, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var out []sock
	buf := make([]byte, 64<<10)
	for _, t := range [][2]byte{{unix.AF_INET, unix.IPPROTO_TCP}, {unix.AF_INET6, unix.IPPROTO_TCP}, {unix.AF_INET, unix.IPPROTO_UDP}, {unix.AF_INET6, unix.IPPROTO_UDP}} {
		req := make([]byte, 16+56)
		binary.NativeEndian.PutUint32(req[0:], uint32(len(req)))
		binary.NativeEndian.PutUint16(req[4:], 20) // SOCK_DIAG_BY_FAMILY
		binary.NativeEndian.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
		req[16], req[17] = t[0], t[1]
		binary.NativeEndian.PutUint32(req[20:], 0xffffffff) // every state
		if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
			return nil, err
		}
	recv:
		for {
			n, _, err := unix.Recvfrom(fd, buf, 0)
			if err != nil {
				return nil, err
			}
			for b := buf[:n]; len(b) >= 16; {
				l := int(binary.NativeEndian.Uint32(b))
				if l < 16 || l > len(b) {
					return nil, fmt.Errorf("bad netlink message length %d", l)
				}
				switch binary.NativeEndian.Uint16(b[4:]) {
				case unix.NLMSG_DONE:
					break recv
				case unix.NLMSG_ERROR:
					return nil, fmt.Errorf("sock_diag error %d", int32(binary.NativeEndian.Uint32(b[16:])))
				}
				if m := b[16:l]; len(m) >= 72 {
					s := sock{proto: t[1], state: m[1], inode: binary.NativeEndian.Uint32(m[68:])}
					sp, dp := binary.BigEndian.Uint16(m[4:]), binary.BigEndian.Uint16(m[6:])
					if m[0] == unix.AF_INET {
						s.local = netip.AddrPortFrom(netip.AddrFrom4([4]byte(m[8:12])), sp)
						s.peer = netip.AddrPortFrom(netip.AddrFrom4([4]byte(m[24:28])), dp)
					} else {
						s.local = netip.AddrPortFrom(netip.AddrFrom16([16]byte(m[8:24])), sp)
						s.peer = netip.AddrPortFrom(netip.AddrFrom16([16]byte(m[24:40])), dp)
					}
					out = append(out, s)
				}
				b = b[min((l+3)&^3, len(b)):]
			}
		}
	}
	return out, nil
}

// owners walks /proc/*/fd once: socket inode -> PID. Processes that exit
// or deny access are skipped.
func owners() map[uint32]int {
	m := make(map[uint32]int)
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		dir := "/proc/" + p.Name() + "/fd/"
		fds, _ := os.ReadDir(dir)
		for _, f := range fds {
			link, err := os.Readlink(dir + f.Name())
			if err != nil || !strings.HasPrefix(link, "socket:[") {
				continue
			}
			if ino, err := strconv.ParseUint(link[8:len(link)-1], 10, 32); err == nil {
				m[uint32(ino)] = pid
			}
		}
	}
	return m
}

var states = [...]string{1: "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "SYN_RECV"}

func main() {
	type result struct {
		socks []sock
		err   error
	}
	done := make(chan result, 1)
	go func() { s, err := dump(); done <- result{s, err} }()
	pids := owners()
	r := <-done
	if r.err != nil {
		fmt.Fprintln(os.Stderr, "floor:", r.err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	line := make([]byte, 0, 128)
	for _, s := range r.socks {
		line = append(line[:0], "tcp "...)
		if s.proto == unix.IPPROTO_UDP {
			line = append(line[:0], "udp "...)
		}
		line = append(s.local.AppendTo(line), ' ')
		line = append(s.peer.AppendTo(line), ' ')
		if int(s.state) < len(states) {
			line = append(line, states[s.state]...)
		}
		line = append(line, ' ')
		if pid, ok := pids[s.inode]; ok && s.inode != 0 {
			line = strconv.AppendInt(line, int64(pid), 10)
		} else {
			line = append(line, '-')
		}
		w.Write(append(line, '\n'))
	}
	if err := w.Flush(); err != nil {
		os.Exit(1)
	}
}
