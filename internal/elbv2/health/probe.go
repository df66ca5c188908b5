package health

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Protocol is a target group's HealthCheckProtocol.
type Protocol string

// The health check protocols of an NLB target group.
const (
	TCP   Protocol = "TCP"
	HTTP  Protocol = "HTTP"
	HTTPS Protocol = "HTTPS"
)

// AWS's reason codes and descriptions (DescribeTargetHealth's TargetHealth).
const (
	ReasonTimeout              = "Target.Timeout"
	ReasonResponseCodeMismatch = "Target.ResponseCodeMismatch"
	ReasonFailedHealthChecks   = "Target.FailedHealthChecks"

	descriptionTimeout = "Request timed out"
	descriptionFailed  = "Health checks failed"
)

// userAgent is what AWS's health checker sends; targets' access logs and
// filters recognise it.
const userAgent = "ELB-HealthChecker/2.0"

// result is one probe's outcome: ok, or the State a failure would report.
type result struct {
	ok   bool
	fail State
}

var (
	passed   = result{ok: true}
	timedOut = result{fail: State{Reason: ReasonTimeout, Description: descriptionTimeout}}
	failed   = result{fail: State{Reason: ReasonFailedHealthChecks, Description: descriptionFailed}}
)

// prober runs single probes. Its HTTP client keeps no idle connections:
// every probe opens its own, as a health check must test connecting too.
type prober struct {
	dialer net.Dialer
	client *http.Client
}

func newProber() *prober {
	transport := &http.Transport{
		DisableKeepAlives: true,
		Proxy:             nil, // a health check never goes through HTTP_PROXY
		// AWS does not validate targets' certificates.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // as AWS does
	}
	return &prober{client: &http.Client{
		Transport: transport,
		// A redirect is an answer to match against the Matcher, not to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (p *prober) probe(ctx context.Context, c *Check, m matcher) result {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	switch c.Protocol {
	case HTTP, HTTPS:
		return p.probeHTTP(ctx, c, m)
	default:
		return p.probeTCP(ctx, c)
	}
}

func (p *prober) probeTCP(ctx context.Context, c *Check) result {
	conn, err := p.dialer.DialContext(ctx, "tcp", c.Address)
	if err != nil {
		return failure(ctx, err)
	}
	_ = conn.Close()
	return passed
}

func (p *prober) probeHTTP(ctx context.Context, c *Check, m matcher) result {
	scheme := "http"
	if c.Protocol == HTTPS {
		scheme = "https"
	}
	path := c.Path
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+c.Address+path, nil)
	if err != nil {
		return failed
	}
	if c.Host != "" {
		req.Host = c.Host
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := p.client.Do(req)
	if err != nil {
		return failure(ctx, err)
	}
	// The body is not part of the verdict, but reading a little lets a
	// target finish writing before the connection closes.
	_, _ = io.CopyN(io.Discard, resp.Body, 4096)
	_ = resp.Body.Close()
	if m.matches(resp.StatusCode) {
		return passed
	}
	return result{fail: State{
		Reason:      ReasonResponseCodeMismatch,
		Description: fmt.Sprintf("Health checks failed with these codes: [%d]", resp.StatusCode),
	}}
}

func failure(ctx context.Context, err error) result {
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || (errors.As(err, &netErr) && netErr.Timeout()) {
		return timedOut
	}
	return failed
}

func (p *prober) close() {
	p.client.CloseIdleConnections()
}

// firstProbeDelay spreads targets' first probes over one interval, so a
// thousand targets registered at once are not probed in the same instant.
// It is derived from the target's identity, so it is stable across restarts.
func firstProbeDelay(k checkKey, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	var h uint64 = 14695981039346656037 // FNV-1a
	for _, s := range [...]string{k.targetGroupID, "\x00", k.targetKey} {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
	}
	return time.Duration(h % uint64(interval))
}
