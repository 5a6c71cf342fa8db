// Package render turns a socket table into what people read: the Windows
// "netstat -ano" text, the --info table of TCP internals, and the text of
// the reports that replace the socket table (-r, -e, -s: routes.go,
// stats.go). The JSON documents are package codec's.
//
// The -ano text appends into reused byte buffers and writes through one
// bufio.Writer, so a table of 100,000 rows costs a handful of allocations,
// not several per row (tablewriter, fine for small summary tables, needs
// hundreds of MiB there). Sockets are rendered in the order given: the
// caller sorts them with collect.Sort.
package render
