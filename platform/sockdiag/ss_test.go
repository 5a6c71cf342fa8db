// ss_test.go reads the output of iproute2's `ss -tuanHeio`, a sock_diag
// decoder nobody here wrote, and compares our rows with it: the oracle of
// both the captured dumps (testdata/ss.txt, taken with them) and the live
// test.

package sockdiag

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonetstat/gonetstat/collect"
)

// ssRow is one socket as ss prints it: the fields of its main line and the
// key:value pairs of its -i continuation line.
type ssRow struct {
	fields []string
	info   map[string]string
}

// parseSS keys ss's rows by their socket cookie ("sk:<hex>", from -e).
func parseSS(out string) map[string]ssRow {
	rows := map[string]ssRow{}
	last := ""
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Fields(line)
		if line[0] == '\t' || line[0] == ' ' {
			if r, ok := rows[last]; ok {
				for _, w := range f {
					if k, v, ok := strings.Cut(w, ":"); ok {
						r.info[k] = v
					}
				}
			}
			continue
		}
		last = ""
		for _, w := range f {
			if c, ok := strings.CutPrefix(w, "sk:"); ok {
				last = c
				rows[c] = ssRow{fields: f, info: map[string]string{}}
			}
		}
	}
	return rows
}

// ssStates are ss's names of the states our fixtures are in.
var ssStates = map[collect.State]string{
	collect.StateListen: "LISTEN", collect.StateEstablished: "ESTAB", collect.StateTimeWait: "TIME-WAIT",
	collect.StateClose: "UNCONN", collect.StateSynSent: "SYN-SENT", collect.StateSynRecv: "SYN-RECV",
	collect.StateFinWait1: "FIN-WAIT-1", collect.StateFinWait2: "FIN-WAIT-2", collect.StateCloseWait: "CLOSE-WAIT",
	collect.StateLastAck: "LAST-ACK", collect.StateClosing: "CLOSING",
	// A bound, inactive TCP socket is in TCP_CLOSE, which ss calls UNCONN.
	collect.StateBoundInactive: "UNCONN",
}

// compareSS checks s against ss's row with the same cookie: table, state,
// queues, addresses, inode, UID, timer and, when we decoded tcp_info, the
// values ss prints from it. It returns how many tcp_info values it compared.
func compareSS(t *testing.T, rows map[string]ssRow, s collect.Socket) int {
	t.Helper()
	r, ok := rows[strconv.FormatUint(s.Cookie, 16)]
	if !ok || len(r.fields) < 6 {
		t.Errorf("ss has no socket with cookie %x (%v %v)", s.Cookie, s.Proto, s.Local)
		return 0
	}
	f := r.fields
	got := []string{f[0], f[1], f[2], f[3], f[4], strings.Replace(f[5], ":*", ":0", 1)}
	want := []string{s.Proto.String(), ssStates[s.State], strconv.Itoa(int(s.RecvQ)), strconv.Itoa(int(s.SendQ)), s.Local.String(), s.Remote.String()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cookie %x: ours (-) vs ss (+):\n%s", s.Cookie, diff)
	}
	has := func(w string) bool {
		for _, x := range f {
			if x == w {
				return true
			}
		}
		return false
	}
	if !has("ino:" + strconv.FormatUint(s.Inode, 10)) {
		t.Errorf("cookie %x: ss line %q lacks our inode %d", s.Cookie, f, s.Inode)
	}
	// ss prints a UID only when it is not 0.
	if s.HasUID && s.UID != 0 && !has("uid:"+strconv.FormatUint(uint64(s.UID), 10)) {
		t.Errorf("cookie %x: ss line %q lacks our uid %d", s.Cookie, f, s.UID)
	}
	var timer string
	for _, w := range f {
		if v, ok := strings.CutPrefix(w, "timer:("); ok {
			timer, _, _ = strings.Cut(v, ",")
		}
	}
	var ours string
	if s.TCP != nil {
		ours = s.TCP.Timer.String()
	}
	if timer != ours {
		t.Errorf("cookie %x: timer %q, ss says %q", s.Cookie, ours, timer)
	}
	if s.TCP == nil || s.TCP.SndCwnd == 0 {
		return 0 // no tcp_info decoded
	}
	ti := s.TCP
	ms := func(d collect.Micros) float64 { return float64(d) / 1000 }
	// ss prints these from tcp_info in these units; some only when not 0.
	wantInfo := map[string]float64{
		"rto": ms(ti.RTO), "mss": float64(ti.SndMSS), "rcvmss": float64(ti.RcvMSS), "cwnd": float64(ti.SndCwnd),
		"rtt": ms(ti.RTT), "rttvar": ms(ti.RTTVar),
		"bytes_acked": float64(ti.BytesAcked), "bytes_received": float64(ti.BytesReceived),
		"unacked": float64(ti.Unacked), "retrans": float64(ti.Retransmits), "total_retrans": float64(ti.TotalRetrans),
		"ssthresh": float64(ti.SndSsthresh),
	}
	gotInfo := map[string]float64{}
	num := func(k, v string) {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Errorf("cookie %x: ss %s:%s is not a number", s.Cookie, k, v)
		}
		gotInfo[k] = x
	}
	for k, v := range r.info {
		switch k {
		case "rtt", "retrans": // rtt:RTT/RTTVAR, retrans:RETRANSMITS/TOTAL
			a, b, _ := strings.Cut(v, "/")
			second := map[string]string{"rtt": "rttvar", "retrans": "total_retrans"}[k]
			num(k, a)
			num(second, b)
		default:
			if _, ok := wantInfo[k]; ok {
				num(k, v)
			}
		}
	}
	// ss omits zero values (no retransmissions, no ssthresh yet): what it
	// leaves out must be 0 on our side.
	for k := range wantInfo {
		if _, ok := gotInfo[k]; !ok {
			gotInfo[k] = 0
		}
	}
	if diff := cmp.Diff(wantInfo, gotInfo); diff != "" {
		t.Errorf("cookie %x: tcp_info ours (-) vs ss (+):\n%s", s.Cookie, diff)
	}
	return len(r.info)
}
