// Package platform picks the socket and owner collectors for the running OS.
//
// Each OS has one file (platform_<goos>.go) with the unexported newSockets
// and newOwners; everything else is portable. On Linux the socket table
// comes from netlink sock_diag, with /proc/net/* as the fallback taken
// automatically (with a one-line notice) when sock_diag is unavailable, and
// the owners from one scan of /proc/*/fd. Other systems get their
// collectors in later work and report collect.ErrUnsupported until then.
//
// Config.NetNS and Config.AllNetNS read other network namespaces
// (netns_linux.go, on locked threads via platform/netns); without them the
// rows are labelled with our own namespace's inode. Containers names the
// container of a process (platform/container).
package platform
