package ecs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"errors"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

func errCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return fmt.Sprint(err)
}

// TestAccountSettings: a setting put for the account is the default of
// every principal and of new clusters' containerInsights; a principal's
// own setting wins over it for that principal; effective settings fill in
// AWS's defaults; deleting falls back again.
func TestAccountSettings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	role := "arn:aws:iam::000000000000:role/deployer"
	if _, err := f.ecs.PutAccountSettingDefault(ctx, &ecs.PutAccountSettingDefaultInput{Name: types.SettingNameContainerInsights, Value: aws.String("maybe")}); errCode(err) != "InvalidParameterException" {
		t.Fatalf("a bad value = %v, want InvalidParameterException", err)
	}
	if _, err := f.ecs.PutAccountSetting(ctx, &ecs.PutAccountSettingInput{Name: types.SettingNameContainerInsights, Value: aws.String("enabled"), PrincipalArn: aws.String("arn:aws:s3:::bucket")}); errCode(err) != "InvalidParameterException" {
		t.Fatalf("a principal that is no IAM identity = %v, want InvalidParameterException", err)
	}
	if _, err := f.ecs.PutAccountSettingDefault(ctx, &ecs.PutAccountSettingDefaultInput{Name: types.SettingNameContainerInsights, Value: aws.String("enhanced")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ecs.PutAccountSetting(ctx, &ecs.PutAccountSettingInput{Name: types.SettingNameContainerInsights, Value: aws.String("disabled"), PrincipalArn: &role}); err != nil {
		t.Fatal(err)
	}
	effective := func(principal *string) map[string]string {
		out, err := f.ecs.ListAccountSettings(ctx, &ecs.ListAccountSettingsInput{EffectiveSettings: true, PrincipalArn: principal, MaxResults: 100})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, s := range out.Settings {
			m[string(s.Name)] = *s.Value + "/" + string(s.Type)
		}
		return m
	}
	if got := effective(&role); got["containerInsights"] != "disabled/user" || got["taskLongArnFormat"] != "enabled/aws_managed" || len(got) != 10 {
		t.Fatalf("the role's effective settings: %v", got)
	}
	if got := effective(nil); got["containerInsights"] != "enhanced/user" {
		t.Fatalf("the account's effective settings: %v", got)
	}
	out := must(f.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("insightful")}))(t)
	if s := out.Cluster.Settings; len(s) != 1 || *s[0].Value != "enhanced" {
		t.Fatalf("a new cluster's settings: %+v", s)
	}

	if _, err := f.ecs.DeleteAccountSetting(ctx, &ecs.DeleteAccountSettingInput{Name: types.SettingNameContainerInsights, PrincipalArn: &role}); err != nil {
		t.Fatal(err)
	}
	if got := effective(&role); got["containerInsights"] != "enhanced/user" {
		t.Fatalf("the role after its own setting went: %v", got)
	}
	if _, err := f.ecs.DeleteAccountSetting(ctx, &ecs.DeleteAccountSettingInput{Name: types.SettingNameContainerInsights, PrincipalArn: &role}); errCode(err) != "InvalidParameterException" {
		t.Fatalf("deleting it again = %v", err)
	}
	put, err := f.ecs.ListAccountSettings(ctx, &ecs.ListAccountSettingsInput{})
	if err != nil || len(put.Settings) != 1 || !strings.HasSuffix(*put.Settings[0].PrincipalArn, ":root") {
		t.Fatalf("settings put: %+v, %v", put, err)
	}
}

