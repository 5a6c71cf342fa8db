// Package link holds the mini-stack's LAN drivers: what the seed article
// calls the LAN adapter. A driver moves whole Ethernet frames between the
// stack and a medium: an in-memory wire with reproducible faults (Pair),
// a Linux TAP device (TAP), a wrapper that injects the Pair's faults into
// any driver (WithFaults), and Sniffer, which records what passes
// through any of them as a pcap file for Wireshark and tshark.
package link

import "github.com/gonetstat/gonetstat/stack/header"

// Dispatcher receives frames from a driver. The frame is only valid for
// the duration of the call: a stack that keeps it must copy it.
type Dispatcher interface {
	DeliverFrame(frame []byte)
}

// Endpoint is one NIC's driver.
type Endpoint interface {
	// MTU is the largest IP packet the medium carries (the frame adds
	// header.EthernetLen).
	MTU() int
	MAC() header.MAC
	// Attach sets where received frames go; frames arriving before it are
	// dropped.
	Attach(d Dispatcher)
	// WritePacket sends one frame. The driver copies what it keeps, so the
	// caller may reuse frame at once.
	WritePacket(frame []byte) error
	Close() error
}
