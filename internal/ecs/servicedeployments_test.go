package ecs_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/portolan/portolan/internal/ecs/ecstest"
)

// operationTime is what the Terraform provider takes before it creates or
// updates a service: the deployments it waits for are created after it.
func operationTime() time.Time { return time.Now().Truncate(time.Millisecond).Add(-time.Millisecond) }

func (f *svcFixture) waitSteady(name string, since time.Time) (string, error) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	return ecstest.WaitSteadyState(ctx, f.ecs, "dev", name, since, 100*time.Millisecond)
}

func (f *svcFixture) describeSD(arn string) types.ServiceDeployment {
	f.t.Helper()
	out, err := f.ecs.DescribeServiceDeployments(context.Background(), &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{arn}})
	if err != nil || len(out.ServiceDeployments) != 1 {
		f.t.Fatalf("DescribeServiceDeployments %s: %+v %v", arn, out, err)
	}
	return out.ServiceDeployments[0]
}

func (f *svcFixture) listSD(in *ecs.ListServiceDeploymentsInput) []types.ServiceDeploymentBrief {
	f.t.Helper()
	in.Cluster = aws.String("dev")
	var all []types.ServiceDeploymentBrief
	for {
		page, err := f.ecs.ListServiceDeployments(context.Background(), in)
		if err != nil {
			f.t.Fatal(err)
		}
		all = append(all, page.ServiceDeployments...)
		if page.NextToken == nil {
			return all
		}
		in.NextToken = page.NextToken
	}
}

