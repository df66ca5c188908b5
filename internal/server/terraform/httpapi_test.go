package terraform_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	gw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
)

// applyUserPool: aws_cognito_user_pool and aws_cognito_user_pool_client
// (USER_PASSWORD_AUTH, no secret). It returns the pool and client ids.
func (p *plan) applyUserPool(name string) (string, string) {
	c := cip.NewFromConfig(p.cfg())
	pool := must[*cip.CreateUserPoolOutput](p, "CreateUserPool")(c.CreateUserPool(p.ctx, &cip.CreateUserPoolInput{PoolName: &name,
		AutoVerifiedAttributes: []ciptypes.VerifiedAttributeType{ciptypes.VerifiedAttributeTypeEmail}, UsernameAttributes: []ciptypes.UsernameAttributeType{ciptypes.UsernameAttributeTypeEmail},
		MfaConfiguration: ciptypes.UserPoolMfaTypeOff}))
	id := *pool.UserPool.Id
	p.apply("aws_cognito_user_pool."+name, func() any {
		u := must[*cip.DescribeUserPoolOutput](p, "DescribeUserPool")(c.DescribeUserPool(p.ctx, &cip.DescribeUserPoolInput{UserPoolId: &id})).UserPool
		mfa := must[*cip.GetUserPoolMfaConfigOutput](p, "GetUserPoolMfaConfig")(c.GetUserPoolMfaConfig(p.ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: &id}))
		return []any{*u.Arn, *u.Name, u.AutoVerifiedAttributes, u.UsernameAttributes, u.Policies, u.AdminCreateUserConfig, u.AccountRecoverySetting,
			u.SchemaAttributes, aws.ToString(u.Domain), u.LastModifiedDate, mfa.MfaConfiguration}
	}, func() {
		must[*cip.DeleteUserPoolOutput](p, "DeleteUserPool")(c.DeleteUserPool(p.ctx, &cip.DeleteUserPoolInput{UserPoolId: &id}))
	})
	client := must[*cip.CreateUserPoolClientOutput](p, "CreateUserPoolClient")(c.CreateUserPoolClient(p.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &id, ClientName: aws.String(name + "-web"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{ciptypes.ExplicitAuthFlowsTypeAllowUserPasswordAuth, ciptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}}))
	cid := *client.UserPoolClient.ClientId
	p.apply("aws_cognito_user_pool_client."+name, func() any {
		u := must[*cip.DescribeUserPoolClientOutput](p, "DescribeUserPoolClient")(c.DescribeUserPoolClient(p.ctx, &cip.DescribeUserPoolClientInput{UserPoolId: &id, ClientId: &cid})).UserPoolClient
		return []any{*u.ClientName, u.ExplicitAuthFlows, u.TokenValidityUnits, u.AccessTokenValidity, u.IdTokenValidity, u.RefreshTokenValidity,
			u.ReadAttributes, u.WriteAttributes, u.PreventUserExistenceErrors, u.AllowedOAuthFlows, u.CallbackURLs, u.SupportedIdentityProviders, u.LastModifiedDate}
	}, func() {
		must[*cip.DeleteUserPoolClientOutput](p, "DeleteUserPoolClient")(c.DeleteUserPoolClient(p.ctx, &cip.DeleteUserPoolClientInput{UserPoolId: &id, ClientId: &cid}))
	})
	return id, cid
}

