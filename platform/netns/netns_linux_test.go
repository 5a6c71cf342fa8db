// netns_linux_test.go enters namespaces the test makes with ip netns.

package netns

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"golang.org/x/sys/unix"
)

// addNS makes a named namespace removed when the test ends, failed or not.
func addNS(t *testing.T, suffix string) string {
	t.Helper()
	testenv.SkipUnlessRoot(t)
	_, err := exec.LookPath("ip")
	testenv.SkipWithout(t, err == nil, "the ip command (iproute2)")
	name := fmt.Sprintf("gnst-ns-u%d-%s", os.Getpid(), suffix)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "delete", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns delete %s: %v\n%s", name, err, out)
		}
	})
	return name
}

func threadNS(t *testing.T) uint64 {
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		t.Error(err)
	}
	return st.Ino
}

func TestIntegrationDoEntersAndRestores(t *testing.T) {
	name := addNS(t, "do")
	ns, err := Open(Roots{}, Spec{Kind: ByName, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	self, err := Self(Roots{})
	if err != nil {
		t.Fatal(err)
	}
	if ns.Inode == self.Inode || ns.Own || !self.Own || ns.Name != name {
		t.Fatalf("opened %+v beside self %+v", ns, self)
	}
	// Many at once: each call must see its namespace and leave no thread
	// behind in it.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var inside uint64
			var ifaces []string
			if err := Do(Roots{}, ns, func() error {
				inside = threadNS(t)
				out, err := os.ReadFile("/proc/thread-self/net/dev")
				ifaces = strings.Fields(string(out))
				return err
			}); err != nil {
				t.Error(err)
			}
			if inside != ns.Inode {
				t.Errorf("inside Do the thread is in %d, want %d", inside, ns.Inode)
			}
			// A fresh namespace has only lo.
			if strings.Contains(strings.Join(ifaces, " "), "eth") {
				t.Errorf("/proc/thread-self/net/dev inside %s shows %v", name, ifaces)
			}
		}()
	}
	wg.Wait()
	// Every thread the runtime now schedules us on is back home.
	for i := 0; i < 50; i++ {
		runtime.Gosched()
		runtime.LockOSThread()
		got := threadNS(t)
		runtime.UnlockOSThread()
		if got != self.Inode {
			t.Fatalf("a thread was left in namespace %d", got)
		}
	}
	// f's error comes back as is.
	boom := errors.New("boom")
	if err := Do(Roots{}, ns, func() error { return boom }); err != boom {
		t.Errorf("Do returned %v, want f's error", err)
	}
}

func TestIntegrationListAndOpen(t *testing.T) {
	name := addNS(t, "list")
	// A process inside the namespace, so its /proc entry shows it too.
	cmd := exec.Command("ip", "netns", "exec", name, "sleep", "3600") // killed when the test ends
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	byName, err := Open(Roots{}, Spec{Kind: ByName, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	// ip netns exec execs sleep once it is inside: wait until it is.
	var byPID Namespace
	testenv.Poll(func() bool {
		byPID, err = Open(Roots{}, Spec{Kind: ByPID, PID: cmd.Process.Pid})
		return err == nil && byPID.Inode == byName.Inode
	})
	if err != nil || byPID.Inode != byName.Inode || byPID.Name != name {
		t.Fatalf("by PID: %+v, %v; by name: %+v", byPID, err, byName)
	}
	byPath, err := Open(Roots{}, Spec{Kind: ByPath, Path: filepath.Join("/run/netns", name)})
	if err != nil || byPath.Inode != byName.Inode || byPath.Name != name {
		t.Fatalf("by path: %+v, %v", byPath, err)
	}

	res, err := List(context.Background(), Roots{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Namespaces) < 2 || !res.Namespaces[0].Own {
		t.Fatalf("List = %+v: want our own namespace first and ours", res.Namespaces)
	}
	seen := map[uint64]bool{}
	found := 0
	for _, n := range res.Namespaces {
		if seen[n.Inode] {
			t.Errorf("namespace %d listed twice", n.Inode)
		}
		seen[n.Inode] = true
		if n.Inode == byName.Inode {
			found++
			if n.Name != name || n.PID != cmd.Process.Pid {
				t.Errorf("listed %+v, want name %s and PID %d", n, name, cmd.Process.Pid)
			}
		}
	}
	if found != 1 {
		t.Errorf("namespace %s found %d times in %+v", name, found, res.Namespaces)
	}
}

func TestIntegrationOpenErrors(t *testing.T) {
	testenv.SkipUnlessRoot(t)
	for _, tt := range []struct {
		spec Spec
		want string
	}{
		{Spec{Kind: ByName, Name: "gnst-ns-no-such"}, "ip netns list"},
		{Spec{Kind: ByPID, PID: 4194304}, "no process 4194304"},
		{Spec{Kind: ByPath, Path: "/etc/hostname"}, "not a namespace file"},
		{Spec{Kind: ByPath, Path: "/proc/self/ns/uts"}, "not a network namespace"},
	} {
		_, err := Open(Roots{}, tt.spec)
		var ne *Error
		if !errors.As(err, &ne) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%v) = %v, want an *Error saying %q", tt.spec, err, tt.want)
		}
	}
}

func TestDoOwnNamespaceNeedsNoPrivilege(t *testing.T) {
	self, err := Self(Roots{})
	if err != nil {
		t.Fatal(err)
	}
	ran := false
	if err := Do(Roots{}, self, func() error { ran = true; return nil }); err != nil || !ran {
		t.Errorf("Do(self) = %v, ran %v", err, ran)
	}
}
