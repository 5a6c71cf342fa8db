// budget_test.go checks the memory budget's three marks (Linux's tcp_mem).

package core

import "testing"

func TestBudgetMarks(t *testing.T) {
	b := NewBudget(3000)
	if b.PressureMark() != 2000 || b.LowMark() != 1500 {
		t.Fatalf("marks %d/%d, want 2000 (two thirds) and 1500 (half)", b.PressureMark(), b.LowMark())
	}
	if !b.Grow(1900) || b.UnderPressure() {
		t.Fatal("growth below the pressure mark refused or pressured")
	}
	if b.Grow(200) || b.Used() != 1900 {
		t.Fatalf("growth past the pressure mark allowed (used %d)", b.Used())
	}
	if !b.UnderPressure() {
		t.Fatal("a refused Grow did not enter memory pressure")
	}
	// The headroom above the mark is Take's alone, up to the limit.
	if !b.Take(1100) || b.Take(1) || b.Used() != 3000 {
		t.Fatalf("Take did not reach exactly the limit: used %d", b.Used())
	}
	// Pressure lasts until the budget falls below its low mark.
	b.Release(1500)
	if !b.UnderPressure() {
		t.Fatal("pressure left at the low mark, want below it")
	}
	b.Release(1)
	if b.UnderPressure() || b.Used() != 1499 {
		t.Fatalf("below the low mark (used %d) still under pressure", b.Used())
	}
}
