package stack

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/restapi"
)

// API Gateway v1 (REST API) resources, in the shapes CloudFormation and
// CDK give them. Where a CloudFormation property differs from the API's
// member (ApiKeySourceType, UsagePlanName, a Policy written as an object,
// Tags as a list, a Method's inline Integration and MethodResponses) the
// handler translates; the rest decodes straight into the API's inputs.

// cfnProps copies props without the keys named, so that what is left
// decodes into an API input.
func cfnProps(props map[string]any, drop ...string) map[string]any {
	out := maps.Clone(props)
	for _, k := range drop {
		delete(out, k)
	}
	return out
}

// cfnTags reads a CloudFormation Tags list ([{Key, Value}]) as a map.
func cfnTags(v any) map[string]string {
	list, _ := v.([]any)
	if len(list) == 0 {
		return nil
	}
	tags := make(map[string]string, len(list))
	for _, t := range list {
		if m, ok := t.(map[string]any); ok {
			tags[fmt.Sprint(m["Key"])] = fmt.Sprint(m["Value"])
		}
	}
	return tags
}

// cfnJSONString is a property CloudFormation takes as a JSON object or a
// string holding one (RestApi.Policy), as the API's string.
func cfnJSONString(v any) (*string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return &x, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

// strPtr is a patch value: v as a string.
func strPtr(v any) *string { s := fmt.Sprint(v); return &s }

type restApiHandler struct {
	c      *restapi.Control
	region string
}

func (h restApiHandler) input(r *Resource) (*restapi.CreateRestApiInput, error) {
	for _, k := range []string{"Body", "BodyS3Location", "Parameters", "Mode"} {
		if r.Props[k] != nil {
			return nil, fmt.Errorf("AWS::ApiGateway::RestApi %s (an OpenAPI import) is not supported by Portolan; declare Resources and Methods", k)
		}
	}
	var in restapi.CreateRestApiInput
	if err := decodeProps(cfnProps(r.Props, "Policy", "Tags", "ApiKeySourceType"), &in); err != nil {
		return nil, err
	}
	policy, err := cfnJSONString(r.Props["Policy"])
	if err != nil {
		return nil, err
	}
	in.Policy, in.Tags = policy, cfnTags(r.Props["Tags"])
	if s := str(r.Props, "ApiKeySourceType"); s != "" {
		in.ApiKeySource = &s
	}
	return &in, nil
}

func (h restApiHandler) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	in, err := h.input(r)
	if err != nil {
		return "", nil, err
	}
	a, err := h.c.CreateRestApi(ctx, in)
	if err != nil {
		return "", nil, err
	}
	return a.Id, map[string]any{"RestApiId": a.Id, "RootResourceId": a.RootResourceId}, nil
}

