package ecs_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/portolan/portolan/internal/ecs/ecstest"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
)

// BenchmarkRunTaskToRunning measures, on the process runtime, the time from
// RunTask acknowledged to the task RUNNING (read in-process every 200 µs,
// so the figure is not a polling artefact), and reports p50 and p99.
func BenchmarkRunTaskToRunning(b *testing.B) {
	app := runtimetest.BuildApp(b)
	env := ecstest.Start(b)
	c := ecs.NewFromConfig(env.AWS)
	ctx := context.Background()
	c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("bench")})
	td, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("bench"), NetworkMode: types.NetworkModeAwsvpc,
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("web"), Image: aws.String(app), PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(8080)}}}}})
	if err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("bench"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn, LaunchType: types.LaunchTypeFargate, NetworkConfiguration: awsvpc})
		if err != nil {
			b.Fatal(err)
		}
		acked := time.Now()
		arn := *out.Tasks[0].TaskArn
		id := arn[strings.LastIndex(arn, "/")+1:]
		for {
			task, err := env.ECS.Task(ctx, "bench", id)
			if err == nil && task.LastStatus == "RUNNING" {
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(acked))
		b.StopTimer()
		c.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("bench"), Task: &arn})
		b.StartTimer()
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
