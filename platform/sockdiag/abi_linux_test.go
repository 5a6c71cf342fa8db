// abi_linux_test.go checks the package's ABI constants against two
// transcriptions of the kernel headers nobody here wrote: x/sys/unix's
// struct tcp_info and the system's own C headers, read by the C compiler.

package sockdiag

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/gonetstat/gonetstat/internal/testenv"
	"github.com/gonetstat/gonetstat/platform/nlmsg"
)

// TestTCPInfoOffsets checks our offsets against x/sys/unix's struct
// tcp_info, an independent transcription of include/uapi/linux/tcp.h.
func TestTCPInfoOffsets(t *testing.T) {
	var ti unix.TCPInfo
	for name, got := range map[string][2]uintptr{
		"retransmits":   {tiRetransmits, unsafe.Offsetof(ti.Retransmits)},
		"rto":           {tiRTO, unsafe.Offsetof(ti.Rto)},
		"snd_mss":       {tiSndMSS, unsafe.Offsetof(ti.Snd_mss)},
		"rcv_mss":       {tiRcvMSS, unsafe.Offsetof(ti.Rcv_mss)},
		"unacked":       {tiUnacked, unsafe.Offsetof(ti.Unacked)},
		"rtt":           {tiRTT, unsafe.Offsetof(ti.Rtt)},
		"rttvar":        {tiRTTVar, unsafe.Offsetof(ti.Rttvar)},
		"snd_ssthresh":  {tiSndSsthresh, unsafe.Offsetof(ti.Snd_ssthresh)},
		"snd_cwnd":      {tiSndCwnd, unsafe.Offsetof(ti.Snd_cwnd)},
		"total_retrans": {tiTotalRetrans, unsafe.Offsetof(ti.Total_retrans)},
		"bytes_acked":   {tiBytesAcked, unsafe.Offsetof(ti.Bytes_acked)},
		"bytes_recv":    {tiBytesRecv, unsafe.Offsetof(ti.Bytes_received)},
	} {
		if got[0] != got[1] {
			t.Errorf("tcp_info.%s at %d, x/sys/unix says %d", name, got[0], got[1])
		}
	}
}

// abiProbe prints, from the system's uapi headers, every offset, size and
// number the decoder spells out by hand.
const abiProbe = `#include <stdio.h>
#include <stddef.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <linux/tcp.h>
#define F(type, field) printf(#type "." #field " %zu\n", offsetof(struct type, field))
#define S(type) printf("sizeof " #type " %zu\n", sizeof(struct type))
#define C(name) printf(#name " %ld\n", (long)(name))
int main(void) {
	S(nlmsghdr); S(inet_diag_req_v2); S(inet_diag_msg); S(rtattr);
	F(inet_diag_req_v2, sdiag_family); F(inet_diag_req_v2, sdiag_protocol);
	F(inet_diag_req_v2, idiag_ext); F(inet_diag_req_v2, idiag_states); F(inet_diag_req_v2, id);
	F(inet_diag_msg, idiag_family); F(inet_diag_msg, idiag_state); F(inet_diag_msg, idiag_timer);
	F(inet_diag_msg, idiag_retrans); F(inet_diag_msg, id.idiag_sport); F(inet_diag_msg, id.idiag_dport);
	F(inet_diag_msg, id.idiag_src); F(inet_diag_msg, id.idiag_dst); F(inet_diag_msg, id.idiag_if);
	F(inet_diag_msg, id.idiag_cookie); F(inet_diag_msg, idiag_expires); F(inet_diag_msg, idiag_rqueue);
	F(inet_diag_msg, idiag_wqueue); F(inet_diag_msg, idiag_uid); F(inet_diag_msg, idiag_inode);
	F(tcp_info, tcpi_retransmits); F(tcp_info, tcpi_rto); F(tcp_info, tcpi_snd_mss); F(tcp_info, tcpi_rcv_mss);
	F(tcp_info, tcpi_unacked); F(tcp_info, tcpi_rtt); F(tcp_info, tcpi_rttvar); F(tcp_info, tcpi_snd_ssthresh);
	F(tcp_info, tcpi_snd_cwnd); F(tcp_info, tcpi_total_retrans); F(tcp_info, tcpi_bytes_acked);
	F(tcp_info, tcpi_bytes_received);
	C(SOCK_DIAG_BY_FAMILY); C(NLMSG_NOOP); C(NLMSG_ERROR); C(NLMSG_DONE); C(NLMSG_OVERRUN);
	C(NLM_F_REQUEST); C(NLM_F_MULTI); C(NLM_F_DUMP_INTR); C(NLM_F_DUMP); C(INET_DIAG_INFO);
	return 0;
}
`

