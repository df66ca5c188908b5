package ecrimages_test

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/appautoscaling"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/stack"
)

// The repository as CDK synthesizes `new ecr.Repository(this, 'Repo',
// {repositoryName: 'ecr-poc_web', lifecycleRules: [{maxImageCount: 2}]})`.
const ecrRepositoryStack = `
Resources:
  Repo02AC86CF:
    Type: AWS::ECR::Repository
    Properties:
      LifecyclePolicy:
        LifecyclePolicyText: '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}'
      RepositoryName: ecr-poc_web
    UpdateReplacePolicy: Retain
    DeletionPolicy: Retain
Outputs:
  RepositoryUri: {Value: !GetAtt Repo02AC86CF.RepositoryUri}
`

// The image as CDK synthesizes ContainerImage.fromEcrRepository(
// Repository.fromRepositoryName(this, 'Repo', 'ecr-poc_web'), 'web').
const fromEcrRepository = `        Image:
          Fn::Join:
          - ''
          - - Ref: AWS::AccountId
            - .dkr.ecr.
            - Ref: AWS::Region
            - .
            - Ref: AWS::URLSuffix
            - /ecr-poc_web:web
`

// TestPrivateRestAPIFixtureFromECR deploys the private REST API fixture
// (VPC link, NLB, Fargate service) extended as issue 16's design extends
// it, on the docker runtime: its image taken from ECR as CDK writes it,
// after the repository's own stack and a docker push, and CDK's CPU
// autoscaling of the service. The tasks run the pushed image and answer
// through the REST API's endpoint, and the service is a scalable target
// with its target tracking alarms.
func TestPrivateRestAPIFixtureFromECR(t *testing.T) {
	cli := dockerClient(t)
	tpl, err := os.ReadFile("../../stack/testdata/private-restapi-nlb-fargate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(tpl), "        Image: example/web:latest\n") {
		t.Fatal("the fixture's image is not where the test expects it")
	}
	tpl = []byte(strings.Replace(string(tpl), "        Image: example/web:latest\n", fromEcrRepository, 1))
	tpl = []byte(strings.Replace(string(tpl), "\nOutputs:\n", "\n"+cdkCPUScaling+"Outputs:\n", 1))
	env := servertest.Start(t, func(c *server.Config) {
		c.Runtime = "docker"
		c.LoadBalancerAddresses = netip.MustParsePrefix("127.0.80.128/25")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 240*time.Second)
	defer cancel()
	if _, err := env.Server.Stacks.Deploy(ctx, stack.DeployInput{StackName: "Registry", Template: []byte(ecrRepositoryStack)}, func(stack.Event) {}); err != nil {
		t.Fatal(err)
	}
	pushToECR(t, cli, env, "ecr-poc_web:web", servertest.BuildApp(t, "./examples/quickstart/app"))

	st, err := env.Server.Stacks.Deploy(ctx, stack.DeployInput{StackName: "PrivateRestApi", Template: tpl}, func(stack.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Server.Stacks.Destroy(context.Background(), "PrivateRestApi", func(stack.Event) {}) })
	api, vpce := st.Resources["RestApi0C43BF4B"].PhysicalID, st.Resources["VpcExecuteApiEndpoint5F1C2D0B"].PhysicalID
	host := api + "-" + vpce + ".execute-api.us-east-1.amazonaws.com:" + portOf(env.Server.GatewayAddr())
	client := &http.Client{Timeout: 10 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+env.Server.GatewayAddr()+"/prod/pets/7", nil)
		req.Host = host
		status, body := 0, ""
		if resp, err := client.Do(req); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			status, body = resp.StatusCode, string(b)
		}
		if status == 200 && strings.Contains(body, `"path":"/pets/7"`) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the endpoint never answered from the tasks: %d %s", status, body)
		case <-time.After(200 * time.Millisecond):
		}
	}
	resource := "service/" + st.Resources["ClusterEB0386A7"].PhysicalID + "/" + st.Resources["ApiServiceC9037CF0"].Attributes["Name"].(string)
	pols, err := env.Server.AppAutoScaling.DescribeScalingPolicies(ctx, &appautoscaling.DescribeScalingPoliciesInput{ServiceNamespace: "ecs", ResourceId: resource})
	if err != nil || len(pols.ScalingPolicies) != 1 || len(pols.ScalingPolicies[0].Alarms) != 2 {
		t.Fatalf("the service's scaling policies = %+v, %v", pols, err)
	}
}
