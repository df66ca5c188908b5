package accesslog

import (
	"testing"
	"time"
)

// TestAppendCLF: the kept second is reused only for the same second in
// the same location; within a second, sub-second parts do not show.
func TestAppendCLF(t *testing.T) {
	east := time.FixedZone("east", 5*3600+30*60)
	west := time.FixedZone("west", -8*3600)
	base := time.Date(2026, time.December, 7, 23, 59, 59, 0, time.UTC)
	for _, at := range []time.Time{
		base,
		base.Add(999 * time.Millisecond), // the same second
		base.In(east),                    // the same second elsewhere
		base.In(west),
		base.Add(time.Second), // the next second, the next day
		base.Add(time.Second).In(west),
		base.Add(-time.Hour),
	} {
		want := at.Format(CLFLayout)
		if got := string(AppendCLF([]byte("t="), at)); got != "t="+want {
			t.Errorf("AppendCLF(%v) = %q, want %q", at, got, "t="+want)
		}
	}
}

func BenchmarkAppendCLF(b *testing.B) {
	buf := make([]byte, 0, 64)
	now := time.Now()
	for b.Loop() {
		buf = AppendCLF(buf[:0], now)
	}
}
