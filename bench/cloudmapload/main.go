// Command cloudmapload drives one Cloud Map endpoint with a fixed load
// through aws-sdk-go-v2 (and, for DiscoverInstances, also a plain HTTP
// client), the same client for every server it is pointed at,
// and prints one line of results per phase. bench/cloudmap.sh runs it
// against moto and Portolan side by side.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/server/servertest"
)

func main() {
	endpoint := flag.String("endpoint", "http://localhost:4566", "Cloud Map endpoint")
	name := flag.String("name", "server", "label for the output")
	register := flag.Int("register", 2000, "instances to register in the register phase")
	large := flag.Int("large", 10000, "instances in the one large service for the discover phase")
	concurrency := flag.Int("c", 16, "concurrent clients")
	duration := flag.Duration("d", 5*time.Second, "length of the discover phase")
	flag.Parse()
	if err := run(*endpoint, *name, *register, *large, *concurrency, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "cloudmapload:", err)
		os.Exit(1)
	}
}

func run(endpoint, name string, register, large, conc int, dur time.Duration) error {
	ctx := context.Background()
	c := sd.NewFromConfig(servertest.Config(endpoint, "test", "test"))
	nsName := fmt.Sprintf("bench%d.local", time.Now().UnixNano()%1e6)
	op, err := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: &nsName})
	if err != nil {
		return err
	}
	got, err := c.GetOperation(ctx, &sd.GetOperationInput{OperationId: op.OperationId})
	if err != nil {
		return err
	}
	nsID := got.Operation.Targets["NAMESPACE"]
	mkService := func(n string) (string, error) {
		out, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String(n), NamespaceId: &nsID, HealthCheckCustomConfig: &types.HealthCheckCustomConfig{}})
		if err != nil {
			return "", err
		}
		return *out.Service.Id, nil
	}
	small, err := mkService("small")
	if err != nil {
		return err
	}
	big, err := mkService("big")
	if err != nil {
		return err
	}

	// Phase 1: RegisterInstance throughput.
	regLat, regElapsed, err := parallel(conc, register, func(i int) error {
		_, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: &small, InstanceId: aws.String(fmt.Sprintf("i-%d", i)),
			Attributes: map[string]string{"AWS_INSTANCE_IPV4": ip(i), "AWS_INSTANCE_PORT": "8080"}})
		return err
	})
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	report(name, "RegisterInstance", regLat, regElapsed)

	// Phase 2: fill one service with `large` instances, then DiscoverInstances on it for a fixed time.
	if _, _, err := parallel(conc, large, func(i int) error {
		_, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: &big, InstanceId: aws.String(fmt.Sprintf("b-%d", i)),
			Attributes: map[string]string{"AWS_INSTANCE_IPV4": ip(i), "AWS_INSTANCE_PORT": "8080", "shard": fmt.Sprint(i % 10)}})
		return err
	}); err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	for _, svc := range []string{"small", "big"} {
		lat, elapsed, err := timed(conc, dur, func() error {
			out, err := c.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: &nsName, ServiceName: aws.String(svc), HealthStatus: types.HealthStatusFilterHealthy})
			if err == nil && len(out.Instances) == 0 {
				err = fmt.Errorf("no instances discovered")
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("discover %s: %w", svc, err)
		}
		report(name, "DiscoverInstances/"+svc, lat, elapsed)
	}

	// Phase 3: the same calls from a plain keep-alive HTTP client that reads
	// each answer without decoding it. With the SDK decoding 100 instances
	// per answer on one core, phase 2 can measure the client more than a
	// fast server; this measures the servers.
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	for _, svc := range []string{"small", "big"} {
		body := fmt.Sprintf(`{"NamespaceName":%q,"ServiceName":%q,"HealthStatus":"HEALTHY"}`, nsName, svc)
		lat, elapsed, err := timed(conc, dur, func() error { return rawDiscover(hc, endpoint, body) })
		if err != nil {
			return fmt.Errorf("raw discover %s: %w", svc, err)
		}
		report(name, "DiscoverRaw/"+svc, lat, elapsed)
	}
	return nil
}

// rawDiscover sends one DiscoverInstances call as the awsJson1_1 protocol
// frames it and reads the whole answer.
func rawDiscover(hc *http.Client, endpoint, body string) error {
	req, err := http.NewRequest("POST", endpoint+"/", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Route53AutoNaming_v20170314.DiscoverInstances")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/servicediscovery/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil && (resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"InstanceId"`))) {
		err = fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
	}
	return err
}

func ip(i int) string { return fmt.Sprintf("10.%d.%d.%d", i/65536%256, i/256%256, i%256) }

// parallel runs n calls of f over conc workers and returns each call's latency.
func parallel(conc, n int, f func(i int) error) ([]time.Duration, time.Duration, error) {
	var next atomic.Int64
	return workers(conc, func() (int, bool) {
		i := int(next.Add(1)) - 1
		return i, i < n
	}, f)
}

// timed runs f from conc workers until dur has passed.
func timed(conc int, dur time.Duration, f func() error) ([]time.Duration, time.Duration, error) {
	deadline := time.Now().Add(dur)
	return workers(conc, func() (int, bool) { return 0, time.Now().Before(deadline) }, func(int) error { return f() })
}

// workers calls f from conc goroutines for as long as more hands out a
// call index, each goroutine stopping at its first error, and returns every
// call's latency, the wall time and the first error. Latencies are kept per
// goroutine and merged at the end, so workers share no lock per call.
func workers(conc int, more func() (int, bool), f func(i int) error) ([]time.Duration, time.Duration, error) {
	var (
		mu    sync.Mutex
		lat   []time.Duration
		first error
		wg    sync.WaitGroup
		start = time.Now()
	)
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for {
				i, ok := more()
				if !ok {
					break
				}
				t := time.Now()
				err := f(i)
				mine = append(mine, time.Since(t))
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					break
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return lat, time.Since(start), first
}

func report(name, phase string, lat []time.Duration, elapsed time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	fmt.Printf("%-10s %-26s ops=%-7d ops/s=%-9.0f p50=%-9s p99=%s\n", name, phase, len(lat), float64(len(lat))/elapsed.Seconds(), q(0.5).Round(time.Microsecond), q(0.99).Round(time.Microsecond))
}