// Update brings the API's settings to the template's with one patch.
func (h restApiHandler) Update(ctx context.Context, r *Resource, _ map[string]any) (map[string]any, error) {
	in, err := h.input(r)
	if err != nil {
		return nil, err
	}
	cur, err := h.c.GetRestApi(ctx, &restapi.RestApiRef{RestApiId: r.PhysicalID})
	if err != nil {
		return nil, err
	}
	ops := []restapi.PatchOperation{
		{Op: "replace", Path: "/name", Value: in.Name},
		{Op: "replace", Path: "/description", Value: strPtr(strOr(in.Description))},
		{Op: "replace", Path: "/disableExecuteApiEndpoint", Value: strPtr(in.DisableExecuteApiEndpoint != nil && *in.DisableExecuteApiEndpoint)},
		{Op: "replace", Path: "/apiKeySource", Value: strPtr(cmp.Or(strOr(in.ApiKeySource), restapi.APIKeySourceHeader))},
		{Op: "replace", Path: "/minimumCompressionSize", Value: strPtr(compressionSize(in.MinimumCompressionSize))},
	}
	if in.Policy != nil {
		ops = append(ops, restapi.PatchOperation{Op: "replace", Path: "/policy", Value: in.Policy})
	} else if cur.Policy != "" {
		ops = append(ops, restapi.PatchOperation{Op: "remove", Path: "/policy"})
	}
	ops = append(ops, endpointPatch(cur.EndpointConfiguration, in.EndpointConfiguration)...)
	for _, t := range cur.BinaryMediaTypes {
		if !slices.Contains(in.BinaryMediaTypes, t) {
			ops = append(ops, restapi.PatchOperation{Op: "remove", Path: "/binaryMediaTypes/" + escapePointer(t)})
		}
	}
	for _, t := range in.BinaryMediaTypes {
		if !slices.Contains(cur.BinaryMediaTypes, t) {
			ops = append(ops, restapi.PatchOperation{Op: "add", Path: "/binaryMediaTypes/" + escapePointer(t)})
		}
	}
	if _, err := h.c.UpdateRestApi(ctx, &restapi.UpdateRestApiInput{RestApiId: r.PhysicalID, PatchInput: restapi.PatchInput{PatchOperations: ops}}); err != nil {
		return nil, err
	}
	return r.Attrs, h.retag(ctx, "/restapis/"+r.PhysicalID, in.Tags, cur.Tags)
}

func compressionSize(n *int32) string {
	if n == nil {
		return ""
	}
	return fmt.Sprint(*n)
}

// endpointPatch turns the endpoint configuration cur into want.
func endpointPatch(cur, want *restapi.EndpointConfiguration) []restapi.PatchOperation {
	if want == nil {
		want = &restapi.EndpointConfiguration{Types: []string{restapi.EndpointEdge}}
	}
	var ops []restapi.PatchOperation
	if cur != nil && len(cur.Types) == 1 && len(want.Types) == 1 && cur.Types[0] != want.Types[0] {
		ops = append(ops, restapi.PatchOperation{Op: "replace", Path: "/endpointConfiguration/types/" + cur.Types[0], Value: &want.Types[0]})
	}
	var have []string
	if cur != nil {
		have = cur.VpcEndpointIds
	}
	for _, id := range have {
		if !slices.Contains(want.VpcEndpointIds, id) {
			ops = append(ops, restapi.PatchOperation{Op: "remove", Path: "/endpointConfiguration/vpcEndpointIds", Value: &id})
		}
	}
	for _, id := range want.VpcEndpointIds {
		if !slices.Contains(have, id) {
			ops = append(ops, restapi.PatchOperation{Op: "add", Path: "/endpointConfiguration/vpcEndpointIds", Value: &id})
		}
	}
	return ops
}

func escapePointer(s string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }

func strOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// retag brings a resource's tags from have to want.
func (h restApiHandler) retag(ctx context.Context, resource string, want, have map[string]string) error {
	arn := "arn:aws:apigateway:" + h.region + "::" + resource
	var gone []string
	for k := range have {
		if _, ok := want[k]; !ok {
			gone = append(gone, k)
		}
	}
	if len(gone) > 0 {
		if err := h.c.UntagResource(ctx, &restapi.UntagResourceInput{ResourceArn: arn, TagKeys: gone}); err != nil {
			return err
		}
	}
	if len(want) > 0 && !maps.Equal(want, have) {
		return h.c.TagResource(ctx, &restapi.TagResourceInput{ResourceArn: arn, Tags: want})
	}
	return nil
}

func (h restApiHandler) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.c.DeleteRestApi(ctx, &restapi.RestApiRef{RestApiId: r.PhysicalID}))
}

type restResource struct{ c *restapi.Control }

func (h restResource) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	part := str(r.Props, "PathPart")
	res, err := h.c.CreateResource(ctx, &restapi.CreateResourceInput{RestApiId: str(r.Props, "RestApiId"), ParentId: str(r.Props, "ParentId"), PathPart: &part})
	if err != nil {
		return "", nil, err
	}
	return res.Id, map[string]any{"ResourceId": res.Id}, nil
}

