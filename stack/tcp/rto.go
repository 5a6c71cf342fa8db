// rto.go computes the retransmission timeout (RFC 6298).

package tcp

import "time"

// RTO estimates the round-trip time and derives the retransmission
// timeout from it, per RFC 6298. The caller applies Karn's algorithm
// (§3: no samples from retransmitted segments, unless timestamps tell
// which transmission an ACK is for, RFC 7323 §4).
type RTO struct {
	// Bounds. RFC 6298 §2.4 says 1 s minimum, which Linux lowers to
	// 200 ms (TCP_RTO_MIN) for today's networks; §2.5 allows a maximum of
	// at least 60 s, Linux uses 120 s (TCP_RTO_MAX).
	Min, Max time.Duration
	// Granularity is G, the clock's granularity (§2).
	Granularity time.Duration

	srtt, rttvar time.Duration
	measured     bool
	backoff      uint // consecutive timeouts (§5.5 doubling)
}

// Defaults of a new estimator.
const (
	DefaultMinRTO    = 200 * time.Millisecond
	DefaultMaxRTO    = 120 * time.Second
	InitialRTO       = time.Second // RFC 6298 §2.1
	clockGranularity = time.Millisecond
)

// NewRTO returns an estimator with Linux's bounds.
func NewRTO() *RTO {
	return &RTO{Min: DefaultMinRTO, Max: DefaultMaxRTO, Granularity: clockGranularity}
}

// Sample feeds one round-trip measurement R (RFC 6298 §2.2, §2.3).
func (r *RTO) Sample(rtt time.Duration) {
	if rtt <= 0 {
		rtt = r.Granularity
	}
	if !r.measured {
		// §2.2: the first measurement.
		r.srtt = rtt
		r.rttvar = rtt / 2
		r.measured = true
		return
	}
	// §2.3, alpha = 1/8, beta = 1/4; RTTVAR is updated before SRTT.
	diff := r.srtt - rtt
	if diff < 0 {
		diff = -diff
	}
	r.rttvar = (3*r.rttvar + diff) / 4
	r.srtt = (7*r.srtt + rtt) / 8
}

// Current returns the timeout to arm now: SRTT + max(G, 4*RTTVAR)
// (§2.2/2.3), bounded (§2.4, §2.5), doubled per consecutive timeout (§5.5).
func (r *RTO) Current() time.Duration {
	base := InitialRTO
	if r.measured {
		base = r.srtt + max(r.Granularity, 4*r.rttvar)
	}
	base = min(max(base, r.Min), r.Max)
	for i := uint(0); i < r.backoff && base < r.Max; i++ {
		base *= 2
	}
	return min(base, r.Max)
}

// Backoff records a retransmission timeout: the next RTO doubles (§5.5).
func (r *RTO) Backoff() { r.backoff++ }

// Backoffs returns the consecutive timeouts so far.
func (r *RTO) Backoffs() uint { return r.backoff }

// ResetBackoff is called when an ACK for new data arrives: the backed-off
// timer goes back to the computed value (§5.7, and Karn's rule that the
// backoff holds until a valid sample).
func (r *RTO) ResetBackoff() { r.backoff = 0 }

// SRTT and RTTVar report the estimator's state (zero before a sample).
func (r *RTO) SRTT() time.Duration   { return r.srtt }
func (r *RTO) RTTVar() time.Duration { return r.rttvar }
