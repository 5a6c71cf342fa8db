// Package gvisor runs the mini-stack's benchmark workload on gVisor's
// netstack, so that the two are measured in one run on one machine
// (docs/performance.md). It is a separate module, never a dependency of
// gonetstat: run it with
//
//	cd bench/gvisor && go test -run='^$' -bench=. -benchtime=2s
//
// beside `go test -run='^$' -bench='Bulk|ConnEcho' -benchtime=2s ./stack`.
package gvisor
