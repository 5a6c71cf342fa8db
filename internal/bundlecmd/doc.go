// Package bundlecmd holds the commands of "gonetstat bundle" other than
// writing a bundle (internal/cli's): inspect prints a bundle's manifest
// as tables and checks every entry of the archive against it. Reading a
// bundle back as tables is the CLI's --from.
package bundlecmd
