// options.go checks the options of a received IPv4 header (RFC 791 §3.1)
// as Linux's ip_options_compile and ip_rcv_options do: a malformed
// option field drops the datagram, and so does a source route, which a
// host that does not forward never honours (net.ipv4.conf.*.
// accept_source_route is 0 by default).

package ipv4

import "github.com/gonetstat/gonetstat/stack/header"

// IPv4 option types (RFC 791 §3.1; IANA "IP Option Numbers").
const (
	optEOL       = 0
	optNOP       = 1
	optRR        = 7   // record route
	optTimestamp = 68  // internet timestamp
	optLSRR      = 131 // loose source and record route
	optSSRR      = 137 // strict source and record route
)

// optionsOK says whether a datagram's options let it in; a malformed
// field is counted as a header error (Linux: IPSTATS_MIB_INHDRERRORS).
// Linux also sends a parameter problem with a pointer to the bad byte;
// here the datagram is dropped silently, as for every other header error.
func (p *Protocol) optionsOK(ip header.IPv4) bool {
	srr, ok := parseOptions(ip.Options())
	if !ok {
		p.stack.Counters.IPInHdrErrors.Add(1)
		return false
	}
	// A source route, loose or strict, complete or not. An incomplete one
	// names further hops: the datagram is not for this host yet, and a
	// host that does not forward (RFC 1122 §3.3.5 makes forwarding a MAY)
	// cannot pass it on. A complete one is refused too, as Linux refuses
	// every source route with accept_source_route=0, although RFC 1122
	// §3.2.1.8(c) asks a host to accept it as the final destination: it
	// lets a sender choose the path of our replies, and RFC 7126 §4.3-4.4
	// recommends dropping it.
	return !srr
}

// parseOptions walks an options field as ip_options_compile does for a
// received datagram; it reports whether a source route is present and
// whether the field is well formed.
func parseOptions(b []byte) (srr, ok bool) {
	var rr, ts bool
	for i := 0; i < len(b); {
		switch b[i] {
		case optEOL:
			return srr, true
		case optNOP:
			i++
			continue
		}
		if len(b)-i < 2 {
			return srr, false
		}
		n := int(b[i+1])
		if n < 2 || n > len(b)-i {
			return srr, false
		}
		o := b[i : i+n]
		switch o[0] {
		case optLSRR, optSSRR:
			// RFC 1812 §5.2.4.1: at most one source route.
			if n < 3 || o[2] < 4 || srr {
				return srr, false
			}
			srr = true
		case optRR:
			if rr || n < 3 || o[2] < 4 || int(o[2]) <= n && int(o[2])+3 > n {
				return srr, false
			}
			rr = true
		case optTimestamp:
			if ts || n < 4 || o[2] < 5 || !timestampOK(o) {
				return srr, false
			}
			ts = true
		}
		// Other options (security, stream ID, router alert, ...) are
		// skipped: a host need not act on them (RFC 1122 §3.2.1.8).
		i += n
	}
	return srr, true
}

// timestampOK checks a timestamp option's pointer against its room and
// its flag (RFC 791: 0 timestamps only, 1 with addresses, 3 prespecified
// addresses), as ip_options_compile does.
func timestampOK(o []byte) bool {
	n, ptr, flag := len(o), int(o[2]), o[3]&0xf
	if ptr > n {
		// Full: the overflow count (the high 4 bits) must not overflow.
		return flag == 3 || o[3]>>4 != 15
	}
	if ptr+3 > n {
		return false
	}
	if flag == 1 || flag == 3 {
		return ptr+7 <= n
	}
	return true
}
