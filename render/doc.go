// Package render turns a socket table into what people and scripts read:
// the Windows "netstat -ano" text, and versioned JSON / NDJSON.
//
// Both paths append into reused byte buffers and write through one
// bufio.Writer, so a table of 100,000 rows costs a handful of allocations,
// not several per row (tablewriter, fine for small summary tables, needs
// hundreds of MiB there). Sockets are rendered in the order given: the
// caller sorts them with collect.Sort.
//
// The reports that replace the socket table (-r, -e, -s) have their text
// layouts (routes.go, stats.go) and their own JSON schema,
// gonetstat.reports/v1 (reports_json.go, docs/reports-json.md), written
// with json.go's appenders.
package render