// Update: a resource is its place in the tree; any change is a new one.
func (h restResource) Update(context.Context, *Resource, map[string]any) (map[string]any, error) {
	return nil, ErrReplace
}

func (h restResource) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.c.DeleteResource(ctx, &restapi.ResourceRef{RestApiId: str(r.Props, "RestApiId"), ResourceId: r.PhysicalID}))
}

// restMethod puts a method with its responses, inline Integration and the
// integration's responses, as AWS::ApiGateway::Method declares them.
type restMethod struct{ c *restapi.Control }

type cfnMethod struct {
	restapi.PutMethodInput
	MethodResponses []struct {
		StatusCode         string
		ResponseModels     map[string]string
		ResponseParameters map[string]bool
	}
	Integration *struct {
		restapi.PutIntegrationInput
		IntegrationHttpMethod *string
		IntegrationResponses  []struct {
			StatusCode         string
			SelectionPattern   *string
			ContentHandling    *string
			ResponseParameters map[string]string
			ResponseTemplates  map[string]string
		}
	}
}

func (h restMethod) ref(props map[string]any) restapi.MethodRef {
	return restapi.MethodRef{RestApiId: str(props, "RestApiId"), ResourceId: str(props, "ResourceId"), HttpMethod: str(props, "HttpMethod")}
}

func (h restMethod) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var m cfnMethod
	if err := decodeProps(cfnProps(r.Props, "HttpMethod", "RestApiId", "ResourceId"), &m); err != nil {
		return "", nil, err
	}
	ref := h.ref(r.Props)
	m.RestApiId, m.ResourceId, m.HttpMethod = ref.RestApiId, ref.ResourceId, ref.HttpMethod
	if m.AuthorizationType == nil {
		none := restapi.AuthorizationNone // CloudFormation's default
		m.AuthorizationType = &none
	}
	if _, err := h.c.PutMethod(ctx, &m.PutMethodInput); err != nil {
		return "", nil, err
	}
	if err := h.putRest(ctx, ref, &m); err != nil {
		// The method exists only whole: take it away again.
		_ = h.c.DeleteMethod(ctx, &ref)
		return "", nil, err
	}
	id := ref.RestApiId + "-" + ref.ResourceId + "-" + ref.HttpMethod
	return id, map[string]any{}, nil
}

func (h restMethod) putRest(ctx context.Context, ref restapi.MethodRef, m *cfnMethod) error {
	for _, mr := range m.MethodResponses {
		in := restapi.PutMethodResponseInput{MethodRef: ref, StatusCode: mr.StatusCode, ResponseModels: mr.ResponseModels, ResponseParameters: mr.ResponseParameters}
		if _, err := h.c.PutMethodResponse(ctx, &in); err != nil {
			return err
		}
	}
	if m.Integration == nil {
		return nil
	}
	in := m.Integration.PutIntegrationInput
	in.MethodRef, in.IntegrationMethod = ref, m.Integration.IntegrationHttpMethod
	if _, err := h.c.PutIntegration(ctx, &in); err != nil {
		return err
	}
	for _, ir := range m.Integration.IntegrationResponses {
		in := restapi.PutIntegrationResponseInput{MethodResponseRef: restapi.MethodResponseRef{MethodRef: ref, StatusCode: ir.StatusCode},
			SelectionPattern: ir.SelectionPattern, ContentHandling: ir.ContentHandling, ResponseParameters: ir.ResponseParameters, ResponseTemplates: ir.ResponseTemplates}
		if _, err := h.c.PutIntegrationResponse(ctx, &in); err != nil {
			return err
		}
	}
	return nil
}

// Update puts the method anew in place; another API, resource or verb is
// another method.
func (h restMethod) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if h.ref(r.Props) != h.ref(old) {
		return nil, ErrReplace
	}
	ref := h.ref(r.Props)
	if err := ignoreNotFound(h.c.DeleteMethod(ctx, &ref)); err != nil {
		return nil, err
	}
	_, attrs, err := h.Create(ctx, r)
	return attrs, err
}

