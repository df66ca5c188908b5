package stack_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/ecs"
	"github.com/portolan/portolan/internal/elbv2/elbv2test"
	"github.com/portolan/portolan/internal/logs"
	"github.com/portolan/portolan/internal/restapi"
	"github.com/portolan/portolan/internal/restapi/restapitest"
	"github.com/portolan/portolan/internal/stack"
)

// restStack is elbStack with API Gateway v1 on the same store, its view
// and VPC link reconciler running.
type restStack struct {
	*elbStack
	Rest *restapi.Control
}

func startRestStack(t *testing.T) *restStack {
	t.Helper()
	s := startELBStack(t, elbv2test.WithAddresses(fixtureAddresses))
	rest := restapi.New(restapi.Config{Region: awstest.Region, AccountID: elbv2test.AccountID, Store: s.Store,
		LoadBalancers: restapitest.LoadBalancers{ELBv2: s.Control}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rest.Run(ctx) }()
	t.Cleanup(func() { // runs before the store closes: cleanups are last in, first out
		cancel()
		if err := <-done; err != nil {
			t.Errorf("restapi: %v", err)
		}
	})
	cm := cloudmap.New(cloudmap.Config{Region: awstest.Region, AccountID: elbv2test.AccountID, Store: s.Store})
	s.Stacks = stack.New(stack.Config{
		Region: awstest.Region, AccountID: elbv2test.AccountID, Store: s.Store, CloudMap: cm,
		ECS:     ecs.New(ecs.Config{Region: awstest.Region, AccountID: elbv2test.AccountID, Store: s.Store, CloudMap: cm}),
		Logs:    logs.New(logs.Config{Region: awstest.Region, AccountID: elbv2test.AccountID, Store: s.Store}),
		ELBv2:   s.Control,
		RestAPI: rest,
	})
	return &restStack{elbStack: s, Rest: rest}
}

// TestRestAPIFixture deploys the private REST API → VPC link → NLB
// template as CDK synthesizes it and checks what each REST API resource
// became; then destroys it and finds nothing left. The ECS service is left
// out: this harness runs no ECS scheduler (the server's tests run it whole).
func TestRestAPIFixture(t *testing.T) {
	s := startRestStack(t)
	ctx := context.Background()
	var doc struct {
		Resources map[string]map[string]any `yaml:"Resources"`
		Outputs   map[string]any            `yaml:"Outputs"`
	}
	if err := yaml.Unmarshal(restAPIFixture(t), &doc); err != nil {
		t.Fatal(err)
	}
	for id, r := range doc.Resources {
		if r["Type"] == "AWS::ECS::Service" {
			delete(doc.Resources, id)
		}
	}
	tpl, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.deploy(t, "PrivateRestApi", tpl, nil)
	id := func(logical string) string { return st.Resources[logical].PhysicalID }
	api, vpce, link := id("RestApi0C43BF4B"), id("VpcExecuteApiEndpoint5F1C2D0B"), id("VpcLink42ED6FF0")

	a, err := s.Rest.GetRestApi(ctx, &restapi.RestApiRef{RestApiId: api})
	if err != nil || !a.IsPrivate() || !slices.Equal(a.EndpointConfiguration.VpcEndpointIds, []string{vpce}) {
		t.Fatalf("rest api %+v, %v", a, err)
	}
	var policy struct {
		Statement []struct {
			Effect    string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(a.Policy), &policy); err != nil || policy.Statement[0].Condition["StringNotEquals"]["aws:SourceVpce"] != vpce {
		t.Fatalf("policy %s (%v): want the Deny naming %s", a.Policy, err, vpce)
	}
	m, err := s.Rest.GetMethod(ctx, &restapi.MethodRef{RestApiId: api, ResourceId: id("RestApiproxyC95856DD"), HttpMethod: "ANY"})
	if err != nil {
		t.Fatal(err)
	}
	lbs := s.Control.View().Snapshot().LoadBalancers[id("NlbBCDB97FE")]
	if integ := m.MethodIntegration; integ.Type != restapi.IntegrationHTTPProxy || integ.ConnectionId != link ||
		integ.Uri != "http://"+lbs.DNSName+":8000/{proxy}" || integ.RequestParameters["integration.request.path.proxy"] != "method.request.path.proxy" {
		t.Fatalf("integration %+v", integ)
	}
	snap := s.Rest.View().Snapshot()
	if l := snap.VpcLink(link); l == nil || l.Status != restapi.VpcLinkAvailable {
		t.Fatalf("vpc link %+v", l)
	}
	prod := snap.API(api).Stages["prod"]
	if prod == nil || prod.DeploymentId != id("RestApiDeployment2B0F7C4Ad41e6b1c77a05a3f8e9b2c6d1f0e4a7b") || prod.Config.Policy != a.Policy {
		t.Fatalf("stage prod %+v", prod)
	}
	if got, want := output(st, "RestApiEndpoint"), "https://"+api+"-"+vpce+".execute-api.us-east-1.amazonaws.com/prod/"; got != want {
		t.Fatalf("output %q, want %q", got, want)
	}

	s.destroy(t, "PrivateRestApi")
	s.assertNothingLeft(t)
	if apis, _ := s.Rest.GetRestApis(ctx, &restapi.PageInput{}); len(apis.Item) != 0 {
		t.Fatalf("REST APIs left: %d", len(apis.Item))
	}
	if links, _ := s.Rest.GetVpcLinks(ctx, &restapi.PageInput{}); len(links.Item) != 0 {
		t.Fatalf("VPC links left: %d", len(links.Item))
	}
}

const meteredTemplate = `
Parameters:
  Rate: {Type: Number, Default: 5}
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: metered
      ApiKeySourceType: HEADER
      EndpointConfiguration: {Types: [REGIONAL]}
      Tags: [{Key: team, Value: edge}]
  Pets:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: pets}
  GetPets:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Pets
      HttpMethod: GET
      AuthorizationType: NONE
      ApiKeyRequired: true
      MethodResponses:
      - StatusCode: "200"
        ResponseParameters: {method.response.header.X-Mock: true}
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses:
        - StatusCode: "200"
          ResponseParameters: {method.response.header.X-Mock: "'yes'"}
          ResponseTemplates: {application/json: '{"pets": []}'}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [GetPets]
    Properties:
      RestApiId: !Ref Api
      StageName: live
      StageDescription: {Description: the live stage, Variables: {color: blue}}
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      StageName: prod
      DeploymentId: !Ref Deployment
      Variables: {color: green}
      MethodSettings:
      - {ResourcePath: "/*", HttpMethod: "*", ThrottlingRateLimit: !Ref Rate, ThrottlingBurstLimit: 10}
      - {ResourcePath: /pets, HttpMethod: GET, ThrottlingBurstLimit: 2}
      AccessLogSetting:
        DestinationArn: arn:aws:logs:us-east-1:000000000000:log-group:access
        Format: $context.requestId $context.status
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Name: client, Enabled: true, Value: client-key-0123456789abcdef}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      UsagePlanName: gold
      ApiStages:
      - ApiId: !Ref Api
        Stage: !Ref Stage
        Throttle: {"/pets/GET": {BurstLimit: 1, RateLimit: !Ref Rate}}
      Quota: {Limit: 100, Period: DAY}
      Throttle: {BurstLimit: 20, RateLimit: !Ref Rate}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
  Account:
    Type: AWS::ApiGateway::Account
    Properties: {CloudWatchRoleArn: arn:aws:iam::000000000000:role/apigw}
`

// TestRestAPIKeysAndPlans deploys every other AWS::ApiGateway type, then
// updates the stack in place (a new rate) and destroys it.
func TestRestAPIKeysAndPlans(t *testing.T) {
	s := startRestStack(t)
	ctx := context.Background()
	st, _ := s.deploy(t, "metered", []byte(meteredTemplate), nil)
	id := func(logical string) string { return st.Resources[logical].PhysicalID }
	api := id("Api")
	check := func(rate float64) {
		t.Helper()
		snap := s.Rest.View().Snapshot()
		prod, live := snap.API(api).Stages["prod"], snap.API(api).Stages["live"]
		if prod == nil || live == nil || prod.Variables["color"] != "green" || live.Variables["color"] != "blue" || live.Description != "the live stage" {
			t.Fatalf("stages prod %+v live %+v", prod, live)
		}
		all, _ := prod.MethodSetting("/other", "POST")
		pets, _ := prod.MethodSetting("/pets", "GET")
		if all.ThrottlingRateLimit != rate || pets.ThrottlingBurstLimit != 2 || !strings.Contains(prod.AccessLogSettings.Format, "$context.requestId") {
			t.Fatalf("prod settings */* %+v, GET /pets %+v", all, pets)
		}
		m := prod.Config.Resource(id("Pets")).ResourceMethods["GET"]
		if !m.ApiKeyRequired || m.MethodIntegration.IntegrationResponses["200"].ResponseParameters["method.response.header.X-Mock"] != "'yes'" {
			t.Fatalf("GET /pets %+v", m)
		}
		k := snap.APIKeyByValue("client-key-0123456789abcdef")
		plan, stage := snap.UsagePlanFor(api, "prod", k.Id)
		if plan == nil || plan.Name != "gold" || plan.Throttle.RateLimit != rate || stage.Throttle["/pets/GET"].RateLimit != rate || plan.Quota.Limit != 100 {
			t.Fatalf("plan %+v stage %+v", plan, stage)
		}
		if snap.Account().CloudwatchRoleArn != "arn:aws:iam::000000000000:role/apigw" {
			t.Fatalf("account %+v", snap.Account())
		}
	}
	check(5)
	tags, err := s.Rest.GetTags(ctx, &restapi.GetTagsInput{ResourceArn: "arn:aws:apigateway:us-east-1::/restapis/" + api})
	if err != nil || tags.Tags["team"] != "edge" {
		t.Fatalf("tags %v, %v", tags, err)
	}

	st, _ = s.deploy(t, "metered", []byte(meteredTemplate), map[string]string{"Rate": "9"})
	if id("Api") != api || st.Resources["Plan"].PhysicalID != id("Plan") {
		t.Fatalf("the update replaced the API or the plan")
	}
	check(9)

	s.destroy(t, "metered")
	if apis, _ := s.Rest.GetRestApis(ctx, &restapi.PageInput{}); len(apis.Item) != 0 {
		t.Fatalf("REST APIs left: %d", len(apis.Item))
	}
	if plans, _ := s.Rest.GetUsagePlans(ctx, &restapi.GetUsagePlansInput{}); len(plans.Item) != 0 {
		t.Fatalf("usage plans left: %d", len(plans.Item))
	}
	if keys, _ := s.Rest.GetApiKeys(ctx, &restapi.GetApiKeysInput{}); len(keys.Item) != 0 {
		t.Fatalf("API keys left: %d", len(keys.Item))
	}
}
