package logs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// appendN writes n events, one every step, ending at end, messages "<prefix><i>".
func appendN(t testing.TB, svc *Service, group, stream, prefix string, n int, end time.Time, step time.Duration) {
	t.Helper()
	events := make([]Event, n)
	for i := range events {
		events[i] = Event{Time: end.Add(-time.Duration(n-1-i) * step), Message: fmt.Sprintf("%s%d", prefix, i)}
	}
	if err := svc.Append(context.Background(), group, stream, events); err != nil {
		t.Fatal(err)
	}
}

func messages[E any](events []E, msg func(E) *string) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = aws.ToString(msg(e))
	}
	return out
}

func want(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

// TestGetLogEventsPaging pages a stream both ways with AWS's token rules:
// forward from the head, backward from the tail, and the token handed back
// unchanged at either end.
func TestGetLogEventsPaging(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx, c := ctxT(t), env.client
	end := time.Now()
	appendN(t, env.svc, "g", "s", "m", 2500, end, time.Millisecond)
	getMsg := func(e types.OutputLogEvent) *string { return e.Message }

	// Forward from the head with the SDK paginator.
	var fwd []string
	p := cwl.NewGetLogEventsPaginator(c, &cwl.GetLogEventsInput{
		LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true),
	}, func(o *cwl.GetLogEventsPaginatorOptions) { o.Limit = 1000; o.StopOnDuplicateToken = true })
	pages := 0
	for p.HasMorePages() {
		page := must[*cwl.GetLogEventsOutput](t)(p.NextPage(ctx))
		pages++
		fwd = append(fwd, messages(page.Events, getMsg)...)
	}
	if !slices.Equal(fwd, want("m", 0, 2500)) || pages != 4 { // 1000+1000+500, then an empty page echoing the token
		t.Fatalf("forward: %d pages, %d events", pages, len(fwd))
	}

	// Backward from the tail (startFromHead defaults to false).
	page := must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{
		LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), Limit: aws.Int32(1000),
	}))
	if got := messages(page.Events, getMsg); !slices.Equal(got, want("m", 1500, 2500)) {
		t.Fatalf("tail page: %v..%v", got[0], got[len(got)-1])
	}
	forwardAtEnd := aws.ToString(page.NextForwardToken)
	back := messages(page.Events, getMsg)
	tok := aws.ToString(page.NextBackwardToken)
	for {
		page = must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{
			LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), Limit: aws.Int32(1000), NextToken: aws.String(tok),
		}))
		if aws.ToString(page.NextBackwardToken) == tok {
			if len(page.Events) != 0 {
				t.Fatal("events on the page that echoes the token")
			}
			break
		}
		back = append(messages(page.Events, getMsg), back...)
		tok = aws.ToString(page.NextBackwardToken)
	}
	if !slices.Equal(back, want("m", 0, 2500)) {
		t.Fatalf("backward: %d events", len(back))
	}

	// The forward token from the tail sees only what comes later.
	page = must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), NextToken: aws.String(forwardAtEnd)}))
	if len(page.Events) != 0 || aws.ToString(page.NextForwardToken) != forwardAtEnd {
		t.Fatalf("at end: %d events, token %q", len(page.Events), aws.ToString(page.NextForwardToken))
	}
	appendN(t, env.svc, "g", "s", "late", 3, time.Now().Add(time.Second), time.Millisecond)
	page = must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), NextToken: aws.String(forwardAtEnd)}))
	if got := messages(page.Events, getMsg); !slices.Equal(got, want("late", 0, 3)) {
		t.Fatalf("after end: %v", got)
	}

	// A time range: startTime inclusive, endTime exclusive.
	start := end.Add(-99 * time.Millisecond).UnixMilli() // m2400
	page = must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{
		LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true),
		StartTime: aws.Int64(start), EndTime: aws.Int64(start + 10),
	}))
	if got := messages(page.Events, getMsg); !slices.Equal(got, want("m", 2400, 2410)) {
		t.Fatalf("range: %v", got)
	}

	// An empty stream still hands out tokens, and forward paging from them
	// finds what is written later.
	if err := env.svc.Append(ctx, "g", "empty", nil); err != nil {
		t.Fatal(err)
	}
	page = must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("empty")}))
	if len(page.Events) != 0 || page.NextForwardToken == nil || page.NextBackwardToken == nil {
		t.Fatalf("empty: %+v", page)
	}
	appendN(t, env.svc, "g", "empty", "x", 2, time.Now(), time.Millisecond)
	page = must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("empty"), NextToken: page.NextForwardToken}))
	if got := messages(page.Events, getMsg); !slices.Equal(got, want("x", 0, 2)) {
		t.Fatalf("empty then written: %v", got)
	}
}

