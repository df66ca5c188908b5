package server_test

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/moby/moby/client"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/portolan/portolan/internal/cloudwatch"
	"github.com/portolan/portolan/internal/ecs/runtime/docker"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestDockerServiceUtilization: on the docker runtime, a service whose
// task burns a fifth of a CPU against a quarter reserved shows it in
// AWS/ECS CPUUtilization (from the engine's cgroup statistics), and its
// memory in MemoryUtilization; /metrics shows the task's CPU seconds and
// memory bytes from the same engine statistics. Skipped without a Docker engine.
func TestDockerServiceUtilization(t *testing.T) {
	cli := servertest.DockerEngine(t)
	tag := "portolan-metrics-burner:" + strconv.Itoa(os.Getpid())
	if err := docker.BuildScratchImage(context.Background(), cli, tag, servertest.BuildApp(t, "./internal/server/testdata/burner")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true}) })
	env := servertest.Start(t, func(c *server.Config) { c.Runtime = "docker"; c.MetricPeriod = time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ecsc := ecs.NewFromConfig(env.AWS)
	_, err := ecsc.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("metrics")})
	must(t, err)
	td, err := ecsc.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("burner"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("burner"), Image: aws.String(tag)}}})
	must(t, err)
	_, err = ecsc.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("metrics"), ServiceName: aws.String("burn"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}})
	must(t, err)
	period := 60
	dims := []cloudwatch.Dimension{{Name: "ClusterName", Value: "metrics"}, {Name: "ServiceName", Value: "burn"}}
	for {
		now := time.Now().UTC()
		stats := func(name string) []cloudwatch.Datapoint {
			out, err := env.Server.CloudWatch.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: "AWS/ECS", MetricName: name,
				Dimensions: dims, StartTime: now.Add(-20 * time.Second).Format(time.RFC3339), EndTime: now.Format(time.RFC3339), Period: &period, Statistics: []string{"Average"}})
			must(t, err)
			return out.Datapoints
		}
		busy := 0
		for _, d := range stats("CPUUtilization") {
			if *d.Average > 40 && d.Unit == "Percent" {
				busy++
			}
		}
		mem := stats("MemoryUtilization")
		if busy >= 3 && len(mem) > 0 && *mem[len(mem)-1].Average > 0 {
			dockerTaskUsage(t, env)
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no busy CPUUtilization from the docker task: %d busy periods, memory %+v", busy, mem)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// dockerTaskUsage: /metrics has the burner task's CPU time (it burns a
// fifth of a CPU, so several tenths of a second by now) and memory, from
// the engine.
func dockerTaskUsage(t *testing.T, env *servertest.Env) {
	t.Helper()
	resp, err := http.Get("http://" + env.Server.APIAddr() + "/metrics")
	must(t, err)
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	must(t, err)
	l := map[string]string{"cluster": "metrics", "service": "burn", "family": "burner"}
	if cpu, mem := value(fams, "portolan_ecs_task_cpu_seconds_total", l), value(fams, "portolan_ecs_task_memory_bytes", l); cpu < 0.1 || mem <= 0 {
		t.Fatalf("the docker task in /metrics: %v CPU seconds, %v memory bytes", cpu, mem)
	}
}
