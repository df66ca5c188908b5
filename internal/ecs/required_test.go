package ecs_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ecs/ecstest"
)

// TestRequiredMembers is generated from the SDK's own validators: for
// every operation, each required member left out (the others given) is
// refused with ECS's validation errors and changes nothing.
func TestRequiredMembers(t *testing.T) {
	e := ecstest.Start(t)
	if n := awstest.CheckRequired(t, ecs.NewFromConfig(e.AWS), e.Store.Revision, "InvalidParameterException", "ClientException"); n < 20 {
		t.Fatalf("only %d cases: the SDK's validators were not read", n)
	}
}

// TestEnumAndRangeMembers is generated from botocore's model of ECS: for
// every operation, each top-level enum member given a value outside its
// set (ECS's model has no top-level lengths or ranges) is refused with
// ECS's validation errors and changes nothing.
func TestEnumAndRangeMembers(t *testing.T) {
	e := ecstest.Start(t)
	model := awstest.LoadModel(t, "ecs")
	n := awstest.CheckConstraints(t, ecs.NewFromConfig(e.AWS), model, e.Store.Revision, awstest.Given{}, "InvalidParameterException", "ClientException")
	t.Logf("%d cases", n)
	if n < 20 {
		t.Fatalf("only %d cases: the model's constraints were not read", n)
	}
}
