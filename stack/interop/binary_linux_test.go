// binary_linux_test.go runs the real gonetstat binary, "gonetstat stack
// run", inside a namespace, curls it, and stops it with SIGTERM.

package interop

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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
	bin := buildGonetstat(t, dir)
	// The control socket goes to a directory of the test's own, which
	// gonetstat -ano --stack below reads too.
	runtimeDir := filepath.Join(dir, "run")
	ns := testenv.NewNetns(t, "gnst-tap-")
	name := testenv.RandName("gntap", 6)
	pcap := filepath.Join(dir, "run.pcap")
	cmd := exec.Command("ip", "netns", "exec", ns, bin, "stack", "run", "--tap", name,
		"--addr", "198.18.0.2/24", "--host-addr", "198.18.0.1/24", "--pcap", pcap)
	cmd.Env = append(os.Environ(), "GONETSTAT_RUNTIME_DIR="+runtimeDir)
	var stderr testenv.SyncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited, waitErr := watch(t, cmd)
	if !stderr.Await(func(s string) bool { return strings.Contains(s, "udp-echo listening") }, exited) {
		t.Fatalf("gonetstat stack run did not come up:\n%s", stderr.String())
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
	// The command stderr and the page give for both ends of a connection
	// (the kernel's end is in ns, whose name it must carry) shows both
	// ends of one the test holds open.
	m := regexp.MustCompile(`both ends of each connection: (sudo .*)\n`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("stack run does not say how to see both ends:\n%s", stderr.String())
	}
	if !strings.Contains(string(page), "<code>"+m[1]+"</code>") {
		t.Errorf("the page does not give %q:\n%s", m[1], page)
	}
	var held net.Conn
	testenv.InNetns(t, ns, func() { held, err = net.Dial("tcp4", "198.18.0.2:80") })
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	checkBothEnds(t, runPrinted(t, bin, m[1]), held.LocalAddr().String(), "198.18.0.2:80", "stack:"+name)
	sum, err := exec.Command("ip", "netns", "exec", ns, "sh", "-c", "curl -sS --fail --max-time 10 http://198.18.0.2/bytes/123456 | sha256sum").Output()
	hdr, _ := exec.Command("ip", "netns", "exec", ns, "curl", "-sS", "-I", "--max-time", "10", "http://198.18.0.2/bytes/123456").Output()
	if err != nil || len(sum) < 64 || !strings.Contains(strings.ToLower(string(hdr)), string(sum[:64])) {
		t.Errorf("body sha256 %q not in the headers:\n%s", sum, hdr)
	}

	// An HTTP/1.0 fetch whose client closes only once it has read the
	// server's FIN (curl -0 closes as soon as it has Content-Length bytes,
	// which may come first), so the stack's end of the connection goes to
	// TIME_WAIT, a time-wait block of the protocol's
	// (stack/tcp/timewait.go) that the table still shows.
	var fetch net.Conn
	testenv.InNetns(t, ns, func() { fetch, err = net.Dial("tcp4", "198.18.0.2:80") })
	if err != nil {
		t.Fatal(err)
	}
	fetch.SetDeadline(time.Now().Add(testenv.Patience))
	if _, err := io.WriteString(fetch, "GET / HTTP/1.0\r\nHost: stack\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if page, err := io.ReadAll(fetch); err != nil || !strings.HasPrefix(string(page), "HTTP/1.0 200 OK") {
		t.Errorf("HTTP/1.0 fetch: %v %q", err, page[:min(len(page), 80)])
	}
	fetch.Close()

	// From the host's namespace, gonetstat -ano --stack finds the stack
	// through its control socket: its listeners, owned by its PID (ip
	// netns exec execs gonetstat in place, so the PID is cmd's), and the
	// TIME_WAIT the HTTP/1.0 fetch left, once the stack has had the
	// client's FIN.
	timeWait := regexp.MustCompile(`(?m)^  TCP +198\.18\.0\.2:80 +198\.18\.0\.1:\d+ +TIME_WAIT .*stack:` + name + `\s*$`)
	var table []byte
	if !testenv.Poll(func() bool {
		ano := exec.Command(bin, "-ano", "--stack")
		ano.Env = append(os.Environ(), "GONETSTAT_RUNTIME_DIR="+runtimeDir)
		table, err = ano.Output()
		return err == nil && timeWait.Match(table)
	}) {
		t.Errorf("gonetstat -ano --stack lacks the stack's TIME_WAIT from the HTTP/1.0 fetch (%v):\n%s", err, table)
	}
	want := regexp.MustCompile(`(?m)^  TCP +0\.0\.0\.0:80 +0\.0\.0\.0:0 +LISTENING +` + strconv.Itoa(cmd.Process.Pid) + ` +stack:` + name + `\s*$`)
	if !want.Match(table) {
		t.Errorf("gonetstat -ano --stack lacks the stack's HTTP listener with PID %d:\n%s", cmd.Process.Pid, table)
	}

	stopWith(t, cmd, exited, waitErr, syscall.SIGTERM, &stderr)
	if out, err := exec.Command("ip", "-n", ns, "link", "show", name).CombinedOutput(); err == nil {
		t.Errorf("TAP %s still exists after exit:\n%s", name, out)
	}
	if fi, err := os.Stat(pcap); err != nil || fi.Size() < 1000 {
		t.Errorf("pcap %s: %v", pcap, err)
	}
}

