package ecrimages_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"

	"github.com/portolan/portolan/internal/ecs/runtime/docker"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// An ECS service on the docker runtime runs an image pushed to Portolan's
// ECR, named as CDK's ContainerImage.fromEcrRepository names it
// (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>); a tag that was
// never pushed stops the task with CannotPullContainerError.
func TestECSServiceRunsECRImage(t *testing.T) {
	ctx := context.Background()
	cli := dockerClient(t)
	env := servertest.Start(t, func(c *server.Config) { c.Runtime = "docker" })
	ecrc := awsecr.NewFromConfig(env.AWS)
	if _, err := ecrc.CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String("ecr-web")}); err != nil {
		t.Fatal(err)
	}

	// docker build + push, with the token GetAuthorizationToken gives;
	// the engine pulls it back, so the local copy goes.
	pushToECR(t, cli, env, "ecr-web:v1", runtimetest.BuildApp(t))

	c := ecs.NewFromConfig(env.AWS)
	if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("ecr")}); err != nil {
		t.Fatal(err)
	}
	register := func(image string) *string {
		out, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("ecr-web"), NetworkMode: types.NetworkModeAwsvpc,
			RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
			ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("web"), Image: aws.String(image),
				PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(8080)}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return out.TaskDefinition.TaskDefinitionArn
	}
	const host = "000000000000.dkr.ecr.us-east-1.amazonaws.com"
	if _, err := c.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("ecr"), ServiceName: aws.String("web"),
		TaskDefinition: register(host + "/ecr-web:v1"), DesiredCount: aws.Int32(1), LaunchType: types.LaunchTypeFargate, NetworkConfiguration: awsvpc}); err != nil {
		t.Fatal(err)
	}
	task := waitTask(t, c, "web", func(task types.Task) bool { return aws.ToString(task.LastStatus) == "RUNNING" })
	runtimetest.WaitHTTP(t, "http://"+*task.Containers[0].NetworkInterfaces[0].PrivateIpv4Address+":8080/message", 10*time.Second)

	// A tag nobody pushed: the task stops, as ECS says it.
	run, err := c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("ecr"), TaskDefinition: register(host + "/ecr-web:missing"), LaunchType: types.LaunchTypeFargate, NetworkConfiguration: awsvpc})
	if err != nil {
		t.Fatal(err)
	}
	arn := *run.Tasks[0].TaskArn
	stopped := waitTask(t, c, "", func(task types.Task) bool {
		return *task.TaskArn == arn && aws.ToString(task.LastStatus) == "STOPPED"
	})
	if !strings.HasPrefix(aws.ToString(stopped.StoppedReason), "CannotPullContainerError:") || !strings.Contains(*stopped.StoppedReason, host+"/ecr-web:missing") {
		t.Fatalf("stoppedReason = %q, want CannotPullContainerError naming the image", aws.ToString(stopped.StoppedReason))
	}
}

var awsvpc = &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}

// pushToECR builds binary into an image FROM scratch, pushes it to the
// server's registry as repoTag with a token from GetAuthorizationToken,
// and removes the local copy, so that running it needs a pull.
func pushToECR(t *testing.T, cli *client.Client, env *servertest.Env, repoTag, binary string) {
	t.Helper()
	ctx := context.Background()
	local := env.Server.RegistryAddr() + "/" + repoTag
	if err := docker.BuildScratchImage(ctx, cli, local, binary); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.ImageRemove(context.Background(), local, client.ImageRemoveOptions{Force: true}) })
	tok, err := awsecr.NewFromConfig(env.AWS).GetAuthorizationToken(ctx, &awsecr.GetAuthorizationTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	userPass, _ := base64.StdEncoding.DecodeString(*tok.AuthorizationData[0].AuthorizationToken)
	user, password, _ := strings.Cut(string(userPass), ":")
	auth, _ := json.Marshal(registry.AuthConfig{Username: user, Password: password})
	push, err := cli.ImagePush(ctx, local, client.ImagePushOptions{RegistryAuth: base64.URLEncoding.EncodeToString(auth)})
	if err == nil {
		err = push.Wait(ctx)
	}
	if err != nil {
		t.Fatalf("push %s: %v", local, err)
	}
	if _, err := cli.ImageRemove(ctx, local, client.ImageRemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
}

// dockerClient is a client of the local engine, or skips the test.
func dockerClient(t *testing.T) *client.Client {
	t.Helper()
	cli, err := client.New(client.FromEnv)
	if err == nil {
		_, err = cli.Ping(context.Background(), client.PingOptions{NegotiateAPIVersion: true})
	}
	if err != nil {
		t.Skipf("no Docker engine: %v", err)
	}
	return cli
}

// waitTask waits for a task of the cluster "ecr" (of service, if not "")
// that ok accepts.
func waitTask(t *testing.T, c *ecs.Client, service string, ok func(types.Task) bool) types.Task {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		in := &ecs.ListTasksInput{Cluster: aws.String("ecr"), DesiredStatus: types.DesiredStatusRunning}
		if service != "" {
			in.ServiceName = aws.String(service)
		}
		var arns []string
		for _, status := range []types.DesiredStatus{types.DesiredStatusRunning, types.DesiredStatusStopped} {
			in.DesiredStatus = status
			l, err := c.ListTasks(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			arns = append(arns, l.TaskArns...)
		}
		if len(arns) == 0 {
			continue
		}
		d, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("ecr"), Tasks: arns})
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range d.Tasks {
			if ok(task) {
				return task
			}
		}
	}
	t.Fatal("no task came to the state wanted")
	return types.Task{}
}
