// neighbours.go holds the neighbour (ARP/NDP cache) and policy-rule models
// of a network namespace: what a diagnostic bundle's reports add to the
// routes (docs/reports-json.md).

package collect

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Neighbour is one entry of the neighbour cache: the link-layer address
// an IPv4 (ARP, RFC 826) or IPv6 (NDP, RFC 4861 §7.3) neighbour answered
// with, as `ip neigh` lists it.
type Neighbour struct {
	Addr    netip.Addr
	IfIndex uint32
	IfName  string // "" when the interface was not listed
	// MAC is the neighbour's link-layer address; nil while it is not
	// known (INCOMPLETE, FAILED).
	MAC   net.HardwareAddr
	State NeighState
	// Router is NTF_ROUTER: an IPv6 neighbour that said it is a router
	// (RFC 4861 §4.4, the R flag).
	Router bool
}

// NeighState is the kernel's NUD_* bitmask (linux/neighbour.h); an entry
// is usually in one state.
type NeighState uint16

// The NUD_* bits.
const (
	NeighIncomplete NeighState = 0x01
	NeighReachable  NeighState = 0x02
	NeighStale      NeighState = 0x04
	NeighDelay      NeighState = 0x08
	NeighProbe      NeighState = 0x10
	NeighFailed     NeighState = 0x20
	NeighNoARP      NeighState = 0x40
	NeighPermanent  NeighState = 0x80
)

var neighStateNames = [...]string{"incomplete", "reachable", "stale", "delay", "probe", "failed", "noarp", "permanent"}

// String returns the names `ip neigh` prints, in lower case and joined by
// '|' when several bits are set ("reachable"), "none" for 0 and
// "unknown-neigh-state-0xN" for bits it has no name for.
func (s NeighState) String() string {
	if s == 0 {
		return "none"
	}
	var names []string
	for i, n := range neighStateNames {
		if s&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	if rest := s &^ 0xff; rest != 0 {
		names = append(names, "unknown-neigh-state-0x"+strconv.FormatUint(uint64(rest), 16))
	}
	return strings.Join(names, "|")
}

// Rule is one policy-routing rule (`ip rule`): which routing table a
// packet matching it is looked up in.
type Rule struct {
	IPv6     bool
	Priority uint32       // lower is tried first
	Src, Dst netip.Prefix // invalid: any
	IIfName  string       // the input interface it matches, "" any
	OIfName  string       // the output interface (a VRF's socket), "" any
	FwMark   uint32       // the packet mark it matches, with FwMask
	FwMask   uint32       // 0: FwMark is not matched
	TOS      uint8
	Invert   bool // "not": the rule matches what its selectors do not
	Action   RuleAction
	Table    uint32 // for RuleToTable
	Goto     uint32 // for RuleGoto: the priority it jumps to
	Protocol RouteProtocol
}

// RuleAction is a rule's FR_ACT_* value (linux/fib_rules.h).
type RuleAction uint8

// The FR_ACT_* values.
const (
	RuleUnspec      RuleAction = 0
	RuleToTable     RuleAction = 1
	RuleGoto        RuleAction = 2
	RuleNop         RuleAction = 3
	RuleBlackhole   RuleAction = 6
	RuleUnreachable RuleAction = 7
	RuleProhibit    RuleAction = 8
)

var ruleActionNames = map[RuleAction]string{
	RuleUnspec: "unspec", RuleToTable: "to_table", RuleGoto: "goto", RuleNop: "nop",
	RuleBlackhole: "blackhole", RuleUnreachable: "unreachable", RuleProhibit: "prohibit",
}

// String returns the action's name ("to_table", "blackhole", …), or
// "unknown-rule-action-N".
func (a RuleAction) String() string {
	if s, ok := ruleActionNames[a]; ok {
		return s
	}
	return "unknown-rule-action-" + strconv.Itoa(int(a))
}
