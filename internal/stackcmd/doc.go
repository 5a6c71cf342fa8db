// Package stackcmd is the "gonetstat stack" command: "stack run" puts a
// mini-stack on a TAP device and serves the built-in services over its own
// sockets (see stack/services), until Ctrl-C or SIGTERM; "stack demo"
// shows live connections between the kernel and a mini-stack from both
// ends.
//
// Command builds the cobra command; Run is the part that runs, so other
// code (tests) can start a stack with a Config. Run starts each Service in
// Config.Extra beside the built-in ones: that is where a control-socket
// server for "gonetstat -ano --stack" plugs in.
//
// Demo owns everything it makes — a named network namespace (created and
// removed with vishvananda/netns, bind-mounted at /run/netns/NAME as ip
// netns add does), the TAP device inside it (configured over rtnetlink
// with vishvananda/netlink), the mini-stack, its control socket and the
// kernel sockets of its connections — and removes all of it before it
// returns, whether it ends normally, by Ctrl-C or on an error.
package stackcmd
