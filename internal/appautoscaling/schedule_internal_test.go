package appautoscaling

import (
	"testing"
	"time"
)

// TestParseSchedule: the three forms, and when each is next due.
func TestParseSchedule(t *testing.T) {
	after := time.Date(2026, 12, 7, 7, 30, 0, 0, time.UTC) // a Monday
	for _, c := range []struct {
		expr, tz string
		want     time.Time
	}{
		{"at(2026-12-07T08:00:00)", "", time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)},
		{"at(2026-12-07T07:00:00)", "", time.Time{}},
		{"rate(5 minutes)", "", after.Add(5 * time.Minute)},
		{"rate(1 day)", "", after.Add(24 * time.Hour)},
		{"cron(0 8 ? * MON-FRI *)", "", time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)},
		{"cron(0 9 ? * MON-FRI *)", "Europe/Paris", time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)},
	} {
		s, err := parseSchedule(c.expr, c.tz)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got := s.Next(after); !got.Equal(c.want) {
			t.Errorf("%s (%s): next %v, want %v", c.expr, c.tz, got, c.want)
		}
	}
}

// FuzzParseSchedule: no schedule expression makes the parser panic, and
// a schedule it accepts is never due before the time asked about.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"at(2026-12-07T08:00:00)", "rate(5 minutes)", "cron(0 8 ? * MON-FRI *)", "cron(*/5 * * * ? *)", "rate(0 hours)", "cron()"} {
		f.Add(s, "")
	}
	f.Add("cron(0 8 * * ? *)", "Asia/Tokyo")
	after := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr, tz string) {
		s, err := parseSchedule(expr, tz)
		if err != nil {
			return
		}
		if next := s.Next(after); !next.IsZero() && !next.After(after) {
			t.Fatalf("%q is due at %v, not after %v", expr, next, after)
		}
	})
}