func (h restMethod) Delete(ctx context.Context, r *Resource) error {
	ref := h.ref(r.Props)
	return ignoreNotFound(h.c.DeleteMethod(ctx, &ref))
}

// restDeployment: a deployment is a snapshot; any change makes a new one.
type restDeployment struct{ c *restapi.Control }

func (h restDeployment) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in restapi.CreateDeploymentInput
	if err := decodeProps(cfnProps(r.Props, "StageDescription", "DeploymentCanarySettings", "RestApiId"), &in); err != nil {
		return "", nil, err
	}
	in.RestApiId = str(r.Props, "RestApiId")
	if sd, ok := r.Props["StageDescription"].(map[string]any); ok {
		// CloudFormation's StageDescription is the stage's settings; the
		// API's is its description.
		var st struct {
			Description    *string
			Variables      map[string]string
			TracingEnabled *bool
		}
		if err := decodeProps(sd, &st); err != nil {
			return "", nil, err
		}
		in.StageDescription, in.Variables, in.TracingEnabled = st.Description, st.Variables, st.TracingEnabled
	}
	d, err := h.c.CreateDeployment(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return d.Id, map[string]any{"DeploymentId": d.Id}, nil
}

func (h restDeployment) Update(context.Context, *Resource, map[string]any) (map[string]any, error) {
	return nil, ErrReplace
}

// Delete deletes the deployment, and first the stage it created (its
// StageName), which would otherwise keep it.
func (h restDeployment) Delete(ctx context.Context, r *Resource) error {
	api := str(r.Props, "RestApiId")
	if name := str(r.Props, "StageName"); name != "" {
		st, err := h.c.GetStage(ctx, &restapi.StageRef{RestApiId: api, StageName: name})
		if err == nil && st.DeploymentId == r.PhysicalID {
			if err := ignoreNotFound(h.c.DeleteStage(ctx, &restapi.StageRef{RestApiId: api, StageName: name})); err != nil {
				return err
			}
		}
	}
	return ignoreNotFound(h.c.DeleteDeployment(ctx, &restapi.DeploymentRef{RestApiId: api, DeploymentId: r.PhysicalID}))
}

// restStage creates a stage and applies the settings the API sets by
// patch: MethodSettings and AccessLogSetting.
type restStage struct{ c *restapi.Control }

type cfnMethodSetting struct {
	ResourcePath, HttpMethod string
	ThrottlingBurstLimit     *int64
	ThrottlingRateLimit      *float64
	LoggingLevel             *string
	DataTraceEnabled         *bool
	MetricsEnabled           *bool
	CachingEnabled           *bool
}

// stagePatch is the patch that gives a stage the template's settings.
func stagePatch(props map[string]any, cur *restapi.Stage) ([]restapi.PatchOperation, error) {
	var want struct {
		DeploymentId     string
		Description      string
		TracingEnabled   bool
		Variables        map[string]string
		MethodSettings   []cfnMethodSetting
		AccessLogSetting *restapi.AccessLogSettings
	}
	if err := decodeProps(cfnProps(props, "Tags"), &want); err != nil {
		return nil, err
	}
	ops := []restapi.PatchOperation{
		{Op: "replace", Path: "/description", Value: &want.Description},
		{Op: "replace", Path: "/tracingEnabled", Value: strPtr(want.TracingEnabled)},
	}
	if want.DeploymentId != cur.DeploymentId {
		ops = append(ops, restapi.PatchOperation{Op: "replace", Path: "/deploymentId", Value: &want.DeploymentId})
	}
	for k := range cur.Variables {
		if _, ok := want.Variables[k]; !ok {
			ops = append(ops, restapi.PatchOperation{Op: "remove", Path: "/variables/" + escapePointer(k)})
		}
	}
	for k, v := range want.Variables {
		ops = append(ops, restapi.PatchOperation{Op: "replace", Path: "/variables/" + escapePointer(k), Value: &v})
	}
	for key := range cur.MethodSettings {
		ops = append(ops, restapi.PatchOperation{Op: "remove", Path: "/" + key})
	}
	for _, ms := range want.MethodSettings {
		ops = append(ops, methodSettingOps(ms)...)
	}
	if cur.AccessLogSettings != nil {
		ops = append(ops, restapi.PatchOperation{Op: "remove", Path: "/accessLogSettings"})
	}
	if a := want.AccessLogSetting; a != nil {
		ops = append(ops, restapi.PatchOperation{Op: "replace", Path: "/accessLogSettings/destinationArn", Value: &a.DestinationArn},
			restapi.PatchOperation{Op: "replace", Path: "/accessLogSettings/format", Value: &a.Format})
	}
	return ops, nil
}

