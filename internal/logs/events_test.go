package logs

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

func TestPutLogEventsRejects(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx, c := ctxT(t), env.client
	must[*cwl.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g")}))
	must[*cwl.CreateLogStreamOutput](t)(c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	must[*cwl.PutRetentionPolicyOutput](t)(c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(1)}))
	now := time.Now()
	ms := func(d time.Duration) *int64 { return aws.Int64(now.Add(d).UnixMilli()) }
	out := must[*cwl.PutLogEventsOutput](t)(c.PutLogEvents(ctx, &cwl.PutLogEventsInput{
		LogGroupName: aws.String("g"), LogStreamName: aws.String("s"),
		LogEvents: []types.InputLogEvent{
			{Timestamp: ms(-15 * 24 * time.Hour), Message: aws.String("too old")}, // 0
			{Timestamp: ms(-2 * 24 * time.Hour), Message: aws.String("expired")},  // 1
			{Timestamp: ms(-time.Minute), Message: aws.String("kept 1")},          // 2
			{Timestamp: ms(0), Message: aws.String("kept 2")},                     // 3
			{Timestamp: ms(3 * time.Hour), Message: aws.String("too new")},        // 4
		},
	}))
	r := out.RejectedLogEventsInfo
	if r == nil || aws.ToInt32(r.TooOldLogEventEndIndex) != 0 || aws.ToInt32(r.ExpiredLogEventEndIndex) != 1 || aws.ToInt32(r.TooNewLogEventStartIndex) != 4 {
		t.Fatalf("rejected: %+v", r)
	}
	got := must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	if len(got.Events) != 2 || aws.ToString(got.Events[0].Message) != "kept 1" || aws.ToString(got.Events[1].Message) != "kept 2" {
		t.Fatalf("stored: %+v", got.Events)
	}
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

// TestFilterLogEvents drives FilterLogEvents over several streams: the
// interleaving, stream selection, patterns, time bounds and paging.
func TestFilterLogEvents(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx, c := ctxT(t), env.client
	base := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	// Three streams, events interleaved in time: stream k writes at base+3i+k ms.
	for k, name := range []string{"api/1", "api/2", "worker/1"} {
		events := make([]Event, 300)
		for i := range events {
			level := "INFO"
			if i%10 == 0 {
				level = "ERROR"
			}
			events[i] = Event{Time: base.Add(time.Duration(3*i+k) * time.Millisecond), Message: fmt.Sprintf("%s %s %d", level, name, i)}
		}
		if err := env.svc.Append(ctx, "g", name, events); err != nil {
			t.Fatal(err)
		}
	}

	all := func(in *cwl.FilterLogEventsInput, limit int32) (events []types.FilteredLogEvent, pages int) {
		t.Helper()
		p := cwl.NewFilterLogEventsPaginator(c, in, func(o *cwl.FilterLogEventsPaginatorOptions) { o.Limit = limit })
		for p.HasMorePages() {
			page := must[*cwl.FilterLogEventsOutput](t)(p.NextPage(ctx))
			events = append(events, page.Events...)
			pages++
		}
		return events, pages
	}

	events, pages := all(&cwl.FilterLogEventsInput{LogGroupName: aws.String("g")}, 250)
	if len(events) != 900 || pages != 4 {
		t.Fatalf("%d events in %d pages", len(events), pages)
	}
	ids := map[string]bool{}
	for i, e := range events {
		if i > 0 && *e.Timestamp < *events[i-1].Timestamp {
			t.Fatalf("event %d out of order", i)
		}
		wantStream := []string{"api/1", "api/2", "worker/1"}[i%3]
		if aws.ToString(e.LogStreamName) != wantStream || aws.ToString(e.Message) != fmt.Sprintf("%s %s %d", map[bool]string{true: "ERROR", false: "INFO"}[(i/3)%10 == 0], wantStream, i/3) {
			t.Fatalf("event %d: %s %s", i, aws.ToString(e.LogStreamName), aws.ToString(e.Message))
		}
		if ids[aws.ToString(e.EventId)] || e.IngestionTime == nil {
			t.Fatalf("event %d: id %q repeated or no ingestion time", i, aws.ToString(e.EventId))
		}
		ids[aws.ToString(e.EventId)] = true
	}

	tests := []struct {
		name string
		in   cwl.FilterLogEventsInput
		n    int
	}{
		{"pattern", cwl.FilterLogEventsInput{FilterPattern: aws.String("ERROR")}, 90},
		{"pattern and stream prefix", cwl.FilterLogEventsInput{FilterPattern: aws.String("ERROR"), LogStreamNamePrefix: aws.String("api/")}, 60},
		{"stream names", cwl.FilterLogEventsInput{LogStreamNames: []string{"worker/1", "nope"}}, 300},
		{"or terms", cwl.FilterLogEventsInput{FilterPattern: aws.String(`?"api/2 5" ?"worker/1 7"`)}, 22},
		{"time range, end inclusive", cwl.FilterLogEventsInput{StartTime: aws.Int64(base.UnixMilli() + 30), EndTime: aws.Int64(base.UnixMilli() + 59)}, 30},
		{"start after everything", cwl.FilterLogEventsInput{StartTime: aws.Int64(base.UnixMilli() + 900)}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.LogGroupName = aws.String("g")
			got, _ := all(&in, 7)
			if len(got) != tc.n {
				t.Fatalf("%d events, want %d", len(got), tc.n)
			}
		})
	}

	// Newest first, by identifier ARN.
	page := must[*cwl.FilterLogEventsOutput](t)(c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{
		LogGroupIdentifier: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:g"),
		StartFromHead:      aws.Bool(false), StartTime: aws.Int64(base.UnixMilli()), Limit: aws.Int32(4),
	}))
	if got := messages(page.Events, func(e types.FilteredLogEvent) *string { return e.Message }); !slices.Equal(got, []string{"INFO worker/1 299", "INFO api/2 299", "INFO api/1 299", "INFO worker/1 298"}) || page.NextToken == nil {
		t.Fatalf("descending: %q", got)
	}
	next := must[*cwl.FilterLogEventsOutput](t)(c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), NextToken: page.NextToken, Limit: aws.Int32(1)}))
	if aws.ToString(next.Events[0].Message) != "INFO api/2 298" {
		t.Fatalf("descending token continues with %q", aws.ToString(next.Events[0].Message))
	}
	if len(page.SearchedLogStreams) != 3 {
		t.Fatalf("searched: %+v", page.SearchedLogStreams)
	}
}

// TestFilterScanBudget: a search that reads a lot and finds little returns
// partial (even empty) pages with a nextToken, as AWS does, and the
// paginator still reaches the match and stops.
func TestFilterScanBudget(t *testing.T) {
	env := newTestEnv(t, Config{})
	env.svc.scanBudget = 16 << 10
	ctx := ctxT(t)
	end := time.Now()
	for _, s := range []string{"a", "b"} {
		appendN(t, env.svc, "g", s, "noise-"+s+"-", 5000, end, 20*time.Millisecond)
	}
	if err := env.svc.Append(ctx, "g", "b", []Event{{Time: end, Message: "needle"}}); err != nil {
		t.Fatal(err)
	}
	p := cwl.NewFilterLogEventsPaginator(env.client, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), FilterPattern: aws.String("needle")})
	pages, found := 0, 0
	for p.HasMorePages() {
		page := must[*cwl.FilterLogEventsOutput](t)(p.NextPage(ctx))
		pages++
		found += len(page.Events)
	}
	if found != 1 || pages < 5 {
		t.Fatalf("found %d in %d pages", found, pages)
	}
}
