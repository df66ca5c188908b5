package taskroles_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/moby/moby/client"

	"github.com/portolan/portolan/internal/ecs/runtime/docker"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestDockerTaskRoleCredentials runs an app on aws-sdk-go-v2's default
// configuration as a container on the docker runtime, in an image FROM
// scratch with nothing but the app: it finds Portolan at 169.254.170.2
// (AWS_ENDPOINT_URL) and its task role's credentials there
// (AWS_CONTAINER_CREDENTIALS_FULL_URI), and lists the clusters as the
// role's session. Skipped when no Docker engine answers.
func TestDockerTaskRoleCredentials(t *testing.T) {
	cli := servertest.DockerEngine(t)
	ctx := context.Background()
	tag := "portolan-iam-sdkcaller:" + strconv.Itoa(os.Getpid())
	if err := docker.BuildScratchImage(ctx, cli, tag, servertest.BuildApp(t, "./internal/sts/taskcreds/sdkcaller")); err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-in first-out: these after the server has stopped.
	t.Cleanup(func() {
		cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true})
		cli.NetworkRemove(context.Background(), docker.CredentialsNetworkName, client.NetworkRemoveOptions{})
	})
	env := servertest.Start(t, func(c *server.Config) {
		c.Runtime, c.AccessKeyID, c.SecretAccessKey, c.DockerTaskCredentials = "docker", "AKIDSERVER", "server-secret", true
	})
	role, err := iam.NewFromConfig(env.AWS).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("container-task"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	c := ecs.NewFromConfig(env.AWS)
	if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("roles")}); err != nil {
		t.Fatal(err)
	}
	task := runImageTask(t, c, "docker-sdk", aws.ToString(role.Role.Arn), tag)
	taskID := aws.ToString(task.TaskArn)[strings.LastIndexByte(aws.ToString(task.TaskArn), '/')+1:]
	want := []string{"arn:aws:ecs:us-east-1:000000000000:cluster/roles", "arn:aws:sts::000000000000:assumed-role/container-task/" + taskID}
	out := servertest.TaskLog(t, env, task, want...)
	if code := aws.ToInt32(task.Containers[0].ExitCode); code != 0 {
		t.Fatalf("the container exited %d: %s", code, out)
	}
	if !servertest.ContainsAll(out, want) {
		t.Fatalf("task output: %s", out)
	}
}
