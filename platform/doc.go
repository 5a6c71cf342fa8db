// Package platform reads the live system's tables for the rest of
// gonetstat through one OS seam.
//
// platform.go holds the portable entry points (Sockets, Owners, Routes,
// Interfaces, Protocols, Containers). Each calls one unexported
// implementation — osSockets, osNamespaced, osOwners, osRoutes,
// osInterfaces, osProtocols, osContainers — that the OS's
// platform_<goos>.go provides; platform_other.go is the one stub, for
// every system without such a file, and refuses each report with
// collect.ErrUnsupported. Adding an OS is one platform_<goos>.go (and its
// exclusion from platform_other.go's build tag); the OS's code proper
// lives in a subpackage (procnet, sockdiag, procfd, rtnl, netcounters,
// netns, container on Linux; iphlpapi on Windows; gops on macOS and
// FreeBSD, which share platform_bsd.go).
//
// On Linux the socket table comes from netlink sock_diag, with /proc/net
// as the fallback taken automatically (with a one-line notice) when
// sock_diag is unavailable, and the owners from one scan of /proc/*/fd,
// by socket inode. Where the system's table names each socket's owning
// process itself, the collector sets it when collect.Query.Owners asks,
// and Owners returns no scanner. On Windows every table comes from
// iphlpapi.dll (platform/iphlpapi), its socket rows with their owning
// PIDs.
//
// Config.NetNS and Config.AllNetNS read other network namespaces
// (netns_linux.go, on locked threads via platform/netns); without them the
// rows are labelled with our own namespace's inode. Every report takes a
// context: Ctrl-C stops a dump where it is.
package platform
