//go:build !linux

// system_other.go: without network namespaces and /proc/net, a bundle
// collects the one namespace there is, and the raw and sysctl collectors
// are unavailable.

package bundle

import (
	"context"
	"runtime"
)

func sysNamespaces(context.Context, SocketsQuery) ([]Namespace, []string, error) {
	return []Namespace{{NetNS: NetNS{File: OwnNSFile, Own: true}}}, nil, nil
}

func sysInNamespace(context.Context, Namespace, func(proc string) error) error {
	return unavailable("/proc/net and net.* sysctls exist on Linux only, not on %s", runtime.GOOS)
}

func sysPin(ns Namespace) (string, func(), error) { return ns.Spec, func() {}, nil }
