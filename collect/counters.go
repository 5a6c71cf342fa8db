// counters.go holds the model of the host-wide counters: per-interface
// traffic (-e) and the per-protocol MIB counters (-s).

package collect

// InterfaceCounters is one network interface's traffic since it came up,
// as the kernel counts it (Linux: one line of /proc/net/dev).
type InterfaceCounters struct {
	Name     string
	Loopback bool // the loopback interface (Linux: lo)

	RxBytes, RxPackets, RxErrors, RxDrops uint64
	RxMulticast                           uint64 // multicast packets received
	TxBytes, TxPackets, TxErrors, TxDrops uint64
}
