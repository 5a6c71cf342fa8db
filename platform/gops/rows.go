// rows.go holds the row both sources are converted to (one per process
// and descriptor holding a socket), the BSD TCP state names, and Assemble,
// which folds the rows of one socket into one collect.Socket.

package gops

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/gonetstat/gonetstat/collect"
)

// Row is one socket as a process holds it: lsof and sockstat print a
// socket once per descriptor of every process holding it.
type Row struct {
	Proto         collect.Proto
	Family        collect.Family
	Local, Remote netip.AddrPort
	State         collect.State
	PID           int    // 0: no process holds it (a TIME_WAIT socket in sockstat)
	UID           uint32 // the holder's user, when HasUID
	HasUID        bool
	// ID names the socket itself when the source can (sockstat -i prints
	// the kernel's inp_gencnt, unique per protocol); 0 when it cannot
	// (lsof's rows as gopsutil keeps them).
	ID uint64
}

// bsdStates maps the TCP state names of BSD's netinet/tcp_fsm.h
// (tcpstates[]), which both sockstat and macOS's lsof print, to the model.
// CLOSED is not here: it depends on the local port (stateOf).
var bsdStates = map[string]collect.State{
	"LISTEN":       collect.StateListen,
	"SYN_SENT":     collect.StateSynSent,
	"SYN_RCVD":     collect.StateSynRecv,
	"SYN_RECEIVED": collect.StateSynRecv, // lsof's spelling on some systems
	"ESTABLISHED":  collect.StateEstablished,
	"CLOSE_WAIT":   collect.StateCloseWait,
	"FIN_WAIT_1":   collect.StateFinWait1,
	"CLOSING":      collect.StateClosing,
	"LAST_ACK":     collect.StateLastAck,
	"FIN_WAIT_2":   collect.StateFinWait2,
	"TIME_WAIT":    collect.StateTimeWait,
}

// UnknownStateError says a TCP row came with a state name gonetstat does
// not know. The row is kept, with collect.StateUnknown (printed as
// unknown-state-0): its addresses and owner are right, only the state is
// not understood.
type UnknownStateError struct{ Name string }

func (e *UnknownStateError) Error() string {
	return fmt.Sprintf("TCP state %q is not one gonetstat knows: such rows show unknown-state-0", e.Name)
}

// unknownStates names each state not understood once per table.
type unknownStates map[string]bool

// keep reports whether err only says the state is not understood (the
// row is good) and, the first time that state is seen, appends say(err)
// to errs.
func (u unknownStates) keep(err error, errs *[]error, say func(error) error) bool {
	var use *UnknownStateError
	if !errors.As(err, &use) {
		return false
	}
	if !u[use.Name] {
		u[use.Name] = true
		*errs = append(*errs, say(err))
	}
	return true
}

// stateOf returns the model's state of a row. A TCP socket in CLOSED that
// is bound to a port is the bound, inactive socket Windows calls BOUND (as
// on Linux, see collect.State); one bound to no port is closed. UDP has no
// state: connected or not, as the kernel's UDP rows say. err is an
// *UnknownStateError (the state returned is then collect.StateUnknown).
func stateOf(proto collect.Proto, name string, local, remote netip.AddrPort) (collect.State, error) {
	if proto == collect.ProtoUDP {
		if remote.Port() != 0 {
			return collect.StateEstablished, nil
		}
		return collect.StateClose, nil
	}
	if name == "CLOSED" {
		if local.Port() != 0 {
			return collect.StateBoundInactive, nil
		}
		return collect.StateClose, nil
	}
	if s, ok := bsdStates[name]; ok {
		return s, nil
	}
	return collect.StateUnknown, &UnknownStateError{Name: name}
}

// Namer names a process for -b: "" when it cannot (the process exited,
// or may not be inspected).
type Namer func(pid int) string

// Assemble folds rows into the socket table, one collect.Socket per
// socket, in the order each socket first appears.
//
// Rows are one socket when they share an ID, or, where the source has no
// ID, when they share protocol, family, addresses and state: a connected
// TCP socket is the only one with its four addresses, so these are
// certainly one socket held by several descriptors; for listeners and
// unconnected UDP sockets several SO_REUSEPORT sockets of one address are
// folded too, since nothing in the rows tells them from one socket
// inherited across fork (docs/platforms.md).
//
// With owners, each socket's owner is the lowest PID among its holders
// and Holders counts them, as collect.AttachOwners does on Linux; each
// process is named once (name nil: no names), and its *collect.Process is
// shared by all its rows. Without owners no process is named or attached.
func Assemble(rows []Row, owners bool, name Namer) []collect.Socket {
	type group struct {
		first  int   // index of the socket in out
		pids   []int // distinct holders
		uidPID int   // the holder whose user the socket shows: the lowest PID with one
	}
	type addrKey struct {
		proto         collect.Proto
		family        collect.Family
		local, remote netip.AddrPort
		state         collect.State
	}
	type idKey struct {
		proto collect.Proto
		id    uint64
	}
	byAddr := map[addrKey]*group{}
	byID := map[idKey]*group{}
	var groups []*group
	out := make([]collect.Socket, 0, len(rows))
	for _, r := range rows {
		var g *group
		if r.ID != 0 {
			k := idKey{r.Proto, r.ID}
			if g = byID[k]; g == nil {
				g = &group{first: -1}
				byID[k] = g
			}
		} else {
			k := addrKey{r.Proto, r.Family, r.Local, r.Remote, r.State}
			if g = byAddr[k]; g == nil {
				g = &group{first: -1}
				byAddr[k] = g
			}
		}
		if g.first < 0 {
			g.first = len(out)
			groups = append(groups, g)
			out = append(out, collect.Socket{
				Source: collect.Kernel,
				Proto:  r.Proto, Family: r.Family,
				Local: r.Local, Remote: r.Remote,
				State: r.State,
				// Neither source reads the queues: absent, not 0.
				NoSendQ: true, NoRecvQ: true,
			})
		}
		s := &out[g.first]
		if r.HasUID && (!s.HasUID || r.PID < g.uidPID) {
			s.UID, s.HasUID, g.uidPID = r.UID, true, r.PID
		}
		if r.PID > 0 && !slices.Contains(g.pids, r.PID) {
			g.pids = append(g.pids, r.PID)
		}
	}
	if !owners {
		return out
	}
	procs := map[int]*collect.Process{}
	for _, g := range groups {
		if len(g.pids) == 0 {
			continue
		}
		pid := slices.MinFunc(g.pids, cmp.Compare[int])
		p := procs[pid]
		if p == nil {
			p = &collect.Process{PID: pid}
			if name != nil {
				p.Name = name(pid)
			}
			procs[pid] = p
		}
		out[g.first].Owner = p
		out[g.first].Holders = uint32(len(g.pids))
	}
	return out
}
