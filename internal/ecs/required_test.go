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
