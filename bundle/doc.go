// Package bundle writes gonetstat's diagnostic bundles (docs/bundle.md):
// one archive, manifest first, holding the socket table, the reports of
// every namespace, raw /proc/net copies, sysctls and optionally the
// output of a few commands, each written by a collector that runs under
// its own deadline and may fail without failing the bundle.
//
// manifest.go and layout.go are the format, shared with the reader
// (gonetstat --from, bundle inspect): the manifest's types, its encoder
// and strict decoder, and the entry names. They import nothing of the
// live system and build on every OS.
package bundle
