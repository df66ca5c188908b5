package cloudmap_test

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestKill9KeepsAcknowledgedWrites registers instances from concurrent
// clients, SIGKILLs the server mid-stream, restarts it on the same data
// dir, and checks that every acknowledged registration survived whole.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	dataDir := t.TempDir()
	port := servertest.FreePort(t)
	srv := servertest.StartProcess(t, dataDir, port)
	url := fmt.Sprintf("http://localhost:%d", port)
	c := sd.NewFromConfig(servertest.Config(url, "test", "test"))
	ctx := context.Background()

	op, err := c.CreatePrivateDnsNamespace(ctx, &sd.CreatePrivateDnsNamespaceInput{Name: aws.String("crash.local"), Vpc: aws.String("vpc-1")})
	if err != nil {
		t.Fatal(err)
	}
	nsID := mustOp(t, c, op.OperationId).Targets["NAMESPACE"]
	svc, err := c.CreateService(ctx, &sd.CreateServiceInput{Name: aws.String("web"), NamespaceId: &nsID, HealthCheckCustomConfig: &types.HealthCheckCustomConfig{},
		DnsConfig: &types.DnsConfig{DnsRecords: []types.DnsRecord{{Type: types.RecordTypeA, TTL: aws.Int64(5)}}}})
	if err != nil {
		t.Fatal(err)
	}

	var (
		mu    sync.Mutex
		acked = map[string]string{} // instance id -> operation id
		wg    sync.WaitGroup
	)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				out, err := c.RegisterInstance(ctx, &sd.RegisterInstanceInput{ServiceId: svc.Service.Id, InstanceId: &id,
					Attributes: map[string]string{"AWS_INSTANCE_IPV4": fmt.Sprintf("10.%d.%d.%d", w, i/250, i%250+1), "AWS_INIT_HEALTH_STATUS": "UNHEALTHY"}})
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked[id] = *out.OperationId
				mu.Unlock()
			}
		}(w)
	}
	time.Sleep(700 * time.Millisecond)
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	wg.Wait()
	if len(acked) < 50 {
		t.Fatalf("only %d registrations acknowledged before the kill; the test proves little", len(acked))
	}

	servertest.StartProcess(t, dataDir, port)
	var listed []types.InstanceSummary
	p := sd.NewListInstancesPaginator(c, &sd.ListInstancesInput{ServiceId: svc.Service.Id})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, out.Instances...)
	}
	present := map[string]bool{}
	for _, in := range listed {
		present[*in.Id] = true
	}
	for id, opID := range acked {
		if !present[id] {
			t.Errorf("acknowledged instance %s lost", id)
		}
		mustOp(t, c, &opID)
	}
	// At most the writes in flight at the kill may have landed unacknowledged.
	if extra := len(present) - len(acked); extra < 0 || extra > 8 {
		t.Errorf("%d instances present, %d acknowledged", len(present), len(acked))
	}
	// Every instance is whole: its health record came in the same transaction.
	health, err := c.GetInstancesHealthStatus(ctx, &sd.GetInstancesHealthStatusInput{ServiceId: svc.Service.Id, MaxResults: aws.Int32(100)})
	if err != nil {
		t.Fatal(err)
	}
	for id, st := range health.Status {
		if st != "UNHEALTHY" {
			t.Errorf("instance %s health %s, want the UNHEALTHY it was registered with", id, st)
		}
	}
	got, _ := c.GetService(ctx, &sd.GetServiceInput{Id: svc.Service.Id})
	if int(*got.Service.InstanceCount) != len(present) {
		t.Errorf("InstanceCount %d, listed %d", *got.Service.InstanceCount, len(present))
	}
	disc, err := c.DiscoverInstances(ctx, &sd.DiscoverInstancesInput{NamespaceName: aws.String("crash.local"), ServiceName: aws.String("web"), MaxResults: aws.Int32(1000)})
	if err != nil || len(disc.Instances) != min(len(present), 1000) {
		t.Fatalf("discover after restart: %d instances (%v), want %d", len(disc.Instances), err, len(present))
	}
	t.Logf("%d registrations acknowledged before kill -9, all present after restart", len(acked))
}
