package cloudformation_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/cloudformation/cloudformationtest"
)

// fuzzAPI posts awsQuery forms straight to a mux serving CloudFormation
// over a real store and engine. An answer of 500 is a failure: the mux
// turns a panic into InternalFailure, and every bad input must have an
// AWS error of the caller's fault.
type fuzzAPI struct {
	mux http.Handler
}

func newFuzzAPI(f *testing.F) fuzzAPI {
	env := cloudformationtest.Start(f)
	mux := awsapi.NewMux(env.Logger)
	env.CloudFormation.Register(mux)
	return fuzzAPI{mux}
}

func (a fuzzAPI) post(t *testing.T, form string) (int, string) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	a.mux.ServeHTTP(w, r)
	if w.Code >= 500 {
		t.Fatalf("%q: %d %s", form, w.Code, w.Body)
	}
	if !strings.HasPrefix(w.Body.String(), "<?xml") {
		t.Fatalf("%q: not XML: %s", form, w.Body)
	}
	return w.Code, w.Body.String()
}

// FuzzQuery feeds arbitrary form bodies to every operation: the awsQuery
// decoding of CloudFormation's inputs (lists of parameters and tags,
// booleans, numbers) and the operations behind it.
func FuzzQuery(f *testing.F) {
	tpl := url.QueryEscape("Parameters:\n  N: {Type: String, Default: a, NoEcho: true}\nResources:\n  V: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !Ref N}}\nOutputs:\n  O: {Value: !Ref V, Export: {Name: e}}\n")
	v := "&Version=2010-05-15"
	for _, s := range []string{
		"Action=CreateStack&StackName=s&TemplateBody=" + tpl + "&Parameters.member.1.ParameterKey=N&Parameters.member.1.ParameterValue=b&Tags.member.1.Key=k&Tags.member.1.Value=v&TimeoutInMinutes=5&OnFailure=DELETE" + v,
		"Action=UpdateStack&StackName=s&UsePreviousTemplate=true&Parameters.member.1.ParameterKey=N&Parameters.member.1.UsePreviousValue=true" + v,
		"Action=CreateChangeSet&StackName=c&ChangeSetName=x&ChangeSetType=CREATE&TemplateBody=" + tpl + v,
		"Action=DescribeChangeSet&StackName=c&ChangeSetName=x" + v,
		"Action=ExecuteChangeSet&StackName=c&ChangeSetName=x&DisableRollback=true" + v,
		"Action=DescribeStacks" + v, "Action=DescribeStacks&StackName=s" + v,
		"Action=DescribeStackEvents&StackName=s&NextToken=abc" + v,
		"Action=ListStacks&StackStatusFilter.member.1=CREATE_COMPLETE" + v,
		"Action=DeleteStack&StackName=s&RetainResources.member.1=V" + v,
		"Action=GetTemplateSummary&StackName=s" + v, "Action=ValidateTemplate&TemplateBody=" + tpl + v,
		"Action=ListExports" + v, "Action=ListImports&ExportName=e" + v,
		"Action=UpdateTerminationProtection&StackName=s&EnableTerminationProtection=maybe" + v,
		"Action=DescribeStackResources&PhysicalResourceId=vpc-1" + v,
		"Action=GetTemplate&StackName=arn:aws:cloudformation:us-east-1:000000000000:stack/s/1&TemplateStage=Original" + v,
	} {
		f.Add(s)
	}
	api := newFuzzAPI(f)
	f.Fuzz(func(t *testing.T, form string) {
		api.post(t, form)
	})
}

// FuzzTemplateBody sends arbitrary templates, with arbitrary parameter
// values, through what the API does with a template before deploying it:
// ValidateTemplate, GetTemplateSummary, and a CREATE change set, which
// checks the parameters and plans the template with the engine.
func FuzzTemplateBody(f *testing.F) {
	for _, s := range []struct{ tpl, params string }{
		{"Resources:\n  V: {Type: AWS::EC2::VPC}\n", ""},
		{"Parameters:\n  P: {Type: Number, MinValue: 1, AllowedValues: [1, 2]}\nResources:\n  V: {Type: AWS::EC2::VPC, Properties: {X: !Ref P}}\n", "P=3"},
		{"Parameters:\n  L: {Type: CommaDelimitedList, Default: \"a,b\"}\nResources:\n  N: {Type: AWS::ServiceDiscovery::HttpNamespace, Properties: {Name: !Select [1, !Ref L]}}\n", "L=x"},
		{"Resources:\n  R: {Type: AWS::IAM::Role, Properties: {RoleName: r}}\n  S: {Type: AWS::ServiceDiscovery::Service, Properties: {NamespaceId: !ImportValue e}}\n", ""},
		{"Parameters:\n  K: {Type: String, AllowedPattern: \"[a-z]+\", ConstraintDescription: lower}\nResources: {V: {Type: AWS::EC2::VPC}}\nOutputs: {O: {Value: !Ref K, Export: {Name: !Sub \"${K}-x\"}}}\n", "K=ABC"},
		{"{\"Resources\": {\"V\": {\"Type\": \"AWS::SQS::Queue\"}}}", ""},
	} {
		f.Add(s.tpl, s.params)
	}
	api := newFuzzAPI(f)
	n := 0
	f.Fuzz(func(t *testing.T, tpl, params string) {
		body := "&TemplateBody=" + url.QueryEscape(tpl) + "&Version=2010-05-15"
		for i, kv := range strings.Split(params, ",") {
			k, val, _ := strings.Cut(kv, "=")
			m := "&Parameters.member." + strconv.Itoa(i+1)
			body += m + ".ParameterKey=" + url.QueryEscape(k) + m + ".ParameterValue=" + url.QueryEscape(val)
		}
		api.post(t, "Action=ValidateTemplate"+body)
		api.post(t, "Action=GetTemplateSummary"+body)
		n++
		cs := "x" + strconv.Itoa(n)
		if code, _ := api.post(t, "Action=CreateChangeSet&StackName=fuzz&ChangeSetType=CREATE&Capabilities.member.1=CAPABILITY_NAMED_IAM&ChangeSetName="+cs+body); code == http.StatusOK {
			api.post(t, "Action=DescribeChangeSet&StackName=fuzz&ChangeSetName="+cs+"&Version=2010-05-15")
			api.post(t, "Action=DeleteChangeSet&StackName=fuzz&ChangeSetName="+cs+"&Version=2010-05-15")
		}
	})
}
