// resolve.go reads a process's cgroup and environment and the runtimes'
// on-disk state, caching names by container ID.

package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/gonetstat/gonetstat/collect"
)

// maxStateFile bounds a runtime state file read into memory. A Docker
// config.v2.json is a few KiB; containers.json grows with the number of
// containers (about 1 KiB each).
const maxStateFile = 16 << 20

// Resolver finds the containers of processes.
type Resolver struct {
	Proc string // "/proc" when ""
	// Root prefixes the runtimes' state directories (/var/lib/docker,
	// /run/containerd, ...); "" is "/". Tests point it at a fixture.
	Root string

	mu     sync.Mutex
	byID   map[string]*collect.Container
	stores map[string]map[string]string // containers.json path -> id -> name, read once
}

func (r *Resolver) proc() string {
	if r.Proc == "" {
		return "/proc"
	}
	return r.Proc
}

func (r *Resolver) path(p string) string { return filepath.Join(r.Root, p) }

// Lookup returns the container process pid runs in, nil when it runs in
// none (or has exited: a process that vanishes is normal). The returned
// value is shared by all processes of that container; callers must not
// modify it. An error means the cgroup could not be read for another
// reason (permission) and the answer is unknown.
func (r *Resolver) Lookup(pid int) (*collect.Container, error) {
	dir := filepath.Join(r.proc(), strconv.Itoa(pid))
	data, err := readBounded(filepath.Join(dir, "cgroup"), 64<<10)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading the cgroup of PID %d: %w", pid, err)
	}
	c, ok := ParseCgroup(data)
	if !ok {
		return nil, nil
	}
	key := c.ID
	if key == "" {
		key = "pod:" + c.PodUID
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if got, ok := r.byID[key]; ok {
		return got, nil
	}
	if c.ID != "" {
		r.nameFromState(&c)
	}
	if c.Name == "" || c.Runtime == Kubernetes || c.PodUID != "" && c.PodName == "" {
		// The environment the container was started with: Kubernetes sets
		// HOSTNAME to the pod name; Docker and Podman to the --hostname
		// given, or else the short ID, which is no name.
		env, _ := readBounded(filepath.Join(dir, "environ"), 1<<20)
		if h := EnvValue(env, "HOSTNAME"); h != "" && (c.ID == "" || !strings.HasPrefix(c.ID, h)) {
			if c.PodUID != "" {
				if c.PodName == "" {
					c.PodName = h
				}
			} else if c.Name == "" {
				c.Name = h
			}
		}
	}
	if r.byID == nil {
		r.byID = map[string]*collect.Container{}
	}
	r.byID[key] = &c
	return &c, nil
}

// nameFromState fills the name (and, for Kubernetes, the pod) from the
// runtime's files; each source that is absent is skipped. Called with r.mu.
func (r *Resolver) nameFromState(c *collect.Container) {
	// Docker: /var/lib/docker/containers/<id>/config.v2.json, "Name":"/web".
	if c.Runtime == Docker || c.Runtime == Kubernetes {
		var cfg struct{ Name string }
		if readJSON(r.path("/var/lib/docker/containers/"+c.ID+"/config.v2.json"), &cfg) == nil && cfg.Name != "" {
			c.Name = strings.TrimPrefix(cfg.Name, "/")
			if c.Runtime == Kubernetes {
				c.Runtime = Docker
			}
			return
		}
	}
	// An OCI bundle's config.json: containerd keeps one per task (the
	// namespace is "moby" under Docker, "k8s.io" under Kubernetes), CRI-O
	// one per container. The CRI annotations name the container and pod.
	for _, p := range []string{
		"/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + c.ID + "/config.json",
		"/run/containerd/io.containerd.runtime.v2.task/moby/" + c.ID + "/config.json",
		"/run/containerd/io.containerd.runtime.v2.task/default/" + c.ID + "/config.json",
		"/run/containers/storage/overlay-containers/" + c.ID + "/userdata/config.json",
	} {
		var spec struct{ Annotations map[string]string }
		if readJSON(r.path(p), &spec) != nil {
			continue
		}
		a := spec.Annotations
		c.Name = first(a["io.kubernetes.cri.container-name"], a["io.kubernetes.container.name"], a["io.podman.annotations.container-name"], a["nerdctl/name"])
		c.PodName = first(a["io.kubernetes.cri.sandbox-name"], a["io.kubernetes.pod.name"])
		if c.Runtime == Kubernetes {
			if strings.Contains(p, "containerd") {
				c.Runtime = Containerd
			} else {
				c.Runtime = CRIO
			}
		}
		if c.Name != "" {
			return
		}
	}
	// containers/storage (Podman, CRI-O): containers.json lists
	// {"id":..., "names":[...]}.
	if c.Runtime == Podman || c.Runtime == CRIO || c.Runtime == Kubernetes {
		if name := r.storeName("/var/lib/containers/storage/overlay-containers/containers.json", c.ID); name != "" {
			c.Name = name
		}
	}
}

func (r *Resolver) storeName(p, id string) string {
	names, ok := r.stores[p]
	if !ok {
		var list []struct {
			ID    string   `json:"id"`
			Names []string `json:"names"`
		}
		names = map[string]string{}
		if readJSON(r.path(p), &list) == nil {
			for _, e := range list {
				if len(e.Names) > 0 {
					names[e.ID] = e.Names[0]
				}
			}
		}
		if r.stores == nil {
			r.stores = map[string]map[string]string{}
		}
		r.stores[p] = names
	}
	return names[id]
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func readJSON(path string, v any) error {
	data, err := readBounded(path, maxStateFile)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// readBounded reads a whole file of at most limit bytes; a longer one is
// an error rather than a silently cut document.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: longer than %d bytes", path, limit)
	}
	return data, nil
}