// TestClusterUpdatesAndCapacityProviders: settings and configuration
// change in place; Service Connect is refused; capacity providers are
// validated, bound the strategies services and tasks may use, and cannot
// be taken from a service that runs on them.
func TestClusterUpdatesAndCapacityProviders(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	upd := must(f.ecs.UpdateCluster(ctx, &ecs.UpdateClusterInput{Cluster: aws.String("dev"),
		Settings:      []types.ClusterSetting{{Name: types.ClusterSettingNameContainerInsights, Value: aws.String("enabled")}},
		Configuration: &types.ClusterConfiguration{ExecuteCommandConfiguration: &types.ExecuteCommandConfiguration{Logging: types.ExecuteCommandLoggingDefault}}}))(t)
	if s := upd.Cluster.Settings; len(s) != 1 || *s[0].Value != "enabled" || upd.Cluster.Configuration == nil {
		t.Fatalf("updated cluster: %+v", upd.Cluster)
	}
	if _, err := f.ecs.UpdateCluster(ctx, &ecs.UpdateClusterInput{Cluster: aws.String("dev"), ServiceConnectDefaults: &types.ClusterServiceConnectDefaultsRequest{Namespace: aws.String("ns")}}); errCode(err) != "InvalidParameterException" {
		t.Fatalf("Service Connect = %v, want InvalidParameterException", err)
	}
	if _, err := f.ecs.UpdateClusterSettings(ctx, &ecs.UpdateClusterSettingsInput{Cluster: aws.String("nope"), Settings: upd.Cluster.Settings}); errCode(err) != "ClusterNotFoundException" {
		t.Fatalf("a missing cluster = %v", err)
	}

	td := f.register("web", f.webContainer("web"))
	spot := []types.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1}}
	runOn := func(strategy []types.CapacityProviderStrategyItem) error {
		_, err := f.ecs.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("dev"), TaskDefinition: &td, CapacityProviderStrategy: strategy, NetworkConfiguration: awsvpc})
		return err
	}
	if err := runOn(spot); errCode(err) != "InvalidParameterException" {
		t.Fatalf("a strategy naming a provider the cluster lacks = %v", err)
	}
	for _, bad := range [][]string{{"EC2_ASG"}, {"FARGATE", "FARGATE"}} {
		_, err := f.ecs.PutClusterCapacityProviders(ctx, &ecs.PutClusterCapacityProvidersInput{Cluster: aws.String("dev"), CapacityProviders: bad, DefaultCapacityProviderStrategy: []types.CapacityProviderStrategyItem{}})
		if errCode(err) != "InvalidParameterException" {
			t.Fatalf("providers %v = %v", bad, err)
		}
	}
	twoBases := []types.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE"), Weight: 1, Base: 1}, {CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1, Base: 1}}
	if _, err := f.ecs.PutClusterCapacityProviders(ctx, &ecs.PutClusterCapacityProvidersInput{Cluster: aws.String("dev"), CapacityProviders: []string{"FARGATE", "FARGATE_SPOT"}, DefaultCapacityProviderStrategy: twoBases}); errCode(err) != "InvalidParameterException" {
		t.Fatalf("two bases = %v", err)
	}
	cl := must(f.ecs.PutClusterCapacityProviders(ctx, &ecs.PutClusterCapacityProvidersInput{Cluster: aws.String("dev"), CapacityProviders: []string{"FARGATE", "FARGATE_SPOT"},
		DefaultCapacityProviderStrategy: []types.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE"), Weight: 1, Base: 1}}}))(t)
	if fmt.Sprint(cl.Cluster.CapacityProviders) != "[FARGATE FARGATE_SPOT]" || len(cl.Cluster.DefaultCapacityProviderStrategy) != 1 {
		t.Fatalf("cluster providers: %+v", cl.Cluster)
	}
	if err := runOn(spot); err != nil {
		t.Fatalf("a strategy of the cluster's providers: %v", err)
	}
	svc := must(f.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("dev"), ServiceName: aws.String("web"), TaskDefinition: &td, DesiredCount: aws.Int32(0),
		CapacityProviderStrategy: spot, NetworkConfiguration: awsvpc}))(t)
	if len(svc.Service.CapacityProviderStrategy) != 1 {
		t.Fatalf("service strategy: %+v", svc.Service.CapacityProviderStrategy)
	}
	_, err := f.ecs.PutClusterCapacityProviders(ctx, &ecs.PutClusterCapacityProvidersInput{Cluster: aws.String("dev"), CapacityProviders: []string{"FARGATE"}, DefaultCapacityProviderStrategy: []types.CapacityProviderStrategyItem{}})
	if errCode(err) != "ResourceInUseException" {
		t.Fatalf("taking FARGATE_SPOT from a service on it = %v, want ResourceInUseException", err)
	}
}

// TestDeleteTaskDefinitions: an ACTIVE revision is a failure, a deregistered
// one goes to DELETE_IN_PROGRESS and stays while a task runs it, and is
// gone for good once that task stops; the family counts on past it, and
// familyPrefix is a whole family name.
func TestDeleteTaskDefinitions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	td := f.register("web", f.webContainer("web"))
	f.register("webber", f.webContainer("web"))
	out := must(f.ecs.DeleteTaskDefinitions(ctx, &ecs.DeleteTaskDefinitionsInput{TaskDefinitions: []string{td, "web:9"}}))(t)
	if len(out.TaskDefinitions) != 0 || len(out.Failures) != 2 || *out.Failures[1].Reason != "MISSING" || !strings.Contains(*out.Failures[0].Reason, "ACTIVE") {
		t.Fatalf("deleting an ACTIVE and a missing revision: %+v", out)
	}
	arns := f.run(td, 1)
	f.waitFor("RUNNING", arns, running)
	must(f.ecs.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: &td}))(t)
	out = must(f.ecs.DeleteTaskDefinitions(ctx, &ecs.DeleteTaskDefinitionsInput{TaskDefinitions: []string{td}}))(t)
	if len(out.TaskDefinitions) != 1 || out.TaskDefinitions[0].Status != types.TaskDefinitionStatusDeleteInProgress {
		t.Fatalf("deleting a deregistered revision: %+v", out)
	}
	if _, err := f.ecs.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("dev"), TaskDefinition: &td, LaunchType: types.LaunchTypeFargate, NetworkConfiguration: awsvpc}); errCode(err) != "ClientException" {
		t.Fatalf("running a revision being deleted = %v", err)
	}
	// Scheduler passes come and go while the task runs it: still there.
	f.register("other", f.webContainer("web"))
	time.Sleep(200 * time.Millisecond)
	desc := must(f.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: &td}))(t)
	if desc.TaskDefinition.Status != types.TaskDefinitionStatusDeleteInProgress {
		t.Fatalf("revision in use: %s", desc.TaskDefinition.Status)
	}
	must(f.ecs.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String("dev"), Task: &arns[0]}))(t)
	f.waitFor("STOPPED", arns, stopped)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := f.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: &td})
		if errCode(err) == "ClientException" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("revision still there 10s after its last task stopped: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if next := f.register("web", f.webContainer("web")); !strings.HasSuffix(next, ":2") {
		t.Fatalf("the revision after a deleted one: %s", next)
	}
	list := must(f.ecs.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("web")}))(t)
	if len(list.TaskDefinitionArns) != 1 || !strings.HasSuffix(list.TaskDefinitionArns[0], "/web:2") {
		t.Fatalf("familyPrefix web lists %v (not webber's)", list.TaskDefinitionArns)
	}
}

// must returns a call's result, failing the test on its error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