// methodSettingOps: CloudFormation's {ResourcePath: "/*", HttpMethod: "*"}
// is the patch prefix /*/*; "/pets" is /~1pets.
func methodSettingOps(ms cfnMethodSetting) []restapi.PatchOperation {
	path := escapePointer(ms.ResourcePath)
	if ms.ResourcePath == "/*" || ms.ResourcePath == "" {
		path = "*"
	}
	prefix := "/" + path + "/" + cmp.Or(ms.HttpMethod, "*") + "/"
	var ops []restapi.PatchOperation
	add := func(setting string, v any) {
		if !reflect.ValueOf(v).IsNil() {
			ops = append(ops, restapi.PatchOperation{Op: "replace", Path: prefix + setting, Value: strPtr(reflect.ValueOf(v).Elem().Interface())})
		}
	}
	add("throttling/burstLimit", ms.ThrottlingBurstLimit)
	add("throttling/rateLimit", ms.ThrottlingRateLimit)
	add("logging/loglevel", ms.LoggingLevel)
	add("logging/dataTrace", ms.DataTraceEnabled)
	add("metrics/enabled", ms.MetricsEnabled)
	add("caching/enabled", ms.CachingEnabled)
	return ops
}

func (h restStage) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in restapi.CreateStageInput
	if err := decodeProps(cfnProps(r.Props, "Tags", "MethodSettings", "AccessLogSetting", "CanarySetting", "RestApiId"), &in); err != nil {
		return "", nil, err
	}
	in.RestApiId, in.Tags = str(r.Props, "RestApiId"), cfnTags(r.Props["Tags"])
	st, err := h.c.CreateStage(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	if err := r.Exists(st.StageName, map[string]any{}); err != nil {
		return "", nil, err
	}
	if err := h.patch(ctx, r, st); err != nil {
		return "", nil, err
	}
	return st.StageName, map[string]any{}, nil
}

func (h restStage) patch(ctx context.Context, r *Resource, cur *restapi.Stage) error {
	ops, err := stagePatch(r.Props, cur)
	if err != nil {
		return err
	}
	_, err = h.c.UpdateStage(ctx, &restapi.UpdateStageInput{StageRef: restapi.StageRef{RestApiId: str(r.Props, "RestApiId"), StageName: cur.StageName},
		PatchInput: restapi.PatchInput{PatchOperations: ops}})
	return err
}

func (h restStage) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if str(r.Props, "RestApiId") != str(old, "RestApiId") || str(r.Props, "StageName") != str(old, "StageName") {
		return nil, ErrReplace
	}
	cur, err := h.c.GetStage(ctx, &restapi.StageRef{RestApiId: str(r.Props, "RestApiId"), StageName: r.PhysicalID})
	if err != nil {
		return nil, err
	}
	return r.Attrs, h.patch(ctx, r, cur)
}

