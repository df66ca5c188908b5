package cloudformation_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/portolan/portolan/internal/cloudformation/cloudformationtest"
)

const paramTemplate = `Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
  Name: {Type: String, Default: abc, AllowedPattern: "[a-z]+", MinLength: 2}
  Count: {Type: Number, Default: 1, MaxValue: 5}
  Key: {Type: String, Default: k1, AllowedPattern: "k[0-9]", ConstraintDescription: must be k and a digit}
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
`

// TestBadRequestsChangeNothing: every problem CloudFormation finds before
// it starts answers with its error, and leaves no trace.
func TestBadRequestsChangeNothing(t *testing.T) {
	env := cloudformationtest.Start(t)
	c, ctx := env.Client(), context.Background()
	p := func(kv ...string) []types.Parameter {
		var out []types.Parameter
		for i := 0; i < len(kv); i += 2 {
			out = append(out, types.Parameter{ParameterKey: aws.String(kv[i]), ParameterValue: aws.String(kv[i+1])})
		}
		return out
	}
	iam := "Resources:\n  Role: {Type: AWS::IAM::Role, Properties: {RoleName: r}}\n"
	big := "Resources:\n  Vpc: {Type: AWS::EC2::VPC}\n#" + strings.Repeat("x", 51200)
	for _, tc := range []struct {
		name       string
		in         cfn.CreateStackInput
		code, want string
	}{
		{"missing parameter", cfn.CreateStackInput{TemplateBody: aws.String(paramTemplate)}, "ValidationError", "Parameters: [Env] must have values"},
		{"unknown parameter", cfn.CreateStackInput{TemplateBody: aws.String(paramTemplate), Parameters: p("Env", "dev", "Nope", "1")}, "ValidationError", "Parameters: [Nope] do not exist in the template"},
		{"allowed values", cfn.CreateStackInput{TemplateBody: aws.String(paramTemplate), Parameters: p("Env", "test")}, "ValidationError", "Parameter 'Env' must be one of AllowedValues"},
		{"pattern", cfn.CreateStackInput{TemplateBody: aws.String(paramTemplate), Parameters: p("Env", "dev", "Name", "ABC")}, "ValidationError", "Parameter 'Name' must match pattern [a-z]+"},
		{"min length", cfn.CreateStackInput{TemplateBody: aws.String(paramTemplate), Parameters: p("Env", "dev", "Name", "a")}, "ValidationError", "Parameter 'Name' must contain at least 2 characters"},
		{"max value", cfn.CreateStackInput{TemplateBody: aws.String(paramTemplate), Parameters: p("Env", "dev", "Count", "6")}, "ValidationError", "Parameter 'Count' must be a number not greater than 5"},
		{"constraint description", cfn.CreateStackInput{TemplateBody: aws.String(paramTemplate), Parameters: p("Env", "dev", "Key", "x")}, "ValidationError", "Parameter 'Key' failed to satisfy constraint: must be k and a digit"},
		{"previous value of a new stack", cfn.CreateStackInput{TemplateBody: aws.String(paramTemplate), Parameters: []types.Parameter{{ParameterKey: aws.String("Env"), UsePreviousValue: aws.Bool(true)}}}, "ValidationError", "Invalid input for parameter key Env"},
		{"bad name", cfn.CreateStackInput{StackName: aws.String("1bad"), TemplateBody: aws.String(paramTemplate)}, "ValidationError", "Member must satisfy regular expression pattern"},
		{"no template", cfn.CreateStackInput{}, "ValidationError", "Exactly one of TemplateBody or TemplateUrl must be specified."},
		{"too big", cfn.CreateStackInput{TemplateBody: aws.String(big)}, "ValidationError", "Member must have length less than or equal to 51200"},
		{"not YAML", cfn.CreateStackInput{TemplateBody: aws.String("Resources: [")}, "ValidationError", "Template format error: YAML not well-formed."},
		{"no resources", cfn.CreateStackInput{TemplateBody: aws.String("Description: x\n")}, "ValidationError", "Template format error: At least one Resources member must be defined."},
		{"bad reference", cfn.CreateStackInput{TemplateBody: aws.String("Resources:\n  A: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !Ref Nope}}\n")}, "ValidationError", `Template format error: Resources.A.Properties.CidrBlock.Ref (line 2, column 52): Ref to "Nope"`},
		{"unsupported type", cfn.CreateStackInput{TemplateBody: aws.String("Resources:\n  Q: {Type: AWS::SQS::Queue}\n  T: {Type: AWS::SNS::Topic}\n")}, "ValidationError", "Template format error: Unrecognized resource types: [AWS::SNS::Topic, AWS::SQS::Queue]"},
		{"missing import", cfn.CreateStackInput{TemplateBody: aws.String("Resources:\n  A: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !ImportValue nothing}}\n")}, "ValidationError", "No export named nothing found."},
		{"IAM not acknowledged", cfn.CreateStackInput{TemplateBody: aws.String(iam), Capabilities: []types.Capability{"CAPABILITY_IAM"}}, "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_NAMED_IAM]"},
		{"bad URL", cfn.CreateStackInput{TemplateURL: aws.String("https://bucket.s3.amazonaws.com/t.yaml")}, "ValidationError", "TemplateURL must be a supported URL"},
		{"bad OnFailure", cfn.CreateStackInput{TemplateBody: aws.String(paramTemplate), OnFailure: "EXPLODE"}, "ValidationError", "Member must satisfy enum value set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := env.Store.Revision()
			in := tc.in
			if in.StackName == nil {
				in.StackName = aws.String("bad")
			}
			_, err := c.CreateStack(ctx, &in)
			apiError(t, "create-stack", err, tc.code, tc.want)
			if env.Store.Revision() != before {
				t.Fatal("a refused request changed state")
			}
		})
	}
	// With the capability acknowledged and the parameters right, it goes.
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("role"), TemplateBody: aws.String(iam), Capabilities: []types.Capability{"CAPABILITY_NAMED_IAM"}}); err != nil {
		t.Fatal(err)
	}
	waitCreate(t, c, "role")
}

