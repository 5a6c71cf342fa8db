// scenario_sidechannel_test.go plays the off-path attacker of
// CVE-2016-5696 ("Off-Path TCP Exploits", Cao et al., USENIX Security
// 2016): a spoofed RST that falls in someone else's window draws a
// challenge ACK (RFC 5961 §3.2); when challenge ACKs share one stack-wide
// budget, the attacker counts the challenge ACKs its own connection gets
// and learns whether the spoof hit.

package stack

import (
	"testing"

	"github.com/gonetstat/gonetstat/stack/tcp"
)

// probeChallengeACKs opens a victim connection (peer port 40000) and the
// attacker's own connection (40001) to one listener, spoofs one RST onto
// the victim's connection, in its window or far outside it, then sends
// 1,000 in-window RSTs on its own connection over one second, one each
// millisecond; it returns the ACKs each connection sent back.
func probeChallengeACKs(t *testing.T, inWindow bool) (victim, prober int) {
	sc := newScenario(t, tcp.Options{})
	sc.listen(80, 4)
	sc.handshake(80)
	sc.port = 40001
	sc.handshake(80)
	spoof := uint32(peerISS + 1 + 100)
	if !inWindow {
		spoof += 1 << 30
	}
	sc.inject(80, seg{Flags: R, Seq: spoof, SrcPort: 40000})
	for i := 0; i < 1000; i++ {
		sc.inject(80, seg{Flags: R, Seq: peerISS + 1 + 100 + uint32(i), SrcPort: 40001})
		sc.clk.Advance(ms)
	}
	for {
		s, _, ok := sc.next(0)
		if !ok {
			return victim, prober
		}
		switch s.DstPort {
		case 40000:
			victim++
		case 40001:
			prober++
		}
	}
}

// TestScenarioNoChallengeACKSideChannel: the prober's count must not
// depend on whether the spoofed RST was in the victim's window. Linux
// (since 6.0, net.ipv4.tcp_challenge_ack_limit defaulting to INT_MAX)
// limits challenge ACKs per socket only, one per tcp_invalid_ratelimit
// (500 ms, tcp_oow_rate_limited): the prober gets 2 in its second either
// way, and the victim still gets its challenge ACK (RFC 5961 §3.2).
func TestScenarioNoChallengeACKSideChannel(t *testing.T) {
	hitVictim, hitProber := probeChallengeACKs(t, true)
	missVictim, missProber := probeChallengeACKs(t, false)
	if hitProber != missProber {
		t.Errorf("the prober got %d challenge ACKs when the spoofed RST hit the victim's window and %d when it missed: an off-path attacker can tell (CVE-2016-5696)", hitProber, missProber)
	}
	if hitProber != 2 {
		t.Errorf("the prober got %d challenge ACKs for 1,000 RSTs over one second, want 2 (one per 500 ms)", hitProber)
	}
	if hitVictim != 1 || missVictim != 0 {
		t.Errorf("the victim sent %d challenge ACKs for an in-window RST (want 1) and %d for one outside its window (want 0)", hitVictim, missVictim)
	}
}
