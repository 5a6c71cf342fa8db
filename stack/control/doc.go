// Package control is how a running mini-stack is reached from outside its
// process: the stack serves a copy of its socket table on a local control
// socket, and gonetstat -ano --stack, from another terminal and from any
// network namespace, finds and reads every running stack.
//
// Each stack listens on its own Unix stream socket at a filesystem path,
// stack-<pid>-<name>.sock, in one directory (DefaultDir): /run/gonetstat
// for root, $XDG_RUNTIME_DIR/gonetstat otherwise, or $GONETSTAT_RUNTIME_DIR
// when set. A filesystem path, not an abstract name: abstract Unix
// sockets belong to a network namespace, and a stack on a TAP device in a
// namespace must still be found from the host's. The directory is 0700
// and the socket 0600: the table shows every conversation of the stack,
// so only its owner may read it. A directory that is a symlink or is owned
// by another user is refused, by the server and by the client alike.
//
// The exchange is one request and one response per connection (framing
// in proto.go, documented in docs/control.md): a JSON request line naming
// the protocol version, a JSON header line with the stack's Info and the
// body's length, then the body, a gonetstat.sockets/v1 document
// (docs/json.md) read back with codec.DecodeSockets. Every size is bounded
// and every read has a deadline, so neither side can hang or exhaust the
// other.
//
// Lifetimes: a Server owns its listener and the socket file, and removes
// the file when its context ends. Collect owns nothing; it removes a
// socket file only when it is stale (nobody listens) and its own.
package control
