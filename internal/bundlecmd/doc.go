// Package bundlecmd holds "gonetstat bundle" and its commands: inspect
// prints a bundle's manifest as a table and checks every entry of the
// archive against it. Writing a bundle is package bundle's; reading one
// back as tables is the CLI's --from.
package bundlecmd
