// fdcheck.go fails a test binary whose tests leave a file descriptor
// open, as cilium/ebpf's testmain does for its own handles: a socket,
// netlink handle, TAP device, pidfd or file that a test or the code under
// test forgot to close is named with what it points to.

package testenv

import (
	"fmt"
	"io"
	"os"
	"slices"
	"testing"
)

// MainWithFDCheck is a TestMain: it runs the tests and then exits 1,
// naming each one, if descriptors opened while they ran are still open.
// Each package under platform/ and stack/ calls it from main_test.go:
//
//	func TestMain(m *testing.M) { testenv.MainWithFDCheck(m) }
//
// Descriptors the runtime opens once and keeps (the netpoller's epoll
// and eventfd) are opened before the first count, so they never look
// leaked. The check is strict: there is no grace period, no GC to run
// finalizers, no retry. Whatever closes a descriptor asynchronously (a
// reader goroutine, a child process) must be waited for by the test that
// started it, as its caller would have to.
func MainWithFDCheck(m *testing.M) {
	os.Exit(runWithFDCheck(m, os.Stderr))
}

func runWithFDCheck(m interface{ Run() int }, w io.Writer) int {
	warmUpPoller()
	before, err := openFDs()
	if err != nil {
		// No descriptor table to read (not Linux, no /proc): the tests
		// still run, unchecked.
		return m.Run()
	}
	code := m.Run()
	after, err := openFDs()
	if err != nil {
		fmt.Fprintf(w, "fd leak check: %v\n", err)
		return 1
	}
	if leaked := leakedFDs(before, after); len(leaked) > 0 {
		fmt.Fprintf(w, "fd leak check: the tests left %d file descriptor(s) open:\n", len(leaked))
		for _, fd := range leaked {
			fmt.Fprintf(w, "\tfd %d -> %s\n", fd, after[fd])
		}
		return 1
	}
	return code
}

// leakedFDs returns the descriptors open after that were not open, to the
// same file, before: a number reused for something else counts too.
func leakedFDs(before, after map[int]string) []int {
	var leaked []int
	for fd, target := range after {
		if was, ok := before[fd]; !ok || was != target {
			leaked = append(leaked, fd)
		}
	}
	slices.Sort(leaked)
	return leaked
}

// warmUpPoller makes the runtime open the netpoller's descriptors now:
// the first pipe, socket or TAP a test opens would otherwise open them,
// and they stay for the life of the process.
func warmUpPoller() {
	r, w, err := os.Pipe()
	if err != nil {
		return
	}
	r.Close()
	w.Close()
}
