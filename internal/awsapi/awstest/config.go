package awstest

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region is the region every harness runs in, as the server defaults to.
const Region = "us-east-1"

// Config is an SDK configuration for a Portolan endpoint with static
// credentials. Its HTTP client resolves the "data-" host the SDKs prepend
// for DiscoverInstances to loopback, so tests need no /etc/hosts entry; the
// Host header the server sees is still the one a real client sends. A test
// sees the first answer: the SDK does not retry.
func Config(endpoint, key, secret string) aws.Config {
	return aws.Config{
		Region:           Region,
		Credentials:      credentials.NewStaticCredentialsProvider(key, secret, ""),
		HTTPClient:       &http.Client{Transport: plainBody{Transport()}},
		BaseEndpoint:     aws.String(endpoint),
		RetryMaxAttempts: 1,
	}
}

// Transport dials localhost, *.localhost (as browsers and curl do: the
// gateway's <apiId>.execute-api.localhost) and *-localhost (the SDK's
// "data-localhost") on loopback, without DNS. PORTOLAN_TEST_NOKEEPALIVE
// turns connection reuse off, to tell a server bug from a client one.
func Transport() *http.Transport {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, loopbackAddr(addr))
		},
		MaxIdleConnsPerHost: 64,
		DisableKeepAlives:   os.Getenv("PORTOLAN_TEST_NOKEEPALIVE") != "",
	}
}

// loopbackAddr is addr with a localhost name replaced by 127.0.0.1, and
// any other addr unchanged.
func loopbackAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, "-localhost") {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}

// plainBody hides the SDK's request body type from net/http. The SDK's
// body closes itself once response headers arrive, and its WriteTo then
// reports io.EOF to net/http's final "anything more to send?" check, which
// closes the connection under a response still being read: "use of closed
// network connection", a few times in a thousand on loopback
// (aws-sdk-go-v2 issues 1825 and 2737); with large responses, every time.
// Handing net/http a buffered copy of the body avoids it.
type plainBody struct{ rt http.RoundTripper }

func (p plainBody) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.ContentLength = int64(len(b))
	}
	return p.rt.RoundTrip(req)
}
