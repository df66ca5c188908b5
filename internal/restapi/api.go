package restapi

import (
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
)

// Register serves apigateway's REST API operations on mux (restJson1, paths
// as aws-sdk-go-v2/service/apigateway builds them). They share the endpoint
// with apigatewayv2, whose paths all start /v2/. Success statuses are the
// service model's.
func (c *Control) Register(mux *awsapi.Mux) {
	rs := &awsapi.RESTService{}
	api := func(r *awsapi.RESTRequest) string { return r.Params["restApiId"] }
	q := func(r *awsapi.RESTRequest, name string) string { return r.URL.Query().Get(name) }
	embed := func(r *awsapi.RESTRequest) []string { return r.URL.Query()["embed"] }
	methodRef := func(r *awsapi.RESTRequest) MethodRef {
		return MethodRef{RestApiId: api(r), ResourceId: r.Params["resourceId"], HttpMethod: r.Params["httpMethod"]}
	}
	responseRef := func(r *awsapi.RESTRequest) MethodResponseRef {
		return MethodResponseRef{MethodRef: methodRef(r), StatusCode: r.Params["statusCode"]}
	}

	rs.Handle("POST", "/restapis", op(statusCreated, c.CreateRestApi, nil))
	rs.Handle("GET", "/restapis", op(statusOK, c.GetRestApis, func(r *awsapi.RESTRequest, in *PageInput) { *in = pageInput(r) }))
	apiRef := func(r *awsapi.RESTRequest, in *RestApiRef) { in.RestApiId = api(r) }
	rs.Handle("GET", "/restapis/{restApiId}", op(statusOK, c.GetRestApi, apiRef))
	rs.Handle("PATCH", "/restapis/{restApiId}", op(statusOK, c.UpdateRestApi, func(r *awsapi.RESTRequest, in *UpdateRestApiInput) { in.RestApiId = api(r) }))
	rs.Handle("DELETE", "/restapis/{restApiId}", del(statusAccepted, c.DeleteRestApi, apiRef))

	rs.Handle("GET", "/restapis/{restApiId}/resources", op(statusOK, c.GetResources, func(r *awsapi.RESTRequest, in *GetResourcesInput) {
		in.RestApiId, in.Embed, in.PageInput = api(r), embed(r), pageInput(r)
	}))
	rs.Handle("POST", "/restapis/{restApiId}/resources/{parentId}", op(statusCreated, c.CreateResource, func(r *awsapi.RESTRequest, in *CreateResourceInput) {
		in.RestApiId, in.ParentId = api(r), r.Params["parentId"]
	}))
	resRef := func(r *awsapi.RESTRequest, in *ResourceRef) {
		in.RestApiId, in.ResourceId, in.Embed = api(r), r.Params["resourceId"], embed(r)
	}
	rs.Handle("GET", "/restapis/{restApiId}/resources/{resourceId}", op(statusOK, c.GetResource, resRef))
	rs.Handle("PATCH", "/restapis/{restApiId}/resources/{resourceId}", op(statusOK, c.UpdateResource, func(r *awsapi.RESTRequest, in *UpdateResourceInput) {
		in.RestApiId, in.ResourceId = api(r), r.Params["resourceId"]
	}))
	rs.Handle("DELETE", "/restapis/{restApiId}/resources/{resourceId}", del(statusAccepted, c.DeleteResource, resRef))

	const method = "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}"
	mRef := func(r *awsapi.RESTRequest, in *MethodRef) { *in = methodRef(r) }
	rs.Handle("PUT", method, op(statusCreated, c.PutMethod, func(r *awsapi.RESTRequest, in *PutMethodInput) {
		m := methodRef(r)
		in.RestApiId, in.ResourceId, in.HttpMethod = m.RestApiId, m.ResourceId, m.HttpMethod
	}))
	rs.Handle("GET", method, op(statusOK, c.GetMethod, mRef))
	rs.Handle("PATCH", method, op(statusOK, c.UpdateMethod, func(r *awsapi.RESTRequest, in *UpdateMethodInput) { in.MethodRef = methodRef(r) }))
	rs.Handle("DELETE", method, del(statusNoContent, c.DeleteMethod, mRef))

	rRef := func(r *awsapi.RESTRequest, in *MethodResponseRef) { *in = responseRef(r) }
	rs.Handle("PUT", method+"/responses/{statusCode}", op(statusCreated, c.PutMethodResponse, func(r *awsapi.RESTRequest, in *PutMethodResponseInput) {
		in.MethodRef, in.StatusCode = methodRef(r), r.Params["statusCode"]
	}))
	rs.Handle("GET", method+"/responses/{statusCode}", op(statusOK, c.GetMethodResponse, rRef))
	rs.Handle("PATCH", method+"/responses/{statusCode}", op(statusCreated, c.UpdateMethodResponse, func(r *awsapi.RESTRequest, in *UpdateMethodResponseInput) {
		in.MethodResponseRef = responseRef(r)
	}))
	rs.Handle("DELETE", method+"/responses/{statusCode}", del(statusNoContent, c.DeleteMethodResponse, rRef))

	rs.Handle("PUT", method+"/integration", op(statusCreated, c.PutIntegration, func(r *awsapi.RESTRequest, in *PutIntegrationInput) { in.MethodRef = methodRef(r) }))
	rs.Handle("GET", method+"/integration", op(statusOK, c.GetIntegration, mRef))
	rs.Handle("PATCH", method+"/integration", op(statusOK, c.UpdateIntegration, func(r *awsapi.RESTRequest, in *UpdateIntegrationInput) { in.MethodRef = methodRef(r) }))
	rs.Handle("DELETE", method+"/integration", del(statusNoContent, c.DeleteIntegration, mRef))

	rs.Handle("PUT", method+"/integration/responses/{statusCode}", op(statusCreated, c.PutIntegrationResponse, func(r *awsapi.RESTRequest, in *PutIntegrationResponseInput) {
		in.MethodResponseRef = responseRef(r)
	}))
	rs.Handle("GET", method+"/integration/responses/{statusCode}", op(statusOK, c.GetIntegrationResponse, rRef))
	rs.Handle("PATCH", method+"/integration/responses/{statusCode}", op(statusOK, c.UpdateIntegrationResponse, func(r *awsapi.RESTRequest, in *UpdateIntegrationResponseInput) {
		in.MethodResponseRef = responseRef(r)
	}))
	rs.Handle("DELETE", method+"/integration/responses/{statusCode}", del(statusNoContent, c.DeleteIntegrationResponse, rRef))

	rs.Handle("POST", "/restapis/{restApiId}/deployments", op(statusCreated, c.CreateDeployment, func(r *awsapi.RESTRequest, in *CreateDeploymentInput) { in.RestApiId = api(r) }))
	rs.Handle("GET", "/restapis/{restApiId}/deployments", op(statusOK, c.GetDeployments, func(r *awsapi.RESTRequest, in *GetDeploymentsInput) {
		in.RestApiId, in.PageInput = api(r), pageInput(r)
	}))
	depRef := func(r *awsapi.RESTRequest, in *DeploymentRef) {
		in.RestApiId, in.DeploymentId, in.Embed = api(r), r.Params["deploymentId"], embed(r)
	}
	rs.Handle("GET", "/restapis/{restApiId}/deployments/{deploymentId}", op(statusOK, c.GetDeployment, depRef))
	rs.Handle("PATCH", "/restapis/{restApiId}/deployments/{deploymentId}", op(statusOK, c.UpdateDeployment, func(r *awsapi.RESTRequest, in *UpdateDeploymentInput) {
		in.RestApiId, in.DeploymentId = api(r), r.Params["deploymentId"]
	}))
	rs.Handle("DELETE", "/restapis/{restApiId}/deployments/{deploymentId}", del(statusAccepted, c.DeleteDeployment, depRef))

	rs.Handle("POST", "/restapis/{restApiId}/stages", op(statusCreated, c.CreateStage, func(r *awsapi.RESTRequest, in *CreateStageInput) { in.RestApiId = api(r) }))
	rs.Handle("GET", "/restapis/{restApiId}/stages", op(statusOK, c.GetStages, func(r *awsapi.RESTRequest, in *GetStagesInput) {
		in.RestApiId, in.DeploymentId = api(r), q(r, "deploymentId")
	}))
	stRef := func(r *awsapi.RESTRequest, in *StageRef) { in.RestApiId, in.StageName = api(r), r.Params["stageName"] }
	rs.Handle("GET", "/restapis/{restApiId}/stages/{stageName}", op(statusOK, c.GetStage, stRef))
	rs.Handle("PATCH", "/restapis/{restApiId}/stages/{stageName}", op(statusOK, c.UpdateStage, func(r *awsapi.RESTRequest, in *UpdateStageInput) {
		in.RestApiId, in.StageName = api(r), r.Params["stageName"]
	}))
	rs.Handle("DELETE", "/restapis/{restApiId}/stages/{stageName}", del(statusAccepted, c.DeleteStage, stRef))

	c.registerAccountScoped(rs, q)
	mux.AddREST(rs)
}

