// bytequeue.go holds the send and receive buffers' byte queue: appended at
// the tail, consumed from the head, and compacted in place so that a
// long transfer reuses one backing array instead of reallocating it as
// the head advances.

package tcp

// byteQueue is a FIFO of bytes kept contiguous, so a segment is a plain
// sub-slice of Bytes.
type byteQueue struct {
	buf  []byte
	head int // bytes before head are consumed
}

func (q *byteQueue) Len() int { return len(q.buf) - q.head }

// Bytes is the queued data; valid until the next Append, Consume or Reset.
func (q *byteQueue) Bytes() []byte { return q.buf[q.head:] }

// Append adds p at the tail. When the array is full and at least half of
// it is consumed, the live bytes move down instead of the array growing:
// each byte is moved at most once per doubling, so the cost stays
// constant per byte.
func (q *byteQueue) Append(p []byte) {
	if len(q.buf)+len(p) > cap(q.buf) && q.head > 0 && q.head >= q.Len() {
		n := copy(q.buf, q.buf[q.head:])
		q.buf, q.head = q.buf[:n], 0
	}
	q.buf = append(q.buf, p...)
}

// Consume drops n bytes from the head.
func (q *byteQueue) Consume(n int) {
	q.head += n
	if q.head >= len(q.buf) {
		q.buf, q.head = q.buf[:0], 0
	}
}

// Reset empties the queue and gives its memory back.
func (q *byteQueue) Reset() { q.buf, q.head = nil, 0 }
