// scan.go holds the netlink header constants, the Scanner that frames a
// received buffer into messages, and the typed errors: bytes in, messages
// out, no system calls.

package nlmsg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"syscall"
)

// Constants of include/uapi/linux/netlink.h, spelled out so the framing
// builds on every OS.
const (
	HdrLen = 16 // struct nlmsghdr

	Noop    = 1 // NLMSG_NOOP: to be ignored
	Error   = 2 // NLMSG_ERROR: an error reply, or an ack when its code is 0
	Done    = 3 // NLMSG_DONE: the end of a dump, with an int32 status
	Overrun = 4 // NLMSG_OVERRUN: data was lost

	FRequest  = 0x1
	FMulti    = 0x2
	FDumpIntr = 0x10 // NLM_F_DUMP_INTR: the table changed while it was dumped
	FRoot     = 0x100
	FMatch    = 0x200
	FDump     = FRoot | FMatch
)

// native is the byte order of nlmsghdr. Replies are decoded on the machine
// that received them, except captured test bytes, which were little-endian
// (as is every platform we build for).
var native = binary.NativeEndian

// ErrFraming means a buffer's netlink headers do not add up; the rest of
// that buffer cannot be read.
var ErrFraming = errors.New("netlink: malformed message framing")

// KernelError is an NLMSG_ERROR reply, or an NLMSG_DONE carrying a
// negative status: the kernel refused the request or cut the dump short.
type KernelError struct {
	Errno syscall.Errno
}

func (e *KernelError) Error() string { return "netlink: kernel replied " + e.Errno.Error() }
func (e *KernelError) Unwrap() error { return e.Errno }

// MessageError is a reply message that could not be decoded. Index counts
// the messages of one received buffer from 0; Type is the message's type.
type MessageError struct {
	Index int
	Type  uint16
	Err   error
}

func (e *MessageError) Error() string {
	return "netlink message " + strconv.Itoa(e.Index) + " (type " + strconv.Itoa(int(e.Type)) + "): " + e.Err.Error()
}
func (e *MessageError) Unwrap() error { return e.Err }

// NewRequest returns a request of bodyLen zero bytes after a header of
// type typ, flags NLM_F_REQUEST|flags and sequence number seq, for the
// caller to fill in.
func NewRequest(typ, flags uint16, seq uint32, bodyLen int) []byte {
	b := make([]byte, HdrLen+bodyLen)
	native.PutUint32(b[0:], uint32(len(b)))
	native.PutUint16(b[4:], typ)
	native.PutUint16(b[6:], FRequest|flags)
	native.PutUint32(b[8:], seq)
	return b
}

// Message is one message of a buffer: the header fields a reader needs and
// the payload. It is kept to four fields and 32 bytes, the most the
// compiler keeps in registers: a larger one went through the stack on every
// row and cost the socket table's decoder a sixth of its time.
type Message struct {
	Type  uint16
	Flags uint16
	Seq   uint32
	Data  []byte // the payload, without the header or the padding after it
}

// Scanner splits one received buffer into messages: Next hands out the
// data messages and deals with the control messages itself. The problems
// it meets, and those the caller reports with Fail, are joined by Err; a
// bad message does not stop the scan, broken framing does (nothing after
// it can be found).
//
// A Scanner allocates nothing unless a problem is met: it is on the path
// of every row of a socket table.
type Scanner struct {
	// ReadOn makes Next read past NLMSG_DONE and NLMSG_ERROR, for a
	// buffer that holds several dumps one after another (as saved
	// captures do). A live dump ends there.
	ReadOn bool

	rest              []byte
	seq               uint32
	index             int
	done, interrupted bool
	problems          []error
}

// NewScanner returns a Scanner of buf. seq, when not 0, is the sequence
// number every message must carry: one that carries another is reported
// and skipped, as it answers some other request.
func NewScanner(buf []byte, seq uint32) Scanner {
	return Scanner{rest: buf, seq: seq}
}

