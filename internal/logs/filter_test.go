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

var filterMessages = []string{
	`[ERROR 400] BAD REQUEST`,
	`[ERROR 401] UNAUTHORIZED REQUEST`,
	`[WARN] retrying in 5s`,
	`[INFO] GET /health 200 3ms`,
	`Exiting with ERROR code 1`,
	`{"level":"error","latency":250,"user":{"id":7,"name":"ann"},"tags":["a","b"],"ok":false,"trace":null}`,
	`{"level":"info","latency":12.5,"user":{"id":8,"name":"bob"},"path":"/api/v1/items","ok":true}`,
	`{"level":"info","latency":900}`,
	`not json {"level":"error"}`,
}

func TestFilterPattern(t *testing.T) {
	tests := []struct {
		pattern string
		want    []int // indexes into filterMessages that match
	}{
		{``, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{`   `, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{`ERROR`, []int{0, 1, 4}},
		{`error`, []int{5, 8}}, // case-sensitive
		{`ERROR REQUEST`, []int{0, 1}},
		{`"BAD REQUEST"`, []int{0}},
		{`"[ERROR 401]"`, []int{1}},
		{`?WARN ?INFO`, []int{2, 3}},
		{`?"BAD REQUEST" ?Exiting`, []int{0, 4}},
		{`ERROR -UNAUTHORIZED`, []int{0, 4}},
		{`-ERROR -json -level`, []int{2, 3}},
		{`%ERROR [0-9]{3}%`, []int{0, 1}},
		{`%^\[(WARN|INFO)\]%`, []int{2, 3}},
		{`REQUEST ?400 ?401`, []int{0, 1}},
		{`{ $.level = "error" }`, []int{5}},
		{`{$.level="info"}`, []int{6, 7}},
		{`{ $.level = inf* }`, []int{6, 7}},
		{`{ $.level != "info" }`, []int{5}},
		{`{ $.latency > 100 }`, []int{5, 7}},
		{`{ $.latency >= 250 && $.latency < 900 }`, []int{5}},
		{`{ $.latency = 12.5 }`, []int{6}},
		{`{ $.user.id = 7 || $.user.name = "bob" }`, []int{5, 6}},
		{`{ ($.level = "info") && ($.latency < 100 || $.user.id = 7) }`, []int{6}},
		{`{ $.tags[1] = "b" }`, []int{5}},
		{`{ $.tags[2] = "b" }`, nil},
		{`{ $.ok IS TRUE }`, []int{6}},
		{`{ $.ok is false }`, []int{5}},
		{`{ $.trace IS NULL }`, []int{5}},
		{`{ $.user NOT EXISTS }`, []int{7}},
		{`{ $.path = %^/api/v[0-9]+/% }`, []int{6}},
		{`{ $.path = "/api/*/items" }`, []int{6}},
		{`{ $.user.name != "ann" }`, []int{6}},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			f, err := ParseFilterPattern(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for i, m := range filterMessages {
				if f.Match(m) {
					got = append(got, i)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("matched %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFilterPatternErrors(t *testing.T) {
	for _, p := range []string{
		`"unterminated`,
		`%unterminated`,
		`%(%`,
		`%%`,
		`ERROR ?`,
		`{ $.a = 1`,
		`{ level = 1 }`,
		`{ $.a }`,
		`{ $.a > "x" }`,
		`{ $.a = }`,
		`{ ($.a = 1 }`,
		`{ $.a IS MAYBE }`,
		`{ $.a NOT THERE }`,
		`{ $.a[x] = 1 }`,
		`[ip, user, status=404]`,
		`{ ` + strings.Repeat("(", 40) + `$.a = 1` + strings.Repeat(")", 40) + ` }`,
		strings.Repeat("x", 1025),
	} {
		if _, err := ParseFilterPattern(p); err == nil {
			t.Errorf("%q parsed", p)
		}
	}
}

// FuzzFilterPattern: no pattern, valid or not, may crash the parser, and a
// pattern that parses may not crash on any message.
func FuzzFilterPattern(f *testing.F) {
	for _, p := range []string{
		``, `ERROR`, `"BAD REQUEST"`, `?WARN ?INFO -DEBUG`, `%ERROR [0-9]{3}%`,
		`{ $.level = "error" && ($.latency > 100 || $.user.id = 7) }`,
		`{ $.tags[1] = "b*" }`, `{ $.ok IS TRUE }`, `{ $.user NOT EXISTS }`, `{ $.path = %^/api% }`,
	} {
		for _, m := range filterMessages[:6] {
			f.Add(p, m)
		}
	}
	f.Fuzz(func(t *testing.T, pattern, msg string) {
		fp, err := ParseFilterPattern(pattern)
		if err != nil {
			return
		}
		a := fp.Match(msg)
		if b := fp.Match(msg); a != b {
			t.Fatalf("match of %q against %q is not deterministic", pattern, msg)
		}
		if strings.TrimSpace(pattern) == "" && !a {
			t.Fatalf("empty pattern did not match %q", msg)
		}
	})
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

// TestConcurrentWriters: PutLogEvents callers and a Writer racing on one
// stream all land, and the index stays exact.
func TestConcurrentWriters(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx, c := ctxT(t), env.client
	w, err := env.svc.NewWriter(ctx, "g", "s")
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 9)
	for g := range 8 {
		go func() {
			for i := range 25 {
				now := time.Now().UnixMilli()
				events := make([]types.InputLogEvent, 10)
				for j := range events {
					events[j] = types.InputLogEvent{Timestamp: aws.Int64(now), Message: aws.String(fmt.Sprintf("put %d %d %d", g, i, j))}
				}
				if _, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: events}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	go func() {
		for i := range 2000 {
			w.Log(time.Time{}, fmt.Sprintf("writer %d", i))
			if i%100 == 0 {
				if err := w.Flush(ctx); err != nil {
					errs <- err
					return
				}
			}
		}
		errs <- w.Close(ctx)
	}()
	for range 9 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	events, _ := func() (n int, pages int) {
		p := cwl.NewFilterLogEventsPaginator(c, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g")})
		for p.HasMorePages() {
			n += len(must[*cwl.FilterLogEventsOutput](t)(p.NextPage(ctx)).Events)
			pages++
		}
		return n, pages
	}()
	if events != 4000 {
		t.Fatalf("%d events stored, want 4000", events)
	}
	for level, n := range indexTotals(t, env) {
		if n != 4000 {
			t.Errorf("index level %d counts %d", level, n)
		}
	}
}
