// parse.go holds the pure parsers: cgroup lines to a container, and one
// value from a NUL-separated environment.

package container

import (
	"bytes"
	"strings"

	"github.com/gonetstat/gonetstat/collect"
)

// Runtimes as collect.Container.Runtime names them.
const (
	Docker     = "docker"
	Containerd = "containerd"
	CRIO       = "cri-o"
	Podman     = "podman"
	Kubernetes = "kubernetes" // a pod whose runtime the cgroup path does not say
)

// maxCgroupLines bounds the lines read: a real file has one per hierarchy
// (about 15 for cgroup v1, one for v2).
const maxCgroupLines = 256

// scopePrefixes are the systemd scope names runtimes give a container's
// cgroup: <prefix><64 hex>.scope. The conmon scopes of Podman and CRI-O
// (libpod-conmon-, crio-conmon-) hold the runtime's monitor, not the
// container, and are not matched: "conmon-..." is not 64 hex digits.
var scopePrefixes = [...]struct{ prefix, runtime string }{
	{"docker-", Docker},
	{"cri-containerd-", Containerd},
	{"crio-", CRIO},
	{"libpod-", Podman},
}

// ParseCgroup reads /proc/PID/cgroup ("hierarchy:controllers:path" lines,
// cgroup v1 or v2) and returns the container it names, or false. It knows:
//
//	/system.slice/docker-<id>.scope            Docker, systemd driver
//	/docker/<id>                               Docker, cgroupfs driver
//	.../cri-containerd-<id>.scope              containerd (CRI)
//	.../crio-<id>.scope                        CRI-O
//	.../libpod-<id>.scope, /libpod_parent/libpod-<id>   Podman
//	/kubepods/<qos>/pod<uid>/<id>              Kubernetes, cgroupfs driver
//	/kubepods.slice/...-pod<uid_with_underscores>.slice/...   Kubernetes, systemd driver
//
// A process in a pod's cgroup but in no container's (the pod's own slice)
// gives Runtime "kubernetes" with only PodUID.
func ParseCgroup(data []byte) (collect.Container, bool) {
	var c collect.Container
	for n := 0; len(data) > 0 && n < maxCgroupLines; n++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		// The path is everything after the second colon: it may hold
		// colons itself.
		i := bytes.IndexByte(line, ':')
		if i < 0 {
			continue
		}
		j := bytes.IndexByte(line[i+1:], ':')
		if j < 0 {
			continue
		}
		parsePath(string(line[i+1+j+1:]), &c)
		if c.ID != "" && (c.PodUID != "" || !strings.Contains(string(line), "kubepods")) {
			break
		}
	}
	if c.ID == "" && c.PodUID == "" {
		return collect.Container{}, false
	}
	if c.Runtime == "" {
		c.Runtime = Kubernetes
	}
	return c, true
}

// parsePath fills c from one cgroup path; a field already set is kept, so
// the first line that names a container wins.
func parsePath(path string, c *collect.Container) {
	kube := strings.Contains(path, "kubepods")
	prev := ""
	for path != "" {
		comp := path
		if i := strings.IndexByte(path, '/'); i >= 0 {
			comp, path = path[:i], path[i+1:]
		} else {
			path = ""
		}
		if comp == "" {
			continue
		}
		if kube && c.PodUID == "" {
			if uid, ok := podUID(comp); ok {
				c.PodUID = uid
			}
		}
		if c.ID == "" {
			name := strings.TrimSuffix(comp, ".scope")
			for _, p := range scopePrefixes {
				if id, ok := strings.CutPrefix(name, p.prefix); ok && isID(id) {
					c.ID, c.Runtime = id, p.runtime
				}
			}
			if c.ID == "" && isID(comp) {
				switch {
				case prev == "docker":
					c.ID, c.Runtime = comp, Docker
				case kube && strings.HasPrefix(prev, "pod"):
					// cgroupfs driver: the runtime is not in the path.
					c.ID = comp
				}
			}
		}
		prev = comp
	}
}

// podUID finds the pod UID in "pod<uid>" (cgroupfs driver) or
// "kubepods-<qos>-pod<uid>.slice" (systemd driver, where the UID's dashes
// are underscores because systemd reserves "-" in slice names).
func podUID(comp string) (string, bool) {
	comp = strings.TrimSuffix(comp, ".slice")
	i := strings.LastIndex(comp, "pod")
	if i < 0 || i > 0 && comp[i-1] != '-' {
		return "", false
	}
	uid := strings.ReplaceAll(comp[i+3:], "_", "-")
	if !isUUID(uid) {
		return "", false
	}
	return uid, true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// isID: the container IDs of every runtime here are 64 lower-case hex
// digits (a sha256).
func isID(s string) bool { return len(s) == 64 && isHex(s) }

// isUUID: 8-4-4-4-12 lower-case hex digits, as Kubernetes writes pod UIDs.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for _, i := range [...]int{8, 13, 18, 23} {
		if s[i] != '-' {
			return false
		}
	}
	return isHex(s[0:8]) && isHex(s[9:13]) && isHex(s[14:18]) && isHex(s[19:23]) && isHex(s[24:])
}

// EnvValue returns the value of key in a NUL-separated environment
// (/proc/PID/environ), or "" when absent. The first definition wins, as
// getenv(3) finds it.
func EnvValue(environ []byte, key string) string {
	for len(environ) > 0 {
		kv := environ
		if i := bytes.IndexByte(environ, 0); i >= 0 {
			kv, environ = environ[:i], environ[i+1:]
		} else {
			environ = nil
		}
		if len(kv) > len(key) && kv[len(key)] == '=' && string(kv[:len(key)]) == key {
			return string(kv[len(key)+1:])
		}
	}
	return ""
}
