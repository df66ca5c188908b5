package logs

import (
	"context"
	"errors"
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

// TestDeletedGroupStaysDeleted: once a user deletes a log group, events
// still buffered for it (a stopping task's last lines, an API stage's
// access log) are dropped, as AWS drops them, instead of re-creating the
// group: a template applied again after a destroy creates that group
// itself and would fail with ResourceAlreadyExistsException. Deliver
// creates only the stream of a group that exists.
func TestDeletedGroupStaysDeleted(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx := ctxT(t)
	w, err := env.svc.NewWriter(ctx, "/ecs/gone", "app/web/task1")
	if err != nil {
		t.Fatal(err)
	}
	must[*cwl.DeleteLogGroupOutput](t)(env.client.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("/ecs/gone")}))
	fmt.Fprintln(w, "a last line after the delete")
	if err := w.Close(ctx); !errors.Is(err, ErrResourceNotFound) {
		t.Fatalf("Close after the group's delete = %v, want ResourceNotFoundException", err)
	}
	err = env.svc.Deliver(ctx, "/apigw/access", "stage-1", []Event{{Message: "GET /pets 200"}})
	if !errors.Is(err, ErrResourceNotFound) {
		t.Fatalf("Deliver to a missing group = %v, want ResourceNotFoundException", err)
	}
	groups := must[*cwl.DescribeLogGroupsOutput](t)(env.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))
	if len(groups.LogGroups) != 0 {
		t.Fatalf("groups after the writes = %+v, want none: a write re-created one", groups.LogGroups)
	}

	// The template's second apply: the group is the user's again.
	must[*cwl.CreateLogGroupOutput](t)(env.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/apigw/access")}))
	if err := env.svc.Deliver(ctx, "/apigw/access", "stage-1", []Event{{Message: "GET /pets 200"}}); err != nil {
		t.Fatal(err)
	}
	out := must[*cwl.GetLogEventsOutput](t)(env.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("/apigw/access"), LogStreamName: aws.String("stage-1")}))
	if got := messages(out.Events, func(e types.OutputLogEvent) *string { return e.Message }); !slices.Equal(got, []string{"GET /pets 200"}) {
		t.Fatalf("delivered events = %q", got)
	}
}