// applyCapacityProviders: aws_ecs_cluster_capacity_providers (FARGATE as
// the default strategy).
func (p *plan) applyCapacityProviders(cluster string) {
	c := ecs.NewFromConfig(p.cfg())
	put := func(cps []string, strategy []ecstypes.CapacityProviderStrategyItem) {
		p.retryOn("PutClusterCapacityProviders", func() error {
			_, err := c.PutClusterCapacityProviders(p.ctx, &ecs.PutClusterCapacityProvidersInput{Cluster: &cluster, CapacityProviders: cps, DefaultCapacityProviderStrategy: strategy})
			return err
		}, "ResourceInUseException", "UpdateInProgressException")
	}
	read := func() any {
		cl := must[*ecs.DescribeClustersOutput](p, "DescribeClusters")(c.DescribeClusters(p.ctx, &ecs.DescribeClustersInput{Clusters: []string{cluster}})).Clusters[0]
		return []any{*cl.Status, cl.CapacityProviders, cl.DefaultCapacityProviderStrategy}
	}
	put([]string{"FARGATE"}, []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE"), Weight: 1, Base: 1}})
	p.until("cluster available", func() (bool, error) { return read().([]any)[0] == "ACTIVE", nil })
	p.apply("aws_ecs_cluster_capacity_providers."+cluster, read, func() { put([]string{}, []ecstypes.CapacityProviderStrategyItem{}) })
}

// applyHTTPAPI applies the API pieces: aws_apigatewayv2_vpc_link (waited
// AVAILABLE), _api (its description updated by the design), _authorizer
// (JWT, the pool's issuer, the client as audience), _integration
// (HTTP_PROXY through the VPC link to the Cloud Map service), _route
// (GET /message, JWT) and _stage ($default, auto-deployed). It returns the
// API id.
func (p *plan) applyHTTPAPI(n network, registry, poolID, clientID string) string {
	c := gw.NewFromConfig(p.cfg())
	link := must[*gw.CreateVpcLinkOutput](p, "CreateVpcLink")(c.CreateVpcLink(p.ctx, &gw.CreateVpcLinkInput{Name: aws.String("api"), SubnetIds: n.subnets, SecurityGroupIds: []string{n.sg}}))
	linkID := *link.VpcLinkId
	readLink := func() any {
		l := must[*gw.GetVpcLinkOutput](p, "GetVpcLink")(c.GetVpcLink(p.ctx, &gw.GetVpcLinkInput{VpcLinkId: &linkID}))
		return []any{*l.Name, l.SubnetIds, l.SecurityGroupIds, l.VpcLinkStatus, l.Tags}
	}
	p.until("vpc link available", func() (bool, error) { return readLink().([]any)[3] == gwtypes.VpcLinkStatusAvailable, nil })
	p.apply("aws_apigatewayv2_vpc_link.api", readLink, func() {
		must[*gw.DeleteVpcLinkOutput](p, "DeleteVpcLink")(c.DeleteVpcLink(p.ctx, &gw.DeleteVpcLinkInput{VpcLinkId: &linkID}))
		p.gone("vpc link", "NotFoundException", func() error { _, err := c.GetVpcLink(p.ctx, &gw.GetVpcLinkInput{VpcLinkId: &linkID}); return err })
	})

	api := must[*gw.CreateApiOutput](p, "CreateApi")(c.CreateApi(p.ctx, &gw.CreateApiInput{Name: aws.String("orders"), ProtocolType: gwtypes.ProtocolTypeHttp, Description: aws.String("v1")}))
	id := api.ApiId
	p.apply("aws_apigatewayv2_api.orders", func() any {
		a := must[*gw.GetApiOutput](p, "GetApi")(c.GetApi(p.ctx, &gw.GetApiInput{ApiId: id}))
		return []any{*a.ApiEndpoint, *a.Name, a.ProtocolType, aws.ToString(a.Description), *a.RouteSelectionExpression, a.DisableExecuteApiEndpoint, a.CorsConfiguration, a.Tags, a.IpAddressType}
	}, func() { must[*gw.DeleteApiOutput](p, "DeleteApi")(c.DeleteApi(p.ctx, &gw.DeleteApiInput{ApiId: id})) })
	must[*gw.UpdateApiOutput](p, "UpdateApi")(c.UpdateApi(p.ctx, &gw.UpdateApiInput{ApiId: id, Description: aws.String("v2")}))
	p.update("aws_apigatewayv2_api.orders")

	auth := must[*gw.CreateAuthorizerOutput](p, "CreateAuthorizer")(c.CreateAuthorizer(p.ctx, &gw.CreateAuthorizerInput{ApiId: id, Name: aws.String("cognito"),
		AuthorizerType: gwtypes.AuthorizerTypeJwt, IdentitySource: []string{"$request.header.Authorization"},
		JwtConfiguration: &gwtypes.JWTConfiguration{Issuer: aws.String("https://cognito-idp.us-east-1.amazonaws.com/" + poolID), Audience: []string{clientID}}}))
	p.apply("aws_apigatewayv2_authorizer.cognito", func() any {
		a := must[*gw.GetAuthorizerOutput](p, "GetAuthorizer")(c.GetAuthorizer(p.ctx, &gw.GetAuthorizerInput{ApiId: id, AuthorizerId: auth.AuthorizerId}))
		return []any{*a.Name, a.AuthorizerType, a.IdentitySource, a.JwtConfiguration, a.AuthorizerResultTtlInSeconds}
	}, func() {
		must[*gw.DeleteAuthorizerOutput](p, "DeleteAuthorizer")(c.DeleteAuthorizer(p.ctx, &gw.DeleteAuthorizerInput{ApiId: id, AuthorizerId: auth.AuthorizerId}))
	})

	integ := must[*gw.CreateIntegrationOutput](p, "CreateIntegration")(c.CreateIntegration(p.ctx, &gw.CreateIntegrationInput{ApiId: id, IntegrationType: gwtypes.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("ANY"), IntegrationUri: &registry, ConnectionType: gwtypes.ConnectionTypeVpcLink, ConnectionId: &linkID, PayloadFormatVersion: aws.String("1.0")}))
	p.apply("aws_apigatewayv2_integration.service", func() any {
		i := must[*gw.GetIntegrationOutput](p, "GetIntegration")(c.GetIntegration(p.ctx, &gw.GetIntegrationInput{ApiId: id, IntegrationId: integ.IntegrationId}))
		return []any{i.IntegrationType, *i.IntegrationMethod, *i.IntegrationUri, i.ConnectionType, *i.ConnectionId, *i.PayloadFormatVersion, i.TimeoutInMillis, i.RequestParameters, i.TlsConfig}
	}, func() {
		must[*gw.DeleteIntegrationOutput](p, "DeleteIntegration")(c.DeleteIntegration(p.ctx, &gw.DeleteIntegrationInput{ApiId: id, IntegrationId: integ.IntegrationId}))
	})

	route := must[*gw.CreateRouteOutput](p, "CreateRoute")(c.CreateRoute(p.ctx, &gw.CreateRouteInput{ApiId: id, RouteKey: aws.String("GET /message"),
		Target: aws.String("integrations/" + *integ.IntegrationId), AuthorizationType: gwtypes.AuthorizationTypeJwt, AuthorizerId: auth.AuthorizerId}))
	p.apply("aws_apigatewayv2_route.message", func() any {
		r := must[*gw.GetRouteOutput](p, "GetRoute")(c.GetRoute(p.ctx, &gw.GetRouteInput{ApiId: id, RouteId: route.RouteId}))
		return []any{*r.RouteKey, *r.Target, r.AuthorizationType, *r.AuthorizerId, r.AuthorizationScopes, r.ApiKeyRequired, r.RequestParameters}
	}, func() {
		must[*gw.DeleteRouteOutput](p, "DeleteRoute")(c.DeleteRoute(p.ctx, &gw.DeleteRouteInput{ApiId: id, RouteId: route.RouteId}))
	})

	must[*gw.CreateStageOutput](p, "CreateStage")(c.CreateStage(p.ctx, &gw.CreateStageInput{ApiId: id, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}))
	p.apply("aws_apigatewayv2_stage.default", func() any {
		s := must[*gw.GetStageOutput](p, "GetStage")(c.GetStage(p.ctx, &gw.GetStageInput{ApiId: id, StageName: aws.String("$default")}))
		// With auto_deploy the provider ignores deployment_id.
		return []any{*s.StageName, *s.AutoDeploy, s.DefaultRouteSettings, s.RouteSettings, s.StageVariables, s.AccessLogSettings, s.Tags}
	}, func() {
		must[*gw.DeleteStageOutput](p, "DeleteStage")(c.DeleteStage(p.ctx, &gw.DeleteStageInput{ApiId: id, StageName: aws.String("$default")}))
	})
	return *id
}

// TestHTTPAPIDesign: the HTTP API with a Cognito JWT authorizer applied,
// refreshed with no change, serving (a request through the gateway with
// the user's ID token reaches the ECS task behind the VPC link; without
// it the gateway answers 401), and destroyed to nothing.
func TestHTTPAPIDesign(t *testing.T) {
	p := newPlan(t, 4*time.Minute)
	app := runtimetest.BuildApp(t)
	before := p.inventory()

	account := p.callerIdentity()
	n := p.applyNetwork("httpapi")
	role := p.applyRole("httpapi-task", logsPolicy(account))
	p.applyLogGroup("/ecs/orders")
	poolID, clientID := p.applyUserPool("orders")
	ns := p.applyNamespace("orders.local", n.vpc)
	reg := p.applyDiscoveryService("orders", ns)
	p.applyCluster("orders")
	p.applyCapacityProviders("orders")
	td := p.applyTaskDefinition("orders", role, "/ecs/orders", app, map[string]string{"SERVICE_NAME": "orders"})
	p.applyService("orders", "orders", td, reg, n)
	apiID := p.applyHTTPAPI(n, reg, poolID, clientID)

	c := cip.NewFromConfig(p.cfg())
	must[*cip.AdminCreateUserOutput](p, "AdminCreateUser")(c.AdminCreateUser(p.ctx, &cip.AdminCreateUserInput{UserPoolId: &poolID, Username: aws.String("alice@example.com"),
		MessageAction: ciptypes.MessageActionTypeSuppress}))
	must[*cip.AdminSetUserPasswordOutput](p, "AdminSetUserPassword")(c.AdminSetUserPassword(p.ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &poolID,
		Username: aws.String("alice@example.com"), Password: aws.String("Long-enough-1"), Permanent: true}))
	auth := must[*cip.InitiateAuthOutput](p, "InitiateAuth")(c.InitiateAuth(p.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "alice@example.com", "PASSWORD": "Long-enough-1"}}))
	url := "http://" + p.env.Server.GatewayAddr() + "/message"
	call := func(token string) (int, string) {
		h := http.Header{"Host": {apiID + ".execute-api.localhost"}}
		if token != "" {
			h.Set("Authorization", "Bearer "+token)
		}
		return p.get(url, h)
	}
	// The stage reaches the gateway a moment after CreateStage answers.
	p.until("route served", func() (bool, error) { s, _ := call(""); return s != http.StatusNotFound, nil })
	if status, body := call(*auth.AuthenticationResult.IdToken); status != 200 || strings.TrimSpace(body) != "orders" {
		t.Fatalf("with the ID token: %d %s", status, body)
	}
	if status, _ := call(""); status != http.StatusUnauthorized {
		t.Fatalf("without a token: %d", status)
	}
	// The design's new release: a new task definition, rolled out.
	p.updateTaskDefinition("orders", "orders", role, "/ecs/orders", app, map[string]string{"SERVICE_NAME": "orders-v2"})
	if status, body := call(*auth.AuthenticationResult.IdToken); status != 200 || strings.TrimSpace(body) != "orders-v2" {
		t.Fatalf("after the new release: %d %s", status, body)
	}
	p.refresh()
	p.destroyAll(before)
}