// TestServiceDeploymentsFollowRollouts: each CreateService / UpdateService
// that starts a deployment records a service deployment, found and
// followed as the Terraform provider's wait_for_steady_state does; it
// ends SUCCESSFUL, or ROLLBACK_SUCCESSFUL when the circuit breaker rolls a
// crashing revision back, with the revisions, counts, breaker and
// rollback AWS shows; filters and pages list them newest first.
func TestServiceDeploymentsFollowRollouts(t *testing.T) {
	f := newServiceFixture(t)
	ctx := context.Background()
	v1 := f.register("hist", f.appContainer(false))
	c2 := f.appContainer(false)
	c2.Environment = []types.KeyValuePair{{Name: aws.String("VERSION"), Value: aws.String("2")}}
	v2 := f.register("hist", c2)
	crash := f.appContainer(false)
	crash.EntryPoint, crash.Command = []string{f.app}, []string{"exit", "1"}
	bad := f.register("hist", crash)

	since1 := operationTime()
	f.createService("web", v1, serviceOpts{desired: 2, config: &types.DeploymentConfiguration{
		DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true},
	}})
	first, err := f.waitSteady("web", since1)
	if err != nil || first == "" {
		t.Fatalf("create: followed %q: %v", first, err)
	}
	sd1 := f.describeSD(first)
	if len(sd1.SourceServiceRevisions) != 0 || sd1.TargetServiceRevision.RunningTaskCount != 2 || sd1.TargetServiceRevision.RequestedTaskCount != 2 ||
		sd1.FinishedAt == nil || sd1.DeploymentCircuitBreaker.Status != types.ServiceDeploymentRollbackMonitorsStatusMonitoringComplete {
		t.Fatalf("first service deployment: %s", js(sd1))
	}
	svc := f.describe("web")
	if aws.ToString(svc.CurrentServiceDeployment) != first || len(svc.CurrentServiceRevisions) != 1 ||
		aws.ToString(svc.CurrentServiceRevisions[0].Arn) != aws.ToString(sd1.TargetServiceRevision.Arn) {
		t.Fatalf("service's current deployment and revisions: %s", js(svc))
	}
	rev1 := aws.ToString(sd1.TargetServiceRevision.Arn)
	if !strings.HasSuffix(rev1, strings.TrimPrefix(aws.ToString(svc.Deployments[0].Id), "ecs-svc")) {
		t.Fatalf("revision %s does not carry deployment %s's number", rev1, *svc.Deployments[0].Id)
	}
	revs, err := f.ecs.DescribeServiceRevisions(ctx, &ecs.DescribeServiceRevisionsInput{ServiceRevisionArns: []string{rev1}})
	if err != nil || len(revs.ServiceRevisions) != 1 || aws.ToString(revs.ServiceRevisions[0].TaskDefinition) != v1 ||
		len(revs.ServiceRevisions[0].ContainerImages) != 1 || aws.ToString(revs.ServiceRevisions[0].ContainerImages[0].Image) != f.app {
		t.Fatalf("DescribeServiceRevisions: %s %v", js(revs), err)
	}

	since2 := operationTime()
	if _, err := f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("web"), TaskDefinition: &v2}); err != nil {
		t.Fatal(err)
	}
	second, err := f.waitSteady("web", since2)
	if err != nil || second == "" || second == first {
		t.Fatalf("update: followed %q: %v", second, err)
	}
	sd2 := f.describeSD(second)
	if sd2.Status != types.ServiceDeploymentStatusSuccessful || len(sd2.SourceServiceRevisions) != 1 ||
		aws.ToString(sd2.SourceServiceRevisions[0].Arn) != rev1 || sd2.SourceServiceRevisions[0].RunningTaskCount != 0 {
		t.Fatalf("second service deployment: %s", js(sd2))
	}
	rev2 := aws.ToString(sd2.TargetServiceRevision.Arn)

	// A crashing revision: the breaker trips and rolls back to rev2; the
	// provider's wait reports the rollback as a failure.
	since3 := operationTime()
	if _, err := f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("web"), TaskDefinition: &bad}); err != nil {
		t.Fatal(err)
	}
	third, err := f.waitSteady("web", since3)
	failed, ok := ecstest.IsDeploymentFailed(err)
	if !ok || failed.Status != types.ServiceDeploymentStatusRollbackSuccessful {
		t.Fatalf("crashing update: followed %q: %v", third, err)
	}
	sd3 := f.describeSD(third)
	if sd3.Rollback == nil || aws.ToString(sd3.Rollback.ServiceRevisionArn) != rev2 || sd3.Rollback.StartedAt == nil ||
		sd3.DeploymentCircuitBreaker.Status != types.ServiceDeploymentRollbackMonitorsStatusTriggered ||
		sd3.DeploymentCircuitBreaker.FailureCount < sd3.DeploymentCircuitBreaker.Threshold || sd3.DeploymentCircuitBreaker.Threshold != 3 {
		t.Fatalf("rolled back service deployment: %s", js(sd3))
	}
	f.waitStable(60*time.Second, "web")
	if got := f.describe("web"); aws.ToString(got.TaskDefinition) != v2 || aws.ToString(got.CurrentServiceDeployment) != third {
		t.Fatalf("after the rollback: %s", js(got))
	}

	// Newest first, filtered and paged.
	all := f.listSD(&ecs.ListServiceDeploymentsInput{Service: aws.String("web")})
	if len(all) != 3 || *all[0].ServiceDeploymentArn != third || *all[1].ServiceDeploymentArn != second || *all[2].ServiceDeploymentArn != first {
		t.Fatalf("ListServiceDeployments: %s", js(all))
	}
	paged := f.listSD(&ecs.ListServiceDeploymentsInput{Service: svc.ServiceArn, MaxResults: aws.Int32(1)})
	if js(paged) != js(all) {
		t.Fatalf("one a page: %s", js(paged))
	}
	ok1 := f.listSD(&ecs.ListServiceDeploymentsInput{Service: aws.String("web"), Status: []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusSuccessful}})
	if len(ok1) != 2 || *ok1[0].ServiceDeploymentArn != second {
		t.Fatalf("status SUCCESSFUL: %s", js(ok1))
	}
	recent := f.listSD(&ecs.ListServiceDeploymentsInput{Service: aws.String("web"), CreatedAt: &types.CreatedAt{After: aws.Time(since2)}})
	older := f.listSD(&ecs.ListServiceDeploymentsInput{Service: aws.String("web"), CreatedAt: &types.CreatedAt{Before: aws.Time(since2)}})
	if len(recent) != 2 || len(older) != 1 || *older[0].ServiceDeploymentArn != first {
		t.Fatalf("createdAt: after %s, before %s", js(recent), js(older))
	}
}

