// owners.go names the processes of a snapshot's rows: one lookup per
// distinct PID, one *collect.Process shared by its rows, and the services
// each process hosts from one listing of the service control manager.

package iphlpapi

import (
	"context"
	"slices"
	"strings"

	"github.com/gonetstat/gonetstat/collect"
)

// Windows' names for the two processes that have no executable file, as
// Task Manager and netstat print them.
const (
	pidIdle   = 0 // "owns" TIME_WAIT connections in the tables
	pidSystem = 4 // the kernel: SMB, NetBIOS, http.sys listeners
)

// owners is the lookup of one snapshot.
type owners struct {
	src      source
	procs    map[uint32]*collect.Process
	services map[uint32][]string // nil until read; empty when it could not be
	svcErr   error
}

func newOwners(src source) *owners {
	return &owners{src: src, procs: make(map[uint32]*collect.Process)}
}

// process returns the shared *collect.Process of pid, naming it on first
// sight. A process Windows will not open (another user's, without
// administrator rights) or that has exited keeps Name "": the renderer
// says it cannot tell, as netstat -b does.
func (o *owners) process(ctx context.Context, pid uint32) (*collect.Process, error) {
	if p, ok := o.procs[pid]; ok {
		return p, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &collect.Process{PID: int(pid)}
	switch pid {
	case pidIdle:
		p.Name = "System Idle Process"
	case pidSystem:
		p.Name = "System"
	default:
		if path, err := o.src.imageName(pid); err == nil {
			p.Name = baseName(path)
		}
		p.Services = o.hosted(pid)
	}
	o.procs[pid] = p
	return p, nil
}

// hosted returns the services a process hosts, listing them all on the
// first call.
func (o *owners) hosted(pid uint32) []string {
	if o.services == nil {
		o.services = make(map[uint32][]string)
		list, err := o.src.services()
		o.svcErr = err
		for _, s := range list {
			o.services[s.pid] = append(o.services[s.pid], s.name)
		}
		for _, names := range o.services {
			slices.Sort(names)
		}
	}
	return o.services[pid]
}

// baseName is the file name of a Windows path ("C:\Windows\System32\
// svchost.exe" → "svchost.exe"); QueryFullProcessImageName gives a
// Win32 path, with backslashes.
func baseName(path string) string {
	return path[strings.LastIndexAny(path, `\/`)+1:]
}
