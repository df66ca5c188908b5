package restapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/restapi/restapitest"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// wantError fails unless err is the AWS error code with a message
// containing msg.
func wantError(t *testing.T, err error, code, msg string) {
	t.Helper()
	api := awstest.WantCode(t, err, code)
	if msg != "" && !strings.Contains(api.ErrorMessage(), msg) {
		t.Fatalf("%s message %q, want it to contain %q", code, api.ErrorMessage(), msg)
	}
}

// unchanged runs a call that must fail and checks that it wrote nothing:
// the store's revision stays where it was.
func unchanged(t *testing.T, e *restapitest.Env, code, msg string, call func() error) {
	t.Helper()
	before := e.Store.Revision()
	wantError(t, call(), code, msg)
	if after := e.Store.Revision(); after != before {
		t.Fatalf("a refused call changed the store: revision %d → %d", before, after)
	}
}

// patch builds patchOperations from (op, path, value) triples; a value of
// "-" sends none.
func patch(triples ...string) []types.PatchOperation {
	var ops []types.PatchOperation
	for i := 0; i+2 < len(triples); i += 3 {
		op := types.PatchOperation{Op: types.Op(triples[i]), Path: aws.String(triples[i+1])}
		if triples[i+2] != "-" {
			op.Value = aws.String(triples[i+2])
		}
		ops = append(ops, op)
	}
	return ops
}

// newAPI creates a REST API and returns its id and root resource id.
func newAPI(t *testing.T, c *apigateway.Client, name string) (string, string) {
	t.Helper()
	out := must[*apigateway.CreateRestApiOutput](t)(c.CreateRestApi(ctxT(t), &apigateway.CreateRestApiInput{Name: aws.String(name)}))
	return aws.ToString(out.Id), aws.ToString(out.RootResourceId)
}

// newResource creates a resource under parent and returns its id.
func newResource(t *testing.T, c *apigateway.Client, api, parent, part string) string {
	t.Helper()
	out := must[*apigateway.CreateResourceOutput](t)(c.CreateResource(ctxT(t), &apigateway.CreateResourceInput{
		RestApiId: aws.String(api), ParentId: aws.String(parent), PathPart: aws.String(part)}))
	return aws.ToString(out.Id)
}

// mockMethod gives a resource a method with a MOCK integration.
func mockMethod(t *testing.T, c *apigateway.Client, api, resource, verb string) {
	t.Helper()
	must[*apigateway.PutMethodOutput](t)(c.PutMethod(ctxT(t), &apigateway.PutMethodInput{RestApiId: aws.String(api),
		ResourceId: aws.String(resource), HttpMethod: aws.String(verb), AuthorizationType: aws.String("NONE")}))
	must[*apigateway.PutIntegrationOutput](t)(c.PutIntegration(ctxT(t), &apigateway.PutIntegrationInput{RestApiId: aws.String(api),
		ResourceId: aws.String(resource), HttpMethod: aws.String(verb), Type: types.IntegrationTypeMock}))
}

// deployed creates an API with GET / (MOCK) deployed to stage "prod", and
// returns the API's id and the deployment's.
func deployed(t *testing.T, c *apigateway.Client, name string) (string, string) {
	t.Helper()
	api, root := newAPI(t, c, name)
	mockMethod(t, c, api, root, "GET")
	d := must[*apigateway.CreateDeploymentOutput](t)(c.CreateDeployment(ctxT(t), &apigateway.CreateDeploymentInput{
		RestApiId: aws.String(api), StageName: aws.String("prod")}))
	return api, aws.ToString(d.Id)
}
