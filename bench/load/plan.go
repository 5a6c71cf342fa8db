// plan.go splits the requested socket counts over the workers: pure
// arithmetic, tested on every OS.

package main

import "fmt"

// share is what one worker opens. Each field counts units; the socket
// count of each unit is in its comment.
type share struct {
	Listeners   int // 1 socket each: idle listeners
	Pairs       int // 2 sockets: an established client/server pair
	FinWait     int // 2 sockets: FIN_WAIT2 client, CLOSE_WAIT server
	Unaccepted  int // 2 sockets: an owned client, an ownerless server end
	UDP         int // 1 socket
	BaseListens int // 1 socket each: the listeners the pairs connect to (v4, v6, backlog)
}

// TCP returns the worker's TCP socket count.
func (s share) TCP() int {
	return s.Listeners + s.BaseListens + 2*(s.Pairs+s.FinWait+s.Unaccepted)
}

// baseListeners is one IPv4 and one IPv6 listener that the pairs connect to,
// and one that holds the unaccepted connections.
const baseListeners = 3

// plan splits tcp and udp sockets over procs workers so that the totals
// are exact: 2% of a worker's TCP sockets are unaccepted connections, 4%
// FIN_WAIT2/CLOSE_WAIT pairs, the rest established pairs, and an odd one
// out is a listener.
func plan(tcp, udp, procs int) ([]share, error) {
	switch {
	case tcp < 0 || udp < 0 || procs < 0:
		return nil, fmt.Errorf("negative count (tcp %d, udp %d, procs %d)", tcp, udp, procs)
	case procs == 0 && tcp+udp > 0:
		return nil, fmt.Errorf("%d sockets need at least one worker process", tcp+udp)
	case procs > 0 && tcp > 0 && tcp < procs*baseListeners:
		return nil, fmt.Errorf("%d TCP sockets are too few for %d workers (each needs %d listeners); use fewer -procs", tcp, procs, baseListeners)
	}
	shares := make([]share, procs)
	for i := range shares {
		t := tcp / procs
		if i < tcp%procs {
			t++
		}
		u := udp / procs
		if i < udp%procs {
			u++
		}
		s := share{UDP: u}
		if t > 0 {
			s.BaseListens = baseListeners
			r := t - baseListeners
			s.Unaccepted = (2*r + 100) / 200 // 2% of the sockets, rounded
			s.FinWait = (4*r + 100) / 200    // 4%
			r -= 2 * (s.Unaccepted + s.FinWait)
			s.Pairs = r / 2
			s.Listeners = r % 2
		}
		shares[i] = s
	}
	return shares, nil
}
