package onetcd_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/store/etcdtest"
)

// BenchmarkStoreWriteLatency is the latency of an API write (ECS
// CreateCluster through the SDK, one durable store transaction) on the
// bolt store, on a local single-member etcd and on a local 3-member etcd,
// side by side: one client in sequence (c=1) and 16 at once (c=16).
func BenchmarkStoreWriteLatency(b *testing.B) {
	stores := []struct {
		name  string
		store func(b *testing.B) string
	}{
		{"bolt", func(*testing.B) string { return "" }},
		{"etcd", func(b *testing.B) string {
			return "etcd://" + etcdtest.Start(b, "127.0.10.4", b.TempDir()).Client
		}},
		{"etcd3", func(b *testing.B) string {
			members := etcdtest.StartCluster(b, []string{"127.0.10.21", "127.0.10.22", "127.0.10.23"}, b.TempDir())
			return "etcd://" + strings.Join(etcdtest.Endpoints(members), ",")
		}},
	}
	for _, st := range stores {
		for _, clients := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/c=%d", st.name, clients), func(b *testing.B) {
				loc := st.store(b)
				env := servertest.Start(b, func(c *server.Config) { c.Store.Location = loc })
				createClusters(b, ecs.NewFromConfig(env.AWS), clients)
			})
		}
	}
}

// createClusters makes b.N clusters from clients goroutines and reports
// the latency percentiles of the calls.
func createClusters(b *testing.B, c *ecs.Client, clients int) {
	lat := make([]time.Duration, b.N)
	var (
		wg   sync.WaitGroup
		next = make(chan int)
	)
	b.ResetTimer()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				start := time.Now()
				if _, err := c.CreateCluster(context.Background(), &ecs.CreateClusterInput{ClusterName: aws.String(fmt.Sprintf("c%d", i))}); err != nil {
					b.Error(err)
				}
				lat[i] = time.Since(start)
			}
		}()
	}
	for i := range b.N {
		next <- i
	}
	close(next)
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