// TestPageSizeLimit: a page stops at 1 MB even below the event limit.
func TestPageSizeLimit(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx := ctxT(t)
	big := strings.Repeat("x", 100_000)
	events := make([]Event, 25)
	for i := range events {
		events[i] = Event{Time: time.Now().Add(time.Duration(i-25) * time.Millisecond), Message: big}
	}
	if err := env.svc.Append(ctx, "g", "s", events); err != nil {
		t.Fatal(err)
	}
	page := must[*cwl.GetLogEventsOutput](t)(env.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true)}))
	if len(page.Events) != 10 {
		t.Fatalf("page of 100 kB events holds %d", len(page.Events))
	}
	f := must[*cwl.FilterLogEventsOutput](t)(env.client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g")}))
	if len(f.Events) != 10 || f.NextToken == nil {
		t.Fatalf("filter page of 100 kB events holds %d, token %v", len(f.Events), f.NextToken)
	}
}

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

// TestWriter drives the batching path the ECS agent and the gateway use:
// lines through io.Writer and Log from many goroutines, flushed by Run.
func TestWriter(t *testing.T) {
	env := newTestEnv(t, Config{FlushInterval: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(ctxT(t))
	done := make(chan error)
	go func() { done <- env.svc.Run(ctx) }()

	w, err := env.svc.NewWriter(ctx, "/ecs/app", "app/web/task1")
	if err != nil {
		t.Fatal(err)
	}
	// The stream exists before any output, as ECS creates it at start.
	streams := must[*cwl.DescribeLogStreamsOutput](t)(env.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("/ecs/app")}))
	if len(streams.LogStreams) != 1 {
		t.Fatalf("streams: %+v", streams.LogStreams)
	}

	rev0 := env.db.Revision()
	fmt.Fprint(w, "first line\nsecond ")
	fmt.Fprint(w, "line\n\npartial")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				w.Log(time.Time{}, fmt.Sprintf("g%d-%d", g, i))
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	var total int
	for time.Now().Before(deadline) {
		f := must[*cwl.FilterLogEventsOutput](t)(env.client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("/ecs/app")}))
		if total = len(f.Events); total == 8002 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if total != 8002 {
		t.Fatalf("flushed %d events, want 8002", total)
	}
	if commits := env.db.Revision() - rev0; commits > 50 {
		t.Errorf("%d commits for 8002 lines: not batching", commits)
	}
	// Close flushes the unterminated last line.
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	f := must[*cwl.FilterLogEventsOutput](t)(env.client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("/ecs/app"), FilterPattern: aws.String(`?line ?partial`)}))
	if got := messages(f.Events, func(e types.FilteredLogEvent) *string { return e.Message }); !slices.Equal(got, []string{"first line", "second line", "partial"}) {
		t.Fatalf("lines: %q", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestRunFlushesOnShutdown: lines logged just before shutdown are not lost.
func TestRunFlushesOnShutdown(t *testing.T) {
	env := newTestEnv(t, Config{FlushInterval: time.Hour})
	ctx, cancel := context.WithCancel(ctxT(t))
	done := make(chan error)
	go func() { done <- env.svc.Run(ctx) }()
	w, err := env.svc.NewWriter(ctx, "g", "s")
	if err != nil {
		t.Fatal(err)
	}
	w.Log(time.Time{}, "last words")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	page := must[*cwl.GetLogEventsOutput](t)(env.client.GetLogEvents(ctxT(t), &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	if len(page.Events) != 1 {
		t.Fatalf("%d events after shutdown", len(page.Events))
	}
}

// TestWriterSplitsLongLines: a message over AWS's event size becomes
// several events rather than a rejected batch.
func TestWriterSplitsLongLines(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx := ctxT(t)
	w, err := env.svc.NewWriter(ctx, "g", "s")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("é", maxEventBytes) // two bytes a rune: about two events' worth
	w.Log(time.Time{}, long)
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// Each part fills most of a 1 MB page, so page through them.
	var (
		joined strings.Builder
		n      int
	)
	p := cwl.NewGetLogEventsPaginator(env.client, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true)},
		func(o *cwl.GetLogEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
	for p.HasMorePages() {
		for _, e := range must[*cwl.GetLogEventsOutput](t)(p.NextPage(ctx)).Events {
			if len(*e.Message) > maxEventBytes {
				t.Fatalf("event of %d bytes", len(*e.Message))
			}
			joined.WriteString(*e.Message)
			n++
		}
	}
	if n < 2 || joined.String() != long {
		t.Fatalf("%d events, %d bytes", n, joined.Len())
	}
}
