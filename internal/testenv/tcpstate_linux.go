// tcpstate_linux.go reads a TCP socket's state from /proc/net/tcp{,6} by
// hand, so that a test can wait for the kernel to finish a close (a
// socket reaching TIME_WAIT after the peer's FIN) without the code under
// test, and without a sleep.

package testenv

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"testing"
)

// TCPTimeWait is TIME_WAIT's number in the kernel's tcp_states.h.
const TCPTimeWait = 6

// KernelTCPState returns the state number (tcp_states.h) of the TCP
// socket whose local and remote ports are these, and whether the kernel
// lists one. Ports alone pick the socket: a test's ephemeral port paired
// with its own listener's is unique on the machine.
func KernelTCPState(localPort, remotePort uint16) (int, bool, error) {
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(file)
		if err != nil {
			return 0, false, err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Scan() // the header
		for sc.Scan() {
			// "  sl  local_address rem_address   st ...", addresses as
			// HEXADDR:HEXPORT.
			f := bytes.Fields(sc.Bytes())
			if len(f) < 4 || port(f[1]) != int(localPort) || port(f[2]) != int(remotePort) {
				continue
			}
			st, err := strconv.ParseUint(string(f[3]), 16, 8)
			if err != nil {
				return 0, false, fmt.Errorf("%s: state %q: %w", file, f[3], err)
			}
			return int(st), true, nil
		}
	}
	return 0, false, nil
}

func port(addr []byte) int {
	i := bytes.LastIndexByte(addr, ':')
	if i < 0 {
		return -1
	}
	p, err := strconv.ParseUint(string(addr[i+1:]), 16, 16)
	if err != nil {
		return -1
	}
	return int(p)
}

// WaitTCPState waits until the kernel lists the socket with these ports
// in state (see KernelTCPState).
func WaitTCPState(t testing.TB, localPort, remotePort uint16, state int) {
	t.Helper()
	var last int
	var found bool
	var err error
	if !Poll(func() bool {
		last, found, err = KernelTCPState(localPort, remotePort)
		return err != nil || found && last == state
	}) || err != nil {
		t.Fatalf("waiting for the TCP socket :%d -> :%d to reach state %d: last seen %d (listed: %v), %v", localPort, remotePort, state, last, found, err)
	}
}
