package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/miekg/dns"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// aRecords asks Portolan's DNS for a name's A records.
func aRecords(ctx context.Context, dnsAddr, name string) []string {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	r, _, err := (&dns.Client{Net: "udp", Timeout: 3 * time.Second}).ExchangeContext(ctx, m, dnsAddr)
	if err != nil {
		return nil
	}
	var ips []string
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			ips = append(ips, a.A.String())
		}
	}
	return ips
}

// TestCloudFormationDeployTwoServices deploys the service-discovery
// example (two ECS services in one private DNS namespace) with `aws
// cloudformation deploy`, its image mapped server-wide: each service's
// name resolves through Portolan's DNS to its two tasks.
func TestCloudFormationDeployTwoServices(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four tasks")
	}
	awstest.NeedCLI(t)
	app := servertest.BuildApp(t, "./examples/service-discovery/app")
	env := servertest.Start(t, func(c *server.Config) { c.Images = map[string]string{"portolan-example/discovery-app:latest": app} })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cli := cfnCLI{t, ctx, env.URL}
	out := cli.run(0, "cloudformation", "deploy", "--template-file", "../../examples/service-discovery/template.yaml", "--stack-name", "discovery")
	if !strings.Contains(out, "Successfully created/updated stack - discovery") {
		t.Fatalf("deploy printed:\n%s", out)
	}
	for _, name := range []string{"myservice-a", "myservice-b"} {
		fqdn := name + ".ecs-service-discovery.local"
		var ips []string
		for deadline := time.Now().Add(20 * time.Second); len(ips) != 2; time.Sleep(100 * time.Millisecond) {
			if ips = aRecords(ctx, env.Server.DNSAddr(), fqdn); time.Now().After(deadline) {
				t.Fatalf("%s resolves to %v, want its 2 tasks", fqdn, ips)
			}
		}
	}
	cli.json(nil, "cloudformation", "delete-stack", "--stack-name", "discovery")
	waitDeleted(t, env, "discovery")
	if ips := aRecords(ctx, env.Server.DNSAddr(), "myservice-a.ecs-service-discovery.local"); len(ips) != 0 {
		t.Fatalf("myservice-a still resolves to %v", ips)
	}
}

// TestCloudFormationDeployFailure: a template that fails mid-way makes
// `aws cloudformation deploy` fail as on AWS (exit code 255, pointing at
// describe-stack-events), the events show the failing resource's reason
// and end in ROLLBACK_COMPLETE, and delete-stack removes the stack.
func TestCloudFormationDeployFailure(t *testing.T) {
	awstest.NeedCLI(t)
	env := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cli := cfnCLI{t, ctx, env.URL}
	tpl := writeTemplate(t, `Resources:
  Namespace: {Type: AWS::ServiceDiscovery::HttpNamespace, Properties: {Name: broken}}
  Cluster: {Type: AWS::ECS::Cluster, Properties: {ClusterName: broken}}
  Service:
    Type: AWS::ECS::Service
    DependsOn: [Namespace]
    Properties: {Cluster: !Ref Cluster, TaskDefinition: "missing:1", DesiredCount: 1}
`)
	out := cli.run(255, "cloudformation", "deploy", "--template-file", tpl, "--stack-name", "broken")
	if !strings.Contains(out, "Failed to create/update the stack. Run the following command") {
		t.Fatalf("a failed deploy printed:\n%s", out)
	}
	events := cli.events("broken")
	if events[len(events)-1] != "broken ROLLBACK_COMPLETE" || !slices.Contains(events, "Service CREATE_FAILED") {
		t.Fatalf("events %v", events)
	}
	var desc struct {
		StackEvents []struct{ LogicalResourceId, ResourceStatus, ResourceStatusReason string }
	}
	cli.json(&desc, "cloudformation", "describe-stack-events", "--stack-name", "broken")
	for _, e := range desc.StackEvents {
		if e.LogicalResourceId == "Service" && e.ResourceStatus == "CREATE_FAILED" && !strings.Contains(e.ResourceStatusReason, "Unable to describe task definition") {
			t.Fatalf("the failing resource's reason: %q", e.ResourceStatusReason)
		}
	}
	cli.json(nil, "cloudformation", "delete-stack", "--stack-name", "broken")
	waitDeleted(t, env, "broken")
}

// TestCloudFormationExportsThroughTheCLI: one stack exports, another
// imports; list-exports and list-imports say so, and deleting the
// exporter fails with AWS's reason until the importer is gone.
func TestCloudFormationExportsThroughTheCLI(t *testing.T) {
	awstest.NeedCLI(t)
	env := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cli := cfnCLI{t, ctx, env.URL}
	cli.run(0, "cloudformation", "deploy", "--stack-name", "net", "--template-file", writeTemplate(t, `Resources:
  Namespace: {Type: AWS::ServiceDiscovery::HttpNamespace, Properties: {Name: shared}}
Outputs:
  NamespaceId: {Value: !Ref Namespace, Export: {Name: shared-ns}}
`))
	cli.run(0, "cloudformation", "deploy", "--stack-name", "app", "--template-file", writeTemplate(t, `Resources:
  Service: {Type: AWS::ServiceDiscovery::Service, Properties: {Name: api, NamespaceId: !ImportValue shared-ns}}
`))
	var exports struct {
		Exports []struct{ Name, Value string }
	}
	cli.json(&exports, "cloudformation", "list-exports")
	var imports struct{ Imports []string }
	cli.json(&imports, "cloudformation", "list-imports", "--export-name", "shared-ns")
	if len(exports.Exports) != 1 || exports.Exports[0].Value != cli.stack("net").output("NamespaceId") || !slices.Equal(imports.Imports, []string{"app"}) {
		t.Fatalf("exports %+v, imports %v", exports, imports)
	}
	cli.json(nil, "cloudformation", "delete-stack", "--stack-name", "net")
	if err := waitForDelete(env, "net"); err == nil {
		t.Fatal("the exporter of an export in use was deleted")
	}
	if st := cli.stack("net"); st.StackStatus != "DELETE_FAILED" || st.StackStatusReason != "Export shared-ns cannot be deleted as it is in use by app" {
		t.Fatalf("deleting the exporter: %+v", st)
	}
	for _, name := range []string{"app", "net"} {
		cli.json(nil, "cloudformation", "delete-stack", "--stack-name", name)
		waitDeleted(t, env, name)
	}
}

// waitDeleted is the stack-delete-complete waiter of the SDK, polling
// faster than the AWS CLI's every 30 s where that waiter is not the test.
func waitDeleted(t *testing.T, env *servertest.Env, name string) {
	t.Helper()
	if err := waitForDelete(env, name); err != nil {
		t.Fatalf("delete %s: %v", name, err)
	}
}

func waitForDelete(env *servertest.Env, name string) error {
	return cfn.NewStackDeleteCompleteWaiter(cfn.NewFromConfig(env.AWS), func(o *cfn.StackDeleteCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 200*time.Millisecond
	}).Wait(context.Background(), &cfn.DescribeStacksInput{StackName: aws.String(name)}, time.Minute)
}
