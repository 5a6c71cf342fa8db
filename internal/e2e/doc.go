// Package e2e holds end-to-end tests of the real gonetstat binary on the
// live machine: it opens sockets of every kind on loopback, runs the binary
// as a user would, and checks each row against what it opened and against
// ss(8), a peer nobody here wrote.
package e2e