// TestServiceDeploymentErrors: what ECS answers for services, clusters
// and ARNs that do not exist, and for malformed requests; none of it
// changes anything.
func TestServiceDeploymentErrors(t *testing.T) {
	f := newServiceFixture(t)
	ctx := context.Background()
	f.createService("web", f.register("errs", f.appContainer(false)), serviceOpts{desired: 0})
	cases := []struct {
		name, code string
		call       func() error
	}{
		{"unknown service", "ServiceNotFoundException", func() error {
			_, err := f.ecs.ListServiceDeployments(ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("dev"), Service: aws.String("nope")})
			return err
		}},
		{"unknown cluster", "ClusterNotFoundException", func() error {
			_, err := f.ecs.ListServiceDeployments(ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("nope"), Service: aws.String("web")})
			return err
		}},
		{"bad status", "InvalidParameterException", func() error {
			_, err := f.ecs.ListServiceDeployments(ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("dev"), Service: aws.String("web"), Status: []types.ServiceDeploymentStatus{"DONE"}})
			return err
		}},
		{"maxResults 101", "InvalidParameterException", func() error {
			_, err := f.ecs.ListServiceDeployments(ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("dev"), Service: aws.String("web"), MaxResults: aws.Int32(101)})
			return err
		}},
		{"bad token", "InvalidParameterException", func() error {
			_, err := f.ecs.ListServiceDeployments(ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("dev"), Service: aws.String("web"), NextToken: aws.String("x")})
			return err
		}},
		{"not an ARN", "InvalidParameterException", func() error {
			_, err := f.ecs.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{"web"}})
			return err
		}},
		{"21 ARNs", "InvalidParameterException", func() error {
			arns := make([]string, 21)
			for i := range arns {
				arns[i] = "arn:aws:ecs:us-east-1:000000000000:service-revision/dev/web/1"
			}
			_, err := f.ecs.DescribeServiceRevisions(ctx, &ecs.DescribeServiceRevisionsInput{ServiceRevisionArns: arns})
			return err
		}},
	}
	for _, c := range cases {
		var ae smithy.APIError
		if err := c.call(); !errors.As(err, &ae) || ae.ErrorCode() != c.code {
			t.Errorf("%s: got %v, want %s", c.name, err, c.code)
		}
	}
	missing := "arn:aws:ecs:us-east-1:000000000000:service-deployment/dev/web/doesnotexist"
	out, err := f.ecs.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{missing}})
	if err != nil || len(out.ServiceDeployments) != 0 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MISSING" || aws.ToString(out.Failures[0].Arn) != missing {
		t.Fatalf("missing ARN: %s %v", js(out), err)
	}
	if got := f.listSD(&ecs.ListServiceDeploymentsInput{Service: aws.String("web")}); len(got) != 1 {
		t.Fatalf("after the errors: %s", js(got))
	}
}

// TestServiceDeploymentsSurviveKill9: the history is in the store: a
// server killed with SIGKILL and started again lists the same service
// deployments with the same statuses.
func TestServiceDeploymentsSurviveKill9(t *testing.T) {
	f, srv := newProcessFixture(t)
	td := f.register("kept", f.appContainer(false))
	since := operationTime()
	f.createService("web", td, serviceOpts{desired: 0})
	if _, err := f.waitSteady("web", since); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ecs.UpdateService(context.Background(), &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("web"), ForceNewDeployment: true}); err != nil {
		t.Fatal(err)
	}
	f.waitStable(30*time.Second, "web")
	before := f.listSD(&ecs.ListServiceDeploymentsInput{Service: aws.String("web")})
	srv.kill9()
	srv.start()
	after := f.listSD(&ecs.ListServiceDeploymentsInput{Service: aws.String("web")})
	if len(before) != 2 || js(after) != js(before) {
		t.Fatalf("before kill -9: %s\nafter: %s", js(before), js(after))
	}
}

