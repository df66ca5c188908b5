package appautoscaling_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/portolan/portolan/internal/appautoscaling/appautoscalingtest"
)

// fixture is a harness with one ECS service, service/dev/web.
type fixture struct {
	*appautoscalingtest.Env
	ecs     *ecs.Client
	scaling *aas.Client
	ctx     context.Context
}

const resource = "service/dev/web"

func start(t *testing.T, desired int32) *fixture {
	t.Helper()
	env := appautoscalingtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	f := &fixture{Env: env, ecs: ecs.NewFromConfig(env.AWS), scaling: aas.NewFromConfig(env.AWS), ctx: ctx}
	_, err := f.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("dev")})
	must(t, err)
	td, err := f.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("web"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("web")}}})
	must(t, err)
	_, err = f.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("dev"), ServiceName: aws.String("web"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(desired), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}})
	must(t, err)
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) register(t *testing.T, min, max int32) {
	t.Helper()
	_, err := f.scaling.RegisterScalableTarget(f.ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: aws.Int32(min), MaxCapacity: aws.Int32(max)})
	must(t, err)
}

func (f *fixture) desired(t *testing.T) int32 {
	t.Helper()
	out, err := f.ecs.DescribeServices(f.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("dev"), Services: []string{"web"}})
	must(t, err)
	return out.Services[0].DesiredCount
}

// waitDesired polls until the service's desired count is want; publish,
// if set, runs before every poll (the load).
func (f *fixture) waitDesired(t *testing.T, want int32, publish func()) {
	t.Helper()
	for {
		if publish != nil {
			publish()
		}
		got := f.desired(t)
		if got == want {
			return
		}
		select {
		case <-f.ctx.Done():
			t.Fatalf("desired count stayed %d, want %d", got, want)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// activities waits for the scaling activities to number n (the activity
// is recorded just after ECS takes the new desired count) and returns them.
func (f *fixture) activities(t *testing.T, n int) []aastypes.ScalingActivity {
	t.Helper()
	for {
		out, err := f.scaling.DescribeScalingActivities(f.ctx, &aas.DescribeScalingActivitiesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(resource)})
		must(t, err)
		if len(out.ScalingActivities) >= n {
			return out.ScalingActivities
		}
		select {
		case <-f.ctx.Done():
			t.Fatalf("%d scaling activities, want %d", len(out.ScalingActivities), n)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
