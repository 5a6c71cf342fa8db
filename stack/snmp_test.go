// snmp_test.go checks the /proc/net/snmp-style counters after real
// traffic, reading the text back the way nstat does (name line, value
// line).

package stack

import (
	"bufio"
	"bytes"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/stack/icmp"
	"github.com/gonetstat/gonetstat/stack/link"
)

// parseSNMP reads "Proto: names" / "Proto: values" pairs into
// "Proto.Name" -> value, failing on any malformed pair.
func parseSNMP(t *testing.T, text []byte) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		names := strings.Fields(sc.Text())
		if !sc.Scan() {
			t.Fatalf("a names line without values: %q", names)
		}
		values := strings.Fields(sc.Text())
		if len(names) != len(values) || names[0] != values[0] {
			t.Fatalf("mismatched pair %q / %q", names, values)
		}
		for i := 1; i < len(names); i++ {
			v, err := strconv.ParseInt(values[i], 10, 64)
			if err != nil {
				t.Fatalf("%s %s: %v", names[0], names[i], err)
			}
			out[strings.TrimSuffix(names[0], ":")+"."+names[i]] = v
		}
	}
	return out
}

func TestWriteSNMP(t *testing.T) {
	a, b, _ := realWorld(t, link.Faults{}, 1)
	echoed := make(chan icmp.EchoReply, 1)
	a.ICMP.OnEchoReply(1, func(r icmp.EchoReply) { echoed <- r })
	if err := a.ICMP.Ping(addrB.Addr(), 1, 1, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	ln, _ := b.Listen(netip.MustParseAddrPort("0.0.0.0:80"), 4)
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			io.Copy(c, c)
		}
	}()
	c, err := a.Dial(netip.AddrPortFrom(addrB.Addr(), 80))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("x"))
	c.SetReadDeadline(time.Now().Add(testenv.Patience))
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-echoed: // counted as received before the callback ran
	case <-time.After(testenv.Patience):
		t.Fatal("no echo reply")
	}

	// The connection's delayed ACK (or, on a loaded machine, a
	// retransmission) may still move the segment counters: the file must
	// show a value between the counter before and after it was written.
	inBefore := a.Counters.TCPInSegs.Load()
	var buf bytes.Buffer
	if err := a.WriteSNMP(&buf); err != nil {
		t.Fatal(err)
	}
	inAfter := a.Counters.TCPInSegs.Load()
	m := parseSNMP(t, buf.Bytes())
	want := map[string]int64{
		"Tcp.ActiveOpens": 1, "Tcp.CurrEstab": 1, "Tcp.RtoMin": 200, "Tcp.RtoMax": 120000,
		"Icmp.OutEchos": 1, "Icmp.InEchoReps": 1, "IcmpMsg.OutType8": 1, "IcmpMsg.InType0": 1, "Ip.DefaultTTL": 64,
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %d, want %d\n%s", k, m[k], v, buf.String())
		}
	}
	if in := m["Tcp.InSegs"]; in < int64(inBefore) || in > int64(inAfter) || m["Tcp.OutSegs"] == 0 || m["Ip.InReceives"] == 0 {
		t.Errorf("segment counters (Tcp.InSegs between %d and %d): %v", inBefore, inAfter, m)
	}
	for _, sec := range []string{"Ip:", "Icmp:", "IcmpMsg:", "Tcp:", "Udp:", "TcpExt:", "IpExt:"} {
		if !strings.Contains(buf.String(), "\n"+sec) && !strings.HasPrefix(buf.String(), sec) {
			t.Errorf("no %s lines", sec)
		}
	}
}
