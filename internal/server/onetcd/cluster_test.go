package onetcd_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/store/etcdtest"
)

// TestServerOnEtcdClusterMemberLoss: a server on a 3-member etcd keeps
// serving while the leading member is killed (SIGKILL) and restarted,
// three times; every write it acknowledged is there afterwards.
func TestServerOnEtcdClusterMemberLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 3-member etcd")
	}
	members := etcdtest.StartCluster(t, []string{"127.0.10.31", "127.0.10.32", "127.0.10.33"}, t.TempDir())
	env := servertest.Start(t, func(c *server.Config) {
		c.Store.Location = "etcd://" + strings.Join(etcdtest.Endpoints(members), ",")
	})
	c := ecs.NewFromConfig(env.AWS)
	ctx := context.Background()
	var acked []string
	create := func(n int) {
		for range n {
			name := fmt.Sprintf("c%d", len(acked))
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			_, err := c.CreateCluster(cctx, &ecs.CreateClusterInput{ClusterName: aws.String(name)})
			cancel()
			if err == nil {
				acked = append(acked, name)
			}
		}
	}
	for range 3 { // each time the member that leads
		create(40)
		leader := etcdtest.Leader(t, members)
		leader.Kill()
		create(40)
		leader.Restart(t)
	}
	if len(acked) < 200 {
		t.Fatalf("only %d of 240 writes acknowledged around the member losses", len(acked))
	}
	for i := 0; i < len(acked); i += 100 {
		out, err := c.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: acked[i:min(i+100, len(acked))]})
		if err != nil || len(out.Clusters) != min(100, len(acked)-i) || len(out.Failures) != 0 {
			t.Fatalf("acknowledged clusters after the member losses: %d found, %+v, %v", len(out.Clusters), out.Failures, err)
		}
	}
	t.Logf("%d of 240 writes acknowledged", len(acked))
}
