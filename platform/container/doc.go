// Package container names the container a process runs in, from what the
// host can read locally: the process's cgroup path (/proc/PID/cgroup), its
// environment, and the runtimes' on-disk state (Docker's config.v2.json,
// the OCI bundle config.json that containerd and CRI-O keep under /run, and
// containers/storage's containers.json for Podman and CRI-O). It never
// calls a runtime's API.
//
// ParseCgroup and EnvValue are pure (bytes in, labels out) and fuzzed; the
// Resolver reads the files and caches names by container ID. A Resolver is
// safe for concurrent use. The package carries no build tag: it only reads
// files under its roots, so fixtures drive it on any OS.
package container
