package taskroles_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// TestTaskRoleCredentials runs apps as tasks on the process runtime of a
// server that requires credentials. The tasks have a task role and no
// credentials of their own: an app on aws-sdk-go-v2's default
// configuration finds Portolan through AWS_ENDPOINT_URL and signs with
// the role's credentials from AWS_CONTAINER_CREDENTIALS_FULL_URI, as on
// ECS; so does the AWS CLI (given --endpoint-url "$AWS_ENDPOINT_URL": the
// Debian CLI 2.9 here predates the variable). A task without a role gets
// no credentials and is refused.
func TestTaskRoleCredentials(t *testing.T) {
	awstest.NeedCLI(t)
	env := servertest.Start(t, func(c *server.Config) { c.AccessKeyID, c.SecretAccessKey = "AKIDSERVER", "server-secret" })
	ctx := context.Background()
	role, err := iam.NewFromConfig(env.AWS).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("cli-task"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	c := ecs.NewFromConfig(env.AWS)
	if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("roles")}); err != nil {
		t.Fatal(err)
	}
	sdkApp := servertest.BuildApp(t, "./internal/sts/taskcreds/sdkcaller")
	cli := awstest.CLIPath + ` ecs list-clusters --endpoint-url "$AWS_ENDPOINT_URL" --output json && ` +
		awstest.CLIPath + ` sts get-caller-identity --endpoint-url "$AWS_ENDPOINT_URL" --output json`
	for _, tc := range []struct{ family, argv string }{{"sdk", sdkApp}, {"cli", cli}} {
		task := runTask(t, c, tc.family, aws.ToString(role.Role.Arn), tc.argv)
		taskID := aws.ToString(task.TaskArn)[strings.LastIndexByte(aws.ToString(task.TaskArn), '/')+1:]
		want := []string{"arn:aws:ecs:us-east-1:000000000000:cluster/roles", "arn:aws:sts::000000000000:assumed-role/cli-task/" + taskID}
		out := servertest.TaskLog(t, env, task, want...)
		if code := aws.ToInt32(task.Containers[0].ExitCode); code != 0 {
			t.Fatalf("%s: the task exited %d: %s", tc.family, code, out)
		}
		if !servertest.ContainsAll(out, want) {
			t.Fatalf("%s: task output: %s", tc.family, out)
		}
	}

	without := runTask(t, c, "without-role", "", sdkApp)
	if code := aws.ToInt32(without.Containers[0].ExitCode); code == 0 {
		t.Fatalf("a task without a role called the API: %s", servertest.TaskLog(t, env, without))
	}
}

// runTask runs a shell command line as a task (process runtime) and
// returns the task once stopped.
func runTask(t *testing.T, c *ecs.Client, family, roleARN, argv string) types.Task {
	t.Helper()
	return runContainer(t, c, family, roleARN, types.ContainerDefinition{Image: aws.String("/bin/sh"), EntryPoint: []string{"/bin/sh", "-c"}, Command: []string{argv}})
}

// runImageTask runs an image's entrypoint as a task (docker runtime).
func runImageTask(t *testing.T, c *ecs.Client, family, roleARN, image string) types.Task {
	t.Helper()
	return runContainer(t, c, family, roleARN, types.ContainerDefinition{Image: aws.String(image)})
}

// runContainer runs a task of one container and returns the task once
// stopped. The SDKs' files point nowhere, so that nothing of the
// machine's user configures them; the output goes to /test/FAMILY.
func runContainer(t *testing.T, c *ecs.Client, family, roleARN string, def types.ContainerDefinition) types.Task {
	t.Helper()
	ctx := context.Background()
	def.Name, def.Essential = aws.String("app"), aws.Bool(true)
	def.Environment = []types.KeyValuePair{{Name: aws.String("AWS_CONFIG_FILE"), Value: aws.String("/nonexistent/config")},
		{Name: aws.String("AWS_SHARED_CREDENTIALS_FILE"), Value: aws.String("/nonexistent/credentials")}, {Name: aws.String("AWS_EC2_METADATA_DISABLED"), Value: aws.String("true")}}
	def.LogConfiguration = &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{
		"awslogs-group": "/test/" + family, "awslogs-stream-prefix": "ecs", "awslogs-region": "us-east-1", "awslogs-create-group": "true"}}
	td, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String(family), TaskRoleArn: aws.String(roleARN),
		NetworkMode: types.NetworkModeAwsvpc, RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []types.ContainerDefinition{def}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := c.RunTask(ctx, &ecs.RunTaskInput{Cluster: aws.String("roles"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn, LaunchType: types.LaunchTypeFargate,
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := c.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("roles"), Tasks: []string{aws.ToString(run.Tasks[0].TaskArn)}})
		if err != nil {
			t.Fatal(err)
		}
		if task := out.Tasks[0]; aws.ToString(task.LastStatus) == "STOPPED" {
			return task
		}
		if time.Now().After(deadline) {
			b, _ := json.Marshal(out.Tasks)
			t.Fatalf("task not stopped after 60s: %s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
