// Command gopsutil is the gopsutil v4 peer of the benchmark (issue 5,
// bench/run.sh): net.Connections("all"), printed one TCP or UDP socket per
// line (the unix sockets "all" also returns are left out, as the other
// tools list only TCP and UDP). A separate module, never a dependency of
// gonetstat.
package main

import (
	"bufio"
	"fmt"
	"os"
	"syscall"

	"github.com/shirou/gopsutil/v4/net"
)

func main() {
	conns, err := net.Connections("all")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gopsutil:", err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	for _, c := range conns {
		if c.Family != syscall.AF_INET && c.Family != syscall.AF_INET6 {
			continue
		}
		proto := "tcp"
		if c.Type == syscall.SOCK_DGRAM {
			proto = "udp"
		}
		fmt.Fprintf(w, "%s %s:%d %s:%d %s %d\n", proto, c.Laddr.IP, c.Laddr.Port, c.Raddr.IP, c.Raddr.Port, c.Status, c.Pid)
	}
	if err := w.Flush(); err != nil {
		os.Exit(1)
	}
}
