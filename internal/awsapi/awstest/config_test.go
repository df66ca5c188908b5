package awstest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestLoopbackAddr(t *testing.T) {
	// The names browsers, curl and the SDKs send to loopback.
	for _, host := range []string{"localhost", "data-localhost", "abc123.execute-api.localhost"} {
		if got := loopbackAddr(host + ":4566"); got != "127.0.0.1:4566" {
			t.Errorf("loopbackAddr(%q) = %q, want 127.0.0.1:4566", host+":4566", got)
		}
	}
	// Anything else is dialled as given.
	for _, addr := range []string{"127.0.0.1:4566", "example.com:443", "notlocalhost:80", "localhost.example.com:80", "no-port-localhost"} {
		if got := loopbackAddr(addr); got != addr {
			t.Errorf("loopbackAddr(%q) = %q, want it unchanged", addr, got)
		}
	}
}

// TestConfigReachesDataHost is what DiscoverInstances needs: the SDK sends
// it to data-localhost, which reaches the endpoint on loopback with the
// Host header a real client sends, and a body net/http can resend.
func TestConfigReachesDataHost(t *testing.T) {
	type seen struct {
		host, body string
		length     int64
	}
	got := make(chan seen, 1)
	s := Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Host, string(b), r.ContentLength}
	}))
	t.Cleanup(s.Stop)
	cfg := Config(s.Endpoint, "test", "test")
	if cfg.Region != Region || *cfg.BaseEndpoint != s.Endpoint || cfg.RetryMaxAttempts != 1 {
		t.Fatalf("config: region %q endpoint %q retries %d", cfg.Region, *cfg.BaseEndpoint, cfg.RetryMaxAttempts)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "test" || creds.SecretAccessKey != "test" {
		t.Fatalf("credentials %+v, %v", creds, err)
	}
	url := strings.Replace(s.Endpoint, "localhost", "data-localhost", 1) + "/"
	// A body that is not a *bytes.Reader: net/http knows neither its length
	// nor how to resend it, as with the SDK's own body type.
	req, err := http.NewRequest("POST", url, io.NopCloser(strings.NewReader("{}")))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cfg.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := seen{strings.TrimPrefix(url[:len(url)-1], "http://"), "{}", 2}
	if g := <-got; g != want {
		t.Errorf("server saw %+v, want %+v", g, want)
	}
}

func TestServeGo(t *testing.T) {
	s := Serve(t, http.NotFoundHandler())
	stopped := make(chan error, 1)
	s.Go("role", func(ctx context.Context) error {
		<-ctx.Done()
		stopped <- ctx.Err()
		// Go drops an error that comes after Stop.
		return errors.New("stopped")
	})
	s.Stop()
	if err := <-stopped; !errors.Is(err, context.Canceled) {
		t.Errorf("role saw %v, want context.Canceled", err)
	}
	if s.Context().Err() == nil {
		t.Error("Context not done after Stop")
	}
}
