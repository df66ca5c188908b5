package cloudmap_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/cloudmap"
)

// BenchmarkRegisterInstance measures RegisterInstance through the SDK and
// the HTTP endpoint, with parallel clients, each write durable.
func BenchmarkRegisterInstance(b *testing.B) {
	c, _ := benchClient(b)
	ctx := context.Background()
	op, _ := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("bench")})
	nsOut, _ := c.GetOperation(ctx, &sd.GetOperationInput{OperationId: op.OperationId})
	svc, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("s"), NamespaceId: aws.String(nsOut.Operation.Targets["NAMESPACE"]), HealthCheckCustomConfig: &types.HealthCheckCustomConfig{}})
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("i-%d", n.Add(1))
			if _, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: &id, Attributes: map[string]string{"AWS_INSTANCE_IPV4": "10.0.0.1"}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDiscoverInstances10k measures DiscoverInstances over HTTP on one
// service holding 10,000 instances, with a plain keep-alive client so the
// figure is the server's, and reports the p99 latency.
func BenchmarkDiscoverInstances10k(b *testing.B) {
	c, env := benchClient(b)
	ctx := context.Background()
	op, _ := c.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("big")})
	nsOut, _ := c.GetOperation(ctx, &sd.GetOperationInput{OperationId: op.OperationId})
	svc, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("s"), NamespaceId: aws.String(nsOut.Operation.Targets["NAMESPACE"]), HealthCheckCustomConfig: &types.HealthCheckCustomConfig{}})
	if err != nil {
		b.Fatal(err)
	}
	reg := env.CloudMap
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= 10000; i = next.Add(1) {
				if _, err := reg.RegisterInstance(ctx, &cloudmap.RegisterInstanceInput{ServiceId: *svc.Service.Id, InstanceId: fmt.Sprintf("i-%d", i),
					Attributes: map[string]string{"AWS_INSTANCE_IPV4": fmt.Sprintf("10.0.%d.%d", i/256, i%256), "AWS_INSTANCE_PORT": "8080"}}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	url := strings.Replace(env.Endpoint, "localhost", "127.0.0.1", 1) + "/"
	body := []byte(`{"NamespaceName":"big","ServiceName":"s","HealthStatus":"HEALTHY"}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	var mu sync.Mutex
	var lat []time.Duration
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t := time.Now()
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("X-Amz-Target", "Route53AutoNaming_v20170314.DiscoverInstances")
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
			mine = append(mine, time.Since(t))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
}
