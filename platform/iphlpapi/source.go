// source.go holds the seam between the Windows API and the decoders: one
// method per call, each returning the bytes the API filled in, laid out
// as the documented structure. sys_windows.go makes the calls; tests fake
// them with fixtures on any OS.

package iphlpapi

import "github.com/gonetstat/gonetstat/collect"

// statsKind names one of the statistics calls of -s.
type statsKind uint8

const (
	statsIP   statsKind = iota // GetIpStatisticsEx: MIB_IPSTATS
	statsTCP                   // GetTcpStatisticsEx: MIB_TCPSTATS
	statsUDP                   // GetUdpStatisticsEx: MIB_UDPSTATS
	statsICMP                  // GetIcmpStatisticsEx: MIB_ICMP_EX
)

// service is one running service and the process hosting it, as
// EnumServicesStatusEx lists it (ENUM_SERVICE_STATUS_PROCESS).
type service struct {
	name string // the service name ("Dnscache"), as netstat -b prints it
	pid  uint32
}

// source is what gonetstat asks of Windows.
type source interface {
	// socketTable returns the owner-PID table of one kind, as
	// GetExtendedTcpTable(TCP_TABLE_OWNER_PID_ALL) or
	// GetExtendedUdpTable(UDP_TABLE_OWNER_PID) fills it.
	socketTable(k collect.Kind) ([]byte, error)
	// stats returns one statistics structure of a family (afInet or
	// afInet6).
	stats(s statsKind, family uint16) ([]byte, error)
	// The tables of -r and -e, both families each: GetIpForwardTable2,
	// GetIpInterfaceTable, GetUnicastIpAddressTable (AF_UNSPEC) and
	// GetIfTable2.
	forwardTable() ([]byte, error)
	ipInterfaceTable() ([]byte, error)
	addressTable() ([]byte, error)
	ifTable() ([]byte, error)
	// imageName returns the full path of a process's executable
	// (QueryFullProcessImageName); an error wrapping fs.ErrPermission
	// when Windows refuses to open the process.
	imageName(pid uint32) (string, error)
	// services lists the running Win32 services with their processes.
	services() ([]service, error)
}
