package logs

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBusyStreamReadsLittle writes a long, dense stream, so reads must go
// through the window index, and checks both the answers and that reading
// the newest page does not load the stream's history.
func TestBusyStreamReadsLittle(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx := ctxT(t)
	end := time.Now()
	// 6 hours at 4 events a second, 200 bytes each: ~17 MB over 86,400 events.
	const n = 6 * 3600 * 4
	msg := strings.Repeat("y", 190)
	for off := 0; off < n; off += 10_000 {
		events := make([]Event, 0, 10_000)
		for i := off; i < min(off+10_000, n); i++ {
			events = append(events, Event{Time: end.Add(-time.Duration(n-1-i) * 250 * time.Millisecond), Message: fmt.Sprintf("%06d %s", i, msg)})
		}
		if err := env.svc.Append(ctx, "g", "busy", events); err != nil {
			t.Fatal(err)
		}
	}
	st, err := env.svc.readStream(ctx, "g", "busy")
	if err != nil {
		t.Fatal(err)
	}
	if st.StoredBytes < 10<<20 {
		t.Fatalf("stored %d bytes; the test wants the index to matter", st.StoredBytes)
	}

	check := func(name string, desc bool, lo, hi int64, limit int, first, last int, maxLoaded int64) {
		t.Helper()
		it := env.svc.newIter(st, lo, hi, nil, desc)
		var got []string
		for len(got) < limit {
			e, ok, err := it.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			got = append(got, e.msg[:6])
		}
		if desc {
			slices.Reverse(got)
		}
		if len(got) != last-first+1 || got[0] != fmt.Sprintf("%06d", first) || got[len(got)-1] != fmt.Sprintf("%06d", last) {
			t.Fatalf("%s: got %d events %v..%v", name, len(got), got[0], got[len(got)-1])
		}
		if it.loaded > maxLoaded {
			t.Errorf("%s: loaded %d bytes for %d events", name, it.loaded, len(got))
		}
	}
	check("newest 100", true, 0, maxTS, 100, n-100, n-1, 2*listThreshold)
	check("oldest 100", false, 0, maxTS, 100, 0, 99, 2*listThreshold)
	mid := end.Add(-3 * time.Hour).UnixMilli()
	check("a minute in the middle", false, mid, mid+60_000-1, 1000, n/2-1, n/2+238, 2*listThreshold)
	check("everything", false, 0, maxTS, n+1, 0, n-1, st.StoredBytes)
}
