// refresh_linux_test.go runs the real binary in interval mode and renames
// an interface between two redisplays: the next table must show the new
// name in the zone of a link-local socket.

package e2e

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

// waitLine reads lines until one contains want; it fails the test when the
// output ends or nothing matches within the deadline.
func waitLine(t *testing.T, lines <-chan string, want string, deadline <-chan time.Time) {
	t.Helper()
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("output ended before a line with %q", want)
			}
			if strings.Contains(l, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no line with %q in time", want)
		}
	}
}

func TestIntegrationIntervalRename(t *testing.T) {
	prefix := testenv.RandName("gr", 6)
	ns, dev := vethNetns(t, prefix, []string{"addr", "add", "fe80::1/64", "dev", prefix + "0", "nodad"})
	var port int
	testenv.InNetns(t, ns, func() {
		pc, err := net.ListenPacket("udp6", "[fe80::1%"+dev+"]:0")
		if err != nil {
			t.Fatalf("binding fe80::1%%%s: %v", dev, err)
		}
		t.Cleanup(func() { pc.Close() })
		port = pc.LocalAddr().(*net.UDPAddr).Port
	})

	// Our own namespace's collector (the binary run inside the
	// namespace) and --netns's, each redisplaying every second.
	cur := dev // the interface's name now
	for i, tt := range []struct {
		name string
		argv []string
	}{
		{"own namespace", []string{"ip", "netns", "exec", ns, binary, "-an", "-p", "udpv6", "1"}},
		{"--netns", []string{binary, "-an", "-p", "udpv6", "--netns", ns, "1"}},
	} {
		argv := tt.argv
		t.Run(tt.name, func(t *testing.T) {
			from, to := cur, prefix+"r"+strconv.Itoa(i)
			cmd := exec.Command(argv[0], argv[1:]...)
			var stderr testenv.SyncBuffer
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string, 64)
			go func() {
				defer close(lines)
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					lines <- sc.Text()
				}
			}()
			stopped := false
			t.Cleanup(func() {
				if !stopped {
					cmd.Process.Kill()
					cmd.Wait()
				}
			})
			deadline := time.After(testenv.Patience)

			waitLine(t, lines, "[fe80::1%"+from+"]:"+strconv.Itoa(port), deadline)
			testenv.Run(t, "ip", "-n", ns, "link", "set", from, "down")
			testenv.Run(t, "ip", "-n", ns, "link", "set", from, "name", to)
			testenv.Run(t, "ip", "-n", ns, "link", "set", to, "up")
			cur = to
			waitLine(t, lines, "[fe80::1%"+to+"]:"+strconv.Itoa(port), deadline)

			cmd.Process.Signal(os.Interrupt)
			for range lines { // drain, so the command can exit
			}
			err = cmd.Wait()
			stopped = true
			if err != nil {
				t.Errorf("after Ctrl-C: %v (want exit 0); stderr:\n%s", err, stderr.String())
			}
		})
	}
}
