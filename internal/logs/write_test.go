package logs

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

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
