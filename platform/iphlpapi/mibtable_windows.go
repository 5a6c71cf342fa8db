// mibtable_windows.go copies the tables the *Table2 functions allocate
// (MIB_IF_TABLE2, MIB_IPFORWARD_TABLE2, ...) into Go memory and frees
// them: the one place this package reads memory Windows owns.

package iphlpapi

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// mibTable calls a function that allocates a table and stores its
// address (GetIfTable2(&table), GetIpForwardTable2(family, &table)),
// copies NumEntries rows of rowSize bytes from rowsAt, and frees the
// table with FreeMibTable.
func mibTable(p *windows.LazyProc, rowsAt, rowSize int, args ...uintptr) ([]byte, error) {
	if _, err := find(procFreeMibTable); err != nil {
		return nil, err
	}
	var t unsafe.Pointer
	if err := call(p, append(args, uintptr(unsafe.Pointer(&t)))...); err != nil {
		return nil, err
	}
	if t == nil {
		return nil, fmt.Errorf("%s returned no table", p.Name)
	}
	defer procFreeMibTable.Call(uintptr(t))
	n := uint64(*(*uint32)(t))
	size := uint64(rowsAt) + n*uint64(rowSize)
	if size > maxTableBytes {
		return nil, fmt.Errorf("%s says it holds %d rows (%d bytes), more than the %d MiB gonetstat accepts", p.Name, n, size, maxTableBytes>>20)
	}
	return append([]byte(nil), unsafe.Slice((*byte)(t), size)...), nil
}
