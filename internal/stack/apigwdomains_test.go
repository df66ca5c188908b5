package stack_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"github.com/portolan/portolan/internal/server/servertest"
	"github.com/portolan/portolan/internal/stack"
)

const domainTemplate = `
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: shop, ProtocolType: HTTP}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: HTTP_PROXY
      IntegrationMethod: ANY
      IntegrationUri: %s
      PayloadFormatVersion: "1.0"
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: $default, Target: !Join [/, [integrations, !Ref Integration]]}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true}
  Domain:
    Type: AWS::ApiGatewayV2::DomainName
    Properties:
      DomainName: api.stack.localhost
      DomainNameConfigurations: [{CertificateArn: "arn:aws:acm:us-east-1:000000000000:certificate/local", EndpointType: REGIONAL}]
  Mapping:
    Type: AWS::ApiGatewayV2::ApiMapping
    Properties: {DomainName: !Ref Domain, ApiId: !Ref Api, Stage: !Ref Stage, ApiMappingKey: v1}
Outputs:
  Target: {Value: !GetAtt Domain.RegionalDomainName}
  Zone: {Value: !GetAtt Domain.RegionalHostedZoneId}
  Mapping: {Value: !Ref Mapping}
`

// TestDomainNameResources: a template's custom domain name and API
// mapping are real: the gateway serves the API at the domain under the
// mapping's key, the attributes are those a Route 53 alias names, and
// destroying the stack deletes both.
func TestDomainNameResources(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "saw "+r.URL.Path) }))
	defer backend.Close()
	env := servertest.Start(t)
	ctx := context.Background()
	var events []stack.Event
	st, err := env.Server.Stacks.Deploy(ctx, stack.DeployInput{StackName: "domains", Template: []byte(fmt.Sprintf(domainTemplate, backend.URL))},
		func(e stack.Event) { events = append(events, e) })
	if err != nil || st.Status != "CREATE_COMPLETE" {
		t.Fatalf("deploy: %v %v", err, events)
	}
	out := outputs(st)
	if !strings.HasSuffix(out["Target"], ".execute-api.us-east-1.amazonaws.com") || out["Zone"] != "Z1UJRXOUMOOFQ8" || out["Mapping"] == "" {
		t.Fatalf("outputs %v", out)
	}
	req, _ := http.NewRequest("GET", "http://api.stack.localhost/v1/hello", nil)
	var body []byte
	eventually(t, "served at the custom domain", func() bool {
		resp, err := gatewayClient(env).Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ = io.ReadAll(resp.Body)
		return resp.StatusCode == 200
	})
	if string(body) != "saw /hello" {
		t.Fatalf("through the domain: %q", body)
	}

	if err := env.Server.Stacks.Destroy(ctx, "domains", func(stack.Event) {}); err != nil {
		t.Fatal(err)
	}
	if _, err := agw.NewFromConfig(env.AWS).GetDomainName(ctx, &agw.GetDomainNameInput{DomainName: aws.String("api.stack.localhost")}); err == nil {
		t.Fatal("the domain name outlived its stack")
	}
}
