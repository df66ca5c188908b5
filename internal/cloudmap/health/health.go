package health

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/portolan/portolan/internal/cloudmap"
)

// Defaults. AWS probes every 30 s from many regions; a development loop
// wants to see a dead task leave DNS sooner.
const (
	DefaultInterval = 10 * time.Second
	maxTimeout      = 2 * time.Second
	maxConcurrent   = 64 // probes in flight at once
	// userAgent is what Route 53 health checkers send, so an app that
	// recognises health checks by it behaves as it would on AWS.
	userAgent = "Amazon-Route53-Health-Check-Service (Portolan)"
)

// Config is what a Checker needs.
type Config struct {
	CloudMap *cloudmap.Control
	// Interval between rounds of probes; default DefaultInterval.
	Interval time.Duration
	// Timeout of one probe; default 2 s, and never longer than Interval.
	Timeout time.Duration
	Logger  *slog.Logger
}

// Checker probes the instances of services with a HealthCheckConfig.
type Checker struct {
	reg      *cloudmap.Control
	interval time.Duration
	timeout  time.Duration
	log      *slog.Logger
	client   *http.Client
	// failures counts consecutive failed probes per instance. Only Run's
	// goroutine touches it.
	failures map[target]int
}

type target struct{ serviceID, instanceID string }

// New returns a Checker; Run starts it.
func New(cfg Config) *Checker {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = maxTimeout
	}
	cfg.Timeout = min(cfg.Timeout, cfg.Interval)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	transport := &http.Transport{
		Proxy:             nil, // probes go straight to the instance, whatever HTTP_PROXY says
		DisableKeepAlives: true,
		// Route 53 does not validate the certificate of an HTTPS endpoint;
		// tasks serve self-signed ones.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}
	return &Checker{
		reg:      cfg.CloudMap,
		interval: cfg.Interval,
		timeout:  cfg.Timeout,
		log:      cfg.Logger,
		client: &http.Client{
			Transport: transport,
			// A redirect is an answer (3xx passes), not something to follow.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		failures: map[target]int{},
	}
}

// Run probes every Interval until ctx ends.
func (c *Checker) Run(ctx context.Context) error {
	defer c.client.CloseIdleConnections()
	tick := time.NewTicker(c.interval)
	defer tick.Stop()
	for {
		c.round(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

type probe struct {
	target
	threshold int
	current   string // the status the snapshot shows
	check     *cloudmap.HealthCheckConfig
	inst      *cloudmap.InstanceState
	err       error
}

// round probes everything the latest snapshot says needs a check, then
// writes the statuses that changed.
func (c *Checker) round(ctx context.Context) {
	snap := c.reg.View().Snapshot()
	if snap == nil {
		return
	}
	var probes []probe
	for _, ns := range snap.Namespaces() {
		for _, svc := range ns.Services {
			hc := svc.HealthCheckConfig
			if hc == nil {
				continue
			}
			threshold := 1
			if hc.FailureThreshold != nil {
				threshold = int(*hc.FailureThreshold)
			}
			for _, is := range svc.Instances {
				probes = append(probes, probe{target: target{svc.Id, is.Id}, threshold: threshold, current: is.Health, check: hc, inst: is})
			}
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxConcurrent)
	for i := range probes {
		p := &probes[i] // each goroutine writes only its own element
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			p.err = c.probe(ctx, p.check, p.inst)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return // a probe cut short by shutdown says nothing about the instance
	}

	seen := make(map[target]bool, len(probes))
	for _, p := range probes {
		seen[p.target] = true
		want := ""
		if p.err == nil {
			delete(c.failures, p.target)
			want = cloudmap.Healthy
		} else {
			n := min(c.failures[p.target]+1, p.threshold)
			c.failures[p.target] = n
			if n >= p.threshold {
				want = cloudmap.Unhealthy
			}
		}
		if want == "" || want == p.current {
			continue
		}
		if err := c.reg.SetHealth(ctx, p.serviceID, p.instanceID, want); err != nil {
			// Most likely deregistered since the snapshot; the next round
			// will not see it.
			c.log.Debug("health status not recorded", "serviceId", p.serviceID, "instanceId", p.instanceID, "err", err)
			continue
		}
		c.log.Info("instance health changed", "serviceId", p.serviceID, "instanceId", p.instanceID, "status", want, "reason", errString(p.err))
	}
	for t := range c.failures {
		if !seen[t] {
			delete(c.failures, t)
		}
	}
}

// probe runs one check. HTTP(S) passes on 200 ≤ status < 400 (spec §A.4),
// TCP on an accepted connection.
func (c *Checker) probe(ctx context.Context, hc *cloudmap.HealthCheckConfig, is *cloudmap.InstanceState) error {
	addr := is.IPv4
	if !addr.IsValid() {
		addr = is.IPv6
	}
	if !addr.IsValid() {
		return errors.New("instance has no AWS_INSTANCE_IPV4")
	}
	if _, ok := is.Attributes[cloudmap.AttrPort]; !ok {
		return errors.New("instance has no AWS_INSTANCE_PORT")
	}
	hostport := netip.AddrPortFrom(addr, is.Port).String()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	switch hc.Type {
	case "TCP":
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", hostport)
		if err != nil {
			return err
		}
		return conn.Close()
	case "HTTP", "HTTPS":
		path := hc.ResourcePath
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.ToLower(hc.Type)+"://"+hostport+path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("User-Agent", userAgent)
		resp, err := c.client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode >= 400 {
			return fmt.Errorf("HTTP status %d", resp.StatusCode)
		}
		return nil
	}
	return fmt.Errorf("unknown health check type %q", hc.Type)
}

func errString(err error) string {
	if err == nil {
		return "probe passed"
	}
	return err.Error()
}
