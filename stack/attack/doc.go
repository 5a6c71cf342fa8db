// Package attack holds the mini-stack's adversarial suite: crafted frames
// driven at the real "gonetstat stack run" binary over a TAP in a network
// namespace, each probe repeated against the Linux kernel behind a second
// TAP in a second namespace, with the outcome expected of each (issue 17).
// The tests are Linux-only and need root; with GONETSTAT_REQUIRE_PRIV=1 a
// missing privilege or tool is a failure, not a skip.
//
// No traffic leaves the namespaces: every address is in 198.18.0.0/15,
// the benchmarking range (RFC 2544).
package attack
