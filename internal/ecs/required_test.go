package ecs_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

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
// set, and each member of a structure one level down breaking its value
// set or range, is refused with
// ECS's validation errors and changes nothing. The other members are
// valid (a registered task definition, a setting that is set), so that
// only the member under test is wrong.
func TestEnumAndRangeMembers(t *testing.T) {
	e := ecstest.Start(t)
	c := ecs.NewFromConfig(e.AWS)
	ctx := context.Background()
	if _, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("td"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("c"), Image: aws.String("img"), Memory: aws.Int32(128)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutAccountSetting(ctx, &ecs.PutAccountSettingInput{Name: types.SettingNameServiceLongArnFormat, Value: aws.String("enabled")}); err != nil {
		t.Fatal(err)
	}
	cluster, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("c")})
	if err != nil {
		t.Fatal(err)
	}
	given := awstest.Given{
		"TagResource.ResourceArn":                                     aws.ToString(cluster.Cluster.ClusterArn),
		"PutClusterCapacityProviders.DefaultCapacityProviderStrategy": []types.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE"), Weight: 1}},
		"TaskDefinition":                                              "td", "CreateService.TaskDefinition": "td", "CreateService.DesiredCount": aws.Int32(0),
		"PutAccountSetting.Value": "enabled", "PutAccountSettingDefault.Value": "enabled",
		"PutClusterCapacityProviders.CapacityProviders": []string{"FARGATE"},
		"TagResource.Tags":                            []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
		"UpdateClusterSettings.Settings":              []types.ClusterSetting{{Name: types.ClusterSettingNameContainerInsights, Value: aws.String("enabled")}},
		"RegisterTaskDefinition.ContainerDefinitions": []types.ContainerDefinition{{Name: aws.String("c"), Image: aws.String("img"), Memory: aws.Int32(128)}},
	}
	model := awstest.LoadModel(t, "ecs")
	n := awstest.CheckConstraints(t, c, model, e.Store.Revision, given, "InvalidParameterException", "ClientException")
	t.Logf("%d cases", n)
	if n < 40 {
		t.Fatalf("only %d cases: the model's constraints were not read", n)
	}
}
