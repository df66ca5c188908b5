package logs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

func TestDeleteGroupPurgesEvents(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx := ctxT(t)
	for i := range 3 {
		events := make([]Event, 2000)
		for j := range events {
			events[j] = Event{Time: time.Now().Add(-time.Duration(j) * time.Second), Message: strings.Repeat("x", 300)}
		}
		if err := env.svc.Append(ctx, "g", fmt.Sprintf("s%d", i), events); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.client.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	// The group and its streams are gone at once; Run purges the events.
	assertNoKeys(t, env.db, groupsPrefix, streamsPrefix)
	if err := env.svc.collectTrash(ctx); err != nil {
		t.Fatal(err)
	}
	assertNoKeys(t, env.db, "logs/")
	// A group of the same name starts empty.
	if err := env.svc.Append(ctx, "g", "s0", []Event{{Message: "fresh"}}); err != nil {
		t.Fatal(err)
	}
	got := must[*cwl.GetLogEventsOutput](t)(env.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s0")}))
	if len(got.Events) != 1 || aws.ToString(got.Events[0].Message) != "fresh" {
		t.Fatalf("recreated stream sees %d events", len(got.Events))
	}
}

// TestDeleteGroupWhileWriting: deleting a group under a busy Writer leaves
// no orphans. The Writer does not re-create the group (its later events are
// dropped, as PutLogEvents to a deleted group fails), and once the trash is
// collected no stream and no stored chunk is left.
func TestDeleteGroupWhileWriting(t *testing.T) {
	env := newTestEnv(t, Config{FlushInterval: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(ctxT(t))
	done := make(chan error, 1)
	go func() { done <- env.svc.Run(ctx) }()
	w, err := env.svc.NewWriter(ctx, "g", "s")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			w.Log(time.Time{}, fmt.Sprint("line ", i))
			if i%50 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	for range 5 {
		time.Sleep(30 * time.Millisecond)
		if _, err := env.client.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("g")}); err != nil && errCode(err) != "ResourceNotFoundException" {
			t.Fatal(err)
		}
	}
	close(stop)
	<-logged
	if err := w.Close(ctx); err != nil && !errors.Is(err, ErrResourceNotFound) {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := env.svc.collectTrash(context.Background()); err != nil {
		t.Fatal(err)
	}
	live := map[string]bool{}
	streams, _, _ := env.db.List(context.Background(), streamsPrefix)
	for _, kv := range streams {
		st, _ := decodeStream(kv.Value)
		live[hex16(st.ID)] = true
	}
	if len(streams) != 0 {
		t.Fatalf("%d streams left after the group's delete", len(streams))
	}
	for _, prefix := range []string{EventsPrefix, indexPrefix} {
		kvs, _, _ := env.db.List(context.Background(), prefix)
		for _, kv := range kvs {
			if id := strings.SplitN(strings.TrimPrefix(kv.Key, prefix), "/", 2)[0]; !live[id] {
				t.Fatalf("orphan %s", kv.Key)
			}
		}
	}
}