func (h restStage) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.c.DeleteStage(ctx, &restapi.StageRef{RestApiId: str(r.Props, "RestApiId"), StageName: r.PhysicalID}))
}

// restVpcLink creates a link and waits, as CloudFormation does, until it
// is AVAILABLE; a FAILED link fails the resource.
type restVpcLink struct{ c *restapi.Control }

// vpcLinkWait bounds the wait for a link to settle; AWS takes minutes,
// Portolan's reconciler a moment.
const vpcLinkWait = time.Minute

func (h restVpcLink) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in restapi.CreateVpcLinkInput
	if err := decodeProps(cfnProps(r.Props, "Tags"), &in); err != nil {
		return "", nil, err
	}
	in.Tags = cfnTags(r.Props["Tags"])
	l, err := h.c.CreateVpcLink(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	if err := r.Exists(l.Id, map[string]any{}); err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, vpcLinkWait)
	defer cancel()
	view := h.c.View()
	for {
		changed := view.Changed()
		if s := view.Snapshot(); s != nil {
			if got := s.VpcLink(l.Id); got != nil && got.Status == restapi.VpcLinkAvailable {
				return l.Id, map[string]any{}, nil
			} else if got != nil && got.Status == restapi.VpcLinkFailed {
				return "", nil, fmt.Errorf("VPC link %s failed: %s", l.Id, got.StatusMessage)
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return "", nil, fmt.Errorf("VPC link %s still PENDING after %s", l.Id, vpcLinkWait)
		}
	}
}

func (h restVpcLink) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if !reflect.DeepEqual(r.Props["TargetArns"], old["TargetArns"]) {
		return nil, ErrReplace
	}
	name, desc := str(r.Props, "Name"), str(r.Props, "Description")
	_, err := h.c.UpdateVpcLink(ctx, &restapi.UpdateVpcLinkInput{VpcLinkId: r.PhysicalID, PatchInput: restapi.PatchInput{PatchOperations: []restapi.PatchOperation{
		{Op: "replace", Path: "/name", Value: &name}, {Op: "replace", Path: "/description", Value: &desc}}}})
	return r.Attrs, err
}

func (h restVpcLink) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.c.DeleteVpcLink(ctx, &restapi.VpcLinkRef{VpcLinkId: r.PhysicalID}))
}

// restAccount sets the region's CloudWatch role. Deleting it leaves the
// setting, as on AWS.
type restAccount struct{ c *restapi.Control }

func (h restAccount) set(ctx context.Context, r *Resource) error {
	role := str(r.Props, "CloudWatchRoleArn")
	op := restapi.PatchOperation{Op: "replace", Path: "/cloudwatchRoleArn", Value: &role}
	_, err := h.c.UpdateAccount(ctx, &restapi.UpdateAccountInput{PatchInput: restapi.PatchInput{PatchOperations: []restapi.PatchOperation{op}}})
	return err
}

func (h restAccount) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	if err := h.set(ctx, r); err != nil {
		return "", nil, err
	}
	return generatedName(r, 64), map[string]any{}, nil
}

func (h restAccount) Update(ctx context.Context, r *Resource, _ map[string]any) (map[string]any, error) {
	return r.Attrs, h.set(ctx, r)
}

func (h restAccount) Delete(context.Context, *Resource) error { return nil }

type restApiKey struct{ c *restapi.Control }

func (h restApiKey) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in restapi.CreateApiKeyInput
	if err := decodeProps(cfnProps(r.Props, "Tags"), &in); err != nil {
		return "", nil, err
	}
	in.Tags = cfnTags(r.Props["Tags"])
	if in.Name == nil {
		name := generatedName(r, 128)
		in.Name = &name
	}
	k, err := h.c.CreateApiKey(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return k.Id, map[string]any{"APIKeyId": k.Id}, nil
}

