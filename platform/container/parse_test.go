// parse_test.go tests ParseCgroup on cgroup files as each runtime writes
// them, EnvValue, and fuzzes both.

package container

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

const (
	id1 = "3f8a2b1c9d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd"
	id2 = "e2c4d6f8a0b1c3d5e7f9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1"
	uid = "5a1f3c2e-7b9d-4e8f-a0b1-c2d3e4f5a6b7"
)

func TestParseCgroup(t *testing.T) {
	uidU := strings.ReplaceAll(uid, "-", "_")
	tests := []struct {
		name   string
		cgroup string
		want   collect.Container
		ok     bool
	}{
		{"host process, cgroup v2", "0::/user.slice/user-1000.slice/session-2.scope\n", collect.Container{}, false},
		{"host process, cgroup v1", "12:pids:/system.slice/sshd.service\n11:memory:/system.slice/sshd.service\n0::/system.slice/sshd.service\n", collect.Container{}, false},
		{"docker daemon itself", "0::/system.slice/docker.service\n", collect.Container{}, false},
		{"docker, systemd driver, v2", "0::/system.slice/docker-" + id1 + ".scope\n", collect.Container{Runtime: Docker, ID: id1}, true},
		{"docker, cgroupfs driver, v1", "13:name=systemd:/docker/" + id1 + "\n12:pids:/docker/" + id1 + "\n0::/\n", collect.Container{Runtime: Docker, ID: id1}, true},
		{"docker, cgroupfs driver, v2", "0::/docker/" + id1 + "\n", collect.Container{Runtime: Docker, ID: id1}, true},
		{"docker-in-docker", "0::/docker/" + id1 + "/docker/" + id2 + "\n", collect.Container{Runtime: Docker, ID: id1}, true},
		{"podman rootful", "0::/machine.slice/libpod-" + id1 + ".scope/container\n", collect.Container{Runtime: Podman, ID: id1}, true},
		{"podman rootless", "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id1 + ".scope\n", collect.Container{Runtime: Podman, ID: id1}, true},
		{"podman cgroupfs", "0::/libpod_parent/libpod-" + id1 + "\n", collect.Container{Runtime: Podman, ID: id1}, true},
		{"podman conmon is not the container", "0::/machine.slice/libpod-conmon-" + id1 + ".scope\n", collect.Container{}, false},
		{"k8s containerd systemd", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/cri-containerd-" + id1 + ".scope\n",
			collect.Container{Runtime: Containerd, ID: id1, PodUID: uid}, true},
		{"k8s containerd guaranteed", "0::/kubepods.slice/kubepods-pod" + uidU + ".slice/cri-containerd-" + id1 + ".scope\n",
			collect.Container{Runtime: Containerd, ID: id1, PodUID: uid}, true},
		{"k8s cri-o", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/crio-" + id1 + ".scope\n",
			collect.Container{Runtime: CRIO, ID: id1, PodUID: uid}, true},
		{"cri-o conmon", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uidU + ".slice/crio-conmon-" + id1 + ".scope\n",
			collect.Container{Runtime: Kubernetes, PodUID: uid}, true},
		{"k8s cgroupfs v1, runtime unknown", "11:memory:/kubepods/burstable/pod" + uid + "/" + id1 + "\n10:cpu,cpuacct:/kubepods/burstable/pod" + uid + "/" + id1 + "\n",
			collect.Container{Runtime: Kubernetes, ID: id1, PodUID: uid}, true},
		{"k8s pause-less pod slice only", "0::/kubepods.slice/kubepods-pod" + uidU + ".slice\n", collect.Container{Runtime: Kubernetes, PodUID: uid}, true},
		{"k8s docker (dockershim) systemd", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uidU + ".slice/docker-" + id1 + ".scope\n",
			collect.Container{Runtime: Docker, ID: id1, PodUID: uid}, true},
		{"hybrid: the v1 line names it", "12:memory:/docker/" + id1 + "\n0::/\n", collect.Container{Runtime: Docker, ID: id1}, true},
		{"short id is not an id", "0::/docker/3f8a2b1c9d4e\n", collect.Container{}, false},
		{"upper-case hex is not an id", "0::/docker/" + strings.ToUpper(id1) + "\n", collect.Container{}, false},
		{"pod outside kubepods is nothing", "0::/pod" + uid + "/x\n", collect.Container{}, false},
		{"path with colons", "0::/a:b/docker-" + id1 + ".scope", collect.Container{Runtime: Docker, ID: id1}, true},
		{"no trailing newline, no colons", "garbage", collect.Container{}, false},
		{"empty", "", collect.Container{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseCgroup([]byte(tt.cgroup))
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnvValue(t *testing.T) {
	env := []byte("PATH=/usr/bin\x00HOSTNAME=web-7d9f\x00HOSTNAMEX=no\x00HOSTNAME=second\x00EMPTY=\x00")
	for key, want := range map[string]string{"HOSTNAME": "web-7d9f", "PATH": "/usr/bin", "EMPTY": "", "HOST": "", "HOSTNAMEX": "no"} {
		if got := EnvValue(env, key); got != want {
			t.Errorf("EnvValue(%q) = %q, want %q", key, got, want)
		}
	}
	if got := EnvValue([]byte("HOSTNAME=x"), "HOSTNAME"); got != "x" {
		t.Errorf("no trailing NUL: %q", got)
	}
}

// FuzzParseCgroup: never panics; an answer always carries an ID of 64
// hex digits or a pod UID, and a runtime.
func FuzzParseCgroup(f *testing.F) {
	f.Add([]byte("0::/system.slice/docker-" + id1 + ".scope\n"))
	f.Add([]byte("11:memory:/kubepods/burstable/pod" + uid + "/" + id1 + "\n"))
	f.Add([]byte("0::/kubepods.slice/kubepods-pod" + strings.ReplaceAll(uid, "-", "_") + ".slice/crio-" + id1 + ".scope\n"))
	f.Add([]byte("0::/\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, ok := ParseCgroup(data)
		if !ok {
			if c != (collect.Container{}) {
				t.Fatalf("no container but %+v", c)
			}
			return
		}
		if c.Runtime == "" || c.ID == "" && c.PodUID == "" || c.ID != "" && !isID(c.ID) || c.PodUID != "" && !isUUID(c.PodUID) {
			t.Fatalf("ParseCgroup(%q) = %+v", data, c)
		}
		if c.Name != "" || c.PodName != "" {
			t.Fatalf("the cgroup has no names: %+v", c)
		}
	})
}
