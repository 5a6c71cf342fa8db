// binary_linux_test.go runs the real gonetstat binary, "gonetstat stack
// run", inside a namespace, curls it, and stops it with SIGTERM.

package interop

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/internal/testenv"
)

func TestIntegrationBinaryStackRun(t *testing.T) {
	testenv.SkipUnlessRoot(t)
	needTools(t, "ip", "curl", "go")
	dir := t.TempDir()
	bin := filepath.Join(dir, "gonetstat")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/gonetstat/gonetstat").CombinedOutput(); err != nil {
		t.Fatalf("building gonetstat: %v\n%s", err, out)
	}
	ns := testenv.NewNetns(t, "gnst-tap-")
	name := testenv.RandName("gntap", 6)
	pcap := filepath.Join(dir, "run.pcap")
	cmd := exec.Command("ip", "netns", "exec", ns, bin, "stack", "run", "--tap", name,
		"--addr", "198.18.0.2/24", "--host-addr", "198.18.0.1/24", "--pcap", pcap)
	var stderr testenv.SyncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	})
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stderr.String(), "udp-echo listening"); {
		if time.Now().After(deadline) {
			t.Fatalf("gonetstat stack run did not come up:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{"created TAP " + name, "kernel side of " + name + " is 198.18.0.1/24, up", "http listening on tcp 198.18.0.2:80"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	page, err := exec.Command("ip", "netns", "exec", ns, "curl", "-sS", "--fail", "--max-time", "10", "http://198.18.0.2/").Output()
	if err != nil || !strings.Contains(string(page), "mini-stack") {
		t.Errorf("curl /: %v\n%s", err, page)
	}
	sum, err := exec.Command("ip", "netns", "exec", ns, "sh", "-c", "curl -sS --fail --max-time 10 http://198.18.0.2/bytes/123456 | sha256sum").Output()
	hdr, _ := exec.Command("ip", "netns", "exec", ns, "curl", "-sS", "-I", "--max-time", "10", "http://198.18.0.2/bytes/123456").Output()
	if err != nil || len(sum) < 64 || !strings.Contains(strings.ToLower(string(hdr)), string(sum[:64])) {
		t.Errorf("body sha256 %q not in the headers:\n%s", sum, hdr)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Errorf("after SIGTERM: %v, want exit 0\n%s", waitErr, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("gonetstat stack run did not exit within 10s of SIGTERM")
	}
	if out, err := exec.Command("ip", "-n", ns, "link", "show", name).CombinedOutput(); err == nil {
		t.Errorf("TAP %s still exists after exit:\n%s", name, out)
	}
	if fi, err := os.Stat(pcap); err != nil || fi.Size() < 1000 {
		t.Errorf("pcap %s: %v", pcap, err)
	}
}
