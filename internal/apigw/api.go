package apigw

import (
	"context"
	"net/http"

	"github.com/portolan/portolan/internal/awsapi"
)

// Register serves apigatewayv2's HTTP API operations on mux (restJson1,
// paths under /v2/ as aws-sdk-go-v2/service/apigatewayv2 builds them).
// Creates answer 201 and deletes 204, as the API reference documents.
func (s *Control) Register(mux *awsapi.Mux) {
	rs := &awsapi.RESTService{}
	apiID := func(r *awsapi.RESTRequest) string { return r.Params["apiId"] }
	pg := func(r *awsapi.RESTRequest) PageInput {
		q := r.URL.Query()
		return PageInput{MaxResults: q.Get("maxResults"), NextToken: q.Get("nextToken")}
	}

	rs.Handle("POST", "/v2/apis", op(http.StatusCreated, s.CreateApi, nil))
	importOptions := func(r *awsapi.RESTRequest, in *ImportApiInput) {
		q := r.URL.Query()
		in.Basepath, in.FailOnWarnings = q.Get("basepath"), q.Get("failOnWarnings") == "true"
	}
	rs.Handle("PUT", "/v2/apis", op(http.StatusCreated, s.ImportApi, importOptions))
	rs.Handle("PUT", "/v2/apis/{apiId}", op(http.StatusCreated, s.ReimportApi, func(r *awsapi.RESTRequest, in *ReimportApiInput) {
		importOptions(r, &in.ImportApiInput)
		in.ApiId = apiID(r)
	}))
	rs.Handle("GET", "/v2/apis/{apiId}/exports/{specification}", op(http.StatusOK, s.ExportApi, func(r *awsapi.RESTRequest, in *ExportApiInput) {
		q := r.URL.Query()
		in.ApiId, in.Specification, in.OutputType = apiID(r), r.Params["specification"], q.Get("outputType")
		in.StageName, in.ExportVersion, in.IncludeExtensions = q.Get("stageName"), q.Get("exportVersion"), q.Get("includeExtensions") != "false"
	}))
	rs.Handle("GET", "/v2/apis", op(http.StatusOK, s.GetApis, func(r *awsapi.RESTRequest, in *PageInput) { *in = pg(r) }))
	rs.Handle("GET", "/v2/apis/{apiId}", op(http.StatusOK, s.GetApi, func(r *awsapi.RESTRequest, in *ApiRef) { in.ApiId = apiID(r) }))
	rs.Handle("PATCH", "/v2/apis/{apiId}", op(http.StatusOK, s.UpdateApi, func(r *awsapi.RESTRequest, in *UpdateApiInput) { in.ApiId = apiID(r) }))
	rs.Handle("DELETE", "/v2/apis/{apiId}", del(s.DeleteApi, func(r *awsapi.RESTRequest, in *ApiRef) { in.ApiId = apiID(r) }))
	rs.Handle("DELETE", "/v2/apis/{apiId}/cors", del(s.DeleteCorsConfiguration, func(r *awsapi.RESTRequest, in *ApiRef) { in.ApiId = apiID(r) }))

	rs.Handle("POST", "/v2/apis/{apiId}/routes", op(http.StatusCreated, s.CreateRoute, func(r *awsapi.RESTRequest, in *CreateRouteInput) { in.ApiId = apiID(r) }))
	rs.Handle("GET", "/v2/apis/{apiId}/routes", op(http.StatusOK, s.GetRoutes, func(r *awsapi.RESTRequest, in *GetRoutesInput) { in.ApiId, in.PageInput = apiID(r), pg(r) }))
	routeRef := func(r *awsapi.RESTRequest, in *RouteRef) { in.ApiId, in.RouteId = apiID(r), r.Params["routeId"] }
	rs.Handle("GET", "/v2/apis/{apiId}/routes/{routeId}", op(http.StatusOK, s.GetRoute, routeRef))
	rs.Handle("PATCH", "/v2/apis/{apiId}/routes/{routeId}", checked(updateRouteRules, op(http.StatusOK, s.UpdateRoute, func(r *awsapi.RESTRequest, in *UpdateRouteInput) {
		in.ApiId, in.RouteId = apiID(r), r.Params["routeId"]
	})))
	rs.Handle("DELETE", "/v2/apis/{apiId}/routes/{routeId}", del(s.DeleteRoute, routeRef))

	rs.Handle("POST", "/v2/apis/{apiId}/integrations", op(http.StatusCreated, s.CreateIntegration, func(r *awsapi.RESTRequest, in *CreateIntegrationInput) { in.ApiId = apiID(r) }))
	rs.Handle("GET", "/v2/apis/{apiId}/integrations", op(http.StatusOK, s.GetIntegrations, func(r *awsapi.RESTRequest, in *GetIntegrationsInput) { in.ApiId, in.PageInput = apiID(r), pg(r) }))
	integRef := func(r *awsapi.RESTRequest, in *IntegrationRef) {
		in.ApiId, in.IntegrationId = apiID(r), r.Params["integrationId"]
	}
	rs.Handle("GET", "/v2/apis/{apiId}/integrations/{integrationId}", op(http.StatusOK, s.GetIntegration, integRef))
	rs.Handle("PATCH", "/v2/apis/{apiId}/integrations/{integrationId}", checked(updateIntegrationRules, op(http.StatusOK, s.UpdateIntegration, func(r *awsapi.RESTRequest, in *UpdateIntegrationInput) {
		in.ApiId, in.IntegrationId = apiID(r), r.Params["integrationId"]
	})))
	rs.Handle("DELETE", "/v2/apis/{apiId}/integrations/{integrationId}", del(s.DeleteIntegration, integRef))

	rs.Handle("POST", "/v2/apis/{apiId}/stages", checked(stageRules, op(http.StatusCreated, s.CreateStage, func(r *awsapi.RESTRequest, in *CreateStageInput) { in.ApiId = apiID(r) })))
	rs.Handle("GET", "/v2/apis/{apiId}/stages", op(http.StatusOK, s.GetStages, func(r *awsapi.RESTRequest, in *GetStagesInput) { in.ApiId, in.PageInput = apiID(r), pg(r) }))
	stageRef := func(r *awsapi.RESTRequest, in *StageRef) { in.ApiId, in.StageName = apiID(r), r.Params["stageName"] }
	rs.Handle("GET", "/v2/apis/{apiId}/stages/{stageName}", op(http.StatusOK, s.GetStage, stageRef))
	rs.Handle("PATCH", "/v2/apis/{apiId}/stages/{stageName}", checked(stageRules, op(http.StatusOK, s.UpdateStage, func(r *awsapi.RESTRequest, in *UpdateStageInput) {
		in.ApiId, in.StageName = apiID(r), r.Params["stageName"]
	})))
	rs.Handle("DELETE", "/v2/apis/{apiId}/stages/{stageName}", del(s.DeleteStage, stageRef))
	rs.Handle("DELETE", "/v2/apis/{apiId}/stages/{stageName}/accesslogsettings", del(s.DeleteAccessLogSettings, stageRef))
	rs.Handle("DELETE", "/v2/apis/{apiId}/stages/{stageName}/routesettings/{routeKey}", del(s.DeleteRouteSettings, func(r *awsapi.RESTRequest, in *RouteSettingsRef) {
		in.ApiId, in.StageName, in.RouteKey = apiID(r), r.Params["stageName"], r.Params["routeKey"]
	}))

	rs.Handle("POST", "/v2/apis/{apiId}/deployments", op(http.StatusCreated, s.CreateDeployment, func(r *awsapi.RESTRequest, in *CreateDeploymentInput) { in.ApiId = apiID(r) }))
	rs.Handle("GET", "/v2/apis/{apiId}/deployments", op(http.StatusOK, s.GetDeployments, func(r *awsapi.RESTRequest, in *GetDeploymentsInput) { in.ApiId, in.PageInput = apiID(r), pg(r) }))
	depRef := func(r *awsapi.RESTRequest, in *DeploymentRef) {
		in.ApiId, in.DeploymentId = apiID(r), r.Params["deploymentId"]
	}
	rs.Handle("GET", "/v2/apis/{apiId}/deployments/{deploymentId}", op(http.StatusOK, s.GetDeployment, depRef))
	rs.Handle("PATCH", "/v2/apis/{apiId}/deployments/{deploymentId}", op(http.StatusOK, s.UpdateDeployment, func(r *awsapi.RESTRequest, in *UpdateDeploymentInput) {
		in.ApiId, in.DeploymentId = apiID(r), r.Params["deploymentId"]
	}))
	rs.Handle("DELETE", "/v2/apis/{apiId}/deployments/{deploymentId}", del(s.DeleteDeployment, depRef))

	rs.Handle("POST", "/v2/apis/{apiId}/authorizers", op(http.StatusCreated, s.CreateAuthorizer, func(r *awsapi.RESTRequest, in *CreateAuthorizerInput) { in.ApiId = apiID(r) }))
	rs.Handle("GET", "/v2/apis/{apiId}/authorizers", op(http.StatusOK, s.GetAuthorizers, func(r *awsapi.RESTRequest, in *GetAuthorizersInput) { in.ApiId, in.PageInput = apiID(r), pg(r) }))
	authRef := func(r *awsapi.RESTRequest, in *AuthorizerRef) {
		in.ApiId, in.AuthorizerId = apiID(r), r.Params["authorizerId"]
	}
	rs.Handle("GET", "/v2/apis/{apiId}/authorizers/{authorizerId}", op(http.StatusOK, s.GetAuthorizer, authRef))
	rs.Handle("PATCH", "/v2/apis/{apiId}/authorizers/{authorizerId}", checked(updateAuthorizerRules, op(http.StatusOK, s.UpdateAuthorizer, func(r *awsapi.RESTRequest, in *UpdateAuthorizerInput) {
		in.ApiId, in.AuthorizerId = apiID(r), r.Params["authorizerId"]
	})))
	rs.Handle("DELETE", "/v2/apis/{apiId}/authorizers/{authorizerId}", del(s.DeleteAuthorizer, authRef))

	rs.Handle("POST", "/v2/vpclinks", op(http.StatusCreated, s.CreateVpcLink, nil))
	rs.Handle("GET", "/v2/vpclinks", op(http.StatusOK, s.GetVpcLinks, func(r *awsapi.RESTRequest, in *PageInput) { *in = pg(r) }))
	linkRef := func(r *awsapi.RESTRequest, in *VpcLinkRef) { in.VpcLinkId = r.Params["vpcLinkId"] }
	rs.Handle("GET", "/v2/vpclinks/{vpcLinkId}", op(http.StatusOK, s.GetVpcLink, linkRef))
	rs.Handle("PATCH", "/v2/vpclinks/{vpcLinkId}", op(http.StatusOK, s.UpdateVpcLink, func(r *awsapi.RESTRequest, in *UpdateVpcLinkInput) { in.VpcLinkId = r.Params["vpcLinkId"] }))
	// DeleteVpcLink answers 202 Accepted: deleting a link is asynchronous on AWS.
	rs.Handle("DELETE", "/v2/vpclinks/{vpcLinkId}", func(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
		in := &VpcLinkRef{VpcLinkId: r.Params["vpcLinkId"]}
		if err := s.DeleteVpcLink(ctx, in); err != nil {
			return 0, nil, err
		}
		return http.StatusAccepted, struct{}{}, nil
	})

	s.registerDomainNames(rs, pg)

	rs.Handle("POST", "/v2/tags/{resourceArn}", func(ctx context.Context, r *awsapi.RESTRequest) (int, any, error) {
		in := &TagResourceInput{}
		if err := awsapi.DecodeJSON(r.Body, in); err != nil {
			return 0, nil, badRequest("%s", awsapi.AsError(err).Message)
		}
		in.ResourceArn = r.Params["resourceArn"]
		if err := s.TagResource(ctx, in); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, struct{}{}, nil
	})
	rs.Handle("GET", "/v2/tags/{resourceArn}", op(http.StatusOK, s.GetTags, func(r *awsapi.RESTRequest, in *GetTagsInput) { in.ResourceArn = r.Params["resourceArn"] }))
	rs.Handle("DELETE", "/v2/tags/{resourceArn}", del(s.UntagResource, func(r *awsapi.RESTRequest, in *UntagResourceInput) {
		in.ResourceArn, in.TagKeys = r.Params["resourceArn"], r.URL.Query()["tagKeys"]
	}))
	mux.AddREST(rs)
}
