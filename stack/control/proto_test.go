// proto_test.go tests the server's side of the framing and the names of
// control sockets.

package control

import (
	"bufio"
	"strings"
	"testing"
)

func TestParseSocketName(t *testing.T) {
	tests := []struct {
		file string
		pid  int
		name string
		ok   bool
	}{
		{"stack-42-tap0.sock", 42, "tap0", true},
		{"stack-42-my-stack.sock", 42, "my-stack", true},
		{"stack-0-x.sock", 0, "", false},
		{"stack--1-x.sock", 0, "", false},
		{"stack-42-.sock", 0, "", false},
		{"stack-42-x.sock.tmp", 0, "", false},
		{"stack-42-.hidden.sock", 0, "", false},
		{"stack-x-y.sock", 0, "", false},
		{"other-42-x.sock", 0, "", false},
	}
	for _, tt := range tests {
		pid, name, err := parseSocketName(tt.file)
		if (err == nil) != tt.ok || pid != tt.pid || name != tt.name {
			t.Errorf("parseSocketName(%q) = %d, %q, %v; want %d, %q, ok=%v", tt.file, pid, name, err, tt.pid, tt.name, tt.ok)
		}
	}
}

func TestSocketPath(t *testing.T) {
	p, err := SocketPath("/run/gonetstat", 7, "tap0")
	if err != nil || p != "/run/gonetstat/stack-7-tap0.sock" {
		t.Errorf("SocketPath = %q, %v", p, err)
	}
	for _, bad := range []string{"", "../x", "a/b", "-x", strings.Repeat("x", 33), "tab\t"} {
		if _, err := SocketPath("/run/gonetstat", 7, bad); err == nil {
			t.Errorf("SocketPath accepted name %q", bad)
		}
	}
	if _, err := SocketPath("/"+strings.Repeat("d", 100), 7, "x"); err == nil || !strings.Contains(err.Error(), "longer than a Unix socket address holds") {
		t.Errorf("long path: %v", err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv(DirEnv, "/tmp/x/../gn")
	if d, err := DefaultDir(); err != nil || d != "/tmp/gn" {
		t.Errorf("with %s: %q, %v", DirEnv, d, err)
	}
}

func TestReadLineBounds(t *testing.T) {
	var v map[string]any
	long := strings.Repeat("x", 5000) + "\n"
	if err := readLine(bufio.NewReaderSize(strings.NewReader(long), 16), 1024, "request", &v); err == nil || !strings.Contains(err.Error(), "request longer than 1024 bytes") {
		t.Errorf("long line: %v", err)
	}
	if err := readLine(bufio.NewReader(strings.NewReader("{}\n{}")), 1024, "request", &v); err != nil {
		t.Errorf("good line: %v", err)
	}
	if err := readLine(bufio.NewReader(strings.NewReader("nope\n")), 1024, "request", &v); err == nil || !strings.Contains(err.Error(), "control protocol error: request: invalid character") {
		t.Errorf("bad json: %v", err)
	}
}
