package stack_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/portolan/portolan/internal/server/servertest"
)

// TestRollingDeploymentBehindGateway: a 4-task service behind an HTTP API
// is redeployed while clients call the API in a loop; every call succeeds,
// because tasks leave Cloud Map (and so the gateway) before they stop.
func TestRollingDeploymentBehindGateway(t *testing.T) {
	app := buildQuickstartApp(t)
	env := servertest.Start(t)
	tpl := quickstartTemplate(t)
	st, events, err := deploy(t, env, "rolling", tpl, map[string]string{"DesiredCount": "4"}, map[string]string{"app": app})
	if err != nil {
		t.Fatalf("deploy: %v\n%v", err, events)
	}
	endpoint := st.Resources["Api"].Attributes["ApiEndpoint"].(string)
	client := gatewayClient(env)
	var firstFailure atomic.Value
	call := func() bool {
		resp, err := client.Get(endpoint + "/hello")
		if err != nil {
			firstFailure.CompareAndSwap(nil, err.Error())
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			firstFailure.CompareAndSwap(nil, resp.Status+" "+string(b))
		}
		return resp.StatusCode == 200
	}
	ec := ecs.NewFromConfig(env.AWS)
	ctx := context.Background()
	stable := func() bool {
		out, err := ec.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("quickstart"), Services: []string{"hello"}})
		return err == nil && len(out.Services) == 1 && out.Services[0].RunningCount == 4 && len(out.Services[0].Deployments) == 1
	}
	eventually(t, "4 tasks answering", func() bool { return stable() && call() })
	tasks := func() map[string]bool {
		out, err := ec.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("quickstart"), ServiceName: aws.String("hello")})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, a := range out.TaskArns {
			m[a] = true
		}
		return m
	}
	before := tasks()

	var ok, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if call() {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	if _, err := ec.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("quickstart"), Service: aws.String("hello"), ForceNewDeployment: true}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let the new deployment start before waiting for stability
	eventually(t, "the rolling deployment to replace every task", func() bool {
		if !stable() {
			return false
		}
		for a := range tasks() {
			if before[a] {
				return false
			}
		}
		return true
	})
	close(stop)
	wg.Wait()
	t.Logf("%d calls during the deployment, %d failed", ok.Load()+failed.Load(), failed.Load())
	if failed.Load() != 0 || ok.Load() == 0 {
		t.Fatalf("%d of %d calls failed during a rolling deployment, the first: %v", failed.Load(), ok.Load()+failed.Load(), firstFailure.Load())
	}
}

// TestDeployCircuitBreaker: a stack whose service's tasks exit at once
// fails to deploy, as CloudFormation reports it, once the deployment
// circuit breaker trips; the stack rolls back and nothing is left running.
func TestDeployCircuitBreaker(t *testing.T) {
	env := servertest.Start(t)
	tpl := quickstartTemplate(t)
	start := time.Now()
	_, events, err := deploy(t, env, "broken", tpl, nil, map[string]string{"app": "/bin/false"})
	if err == nil || !strings.Contains(err.Error(), "ECS Deployment Circuit Breaker was triggered") {
		t.Fatalf("deploy of tasks that exit at once: %v", err)
	}
	t.Logf("deploy failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
	var rolledBack bool
	for _, e := range events {
		rolledBack = rolledBack || (e.ResourceType == "AWS::CloudFormation::Stack" && e.ResourceStatus == "ROLLBACK_COMPLETE")
	}
	if !rolledBack {
		t.Fatalf("no ROLLBACK_COMPLETE: %v", events)
	}
	// The rollback deleted the cluster, so no task is left on it.
	out, err := ecs.NewFromConfig(env.AWS).ListTasks(context.Background(), &ecs.ListTasksInput{Cluster: aws.String("quickstart")})
	var gone *ecstypes.ClusterNotFoundException
	if !errors.As(err, &gone) {
		t.Fatalf("cluster after rollback: %v, tasks %v; events %+v", err, out, events)
	}
}

// TestFailedReplacementKeepsTheOld: an update that replaces the ECS
// service (a new name) with one whose tasks exit at once fails on the
// circuit breaker and rolls back: the new service is deleted, and the old
// one, still running, is again the stack's resource.
func TestFailedReplacementKeepsTheOld(t *testing.T) {
	app := buildQuickstartApp(t)
	env := servertest.Start(t)
	ctx := context.Background()
	tpl := quickstartTemplate(t)
	images := map[string]string{"app": app, "broken": "/bin/false"}
	st, events, err := deploy(t, env, "replace", tpl, nil, images)
	if err != nil {
		t.Fatalf("deploy: %v\n%v", err, events)
	}
	old := st.Resources["Service"].PhysicalID

	broken := strings.Replace(strings.Replace(string(tpl), "ServiceName: hello", "ServiceName: hello2", 1), "Image: app", "Image: broken", 1)
	st, _, err = deploy(t, env, "replace", []byte(broken), nil, images)
	if err == nil || !strings.Contains(err.Error(), "ECS Deployment Circuit Breaker was triggered") || st.Status != "UPDATE_ROLLBACK_COMPLETE" {
		t.Fatalf("replacement by a broken service: %v, %s", err, st.Status)
	}
	if got := st.Resources["Service"].PhysicalID; got != old {
		t.Fatalf("the stack's service after the rollback is %s, want the old %s", got, old)
	}
	if got, _ := env.Server.Stacks.Get(ctx, "replace"); got == nil || got.Resources["Service"].PhysicalID != old {
		t.Fatalf("the stored stack lost the old service: %+v", got)
	}
	out, err := ecs.NewFromConfig(env.AWS).DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("quickstart"), Services: []string{"hello", "hello2"}})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, s := range out.Services {
		status[*s.ServiceName] = *s.Status
	}
	if status["hello"] != "ACTIVE" || status["hello2"] == "ACTIVE" || status["hello2"] == "DRAINING" {
		t.Fatalf("services after the rollback: %v", status)
	}
}
