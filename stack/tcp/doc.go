// Package tcp is the mini-stack's Transmission Control Protocol, per RFC
// 9293. This file set holds the pure machinery the endpoint is built on,
// each piece tested alone against its RFC: sequence-number arithmetic
// (§3.4), the retransmission timer (RFC 6298), initial sequence numbers
// (RFC 6528) and NewReno congestion control (RFC 5681, RFC 6582).
package tcp
