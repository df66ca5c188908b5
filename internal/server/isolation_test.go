package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
	"github.com/portolan/portolan/internal/server/servertest"
)

// isolated resets the whole server when t ends, so that the next test
// sharing it starts from nothing: how a suite uses POST /_portolan/reset
// instead of a server per test.
func isolated(t *testing.T, env *servertest.Env) {
	t.Cleanup(func() {
		if code, body := reset(t, env, ""); code != http.StatusOK {
			t.Errorf("reset after %s: %d %s", t.Name(), code, body)
		}
	})
}

// TestIsolationByReset is a suite whose tests share one server and reset
// it between them: each makes the same cluster, task, namespace, API and
// log group through the SDK, finding none of them there first, and the
// previous test's task process is gone.
func TestIsolationByReset(t *testing.T) {
	app := runtimetest.BuildApp(t)
	env := servertest.Start(t)
	var lastPIDs []int
	for _, name := range []string{"first", "second", "third"} {
		t.Run(name, func(t *testing.T) {
			isolated(t, env)
			assertReset(t, env, lastPIDs)
			lastPIDs = makeEverything(t, env, app)
		})
	}
}

// makeEverything makes cluster dev with one task, namespace shop, API pets
// and log group /app, each refused or doubled had it been there already,
// and returns the task's process id.
func makeEverything(t *testing.T, env *servertest.Env, app string) []int {
	ctx := context.Background()
	pids := taskPIDs(t, runTasks(t, env, app, 1))
	tasks, err := ecs.NewFromConfig(env.AWS).ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks.TaskArns) != 1 {
		t.Fatalf("tasks in cluster dev: %v; want only this test's", tasks.TaskArns)
	}
	// A log group of that name already there would be refused
	// (ResourceAlreadyExistsException).
	if _, err := cwl.NewFromConfig(env.AWS).CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/app")}); err != nil {
		t.Fatalf("CreateLogGroup /app: %v", err)
	}
	apis := apigatewayv2.NewFromConfig(env.AWS)
	if _, err := apis.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("pets"), ProtocolType: "HTTP"}); err != nil {
		t.Fatal(err)
	}
	if got, err := apis.GetApis(ctx, &apigatewayv2.GetApisInput{}); err != nil || len(got.Items) != 1 {
		t.Fatalf("APIs: %+v, %v; want only this test's", got, err)
	}
	cm := sd.NewFromConfig(env.AWS)
	if _, err := cm.CreateHttpNamespace(ctx, &sd.CreateHttpNamespaceInput{Name: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	if got, err := cm.ListNamespaces(ctx, &sd.ListNamespacesInput{}); err != nil || len(got.Namespaces) != 1 {
		t.Fatalf("namespaces: %+v, %v; want only this test's", got, err)
	}
	return pids
}
