// Package tcp is the mini-stack's Transmission Control Protocol, per RFC
// 9293. This file set holds the pure machinery the endpoint is built on,
// each piece tested alone against its RFC: sequence-number arithmetic
// (§3.4), the retransmission timer (RFC 6298), initial sequence numbers
// (RFC 6528) and NewReno congestion control (RFC 5681, RFC 6582).
//
// Loss recovery with SACK (RFC 2018, negotiated unless Options.NoSACK):
// the receiver reports its out-of-order queue in SACK blocks (sack.go);
// the sender keeps one scoreboard entry per segment in flight
// (scoreboard.go) and detects losses with RACK (RFC 8985) and RFC 6675's
// IsLost, repairs them in RFC 6675's NextSeg order at the pace of RFC
// 6937's proportional rate reduction, and probes tail losses with TLP
// (recovery.go). A peer without SACK gets NewReno. All of an endpoint's
// state is guarded by Endpoint.mu.
package tcp
