// plan_test.go checks that the split is exact and has every kind of socket.

package main

import "testing"

func TestPlanExact(t *testing.T) {
	for _, tc := range []struct{ tcp, udp, procs int }{
		{0, 0, 0}, {300, 30, 3}, {1000, 100, 10}, {1001, 99, 7}, {100000, 10000, 50}, {3, 0, 1}, {0, 10, 4},
	} {
		shares, err := plan(tc.tcp, tc.udp, tc.procs)
		if err != nil {
			t.Fatalf("plan(%d, %d, %d): %v", tc.tcp, tc.udp, tc.procs, err)
		}
		var tcp, udp, pairs, fin, unacc int
		for _, s := range shares {
			tcp += s.TCP()
			udp += s.UDP
			pairs += s.Pairs
			fin += s.FinWait
			unacc += s.Unaccepted
		}
		if tcp != tc.tcp || udp != tc.udp {
			t.Errorf("plan(%d, %d, %d) opens %d TCP and %d UDP", tc.tcp, tc.udp, tc.procs, tcp, udp)
		}
		if tc.tcp >= 1000 && (pairs == 0 || fin == 0 || unacc == 0) {
			t.Errorf("plan(%d, %d, %d): pairs %d, FIN_WAIT2 %d, unaccepted %d; want each > 0", tc.tcp, tc.udp, tc.procs, pairs, fin, unacc)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	for _, tc := range []struct{ tcp, udp, procs int }{
		{-1, 0, 1}, {10, 0, 0}, {5, 0, 2}, {0, 1, 0},
	} {
		if _, err := plan(tc.tcp, tc.udp, tc.procs); err == nil {
			t.Errorf("plan(%d, %d, %d) gave no error", tc.tcp, tc.udp, tc.procs)
		}
	}
}
