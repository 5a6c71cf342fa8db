// host.go reads the host facts of the manifest with gopsutil's host
// package, which answers on every system a bundle is made on.

package bundle

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/host"
)

// sysHostInfo asks gopsutil for the kernel, distribution, boot time,
// uptime and virtualization. What it read is returned with its error.
func sysHostInfo(ctx context.Context) (Host, error) {
	info, err := host.InfoWithContext(ctx)
	if info == nil {
		return Host{}, err
	}
	h := Host{
		Kernel:          info.KernelVersion,
		Platform:        info.Platform,
		PlatformVersion: info.PlatformVersion,
		UptimeSeconds:   info.Uptime,
		Virtualization:  strings.TrimSpace(info.VirtualizationSystem + " " + info.VirtualizationRole),
	}
	if info.BootTime > 0 {
		h.BootTime = time.Unix(int64(info.BootTime), 0).UTC()
	}
	return h, err
}

// withDefaults fills what the caller left nil with this system's.
func (e Env) withDefaults() Env {
	if e.Now == nil {
		e.Now = time.Now
	}
	if e.Hostname == nil {
		e.Hostname = os.Hostname
	}
	if e.Elevated == nil {
		e.Elevated = sysElevated
	}
	if e.Namespaces == nil {
		e.Namespaces = sysNamespaces
	}
	if e.InNamespace == nil {
		e.InNamespace = sysInNamespace
	}
	if e.HostInfo == nil {
		e.HostInfo = sysHostInfo
	}
	if e.LookPath == nil {
		e.LookPath = exec.LookPath
	}
	if e.Pin == nil {
		e.Pin = sysPin
	}
	if e.abandonAfter <= 0 {
		e.abandonAfter = abandonAfter
	}
	return e
}
