package cloudmap_test

import (
	"context"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery/types"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudmap/cloudmaptest"
)

func client(t *testing.T) (*sd.Client, *cloudmaptest.Env) {
	env := cloudmaptest.Start(t)
	return sd.NewFromConfig(env.AWS), env
}

func benchClient(b *testing.B) (*sd.Client, *cloudmaptest.Env) {
	env := cloudmaptest.Start(b)
	return sd.NewFromConfig(env.AWS), env
}

// wantCode asserts that err is the AWS error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	awstest.WantCode(t, err, code)
}

func mustOp(t *testing.T, c *sd.Client, opID *string) *types.Operation {
	t.Helper()
	out, err := c.GetOperation(context.Background(), &sd.GetOperationInput{OperationId: opID})
	if err != nil {
		t.Fatalf("GetOperation: %v", err)
	}
	if out.Operation.Status != types.OperationStatusSuccess {
		t.Fatalf("operation %s status %s", *opID, out.Operation.Status)
	}
	return out.Operation
}

func ids(instances []types.HttpInstanceSummary) []string {
	var out []string
	for _, i := range instances {
		out = append(out, *i.InstanceId)
	}
	sort.Strings(out)
	return out
}

// httpNamespace creates an HTTP namespace named name and returns its id.
func httpNamespace(t *testing.T, c *sd.Client, name string) string {
	t.Helper()
	out, err := c.CreateHttpNamespace(context.Background(), &sd.CreateHttpNamespaceInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return mustOp(t, c, out.OperationId).Targets["NAMESPACE"]
}

// httpService creates an HTTP namespace named ns with one service, "s".
func httpService(t *testing.T, c *sd.Client, ns string) *sd.CreateServiceOutput {
	t.Helper()
	nsID := httpNamespace(t, c, ns)
	svc, err := c.CreateService(context.Background(), &sd.CreateServiceInput{Name: aws.String("s"), NamespaceId: &nsID})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}
