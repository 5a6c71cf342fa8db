// sockets.go decodes the four socket tables GetExtendedTcpTable and
// GetExtendedUdpTable return with their owner PIDs.

package iphlpapi

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/gonetstat/gonetstat/collect"
)

// Row is one socket as the owner-PID tables list it, before its owner is
// named.
type Row struct {
	Kind collect.Kind
	// State is the MIB_TCP_STATE of a TCP row as Windows gave it; 0 for
	// UDP, whose table has none.
	State  uint32
	Local  netip.AddrPort
	Remote netip.AddrPort // invalid for UDP: Windows' UDP table has no peer
	PID    uint32
}

// MIB_TCP_STATE (tcpmib.h) values, 1 to 12.
const (
	tcpStateClosed    = 1
	tcpStateDeleteTCB = 12
)

// tcpStates maps MIB_TCP_STATE to collect's states (numbered as Linux's).
// DELETE_TCB is the moment the stack frees a connection's control block,
// the way into RFC 9293's fictional CLOSED state: it is shown as CLOSED.
var tcpStates = [...]collect.State{
	tcpStateClosed:    collect.StateClose,
	2:                 collect.StateListen,
	3:                 collect.StateSynSent,
	4:                 collect.StateSynRecv,
	5:                 collect.StateEstablished,
	6:                 collect.StateFinWait1,
	7:                 collect.StateFinWait2,
	8:                 collect.StateCloseWait,
	9:                 collect.StateClosing,
	10:                collect.StateLastAck,
	11:                collect.StateTimeWait,
	tcpStateDeleteTCB: collect.StateClose,
}

// KnownState reports whether a MIB_TCP_STATE value is one Windows
// documents (1 to 12).
func KnownState(s uint32) bool { return s >= tcpStateClosed && s <= tcpStateDeleteTCB }

// SocketState is the collect.State of a row: its TCP state mapped, an
// undocumented TCP state as collect.StateUnknown (printed
// "unknown-state-0", never a panic), and StateClose for UDP, whose table
// lists unconnected sockets as Linux reports them.
func (r *Row) SocketState() collect.State {
	if r.Kind.Proto() == collect.ProtoUDP {
		return collect.StateClose
	}
	if KnownState(r.State) {
		return tcpStates[r.State]
	}
	return collect.StateUnknown
}

// Socket returns the row as a collect.Socket without an owner. Windows'
// tables have no queues: both are marked unknown (NoSendQ, NoRecvQ), so
// JSON leaves them out rather than print a wrong 0.
func (r *Row) Socket() collect.Socket {
	return collect.Socket{
		Source:  collect.Kernel,
		Proto:   r.Kind.Proto(),
		Family:  r.Kind.Family(),
		State:   r.SocketState(),
		Local:   r.Local,
		Remote:  r.Remote,
		NoSendQ: true,
		NoRecvQ: true,
	}
}

// tableName names the table of a kind by the structure it is read as,
// for errors.
func tableName(k collect.Kind) string {
	switch k {
	case collect.TCP4:
		return "MIB_TCPTABLE_OWNER_PID"
	case collect.TCP6:
		return "MIB_TCP6TABLE_OWNER_PID"
	case collect.UDP4:
		return "MIB_UDPTABLE_OWNER_PID"
	case collect.UDP6:
		return "MIB_UDP6TABLE_OWNER_PID"
	}
	return "table of kind " + strconv.Itoa(int(k))
}

// DecodeTable appends the rows of one owner-PID table (k is a single
// kind) to dst. A table whose row count runs past the buffer is an error
// wrapping ErrTruncated, and no row of it is appended.
func DecodeTable(k collect.Kind, b []byte, dst []Row) ([]Row, error) {
	var rowsAt, size int
	switch k {
	case collect.TCP4:
		rowsAt, size = tcp4RowsAt, tcp4RowSize
	case collect.TCP6:
		rowsAt, size = tcp6RowsAt, tcp6RowSize
	case collect.UDP4:
		rowsAt, size = udp4RowsAt, udp4RowSize
	case collect.UDP6:
		rowsAt, size = udp6RowsAt, udp6RowSize
	default:
		return dst, fmt.Errorf("no owner-PID table for kind %v", k)
	}
	n, rows, err := table(b, tableName(k), rowsAt, size)
	if err != nil {
		return dst, err
	}
	dst = append(dst, make([]Row, n)...)
	out := dst[len(dst)-n:]
	for i := range out {
		out[i] = decodeRow(k, rows[i*size:(i+1)*size])
	}
	return dst, nil
}

// decodeRow reads one row of a kind's layout (layout.go).
func decodeRow(k collect.Kind, b []byte) Row {
	r := Row{Kind: k}
	switch k {
	case collect.TCP4:
		r.State = u32(b, 0)
		r.Local = netip.AddrPortFrom(addr4(b, 4), port(b, 8))
		r.Remote = netip.AddrPortFrom(addr4(b, 12), port(b, 16))
		r.PID = u32(b, 20)
	case collect.TCP6:
		r.Local = netip.AddrPortFrom(addr6(b, 0, u32(b, 16)), port(b, 20))
		r.Remote = netip.AddrPortFrom(addr6(b, 24, u32(b, 40)), port(b, 44))
		r.State = u32(b, 48)
		r.PID = u32(b, 52)
	case collect.UDP4:
		r.Local = netip.AddrPortFrom(addr4(b, 0), port(b, 4))
		r.PID = u32(b, 8)
	case collect.UDP6:
		r.Local = netip.AddrPortFrom(addr6(b, 0, u32(b, 16)), port(b, 20))
		r.PID = u32(b, 24)
	}
	return r
}
