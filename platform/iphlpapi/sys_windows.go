// sys_windows.go makes the Windows calls of source.go: iphlpapi.dll's
// tables and statistics (loaded by name: x/sys/windows wraps few of
// them), the process image names and the service list. It only fetches
// bytes; every structure is decoded by the portable decoders.

package iphlpapi

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/gonetstat/gonetstat/collect"
)

var (
	modiphlpapi = windows.NewLazySystemDLL("iphlpapi.dll")

	procGetExtendedTcpTable      = modiphlpapi.NewProc("GetExtendedTcpTable")
	procGetExtendedUdpTable      = modiphlpapi.NewProc("GetExtendedUdpTable")
	procGetIpStatisticsEx        = modiphlpapi.NewProc("GetIpStatisticsEx")
	procGetTcpStatisticsEx       = modiphlpapi.NewProc("GetTcpStatisticsEx")
	procGetUdpStatisticsEx       = modiphlpapi.NewProc("GetUdpStatisticsEx")
	procGetIcmpStatisticsEx      = modiphlpapi.NewProc("GetIcmpStatisticsEx")
	procGetIpForwardTable2       = modiphlpapi.NewProc("GetIpForwardTable2")
	procGetIpInterfaceTable      = modiphlpapi.NewProc("GetIpInterfaceTable")
	procGetUnicastIpAddressTable = modiphlpapi.NewProc("GetUnicastIpAddressTable")
	procGetIfTable2              = modiphlpapi.NewProc("GetIfTable2")
	procFreeMibTable             = modiphlpapi.NewProc("FreeMibTable")
)

// Table classes (iprtrmib.h TCP_TABLE_CLASS, UDP_TABLE_CLASS).
const (
	tcpTableOwnerPIDAll = 5 // TCP_TABLE_OWNER_PID_ALL
	udpTableOwnerPID    = 1 // UDP_TABLE_OWNER_PID
)

// Bounds of the buffer-size loop: the tables can grow between the call
// that says how much room they need and the one that fills it (a busy
// server opens hundreds of connections a second), so the loop retries,
// with room to spare; a size past the cap is a broken answer, not a table.
const (
	maxTableBytes = 256 << 20
	tableAttempts = 8
	firstTable    = 64 << 10
)

// New returns the collector of the live socket table; warn receives
// one-line notices (nil discards them).
func New(warn func(string)) *Collector { return newCollector(winAPI{}, warn) }

// Protocols reads the per-protocol counters of -s.
func Protocols(ctx context.Context) (collect.ProtoCounters, error) {
	return readProtocols(ctx, winAPI{})
}

// Interfaces reads the per-interface counters of -e.
func Interfaces(ctx context.Context) ([]collect.InterfaceCounters, error) {
	return readInterfaces(ctx, winAPI{})
}

// Routes reads the interfaces, addresses and routes of -r.
func Routes(ctx context.Context) (collect.RouteTable, error) {
	return readRoutes(ctx, winAPI{})
}

// winAPI is the live source.
type winAPI struct{}

var _ source = winAPI{}

// find returns the address of an iphlpapi function, or an error naming
// it: a Windows (or Wine) without it is told so, where LazyProc.Call
// would panic.
func find(p *windows.LazyProc) (uintptr, error) {
	if err := p.Find(); err != nil {
		return 0, fmt.Errorf("iphlpapi.dll has no %s (%v): %w", p.Name, err, errors.ErrUnsupported)
	}
	return p.Addr(), nil
}

// call calls an iphlpapi function that returns a Win32 error code (not
// through GetLastError) and turns the code into an error naming it.
func call(p *windows.LazyProc, args ...uintptr) error {
	addr, err := find(p)
	if err != nil {
		return err
	}
	r, _, _ := syscall.SyscallN(addr, args...)
	if r != 0 {
		return fmt.Errorf("%s: %w", p.Name, windows.Errno(r))
	}
	return nil
}

func (winAPI) socketTable(k collect.Kind) ([]byte, error) {
	proc, class := procGetExtendedTcpTable, uintptr(tcpTableOwnerPIDAll)
	if k.Proto() == collect.ProtoUDP {
		proc, class = procGetExtendedUdpTable, udpTableOwnerPID
	}
	af := uintptr(windows.AF_INET)
	if k.Family() == collect.FamilyIPv6 {
		af = windows.AF_INET6
	}
	size := uint32(firstTable)
	for range tableAttempts {
		buf := make([]byte, size)
		// bOrder FALSE: collect.Sort orders the rows.
		err := call(proc, uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)), 0, af, class, 0)
		switch {
		case err == nil:
			return buf, nil
		case !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER):
			return nil, err
		case size > maxTableBytes:
			return nil, fmt.Errorf("%s says the table needs %d bytes, more than the %d MiB gonetstat accepts", proc.Name, size, maxTableBytes>>20)
		}
		size += size/4 + 4096 // room for the rows added before the next call
	}
	return nil, fmt.Errorf("%s: the table outgrew the buffer %d times in a row", proc.Name, tableAttempts)
}