func (h restApiKey) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if str(r.Props, "Value") != str(old, "Value") || !reflect.DeepEqual(r.Props["StageKeys"], old["StageKeys"]) {
		return nil, ErrReplace
	}
	var in restapi.CreateApiKeyInput
	if err := decodeProps(cfnProps(r.Props, "Tags"), &in); err != nil {
		return nil, err
	}
	ops := []restapi.PatchOperation{
		{Op: "replace", Path: "/description", Value: strPtr(strOr(in.Description))},
		{Op: "replace", Path: "/customerId", Value: strPtr(strOr(in.CustomerId))},
		{Op: "replace", Path: "/enabled", Value: strPtr(in.Enabled != nil && *in.Enabled)},
	}
	if in.Name != nil {
		ops = append(ops, restapi.PatchOperation{Op: "replace", Path: "/name", Value: in.Name})
	}
	_, err := h.c.UpdateApiKey(ctx, &restapi.UpdateApiKeyInput{ApiKey: r.PhysicalID, PatchInput: restapi.PatchInput{PatchOperations: ops}})
	return r.Attrs, err
}

func (h restApiKey) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.c.DeleteApiKey(ctx, &restapi.ApiKeyRef{ApiKey: r.PhysicalID}))
}

// restUsagePlan creates plans and updates them in place (a replacement
// would put its keys in two plans covering the same stages, which AWS
// refuses).
type restUsagePlan struct{ c *restapi.Control }

func (h restUsagePlan) input(r *Resource) (*restapi.CreateUsagePlanInput, error) {
	var in restapi.CreateUsagePlanInput
	if err := decodeProps(cfnProps(r.Props, "Tags", "UsagePlanName"), &in); err != nil {
		return nil, err
	}
	in.Tags = cfnTags(r.Props["Tags"])
	name := str(r.Props, "UsagePlanName")
	if name == "" {
		name = generatedName(r, 128)
	}
	in.Name = &name
	return &in, nil
}

func (h restUsagePlan) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	in, err := h.input(r)
	if err != nil {
		return "", nil, err
	}
	p, err := h.c.CreateUsagePlan(ctx, in)
	if err != nil {
		return "", nil, err
	}
	return p.Id, map[string]any{"Id": p.Id}, nil
}

func (h restUsagePlan) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	in, err := h.input(r)
	if err != nil {
		return nil, err
	}
	cur, err := h.c.GetUsagePlan(ctx, &restapi.UsagePlanRef{UsagePlanId: r.PhysicalID})
	if err != nil {
		return nil, err
	}
	ops := []restapi.PatchOperation{{Op: "replace", Path: "/name", Value: in.Name}, {Op: "replace", Path: "/description", Value: strPtr(strOr(in.Description))}}
	ops = append(ops, limitsPatch(in.Quota != nil, cur.Quota != nil, "/quota", func() []restapi.PatchOperation {
		return []restapi.PatchOperation{{Op: "replace", Path: "/quota/period", Value: &in.Quota.Period},
			{Op: "replace", Path: "/quota/limit", Value: strPtr(in.Quota.Limit)}, {Op: "replace", Path: "/quota/offset", Value: strPtr(in.Quota.Offset)}}
	})...)
	ops = append(ops, limitsPatch(in.Throttle != nil, cur.Throttle != nil, "/throttle", func() []restapi.PatchOperation {
		return []restapi.PatchOperation{{Op: "replace", Path: "/throttle/burstLimit", Value: strPtr(in.Throttle.BurstLimit)},
			{Op: "replace", Path: "/throttle/rateLimit", Value: strPtr(in.Throttle.RateLimit)}}
	})...)
	ops = append(ops, planStagesPatch(cur.ApiStages, in.ApiStages)...)
	_, err = h.c.UpdateUsagePlan(ctx, &restapi.UpdateUsagePlanInput{UsagePlanId: r.PhysicalID, PatchInput: restapi.PatchInput{PatchOperations: ops}})
	return r.Attrs, err
}

