// Package stackcmd is the "gonetstat stack" command: "stack run" puts a
// mini-stack on a TAP device and serves the built-in services over its own
// sockets (see stack/services), until Ctrl-C or SIGTERM.
//
// Command builds the cobra command; Run is the part that runs, so other
// code (tests, a future "stack demo") can start a stack with a Config.
// Run starts each Service in Config.Extra beside the built-in ones: that
// is where a control-socket server for "gonetstat -ano --stack" plugs in.
package stackcmd