// TestServiceDeploymentsCLI: `aws ecs list-service-deployments` and
// `describe-service-deployments` through the AWS CLI v2. The installed
// CLI predates the commands (they came in October 2024); it is given
// ECS's current service model, as `aws configure add-model` would, from
// the botocore data on this machine.
func TestServiceDeploymentsCLI(t *testing.T) {
	const cli = "/usr/bin/aws"
	models := ecsModelDir(t)
	f := newServiceFixture(t)
	f.createService("web", f.register("cli", f.appContainer(false)), serviceOpts{desired: 0})
	f.waitStable(30*time.Second, "web")
	run := func(args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command(cli, append([]string{"--endpoint-url", aws.ToString(f.aws.BaseEndpoint), "--region", "us-east-1", "--output", "json", "ecs"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DATA_PATH="+models, "AWS_PAGER=", "HOME="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws ecs %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		return v
	}
	list := run("list-service-deployments", "--cluster", "dev", "--service", "web", "--status", "SUCCESSFUL")
	briefs, _ := list["serviceDeployments"].([]any)
	if len(briefs) != 1 {
		t.Fatalf("list-service-deployments: %v", list)
	}
	arn, _ := briefs[0].(map[string]any)["serviceDeploymentArn"].(string)
	desc := run("describe-service-deployments", "--service-deployment-arns", arn)
	sds, _ := desc["serviceDeployments"].([]any)
	if len(sds) != 1 || sds[0].(map[string]any)["status"] != "SUCCESSFUL" {
		t.Fatalf("describe-service-deployments: %v", desc)
	}
}

// ecsModelDir returns an AWS_DATA_PATH holding ECS's current service
// model, taken from the botocore installed here.
func ecsModelDir(t *testing.T) string {
	t.Helper()
	matches, _ := filepath.Glob("/root/.pyenv/versions/*/lib/python3*/site-packages/botocore/data/ecs/2014-11-13/service-2.json.gz")
	matches2, _ := filepath.Glob("/usr/lib/python3*/*-packages/botocore/data/ecs/2014-11-13/service-2.json.gz")
	matches = append(matches, matches2...)
	if _, err := os.Stat("/usr/bin/aws"); err != nil || len(matches) == 0 {
		t.Skip("needs the AWS CLI v2 and a botocore with ECS's ListServiceDeployments model")
	}
	in, err := os.Open(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	z, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "ecs", "2014-11-13"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "ecs", "2014-11-13", "service-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, z); err != nil {
		t.Fatal(err)
	}
	return dir
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestStopServiceDeploymentRollsBack: what the Terraform provider does
// when interrupted with sigint_rollback: StopServiceDeployment (ROLLBACK)
// on a deployment that is not done, then waiting for a terminal status.
// The service returns to the revision that last completed; stopping a
// finished or unknown service deployment is refused.
func TestStopServiceDeploymentRollsBack(t *testing.T) {
	f := newServiceFixture(t)
	ctx := context.Background()
	v1 := f.register("stop", f.appContainer(false))
	never := f.appContainer(true) // its health check never passes: the rollout never ends
	never.HealthCheck.Command = []string{"CMD", f.app, "exit", "1"}
	v2 := f.register("stop", never)
	since := operationTime()
	f.createService("web", v1, serviceOpts{desired: 1})
	first, err := f.waitSteady("web", since)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("dev"), Service: aws.String("web"), TaskDefinition: &v2}); err != nil {
		t.Fatal(err)
	}
	ongoing := f.listSD(&ecs.ListServiceDeploymentsInput{Service: aws.String("web"), Status: []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusInProgress}})
	if len(ongoing) != 1 {
		t.Fatalf("in progress: %s", js(ongoing))
	}
	arn := ongoing[0].ServiceDeploymentArn
	for range 2 { // a second stop of a rollback under way carries on
		if _, err := f.ecs.StopServiceDeployment(ctx, &ecs.StopServiceDeploymentInput{ServiceDeploymentArn: arn, StopType: types.StopServiceDeploymentStopTypeRollback}); err != nil {
			t.Fatal(err)
		}
	}
	var sd types.ServiceDeployment
	eventually(t, 60*time.Second, "rolled back", func() bool {
		sd = f.describeSD(*arn)
		return sd.Status == types.ServiceDeploymentStatusRollbackSuccessful
	}, f.dump("web"))
	rev1 := aws.ToString(f.describeSD(first).TargetServiceRevision.Arn)
	if sd.Rollback == nil || aws.ToString(sd.Rollback.ServiceRevisionArn) != rev1 || sd.FinishedAt == nil {
		t.Fatalf("rolled back: %s", js(sd))
	}
	f.waitStable(60*time.Second, "web")
	if got := f.describe("web"); aws.ToString(got.TaskDefinition) != v1 {
		t.Fatalf("after the rollback the service runs %s", aws.ToString(got.TaskDefinition))
	}
	for _, c := range []struct {
		arn, stop, code string
	}{
		{first, "ROLLBACK", "ConflictException"},
		{strings.TrimSuffix(first, "/"+first[strings.LastIndex(first, "/")+1:]) + "/nope", "ROLLBACK", "ServiceDeploymentNotFoundException"},
		{*arn, "ABORT", "InvalidParameterException"},
	} {
		_, err := f.ecs.StopServiceDeployment(ctx, &ecs.StopServiceDeploymentInput{ServiceDeploymentArn: &c.arn, StopType: types.StopServiceDeploymentStopType(c.stop)})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != c.code {
			t.Errorf("stop %s %s: %v, want %s", c.arn, c.stop, err, c.code)
		}
	}
}