// buildGonetstat builds the real binary into dir.
func buildGonetstat(t *testing.T, dir string) string {
	t.Helper()
	needTools(t, "go")
	bin := filepath.Join(dir, "gonetstat")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/gonetstat/gonetstat").CombinedOutput(); err != nil {
		t.Fatalf("building gonetstat: %v\n%s", err, out)
	}
	return bin
}

// gonetstat stack demo, as a new user runs it: the table with both ends
// of live connections, the stack visible to -ano --stack while it holds,
// Ctrl-C ends it with exit 0 and removes its namespace and TAP; without
// root it says so and exits 1.
func TestIntegrationBinaryStackDemo(t *testing.T) {
	testenv.SkipUnlessRoot(t)
	needTools(t, "ip", "setpriv")
	dir := t.TempDir()
	bin := buildGonetstat(t, dir)
	env := append(os.Environ(), "GONETSTAT_RUNTIME_DIR="+filepath.Join(dir, "run"))

	cmd := exec.Command(bin, "stack", "demo", "--hold")
	// The demo needs no ip(8): its PATH holds none.
	cmd.Env = append(env, "PATH="+t.TempDir())
	var stdout, stderr testenv.SyncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ns := "gonetstat-demo-" + strconv.Itoa(cmd.Process.Pid)
	exited, waitErr := watch(t, cmd)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() }) // only if the demo failed to
	// The demo writes its table to stdout, then says it holds on stderr;
	// the two pipes are copied apart, so either may arrive first: wait for
	// both, the table up to its last line.
	held := stderr.Await(func(s string) bool { return strings.Contains(s, "holding everything until Ctrl-C") }, exited) &&
		stdout.Await(func(s string) bool { return strings.Contains(s, "so it can show all of it.\n") }, exited)
	if !held {
		select {
		case <-exited:
			t.Fatalf("stack demo exited early: %v\n%s\n%s", waitErr(), stdout.String(), stderr.String())
		default:
			t.Fatalf("stack demo printed no table within %v:\n%s\n%s", testenv.Patience, stdout.String(), stderr.String())
		}
	}
	out := stdout.String()
	for _, want := range []string{
		"network namespace " + ns,
		"| mini-stack's HTTP listener", "| kernel fetched / (keep-alive, idle)",
		"| kernel fetches 4 MiB, reads none", "| mini-stack sends 4 MiB, kernel reads none", "| kernel's listener",
		"PID " + strconv.Itoa(cmd.Process.Pid) + ")", "(hidden)", "a memory area the protocol stack keeps",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo's table lacks %q:\n%s", want, out)
		}
	}
	// Both ends of the stalled fetch: the reader that does not read has
	// a full receive queue, the mini-stack a send queue it cannot send and
	// a zero-window probe timer running.
	if !regexp.MustCompile(`\| +receive queue +\| +[1-9][0-9.]*KiB +\| +0B +\|`).MatchString(out) ||
		!regexp.MustCompile(`\| +timer +\| +[^|]+\| +persist in `).MatchString(out) {
		t.Errorf("the stalled connections do not show a filled receive queue and a persist timer:\n%s", out)
	}
	ano := exec.Command(bin, "-ano", "--stack")
	ano.Env = env
	table, err := ano.Output()
	if err != nil || !strings.Contains(string(table), "stack:demo") || !strings.Contains(string(table), "198.18.0.1:8080") {
		t.Errorf("gonetstat -ano --stack during the demo: %v\n%s", err, table)
	}
	// The command --hold gives, which the web page gives too, shows both
	// ends of the kernel's keep-alive connection to the mini-stack: it
	// names the demo's namespace, where the kernel's ends are.
	m := regexp.MustCompile(`(?m)^  (sudo .*gonetstat -ano --stack --netns \S+)$`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("--hold gives no command with --netns:\n%s", stderr.String())
	}
	var page []byte
	testenv.InNetns(t, ns, func() { page, err = httpGet("198.18.0.2:80", "/") })
	if err != nil || !strings.Contains(string(page), "<code>"+m[1]+"</code>") {
		t.Errorf("the page does not give %q: %v\n%s", m[1], err, page)
	}
	idle := regexp.MustCompile(`\| kernel fetched / \(keep-alive, idle\) +\| found through +\|[^\n]*\n[^\n]*\| local address +\| (198\.18\.0\.1:\d+) `).FindStringSubmatch(out)
	if idle == nil {
		t.Fatalf("no local address of the idle connection in the table:\n%s", out)
	}
	checkBothEnds(t, runPrinted(t, bin, m[1]), idle[1], "198.18.0.2:80", "stack:demo")

	stopWith(t, cmd, exited, waitErr, os.Interrupt, &stderr)
	if list, _ := exec.Command("ip", "netns", "list").Output(); strings.Contains(string(list), ns) {
		t.Errorf("namespace %s is left after the demo:\n%s", ns, list)
	}

	user := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin, "stack", "demo")
	msg, err := user.CombinedOutput()
	if code := user.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(msg), "needs root") {
		t.Errorf("as nobody: exit %d, %v: %s; want exit 1 saying it needs root", code, err, msg)
	}
}

