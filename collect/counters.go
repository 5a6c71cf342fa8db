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

	// NoRxDrops and NoRxMulticast say the system does not count them
	// (macOS's netstat -i has no input drops, neither macOS's nor
	// FreeBSD's counts multicast): absent is absent, not 0.
	NoRxDrops, NoRxMulticast bool
}

// ProtoCounters are the per-protocol counters of one network namespace,
// grouped as the kernel groups them: "Ip", "Icmp", "IcmpMsg", "Tcp", "Udp"
// (Linux /proc/net/snmp) and "Ip6", "Icmp6", "Udp6" (/proc/net/snmp6),
// each a map from the kernel's counter name without its group ("InReceives")
// to its value. A counter the kernel does not keep is absent, never 0.
type ProtoCounters struct {
	Groups map[string]map[string]int64
}

// Get returns a counter and whether the kernel keeps it.
func (c ProtoCounters) Get(group, name string) (int64, bool) {
	v, ok := c.Groups[group][name]
	return v, ok
}

// Has reports whether the kernel keeps a group at all.
func (c ProtoCounters) Has(group string) bool {
	_, ok := c.Groups[group]
	return ok
}

// Set stores a counter, making its group as needed.
func (c *ProtoCounters) Set(group, name string, v int64) {
	if c.Groups == nil {
		c.Groups = map[string]map[string]int64{}
	}
	g := c.Groups[group]
	if g == nil {
		g = map[string]int64{}
		c.Groups[group] = g
	}
	g[name] = v
}