// TestABIAgainstHeaders compiles abiProbe with the system's C compiler and
// compares its output with our constants. Without a compiler or the
// kernel headers it skips (the check needs them, the decoder does not),
// through testenv, so that CI (GONETSTAT_REQUIRE_PRIV=1, where
// scripts/test.sh installs both) fails instead of passing unchecked.
func TestABIAgainstHeaders(t *testing.T) {
	cc, err := exec.LookPath("cc")
	testenv.SkipWithout(t, err == nil, "a C compiler (cc) to read the kernel headers with")
	_, err = os.Stat("/usr/include/linux/inet_diag.h")
	testenv.SkipWithout(t, err == nil, "the kernel's uapi headers in /usr/include (Debian: linux-libc-dev)")
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "probe.c"), filepath.Join(dir, "probe")
	if err := os.WriteFile(src, []byte(abiProbe), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cc, "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("cc: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	ours := map[string]int{
		"sizeof nlmsghdr": nlmsg.HdrLen, "sizeof inet_diag_req_v2": reqLen, "sizeof inet_diag_msg": diagMsgLen, "sizeof rtattr": rtaHdrLen,
		// Request writes these at fixed places of the request body.
		"inet_diag_req_v2.sdiag_family": 0, "inet_diag_req_v2.sdiag_protocol": 1, "inet_diag_req_v2.idiag_ext": 2,
		"inet_diag_req_v2.idiag_states": 4, "inet_diag_req_v2.id": 8,
		"inet_diag_msg.idiag_family": offFamily, "inet_diag_msg.idiag_state": offState, "inet_diag_msg.idiag_timer": offTimer,
		"inet_diag_msg.idiag_retrans": offRetrans, "inet_diag_msg.id.idiag_sport": offSport, "inet_diag_msg.id.idiag_dport": offDport,
		"inet_diag_msg.id.idiag_src": offSrc, "inet_diag_msg.id.idiag_dst": offDst, "inet_diag_msg.id.idiag_if": offIf,
		"inet_diag_msg.id.idiag_cookie": offCookie, "inet_diag_msg.idiag_expires": offExpires, "inet_diag_msg.idiag_rqueue": offRqueue,
		"inet_diag_msg.idiag_wqueue": offWqueue, "inet_diag_msg.idiag_uid": offUID, "inet_diag_msg.idiag_inode": offInode,
		"tcp_info.tcpi_retransmits": tiRetransmits, "tcp_info.tcpi_rto": tiRTO, "tcp_info.tcpi_snd_mss": tiSndMSS,
		"tcp_info.tcpi_rcv_mss": tiRcvMSS, "tcp_info.tcpi_unacked": tiUnacked, "tcp_info.tcpi_rtt": tiRTT,
		"tcp_info.tcpi_rttvar": tiRTTVar, "tcp_info.tcpi_snd_ssthresh": tiSndSsthresh, "tcp_info.tcpi_snd_cwnd": tiSndCwnd,
		"tcp_info.tcpi_total_retrans": tiTotalRetrans, "tcp_info.tcpi_bytes_acked": tiBytesAcked,
		"tcp_info.tcpi_bytes_received": tiBytesRecv,
		"SOCK_DIAG_BY_FAMILY":          sockDiagByFamily, "NLMSG_NOOP": nlmsg.Noop, "NLMSG_ERROR": nlmsg.Error, "NLMSG_DONE": nlmsg.Done,
		"NLMSG_OVERRUN": nlmsg.Overrun, "NLM_F_REQUEST": nlmsg.FRequest, "NLM_F_MULTI": nlmsg.FMulti, "NLM_F_DUMP_INTR": nlmsg.FDumpIntr,
		"NLM_F_DUMP": nlmsg.FDump, "INET_DIAG_INFO": inetDiagInfo,
	}
	headers := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		i := strings.LastIndexByte(line, ' ')
		var v int
		if _, err := fmt.Sscan(line[i+1:], &v); err != nil {
			t.Fatalf("probe line %q: %v", line, err)
		}
		headers[line[:i]] = v
	}
	if diff := cmp.Diff(headers, ours); diff != "" {
		t.Errorf("ABI (-headers +ours):\n%s", diff)
	}
}