// Next returns the next data message, or false at the end of the buffer,
// after broken framing, or (unless ReadOn) once the dump is done.
//
// Next is on the path of every row of a socket table, so it holds only the
// common case, a well-framed data message of our sequence; the rare ones
// (control messages, a foreign sequence, broken framing) are handled out of
// line, which keeps its frame small and its result in registers.
func (s *Scanner) Next() (Message, bool) {
	for len(s.rest) > 0 && (s.ReadOn || !s.done) {
		n := 0
		if len(s.rest) >= HdrLen {
			n = int(native.Uint32(s.rest[0:]))
		}
		if n < HdrLen || n > len(s.rest) {
			s.broken(n)
			return Message{}, false
		}
		m := Message{
			Type:  native.Uint16(s.rest[4:]),
			Flags: native.Uint16(s.rest[6:]),
			Seq:   native.Uint32(s.rest[8:]),
			Data:  s.rest[HdrLen:n],
		}
		s.index++
		// Messages are padded to 4 bytes (NLMSG_ALIGN); the last one of a
		// buffer may lack its padding.
		s.rest = s.rest[min((n+3)&^3, len(s.rest)):]
		if m.Flags&FDumpIntr != 0 {
			s.interrupted = true
		}
		if (s.seq == 0 || m.Seq == s.seq) && (m.Type < Noop || m.Type > Overrun) {
			return m, true
		}
		s.control(m)
	}
	return Message{}, false
}

// broken records the framing error that ends the scan: n is the length the
// next header claims, 0 when there is no whole header.
func (s *Scanner) broken(n int) {
	if len(s.rest) < HdrLen {
		s.problems = append(s.problems, fmt.Errorf("%w: %d trailing bytes", ErrFraming, len(s.rest)))
	} else {
		s.problems = append(s.problems, fmt.Errorf("%w: message %d claims %d bytes of %d", ErrFraming, s.index, n, len(s.rest)))
	}
	s.rest = nil
}

// control handles what Next does not hand out: a message of another
// sequence (it answers some other request, and is skipped) and the control
// messages.
func (s *Scanner) control(m Message) {
	if s.seq != 0 && m.Seq != s.seq {
		s.Fail(m, fmt.Errorf("sequence %d, want %d", m.Seq, s.seq))
		return
	}
	switch m.Type {
	case Done:
		// The payload is an int32 status; a negative one (an errno)
		// means the dump ended early.
		s.done = true
		if len(m.Data) >= 4 {
			if e := int32(native.Uint32(m.Data)); e < 0 {
				s.problems = append(s.problems, &KernelError{syscall.Errno(-e)})
			}
		}
	case Error:
		// struct nlmsgerr: an int32 negative errno (0 for an ack), then
		// the request it answers.
		s.done = true
		if len(m.Data) < 4 {
			s.Fail(m, errors.New("short NLMSG_ERROR"))
		} else if e := int32(native.Uint32(m.Data)); e != 0 {
			s.problems = append(s.problems, &KernelError{syscall.Errno(-e)})
		}
	case Noop:
	case Overrun:
		s.Fail(m, errors.New("NLMSG_OVERRUN: the kernel dropped messages"))
	}
}

// Fail records that m, the message Next last returned, could not be
// decoded, as a *MessageError.
func (s *Scanner) Fail(m Message, err error) {
	s.problems = append(s.problems, &MessageError{s.index - 1, m.Type, err})
}

// Done reports whether an NLMSG_DONE or NLMSG_ERROR was seen.
func (s *Scanner) Done() bool { return s.done }

// Interrupted reports whether a message carried NLM_F_DUMP_INTR.
func (s *Scanner) Interrupted() bool { return s.interrupted }

// Err joins every problem met so far: *MessageError for a message that
// could not be decoded, ErrFraming when the framing broke, *KernelError
// for an error reply. nil when there were none.
func (s *Scanner) Err() error { return errors.Join(s.problems...) }
