package taskcreds_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/iam/iamtest"
	"github.com/portolan/portolan/internal/sts/taskcreds"
)

// serve runs the provider's endpoint as the api listener mounts it.
func serve(t *testing.T, p *taskcreds.Provider) string {
	mux := http.NewServeMux()
	mux.Handle("GET "+taskcreds.Path+"{task}", p)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func newProvider(e *iamtest.Env) *taskcreds.Provider {
	return taskcreds.New(taskcreds.Config{Store: e.Store, STS: e.STS, Roles: e.IAM, Region: awstest.Region, Endpoint: e.Endpoint})
}

// TestCredentialsEndpoint: a task's environment names the endpoint and its
// token; aws-sdk-go-v2's own container provider reads credentials there
// that sign calls as the role's session named after the task; another
// token is refused, and so is every token once the task is released.
func TestCredentialsEndpoint(t *testing.T) {
	e := iamtest.Start(t)
	ctx := context.Background()
	role, err := e.IAMClient().CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("task"),
		AssumeRolePolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	p := newProvider(e)
	url := serve(t, p)
	rec := &ecs.TaskRecord{TaskID: "0123456789abcdef0123456789abcdef", TaskArn: "arn:aws:ecs:us-east-1:000000000000:task/dev/0123456789abcdef0123456789abcdef",
		Definition: ecs.TaskDefinition{TaskRoleArn: aws.ToString(role.Role.Arn)}}
	env, err := p.Environment(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	if env["AWS_ENDPOINT_URL"] != e.Endpoint || env["AWS_REGION"] != "us-east-1" || env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] == "" ||
		env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] != e.Endpoint+taskcreds.Path+rec.TaskID {
		t.Fatalf("environment: %v", env)
	}
	// A second container of the task is told the same token.
	if again, _ := p.Environment(ctx, rec); again["AWS_CONTAINER_AUTHORIZATION_TOKEN"] != env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] {
		t.Fatal("a second container got another token")
	}

	provider := func(token string) aws.CredentialsProvider {
		return endpointcreds.New(url+taskcreds.Path+rec.TaskID, func(o *endpointcreds.Options) { o.AuthorizationToken = token })
	}
	cfg := awstest.Config(e.Endpoint, "", "")
	cfg.Credentials = aws.NewCredentialsCache(provider(env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]))
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != "arn:aws:sts::000000000000:assumed-role/task/"+rec.TaskID {
		t.Fatalf("caller: %s", aws.ToString(id.Arn))
	}
	creds, err := provider(env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]).Retrieve(ctx)
	if err != nil || time.Until(creds.Expires) < 5*time.Hour {
		t.Fatalf("credentials %+v, %v", creds, err)
	}

	if _, err := provider("wrong").Retrieve(ctx); err == nil {
		t.Fatal("a wrong token got credentials")
	}
	if err := p.Release(ctx, rec); err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodGet, url+taskcreds.Path+rec.TaskID, nil)
	r.Header.Set("Authorization", env["AWS_CONTAINER_AUTHORIZATION_TOKEN"])
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Code string }
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || body.Code != "AccessDenied" {
		t.Fatalf("after release: %d %+v", resp.StatusCode, body)
	}
}

// TestNoEndpointNoEnvironment: where tasks cannot reach the api (the
// docker runtime), they are told nothing.
func TestNoEndpointNoEnvironment(t *testing.T) {
	e := iamtest.Start(t)
	p := taskcreds.New(taskcreds.Config{Store: e.Store, STS: e.STS, Roles: e.IAM, Region: awstest.Region})
	env, err := p.Environment(context.Background(), &ecs.TaskRecord{TaskID: "t", Definition: ecs.TaskDefinition{TaskRoleArn: "arn:aws:iam::000000000000:role/x"}})
	if err != nil || len(env) != 0 {
		t.Fatalf("%v %v", env, err)
	}
}

// TestRegionFromTheTask: a task is told its own region, the one in its
// ARN, whatever the server's home region is.
func TestRegionFromTheTask(t *testing.T) {
	e := iamtest.Start(t)
	p := newProvider(e)
	rec := &ecs.TaskRecord{TaskID: "0123456789abcdef0123456789abcdef", TaskArn: "arn:aws:ecs:ap-northeast-1:000000000000:task/dev/0123456789abcdef0123456789abcdef"}
	env, err := p.Environment(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	if env["AWS_REGION"] != "ap-northeast-1" || env["AWS_DEFAULT_REGION"] != "ap-northeast-1" {
		t.Fatalf("a task of ap-northeast-1 on a server whose home is %s was told %v", awstest.Region, env)
	}
}