// TestTemplateOperations: validate-template, get-template-summary, and a
// template read from a file:// URL.
func TestTemplateOperations(t *testing.T) {
	env := cloudformationtest.Start(t)
	c, ctx := env.Client(), context.Background()
	v, err := c.ValidateTemplate(ctx, &cfn.ValidateTemplateInput{TemplateBody: aws.String("Description: d\n" + paramTemplate + "  Role: {Type: AWS::IAM::Role}\n")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(v.Description) != "d" || len(v.Parameters) != 4 || aws.ToString(v.Parameters[0].ParameterKey) != "Count" ||
		aws.ToString(v.Parameters[0].DefaultValue) != "1" || len(v.Capabilities) != 1 || v.Capabilities[0] != "CAPABILITY_IAM" {
		t.Fatalf("validate-template: %+v", v)
	}
	// A type Portolan does not deploy still validates: it is valid on AWS.
	if _, err := c.ValidateTemplate(ctx, &cfn.ValidateTemplateInput{TemplateBody: aws.String("Resources:\n  Q: {Type: AWS::SQS::Queue}\n")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ValidateTemplate(ctx, &cfn.ValidateTemplateInput{TemplateBody: aws.String("Resources: [")})
	apiError(t, "validate bad YAML", err, "ValidationError", "Template format error: YAML not well-formed.")

	file := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(file, []byte(paramTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := c.GetTemplateSummary(ctx, &cfn.GetTemplateSummaryInput{TemplateURL: aws.String("file://" + file)})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Parameters) != 4 || sum.Parameters[1].ParameterConstraints == nil || len(sum.Parameters[1].ParameterConstraints.AllowedValues) != 2 ||
		len(sum.ResourceTypes) != 1 || sum.ResourceTypes[0] != "AWS::EC2::VPC" || aws.ToString(sum.Version) != "2010-09-09" {
		t.Fatalf("get-template-summary: %+v", sum)
	}
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("fromfile"), TemplateURL: aws.String("file://" + file),
		Parameters: []types.Parameter{{ParameterKey: aws.String("Env"), ParameterValue: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	waitCreate(t, c, "fromfile")
	got, _ := c.GetTemplate(ctx, &cfn.GetTemplateInput{StackName: aws.String("fromfile"), TemplateStage: "Processed"})
	if aws.ToString(got.TemplateBody) != paramTemplate || len(got.StagesAvailable) != 2 {
		t.Fatalf("get-template: %+v", got)
	}
	sum, err = c.GetTemplateSummary(ctx, &cfn.GetTemplateSummaryInput{StackName: aws.String("fromfile")})
	if err != nil || len(sum.Parameters) != 4 {
		t.Fatalf("summary of a stack: %v %+v", err, sum)
	}
}

// TestTerminationProtection: a protected stack is not deleted.
func TestTerminationProtection(t *testing.T) {
	env := cloudformationtest.Start(t)
	c, ctx := env.Client(), context.Background()
	if _, err := c.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("kept"), TemplateBody: aws.String(namespaceTemplate), EnableTerminationProtection: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if s := waitCreate(t, c, "kept"); !aws.ToBool(s.EnableTerminationProtection) {
		t.Fatal("termination protection not described")
	}
	_, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("kept")})
	apiError(t, "delete a protected stack", err, "ValidationError", "Stack [kept] cannot be deleted while TerminationProtection is enabled")
	if _, err := c.UpdateTerminationProtection(ctx, &cfn.UpdateTerminationProtectionInput{StackName: aws.String("kept"), EnableTerminationProtection: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}
	waitDelete(t, c, "kept")
}
