// resolve_test.go runs the Resolver over a fixture tree of /proc and the
// runtimes' state files.

package container

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

func write(t *testing.T, root, path, data string) {
	t.Helper()
	p := filepath.Join(root, path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestResolver(t *testing.T) {
	root := t.TempDir()
	uidU := strings.ReplaceAll(uid, "-", "_")
	id3 := strings.Repeat("ab", 32)
	id4 := strings.Repeat("cd", 32)
	id5 := strings.Repeat("ef", 32)
	// 10: Docker with a name on disk; 11: the same container (shared value);
	// 12: Docker without state, HOSTNAME = short id (no name);
	// 13: containerd under Kubernetes with CRI annotations;
	// 14: Podman named in containers.json; 15: a pod's slice only, HOSTNAME
	// is the pod; 16: not a container; 17: Docker with --hostname.
	write(t, root, "proc/10/cgroup", "0::/system.slice/docker-"+id1+".scope\n")
	write(t, root, "proc/11/cgroup", "0::/system.slice/docker-"+id1+".scope\n")
	write(t, root, "var/lib/docker/containers/"+id1+"/config.v2.json", `{"ID":"`+id1+`","Name":"/pg-main","Config":{"Hostname":"3f8a2b1c9d4e"}}`)
	write(t, root, "proc/12/cgroup", "0::/docker/"+id2+"\n")
	write(t, root, "proc/12/environ", "PATH=/bin\x00HOSTNAME="+id2[:12]+"\x00")
	write(t, root, "proc/13/cgroup", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"+uidU+".slice/cri-containerd-"+id3+".scope\n")
	write(t, root, "run/containerd/io.containerd.runtime.v2.task/k8s.io/"+id3+"/config.json",
		`{"ociVersion":"1.1.0","annotations":{"io.kubernetes.cri.container-name":"postgres","io.kubernetes.cri.sandbox-name":"db-0"}}`)
	write(t, root, "proc/14/cgroup", "0::/machine.slice/libpod-"+id4+".scope/container\n")
	write(t, root, "var/lib/containers/storage/overlay-containers/containers.json", `[{"id":"`+id4+`","names":["redis-cache"]},{"id":"x","names":[]}]`)
	write(t, root, "proc/15/cgroup", "11:memory:/kubepods/besteffort/pod"+uid+"\n")
	write(t, root, "proc/15/environ", "HOSTNAME=web-5d8c\x00")
	write(t, root, "proc/16/cgroup", "0::/user.slice/user-0.slice/session-1.scope\n")
	write(t, root, "proc/17/cgroup", "0::/docker/"+id5+"\n")
	write(t, root, "proc/17/environ", "HOSTNAME=api\x00")

	r := &Resolver{Proc: filepath.Join(root, "proc"), Root: root}
	tests := []struct {
		pid  int
		want *collect.Container
	}{
		{10, &collect.Container{Runtime: Docker, ID: id1, Name: "pg-main"}},
		{12, &collect.Container{Runtime: Docker, ID: id2}},
		{13, &collect.Container{Runtime: Containerd, ID: id3, Name: "postgres", PodName: "db-0", PodUID: uid}},
		{14, &collect.Container{Runtime: Podman, ID: id4, Name: "redis-cache"}},
		{15, &collect.Container{Runtime: Kubernetes, PodName: "web-5d8c", PodUID: uid}},
		{16, nil},
		{17, &collect.Container{Runtime: Docker, ID: id5, Name: "api"}},
		{99, nil}, // exited
	}
	for _, tt := range tests {
		got, err := r.Lookup(tt.pid)
		if err != nil {
			t.Errorf("Lookup(%d): %v", tt.pid, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Lookup(%d) (-want +got):\n%s", tt.pid, diff)
		}
	}
	a, _ := r.Lookup(10)
	b, _ := r.Lookup(11)
	if a != b {
		t.Error("two processes of one container got two values; want one shared")
	}
}

func TestReadBoundedRefusesOversize(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(p, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readBounded(p, 99); err == nil || !strings.Contains(err.Error(), "longer than 99") {
		t.Errorf("readBounded over the limit: %v", err)
	}
	if data, err := readBounded(p, 100); err != nil || len(data) != 100 {
		t.Errorf("readBounded at the limit: %d bytes, %v", len(data), err)
	}
}
