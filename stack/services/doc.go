// Package services holds the built-in services a mini-stack offers over
// its own sockets, so a peer nobody here wrote (the kernel, curl, ping)
// has something to talk to: HTTP through net/http, TCP echo (RFC 862),
// TCP discard (RFC 863) and UDP echo.
//
// Each service takes a listener (or packet conn) the caller opened — on a
// *stack.Stack with Listen/ListenPacket, or on the kernel in tests — and
// serves until its context ends. It then closes the listener and every
// connection it accepted, waits for its goroutines, and returns: nothing
// it started outlives the call.
package services
