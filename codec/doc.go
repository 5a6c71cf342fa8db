// Package codec holds gonetstat's versioned JSON schemas: the socket table
// (gonetstat.sockets/v1, docs/json.md) and the reports of -r, -e and -s
// (gonetstat.reports/v1, docs/reports-json.md). Each has an encoder and a
// strict decoder, side by side, so that a field added to one is caught by
// the other's round-trip test.
//
// The encoders append into reused byte buffers and write through one
// bufio.Writer, so a table of 100,000 rows costs a handful of allocations,
// not several per row; every string goes through internal/safetext. The
// decoders read a whole document or fail with a *DecodeError naming where:
// they read what another process wrote (the mini-stack's control socket,
// stack/control) or what another machine wrote (a diagnostic bundle read
// with --from), so no input may panic them or yield a silently wrong row.
//
// render (the text), stack/control, the CLI and the bundle reader import
// this package; it imports only collect and internal/safetext.
package codec
