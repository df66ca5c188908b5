// Command cloudmapload drives one Cloud Map endpoint with a fixed load
// through aws-sdk-go-v2, the same client for every server it is pointed at,
// and prints one line of results per phase. bench/cloudmap.sh runs it
// against moto and Portolan side by side.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
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
	return nil
}

func ip(i int) string { return fmt.Sprintf("10.%d.%d.%d", i/65536%256, i/256%256, i%256) }

// parallel runs n calls of f over conc workers and returns each call's latency.
func parallel(conc, n int, f func(i int) error) ([]time.Duration, time.Duration, error) {
	var (
		next  atomic.Int64
		mu    sync.Mutex
		lat   = make([]time.Duration, 0, n)
		first error
		wg    sync.WaitGroup
		start = time.Now()
	)
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t := time.Now()
				err := f(i)
				d := time.Since(t)
				mu.Lock()
				lat = append(lat, d)
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return lat, time.Since(start), first
}

// timed runs f from conc workers until dur has passed.
func timed(conc int, dur time.Duration, f func() error) ([]time.Duration, time.Duration, error) {
	deadline := time.Now().Add(dur)
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
			for time.Now().Before(deadline) {
				t := time.Now()
				err := f()
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