// registerAccountScoped adds the operations outside /restapis: VPC links,
// the account, API keys, usage plans and tags.
func (c *Control) registerAccountScoped(rs *awsapi.RESTService, q func(*awsapi.RESTRequest, string) string) {
	rs.Handle("POST", "/vpclinks", op(statusAccepted, c.CreateVpcLink, nil))
	rs.Handle("GET", "/vpclinks", op(statusOK, c.GetVpcLinks, func(r *awsapi.RESTRequest, in *PageInput) { *in = pageInput(r) }))
	linkRef := func(r *awsapi.RESTRequest, in *VpcLinkRef) { in.VpcLinkId = r.Params["vpcLinkId"] }
	rs.Handle("GET", "/vpclinks/{vpcLinkId}", op(statusOK, c.GetVpcLink, linkRef))
	rs.Handle("PATCH", "/vpclinks/{vpcLinkId}", op(statusOK, c.UpdateVpcLink, func(r *awsapi.RESTRequest, in *UpdateVpcLinkInput) { in.VpcLinkId = r.Params["vpcLinkId"] }))
	rs.Handle("DELETE", "/vpclinks/{vpcLinkId}", del(statusAccepted, c.DeleteVpcLink, linkRef))

	rs.Handle("GET", "/account", op(statusOK, c.GetAccount, nil))
	rs.Handle("PATCH", "/account", op(statusOK, c.UpdateAccount, nil))

	isTrue := func(r *awsapi.RESTRequest, name string) bool { return strings.EqualFold(q(r, name), "true") }
	rs.Handle("POST", "/apikeys", op(statusCreated, c.CreateApiKey, nil))
	rs.Handle("GET", "/apikeys", op(statusOK, c.GetApiKeys, func(r *awsapi.RESTRequest, in *GetApiKeysInput) {
		in.CustomerId, in.IncludeValues, in.NameQuery, in.PageInput = q(r, "customerId"), isTrue(r, "includeValues"), q(r, "name"), pageInput(r)
	}))
	keyRef := func(r *awsapi.RESTRequest, in *ApiKeyRef) {
		in.ApiKey, in.IncludeValue = r.Params["apiKey"], isTrue(r, "includeValue")
	}
	rs.Handle("GET", "/apikeys/{apiKey}", op(statusOK, c.GetApiKey, keyRef))
	rs.Handle("PATCH", "/apikeys/{apiKey}", op(statusOK, c.UpdateApiKey, func(r *awsapi.RESTRequest, in *UpdateApiKeyInput) { in.ApiKey = r.Params["apiKey"] }))
	rs.Handle("DELETE", "/apikeys/{apiKey}", del(statusAccepted, c.DeleteApiKey, keyRef))

	rs.Handle("POST", "/usageplans", op(statusCreated, c.CreateUsagePlan, nil))
	rs.Handle("GET", "/usageplans", op(statusOK, c.GetUsagePlans, func(r *awsapi.RESTRequest, in *GetUsagePlansInput) {
		in.KeyId, in.PageInput = q(r, "keyId"), pageInput(r)
	}))
	planRef := func(r *awsapi.RESTRequest, in *UsagePlanRef) { in.UsagePlanId = r.Params["usagePlanId"] }
	rs.Handle("GET", "/usageplans/{usagePlanId}", op(statusOK, c.GetUsagePlan, planRef))
	rs.Handle("PATCH", "/usageplans/{usagePlanId}", op(statusOK, c.UpdateUsagePlan, func(r *awsapi.RESTRequest, in *UpdateUsagePlanInput) { in.UsagePlanId = r.Params["usagePlanId"] }))
	rs.Handle("DELETE", "/usageplans/{usagePlanId}", del(statusAccepted, c.DeleteUsagePlan, planRef))
	rs.Handle("POST", "/usageplans/{usagePlanId}/keys", op(statusCreated, c.CreateUsagePlanKey, func(r *awsapi.RESTRequest, in *CreateUsagePlanKeyInput) {
		in.UsagePlanId = r.Params["usagePlanId"]
	}))
	rs.Handle("GET", "/usageplans/{usagePlanId}/keys", op(statusOK, c.GetUsagePlanKeys, func(r *awsapi.RESTRequest, in *GetUsagePlanKeysInput) {
		in.UsagePlanId, in.NameQuery, in.PageInput = r.Params["usagePlanId"], q(r, "name"), pageInput(r)
	}))
	planKeyRef := func(r *awsapi.RESTRequest, in *UsagePlanKeyRef) {
		in.UsagePlanId, in.KeyId = r.Params["usagePlanId"], r.Params["keyId"]
	}
	rs.Handle("GET", "/usageplans/{usagePlanId}/keys/{keyId}", op(statusOK, c.GetUsagePlanKey, planKeyRef))
	rs.Handle("DELETE", "/usageplans/{usagePlanId}/keys/{keyId}", del(statusAccepted, c.DeleteUsagePlanKey, planKeyRef))

	rs.Handle("PUT", "/tags/{resourceArn}", del(statusNoContent, c.TagResource, func(r *awsapi.RESTRequest, in *TagResourceInput) { in.ResourceArn = r.Params["resourceArn"] }))
	rs.Handle("DELETE", "/tags/{resourceArn}", del(statusNoContent, c.UntagResource, func(r *awsapi.RESTRequest, in *UntagResourceInput) {
		in.ResourceArn, in.TagKeys = r.Params["resourceArn"], r.URL.Query()["tagKeys"]
	}))
	rs.Handle("GET", "/tags/{resourceArn}", op(statusOK, c.GetTags, func(r *awsapi.RESTRequest, in *GetTagsInput) {
		in.ResourceArn, in.PageInput = r.Params["resourceArn"], pageInput(r)
	}))
}