func (winAPI) stats(s statsKind, family uint16) ([]byte, error) {
	var proc *windows.LazyProc
	var size int
	switch s {
	case statsIP:
		proc, size = procGetIpStatisticsEx, ipStatsSize
	case statsTCP:
		proc, size = procGetTcpStatisticsEx, tcpStatsSize
	case statsUDP:
		proc, size = procGetUdpStatisticsEx, udpStatsSize
	case statsICMP:
		proc, size = procGetIcmpStatisticsEx, icmpExSize
	default:
		return nil, fmt.Errorf("no statistics call %d", s)
	}
	// make gives 8-byte aligned memory, enough for the DWORDs.
	buf := make([]byte, size)
	if err := call(proc, uintptr(unsafe.Pointer(&buf[0])), uintptr(family)); err != nil {
		return nil, err
	}
	return buf, nil
}

func (winAPI) forwardTable() ([]byte, error) {
	return mibTable(procGetIpForwardTable2, fwdRowsAt, fwdRowSize, windows.AF_UNSPEC)
}

func (winAPI) ipInterfaceTable() ([]byte, error) {
	return mibTable(procGetIpInterfaceTable, ipIfRowsAt, ipIfRowSize, windows.AF_UNSPEC)
}

func (winAPI) addressTable() ([]byte, error) {
	return mibTable(procGetUnicastIpAddressTable, addrRowsAt, addrRowSize, windows.AF_UNSPEC)
}

func (winAPI) ifTable() ([]byte, error) {
	return mibTable(procGetIfTable2, ifRowsAt, ifRowSize)
}

// imageName opens the process with the least right that names it
// (PROCESS_QUERY_LIMITED_INFORMATION, which Windows grants for most
// processes of other users to administrators, and for the caller's own
// processes to everyone).
func (winAPI) imageName(pid uint32) (string, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return "", fmt.Errorf("OpenProcess(%d): %w", pid, err)
	}
	defer windows.CloseHandle(h)
	// Paths longer than MAX_PATH exist (\\?\ paths): grow up to the
	// 32767 characters of a Windows path.
	for n := uint32(windows.MAX_PATH); ; n *= 4 {
		buf := make([]uint16, n)
		size := n
		err := windows.QueryFullProcessImageName(h, 0, &buf[0], &size)
		if err == nil {
			return windows.UTF16ToString(buf[:size]), nil
		}
		if !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) || n >= 32768 {
			return "", fmt.Errorf("QueryFullProcessImageName(%d): %w", pid, err)
		}
	}
}

// services lists the running Win32 services and their PIDs, as the
// service control manager gives them to any user
// (SC_MANAGER_ENUMERATE_SERVICE).
func (winAPI) services() ([]service, error) {
	m, err := windows.OpenSCManager(nil, nil, windows.SC_MANAGER_ENUMERATE_SERVICE)
	if err != nil {
		return nil, fmt.Errorf("opening the service control manager: %w", err)
	}
	defer windows.CloseServiceHandle(m)
	var out []service
	var resume uint32
	buf := make([]byte, 64<<10)
	for range 64 {
		var needed, count uint32
		err := windows.EnumServicesStatusEx(m, windows.SC_ENUM_PROCESS_INFO, windows.SERVICE_WIN32, windows.SERVICE_ACTIVE,
			&buf[0], uint32(len(buf)), &needed, &count, &resume, nil)
		if err != nil && !errors.Is(err, windows.ERROR_MORE_DATA) {
			return nil, fmt.Errorf("EnumServicesStatusEx: %w", err)
		}
		if count > 0 {
			entries := unsafe.Slice((*windows.ENUM_SERVICE_STATUS_PROCESS)(unsafe.Pointer(&buf[0])), count)
			for _, e := range entries {
				out = append(out, service{
					name: windows.UTF16PtrToString(e.ServiceName),
					pid:  e.ServiceStatusProcess.ProcessId,
				})
			}
		}
		if err == nil {
			return out, nil
		}
		if needed > uint32(len(buf)) {
			if needed > maxTableBytes {
				return nil, fmt.Errorf("EnumServicesStatusEx wants %d bytes", needed)
			}
			buf = make([]byte, needed)
		}
	}
	return nil, errors.New("EnumServicesStatusEx: the service list kept growing")
}
