// bench_test.go measures the decoding of a large socket table, the hot
// path of every snapshot on a busy server.

package iphlpapi

import (
	"fmt"
	"testing"

	"github.com/gonetstat/gonetstat/collect"
)

// BenchmarkDecodeTable decodes 10,000 IPv6 TCP rows, a tenth of them
// link-local with a zone, and converts them to the model.
func BenchmarkDecodeTable(b *testing.B) {
	rows := make([][]byte, 10000)
	for i := range rows {
		local := fmt.Sprintf("[2001:db8::%x]:%d", i, 1024+i%60000)
		if i%10 == 0 {
			local = fmt.Sprintf("[fe80::%x%%%d]:%d", i, 2+i%100, 1024+i%60000)
		}
		rows[i] = tcp6Row(b, 5, local, "[2001:db8::1]:443", uint32(1000+i%500))
	}
	table := tableOf(4, rows...)
	b.ReportAllocs()
	b.SetBytes(int64(len(table)))
	var dst []Row
	socks := make([]collect.Socket, 0, len(rows))
	for b.Loop() {
		var err error
		dst, err = DecodeTable(collect.TCP6, table, dst[:0])
		if err != nil {
			b.Fatal(err)
		}
		socks = socks[:0]
		for i := range dst {
			socks = append(socks, dst[i].Socket())
		}
	}
}
