// Package collect is gonetstat's portable model of a socket table: the
// Socket value, its typed fields (Proto, Family, State), the Collector
// interface that every OS-specific source implements, and the pure
// operations on tables (filtering, ordering, owner attribution).
//
// It carries no build tags and never imports platform/: collectors depend on
// the model, not the other way round. A Socket is a plain value; nothing in
// it points back into a live kernel or mini-stack structure, so a table can
// be kept, sorted and rendered after the source has moved on.
package collect
