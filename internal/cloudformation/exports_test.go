package cloudformation_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/portolan/portolan/internal/cloudformation/cloudformationtest"
)

const exportingTemplate = `Resources:
  Namespace:
    Type: AWS::ServiceDiscovery::HttpNamespace
    Properties: {Name: shared}
Outputs:
  NamespaceId:
    Value: !Ref Namespace
    Export: {Name: shared-namespace}
`

const importingTemplate = `Resources:
  Service:
    Type: AWS::ServiceDiscovery::Service
    Properties: {Name: api, NamespaceId: !ImportValue shared-namespace}
`

// TestExportsAndImports: list-exports and list-imports show a value one
// stack exports and another imports; deleting the exporter fails, saying
// why, until the importer is gone.
func TestExportsAndImports(t *testing.T) {
	env := cloudformationtest.Start(t)
	c, ctx := env.Client(), context.Background()
	net, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("net"), TemplateBody: aws.String(exportingTemplate)})
	if err != nil {
		t.Fatal(err)
	}
	nsID := aws.ToString(waitCreate(t, c, "net").Outputs[0].OutputValue)
	_, err = c.ListImports(ctx, &cfn.ListImportsInput{ExportName: aws.String("shared-namespace")})
	apiError(t, "list-imports of an export nobody imports", err, "ValidationError", "Export 'shared-namespace' is not imported by any stack.")
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("app"), TemplateBody: aws.String(importingTemplate)}); err != nil {
		t.Fatal(err)
	}
	waitCreate(t, c, "app")
	exports, err := c.ListExports(ctx, &cfn.ListExportsInput{})
	if err != nil || len(exports.Exports) != 1 || aws.ToString(exports.Exports[0].Value) != nsID ||
		aws.ToString(exports.Exports[0].ExportingStackId) != aws.ToString(net.StackId) {
		t.Fatalf("list-exports: %v %+v", err, exports)
	}
	imports, err := c.ListImports(ctx, &cfn.ListImportsInput{ExportName: aws.String("shared-namespace")})
	if err != nil || len(imports.Imports) != 1 || imports.Imports[0] != "app" {
		t.Fatalf("list-imports: %v %+v", err, imports)
	}
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("net")}); err != nil {
		t.Fatal(err)
	}
	s := waitStatus(t, c, "net")
	if s.StackStatus != "DELETE_FAILED" || aws.ToString(s.StackStatusReason) != "Export shared-namespace cannot be deleted as it is in use by app" {
		t.Fatalf("deleting an exporter in use: %s %q", s.StackStatus, aws.ToString(s.StackStatusReason))
	}
	for _, name := range []string{"app", "net"} {
		if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		waitDelete(t, c, name)
	}
	if exports, _ := c.ListExports(ctx, &cfn.ListExportsInput{}); len(exports.Exports) != 0 {
		t.Fatalf("exports left: %+v", exports.Exports)
	}
}
