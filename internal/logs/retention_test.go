package logs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// indexTotals sums the event counts the index holds at each level.
func indexTotals(t *testing.T, env *testEnv) map[int]uint64 {
	t.Helper()
	kvs, _, err := env.db.List(context.Background(), indexPrefix)
	if err != nil {
		t.Fatal(err)
	}
	totals := map[int]uint64{}
	for _, kv := range kvs {
		parts := strings.Split(kv.Key, "/")
		var level int
		fmt.Sscan(parts[3], &level)
		st := decodeStats(kv.Value)
		if st.Events == 0 || st.Bytes == 0 {
			t.Errorf("empty window left in the index: %s", kv.Key)
		}
		totals[level] += st.Events
	}
	return totals
}

func TestRetention(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx, c := ctxT(t), env.client
	now := time.Now()
	// 12,000 events a second apart two days ago (one chunk each, so expiry
	// takes several batches), a few 30 hours ago, and 50 recent ones.
	appendN(t, env.svc, "g", "s", "old", 12_000, now.Add(-48*time.Hour), time.Second)
	appendN(t, env.svc, "g", "s", "mid", 10, now.Add(-30*time.Hour), time.Minute)
	appendN(t, env.svc, "g", "s", "new", 50, now, 10*time.Millisecond)
	appendN(t, env.svc, "g", "other", "old", 100, now.Add(-48*time.Hour), time.Millisecond)
	appendN(t, env.svc, "keep", "s", "old", 100, now.Add(-48*time.Hour), time.Millisecond)
	before, _ := env.svc.readStream(ctx, "g", "s")

	must[*cwl.PutRetentionPolicyOutput](t)(c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(1)}))
	if err := env.svc.enforceRetention(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	f := must[*cwl.FilterLogEventsOutput](t)(c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g")}))
	if len(f.Events) != 50 || !strings.HasPrefix(aws.ToString(f.Events[0].Message), "new") {
		t.Fatalf("after expiry: %d events, first %q", len(f.Events), aws.ToString(f.Events[0].Message))
	}
	after, _ := env.svc.readStream(ctx, "g", "s")
	if after.StoredBytes <= 0 || after.StoredBytes >= before.StoredBytes/100 {
		t.Fatalf("stored bytes %d -> %d", before.StoredBytes, after.StoredBytes)
	}
	// The group without a policy keeps everything; the index agrees with what is left.
	keep := must[*cwl.FilterLogEventsOutput](t)(c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("keep")}))
	if len(keep.Events) != 100 {
		t.Fatalf("group without retention lost events: %d left", len(keep.Events))
	}
	for level, n := range indexTotals(t, env) {
		if n != 150 {
			t.Errorf("index level %d counts %d events, want 150", level, n)
		}
	}
}

// TestDefaultRetentionRun: Run applies Config.DefaultRetention to groups
// without a policy, and purges deleted streams, on its own.
func TestDefaultRetentionRun(t *testing.T) {
	env := newTestEnv(t, Config{DefaultRetention: time.Hour, RetentionInterval: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	now := time.Now()
	appendN(t, env.svc, "g", "s", "old", 100, now.Add(-2*time.Hour), time.Millisecond)
	appendN(t, env.svc, "g", "s", "new", 5, now, time.Millisecond)
	appendN(t, env.svc, "g", "gone", "x", 100, now, time.Millisecond)
	done := make(chan error)
	go func() { done <- env.svc.Run(ctx) }()
	must[*cwl.DeleteLogStreamOutput](t)(env.client.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("gone")}))

	deadline := time.Now().Add(10 * time.Second)
	for {
		f := must[*cwl.FilterLogEventsOutput](t)(env.client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g")}))
		trash, _, _ := env.db.List(ctx, trashPrefix)
		if len(f.Events) == 5 && len(trash) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events and %d deleted streams left", len(f.Events), len(trash))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if totals := indexTotals(t, env); totals[4] != 5 {
		t.Fatalf("index: %v", totals)
	}
}
