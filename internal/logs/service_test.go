package logs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"
	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type testEnv struct {
	svc    *Service
	db     *store.Bolt
	client *cwl.Client
	url    string
}

// newTestEnv serves a Service over a bolt file on a loopback listener and
// returns an SDK client pointed at it.
func newTestEnv(t testing.TB, cfg Config) *testEnv {
	t.Helper()
	db, err := store.OpenBolt(filepath.Join(t.TempDir(), "state.db"), store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg.Region, cfg.AccountID, cfg.Store = "us-east-1", "123456789012", db
	svc := New(cfg)
	mux := awsapi.NewMux(nil)
	svc.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	client := cwl.New(cwl.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: plainBodyTransport{http.DefaultTransport}},
	})
	return &testEnv{svc: svc, db: db, client: client, url: srv.URL}
}

// plainBodyTransport hides the io.WriterTo of the SDK's request body. The SDK
// closes that body as soon as response headers arrive, and its WriteTo then
// reports io.EOF as an error to net/http's final "nothing more to send?"
// check, which closes the connection under a response still being read:
// "use of closed network connection" on big (1 MB) pages, a few times a
// hundred on loopback (aws-sdk-go-v2 issues 1825 and 2737).
type plainBodyTransport struct{ rt http.RoundTripper }

func (p plainBodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req = req.Clone(req.Context())
		req.Body = struct{ io.ReadCloser }{req.Body}
	}
	return p.rt.RoundTrip(req)
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