// limitsPatch sets a quota or throttle the template has, or removes one it
// no longer has.
func limitsPatch(want, have bool, path string, set func() []restapi.PatchOperation) []restapi.PatchOperation {
	switch {
	case want:
		return set()
	case have:
		return []restapi.PatchOperation{{Op: "remove", Path: path}}
	}
	return nil
}

// planStagesPatch adds and removes stages by "apiId:stage" and sets each
// kept or added stage's method throttles.
func planStagesPatch(cur, want []restapi.ApiStage) []restapi.PatchOperation {
	key := func(s restapi.ApiStage) string { return s.ApiId + ":" + s.Stage }
	var ops []restapi.PatchOperation
	for _, s := range cur {
		if !slices.ContainsFunc(want, func(w restapi.ApiStage) bool { return key(w) == key(s) }) {
			ops = append(ops, restapi.PatchOperation{Op: "remove", Path: "/apiStages", Value: strPtr(key(s))})
		}
	}
	for _, s := range want {
		if !slices.ContainsFunc(cur, func(c restapi.ApiStage) bool { return key(c) == key(s) }) {
			ops = append(ops, restapi.PatchOperation{Op: "add", Path: "/apiStages", Value: strPtr(key(s))})
		} else {
			ops = append(ops, restapi.PatchOperation{Op: "remove", Path: "/apiStages/" + key(s) + "/throttle"})
		}
		for m, t := range s.Throttle {
			i := strings.LastIndexByte(m, '/')
			if i < 0 || t == nil {
				continue
			}
			prefix := "/apiStages/" + key(s) + "/throttle/" + escapePointer(m[:i]) + "/" + m[i+1:] + "/"
			ops = append(ops, restapi.PatchOperation{Op: "replace", Path: prefix + "burstLimit", Value: strPtr(t.BurstLimit)},
				restapi.PatchOperation{Op: "replace", Path: prefix + "rateLimit", Value: strPtr(t.RateLimit)})
		}
	}
	return ops
}

func (h restUsagePlan) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.c.DeleteUsagePlan(ctx, &restapi.UsagePlanRef{UsagePlanId: r.PhysicalID}))
}

type restUsagePlanKey struct{ c *restapi.Control }

func (h restUsagePlanKey) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	keyID, keyType := str(r.Props, "KeyId"), str(r.Props, "KeyType")
	k, err := h.c.CreateUsagePlanKey(ctx, &restapi.CreateUsagePlanKeyInput{UsagePlanId: str(r.Props, "UsagePlanId"), KeyId: &keyID, KeyType: &keyType})
	if err != nil {
		return "", nil, err
	}
	return k.Id, map[string]any{"Id": k.Id}, nil
}

func (h restUsagePlanKey) Update(context.Context, *Resource, map[string]any) (map[string]any, error) {
	return nil, ErrReplace
}

func (h restUsagePlanKey) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.c.DeleteUsagePlanKey(ctx, &restapi.UsagePlanKeyRef{UsagePlanId: str(r.Props, "UsagePlanId"), KeyId: r.PhysicalID}))
}

// restAPIHandlers are the AWS::ApiGateway types the deployer serves.
func restAPIHandlers(c *restapi.Control, region string) map[string]Handler {
	return map[string]Handler{
		"AWS::ApiGateway::RestApi":      restApiHandler{c, region},
		"AWS::ApiGateway::Resource":     restResource{c},
		"AWS::ApiGateway::Method":       restMethod{c},
		"AWS::ApiGateway::Deployment":   restDeployment{c},
		"AWS::ApiGateway::Stage":        restStage{c},
		"AWS::ApiGateway::VpcLink":      restVpcLink{c},
		"AWS::ApiGateway::Account":      restAccount{c},
		"AWS::ApiGateway::ApiKey":       restApiKey{c},
		"AWS::ApiGateway::UsagePlan":    restUsagePlan{c},
		"AWS::ApiGateway::UsagePlanKey": restUsagePlanKey{c},
	}
}
