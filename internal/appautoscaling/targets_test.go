package appautoscaling_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
)

// TestScalableTargets: registering puts the service's desired count into
// the range at once, as an activity; re-registering changes the range and
// suspended state; bad input gets AWS's errors and changes nothing.
func TestScalableTargets(t *testing.T) {
	f := start(t, 1)
	f.register(t, 2, 5)
	if got := f.desired(t); got != 2 {
		t.Fatalf("desired count = %d after registering min 2, want 2", got)
	}
	acts := f.activities(t, 1)
	if len(acts) != 1 || *acts[0].Description != "Setting desired count to 2." || acts[0].StatusCode != aastypes.ScalingActivityStatusCodeSuccessful {
		t.Errorf("activities = %+v", acts)
	}
	_, err := f.scaling.RegisterScalableTarget(f.ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MaxCapacity: aws.Int32(8),
		SuspendedState: &aastypes.SuspendedState{DynamicScalingInSuspended: aws.Bool(true)}})
	must(t, err)
	out, err := f.scaling.DescribeScalableTargets(f.ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	must(t, err)
	if len(out.ScalableTargets) != 1 {
		t.Fatalf("targets = %+v", out.ScalableTargets)
	}
	st := out.ScalableTargets[0]
	if *st.MinCapacity != 2 || *st.MaxCapacity != 8 || *st.ResourceId != resource || !*st.SuspendedState.DynamicScalingInSuspended || st.ScalableTargetARN == nil {
		t.Errorf("target = %+v", st)
	}

	rev := f.Store.Revision()
	for _, c := range []struct {
		in   *aas.RegisterScalableTargetInput
		code string
	}{
		{&aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/dev/nope"),
			ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(2)}, "ValidationException"},
		{&aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(resource),
			ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: aws.Int32(9)}, "ValidationException"},
		{&aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("dev/web"),
			ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(2)}, "ValidationException"},
		{&aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceDynamodb, ResourceId: aws.String("table/t"),
			ScalableDimension: aastypes.ScalableDimensionDynamoDBTableReadCapacityUnits, MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(2)}, "ValidationException"},
	} {
		_, err := f.scaling.RegisterScalableTarget(f.ctx, c.in)
		awstest.WantCode(t, err, c.code)
	}
	_, err = f.scaling.DeregisterScalableTarget(f.ctx, &aas.DeregisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String("service/dev/other"), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount})
	e := awstest.WantCode(t, err, "ObjectNotFoundException")
	if e.ErrorMessage() != "No scalable target registered for service namespace: ecs, resource ID: service/dev/other, scalable dimension: ecs:service:DesiredCount" {
		t.Errorf("message = %q", e.ErrorMessage())
	}
	if got := f.Store.Revision(); got != rev {
		t.Errorf("revision %d -> %d after refused requests", rev, got)
	}
	_, err = f.scaling.DeregisterScalableTarget(f.ctx, &aas.DeregisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount})
	must(t, err)
	out, err = f.scaling.DescribeScalableTargets(f.ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	must(t, err)
	if len(out.ScalableTargets) != 0 {
		t.Errorf("targets after deregistering = %+v", out.ScalableTargets)
	}
}