// runPrinted runs a command line gonetstat printed for its user to type,
// "sudo [VAR=VALUE…] gonetstat ARGS…", with the binary under test and
// only the variables it names added to the test's environment (the test
// is root: sudo is dropped), and returns its stdout.
func runPrinted(t *testing.T, bin, line string) string {
	t.Helper()
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "sudo" {
		t.Fatalf("%q does not start with sudo", line)
	}
	f = f[1:]
	env := os.Environ()
	for len(f) > 0 && strings.Contains(f[0], "=") {
		env = append(env, f[0])
		f = f[1:]
	}
	if len(f) == 0 || f[0] != "gonetstat" {
		t.Fatalf("%q does not run gonetstat", line)
	}
	cmd := exec.Command(bin, f[1:]...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", line, err, out, stderr.String())
	}
	return string(out)
}

// checkBothEnds wants the -ano --stack table to hold both ends of the
// connection from the kernel's kernelEnd to the stack's stackEnd: the
// kernel's row and the stack's mirror image.
func checkBothEnds(t *testing.T, table, kernelEnd, stackEnd, source string) {
	t.Helper()
	row := func(local, remote, src string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^  TCP +` + regexp.QuoteMeta(local) + ` +` + regexp.QuoteMeta(remote) + ` +ESTABLISHED +\d+ +` + regexp.QuoteMeta(src) + `$`)
	}
	if !row(kernelEnd, stackEnd, "kernel").MatchString(table) {
		t.Errorf("the table lacks the kernel's end %s -> %s:\n%s", kernelEnd, stackEnd, table)
	}
	if !row(stackEnd, kernelEnd, source).MatchString(table) {
		t.Errorf("the table lacks the %s end %s -> %s:\n%s", source, stackEnd, kernelEnd, table)
	}
}

// httpGet fetches path from addr over a connection made on the calling
// thread (in the namespace it is in) and returns the whole response.
func httpGet(addr, path string) ([]byte, error) {
	c, err := net.DialTimeout("tcp4", addr, testenv.Patience)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(testenv.Patience))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, addr); err != nil {
		return nil, err
	}
	return io.ReadAll(c)
}

// watch waits for cmd in the background: exited closes when it ends, and
// waitErr then returns how. The process is killed if the test ends first.
func watch(t *testing.T, cmd *exec.Cmd) (exited chan struct{}, waitErr func() error) {
	exited = make(chan struct{})
	var err error
	go func() { err = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	})
	return exited, func() error { <-exited; return err }
}

// stopWith signals cmd and wants it to exit 0 (a hang fails after
// testenv.Patience).
func stopWith(t *testing.T, cmd *exec.Cmd, exited chan struct{}, waitErr func() error, sig os.Signal, stderr *testenv.SyncBuffer) {
	t.Helper()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if err := waitErr(); err != nil {
			t.Errorf("after %v: %v, want exit 0\n%s", sig, err, stderr.String())
		}
	case <-time.After(testenv.Patience):
		t.Fatalf("%s did not exit within %v of %v", strings.Join(cmd.Args, " "), testenv.Patience, sig)
	}
}
