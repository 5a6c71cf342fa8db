// memory.go charges an endpoint's buffers to the stack's memory budget
// (core.Budget): growth below the pressure mark, and each socket's
// guaranteed minimum beyond it, so that a peer filling buffers cannot
// stop the stack from accepting and answering.

package tcp

// minBuf is each socket's guaranteed minimum of send and of receive
// buffer (Linux's tcp_wmem[0] and tcp_rmem[0], one page): it may come
// from the budget's headroom above the pressure mark, so that under
// memory pressure every connection still moves a page at a time.
const minBuf = 4096

// chargeSendLocked charges up to n bytes of data the application queues
// and returns how many it may queue: all of them below the pressure mark,
// else what keeps the send queue within its guaranteed minimum (Linux
// __sk_mem_raise_allocated: "guarantee minimum buffer size under
// pressure", sk_wmem_queued < tcp_wmem[0]); 0 means none.
func (e *Endpoint) chargeSendLocked(n int) int {
	b := e.p.stack.Budget
	if !b.Grow(int64(n)) {
		n = min(n, minBuf-e.sndBuf.Len())
		if n <= 0 || !b.Take(int64(n)) {
			return 0
		}
	}
	e.memUsed += int64(n)
	return n
}

// chargeRecvLocked charges n received bytes, reporting whether they may
// be kept: below the pressure mark always; beyond it only in-order data
// within the guaranteed minimum (sk_rmem_alloc < tcp_rmem[0]), never data
// out of order, which is only worth keeping while memory is plentiful.
func (e *Endpoint) chargeRecvLocked(n int, inOrder bool) bool {
	b := e.p.stack.Budget
	if !b.Grow(int64(n)) && (!inOrder || e.rcvBuf.Len()+n > minBuf || !b.Take(int64(n))) {
		return false
	}
	e.memUsed += int64(n)
	return true
}
