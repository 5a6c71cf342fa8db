// Package render turns a socket table into what people and scripts read:
// the Windows "netstat -ano" text, and versioned JSON / NDJSON.
//
// Both paths append into reused byte buffers and write through one
// bufio.Writer, so a table of 100,000 rows costs a handful of allocations,
// not several per row (tablewriter, fine for small summary tables, needs
// hundreds of MiB there). Sockets are rendered in the order given: the
// caller sorts them with collect.Sort.
package render
