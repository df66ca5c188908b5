package logs

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"
	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/store"
)

type testEnv struct {
	svc    *Control
	db     *store.Bolt
	client *cwl.Client
	url    string
}

// newTestEnv serves a Service over a bolt file on a loopback listener and
// returns an SDK client pointed at it.
func newTestEnv(t testing.TB, cfg Config) *testEnv {
	t.Helper()
	db := awstest.OpenStore(t, "", store.BoltOptions{})
	t.Cleanup(func() { db.Close() })
	cfg.Region, cfg.AccountID, cfg.Store = "us-east-1", "123456789012", db
	svc := New(cfg)
	mux := awsapi.NewMux(nil)
	svc.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	client := cwl.NewFromConfig(awstest.Config(srv.URL, "test", "test"))
	return &testEnv{svc: svc, db: db, client: client, url: srv.URL}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func errCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	if err != nil {
		return "non-API error: " + err.Error()
	}
	return ""
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func assertNoKeys(t *testing.T, db store.Store, prefixes ...string) {
	t.Helper()
	for _, p := range prefixes {
		kvs, _, err := db.List(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if len(kvs) > 0 {
			t.Errorf("%d keys left under %s, first %s", len(kvs), p, kvs[0].Key)
		}
	}
}

// appendN writes n events, one every step, ending at end, messages "<prefix><i>".
func appendN(t testing.TB, svc *Control, group, stream, prefix string, n int, end time.Time, step time.Duration) {
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
