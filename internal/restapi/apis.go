package restapi

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/restapi/policy"
	"github.com/portolan/portolan/internal/store"
)

type CreateRestApiInput struct {
	ApiKeySource              *string                `json:"apiKeySource,omitempty"`
	BinaryMediaTypes          []string               `json:"binaryMediaTypes,omitempty"`
	CloneFrom                 *string                `json:"cloneFrom,omitempty"`
	Description               *string                `json:"description,omitempty"`
	DisableExecuteApiEndpoint *bool                  `json:"disableExecuteApiEndpoint,omitempty"`
	EndpointConfiguration     *EndpointConfiguration `json:"endpointConfiguration,omitempty"`
	MinimumCompressionSize    *int32                 `json:"minimumCompressionSize,omitempty"`
	Name                      *string                `json:"name,omitempty"`
	Policy                    *string                `json:"policy,omitempty"`
	Tags                      map[string]string      `json:"tags,omitempty"`
	Version                   *string                `json:"version,omitempty"`
}

// RestApiRef names an API.
type RestApiRef struct {
	RestApiId string `json:"-"`
}

// UpdateRestApiInput is UpdateRestApi's patch.
type UpdateRestApiInput struct {
	RestApiId string `json:"-"`
	PatchInput
}

// maxCompressionSize is minimumCompressionSize's upper bound (10 MiB).
const maxCompressionSize = 10485760

// CreateRestApi creates an API and its root resource "/".
func (c *Control) CreateRestApi(ctx context.Context, in *CreateRestApiInput) (*RestApi, error) {
	if in.CloneFrom != nil {
		return nil, badRequest("cloneFrom is not supported by Portolan; create the API's resources instead")
	}
	a := RestApi{
		ApiKeySource:              strOr(in.ApiKeySource, APIKeySourceHeader),
		BinaryMediaTypes:          in.BinaryMediaTypes,
		CreatedDate:               now(),
		Description:               strOr(in.Description, ""),
		DisableExecuteApiEndpoint: in.DisableExecuteApiEndpoint != nil && *in.DisableExecuteApiEndpoint,
		EndpointConfiguration:     in.EndpointConfiguration,
		Id:                        awsapi.RandomID(10),
		MinimumCompressionSize:    in.MinimumCompressionSize,
		Name:                      strOr(in.Name, ""),
		Policy:                    strOr(in.Policy, ""),
		RootResourceId:            awsapi.RandomID(10),
		Tags:                      in.Tags,
		Version:                   strOr(in.Version, ""),
	}
	if a.EndpointConfiguration == nil {
		// AWS's default endpoint type.
		a.EndpointConfiguration = &EndpointConfiguration{Types: []string{EndpointEdge}}
	}
	if a.EndpointConfiguration.IpAddressType == "" {
		a.EndpointConfiguration.IpAddressType = "ipv4"
	}
	if err := validateRestApi(&a); err != nil {
		return nil, err
	}
	if err := checkTags(a.Tags); err != nil {
		return nil, err
	}
	rec := &apiRecord{RestApi: a, Resources: map[string]*Resource{a.RootResourceId: {Id: a.RootResourceId, Path: "/"}}}
	err := c.commit(ctx, func() (store.Txn, error) {
		return store.Txn{
			If:   []store.Cmp{store.Absent(apiKey(a.Id))},
			Then: []store.Op{store.Put(apiKey(a.Id), store.JSON(rec))},
		}, nil
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func validateRestApi(a *RestApi) error {
	if a.Name == "" {
		return badRequest("Invalid REST API name specified: a name is required")
	}
	if len(a.Name) > 1024 {
		return badRequest("Invalid REST API name specified: at most 1024 characters")
	}
	switch a.ApiKeySource {
	case APIKeySourceHeader, APIKeySourceAuthorizer:
	default:
		return badRequest("Invalid API key source specified: %s. Must be one of: [HEADER, AUTHORIZER]", a.ApiKeySource)
	}
	if m := a.MinimumCompressionSize; m != nil && (*m < 0 || *m > maxCompressionSize) {
		return badRequest("Invalid minimum compression size, must be between 0 and %d", maxCompressionSize)
	}
	for _, t := range a.BinaryMediaTypes {
		if t == "" || !strings.Contains(t, "/") {
			return badRequest("Invalid binary media type specified: '%s'", t)
		}
	}
	if err := validateEndpointConfiguration(a.EndpointConfiguration); err != nil {
		return err
	}
	return validatePolicy(a.Policy)
}

func validateEndpointConfiguration(ec *EndpointConfiguration) error {
	if len(ec.Types) != 1 {
		return badRequest("Exactly one endpoint type must be specified: EDGE, REGIONAL or PRIVATE")
	}
	switch ec.Types[0] {
	case EndpointEdge, EndpointRegional, EndpointPrivate:
	default:
		return badRequest("Invalid endpoint type specified: %s. Must be one of: [EDGE, REGIONAL, PRIVATE]", ec.Types[0])
	}
	switch ec.IpAddressType {
	case "ipv4", "dualstack":
	default:
		return badRequest("Invalid IP address type specified: %s. Must be one of: [ipv4, dualstack]", ec.IpAddressType)
	}
	if len(ec.VpcEndpointIds) > 0 && ec.Types[0] != EndpointPrivate {
		return badRequest("VPC endpoint IDs can only be associated with PRIVATE APIs")
	}
	for _, id := range ec.VpcEndpointIds {
		if !strings.HasPrefix(id, "vpce-") || len(id) < 6 {
			return badRequest("Invalid VPC endpoint identifier specified: %s", id)
		}
	}
	return nil
}

// validatePolicy parses a resource policy as the gateway will: it
// evaluates the policy on every request, so a policy it cannot read is
// refused here rather than failing requests later. Only the syntax is
// judged, so any API's ARN does for expanding "execute-api:/" resources.
func validatePolicy(p string) error {
	if p == "" {
		return nil
	}
	if _, err := policy.Parse(p, "arn:aws:execute-api:us-east-1:000000000000:api"); err != nil {
		return badRequest("%s %v", policy.InvalidDocumentMessage, err)
	}
	return nil
}

// GetRestApi returns an API.
func (c *Control) GetRestApi(ctx context.Context, in *RestApiRef) (*RestApi, error) {
	rec, _, err := c.getAPI(ctx, in.RestApiId)
	if err != nil {
		return nil, err
	}
	return &rec.RestApi, nil
}

// GetRestApis lists the APIs in id order.
func (c *Control) GetRestApis(ctx context.Context, in *PageInput) (*Page[*RestApi], error) {
	recs, _, err := listJSON[apiRecord](ctx, c.st, kindPrefix(kindAPI))
	if err != nil {
		return nil, err
	}
	apis := make([]*RestApi, len(recs))
	for i, r := range recs {
		apis[i] = &r.RestApi
	}
	return page(apis, func(a *RestApi) string { return a.Id }, *in)
}

// apiPatch is what UpdateRestApi may change.
var apiPatch = []patchRule[RestApi]{
	{"/name", "replace", setString(func(a *RestApi) *string { return &a.Name })},
	{"/description", "replace remove", setString(func(a *RestApi) *string { return &a.Description })},
	{"/version", "replace remove", setString(func(a *RestApi) *string { return &a.Version })},
	{"/apiKeySource", "replace", setString(func(a *RestApi) *string { return &a.ApiKeySource })},
	{"/policy", "replace remove", setString(func(a *RestApi) *string { return &a.Policy })},
	{"/disableExecuteApiEndpoint", "replace", func(a *RestApi, op *PatchOperation, _ []string) (err error) {
		a.DisableExecuteApiEndpoint, err = op.boolValue()
		return err
	}},
	{"/minimumCompressionSize", "replace novalue", func(a *RestApi, op *PatchOperation, _ []string) error {
		if op.str() == "" {
			a.MinimumCompressionSize = nil // an empty value turns compression off
			return nil
		}
		n, err := op.intValue(0, maxCompressionSize)
		m := int32(n)
		a.MinimumCompressionSize = &m
		return err
	}},
	{"/binaryMediaTypes/{}", "add remove novalue", func(a *RestApi, op *PatchOperation, args []string) error {
		a.BinaryMediaTypes = slices.DeleteFunc(a.BinaryMediaTypes, func(t string) bool { return t == args[0] })
		if op.Op == "add" {
			a.BinaryMediaTypes = append(a.BinaryMediaTypes, args[0])
		}
		return nil
	}},
	// AWS changes the endpoint type by replacing the current one:
	// path /endpointConfiguration/types/EDGE, value REGIONAL.
	{"/endpointConfiguration/types/{}", "replace", func(a *RestApi, op *PatchOperation, args []string) error {
		i := slices.Index(a.EndpointConfiguration.Types, args[0])
		if i < 0 {
			return badRequest("Invalid patch path '%s': the API's endpoint type is not %s", op.Path, args[0])
		}
		a.EndpointConfiguration.Types[i] = op.str()
		return nil
	}},
	{"/endpointConfiguration/types/0", "replace", func(a *RestApi, op *PatchOperation, _ []string) error {
		a.EndpointConfiguration.Types = []string{op.str()}
		return nil
	}},
	{"/endpointConfiguration/vpcEndpointIds", "add remove replace", func(a *RestApi, op *PatchOperation, _ []string) error {
		ec := a.EndpointConfiguration
		switch op.Op {
		case "add":
			if !slices.Contains(ec.VpcEndpointIds, op.str()) {
				ec.VpcEndpointIds = append(ec.VpcEndpointIds, op.str())
			}
		case "remove":
			if op.Value == nil {
				ec.VpcEndpointIds = nil
			} else {
				ec.VpcEndpointIds = slices.DeleteFunc(ec.VpcEndpointIds, func(id string) bool { return id == op.str() })
			}
		default:
			ec.VpcEndpointIds = strings.Split(op.str(), ",")
		}
		return nil
	}},
	{"/endpointConfiguration/ipAddressType", "replace", setString(func(a *RestApi) *string { return &a.EndpointConfiguration.IpAddressType })},
}

// UpdateRestApi applies a patch to an API's settings.
func (c *Control) UpdateRestApi(ctx context.Context, in *UpdateRestApiInput) (*RestApi, error) {
	var out *RestApi
	err := c.mutateAPI(ctx, in.RestApiId, func(rec *apiRecord) error {
		a := rec.RestApi
		if a.EndpointConfiguration == nil {
			a.EndpointConfiguration = &EndpointConfiguration{Types: []string{EndpointEdge}, IpAddressType: "ipv4"}
		}
		if err := applyPatch(&a, in.PatchOperations, apiPatch); err != nil {
			return err
		}
		if err := validateRestApi(&a); err != nil {
			return err
		}
		rec.RestApi = a
		out = &a
		return nil
	})
	return out, err
}

// DeleteRestApi deletes an API with its resources, deployments and stages,
// and takes its stages out of the usage plans that cover them.
func (c *Control) DeleteRestApi(ctx context.Context, in *RestApiRef) error {
	return c.commit(ctx, func() (store.Txn, error) {
		_, kv, err := c.getAPI(ctx, in.RestApiId)
		if err != nil {
			return store.Txn{}, err
		}
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Delete(apiKey(in.RestApiId))}}
		for _, prefix := range []string{stagePrefix(in.RestApiId), deployPrefix(in.RestApiId), deployCfgPrefix(in.RestApiId)} {
			kvs, _, err := c.st.List(ctx, prefix)
			if err != nil {
				return store.Txn{}, err
			}
			for _, kv := range kvs {
				txn.Then = append(txn.Then, store.Delete(kv.Key))
			}
		}
		planOps, planCmps, err := c.dropPlanStages(ctx, func(s ApiStage) bool { return s.ApiId == in.RestApiId })
		if err != nil {
			return store.Txn{}, err
		}
		txn.If = append(txn.If, planCmps...)
		txn.Then = append(txn.Then, planOps...)
		return txn, nil
	})
}

func (c *Control) apiNotFound(id string) error {
	return notFound("Invalid API identifier specified %s:%s", c.cfg.AccountID, id)
}

// getAPI reads an API's record.
func (c *Control) getAPI(ctx context.Context, id string) (*apiRecord, store.KV, error) {
	if id == "" || strings.Contains(id, "/") {
		return nil, store.KV{}, c.apiNotFound(id)
	}
	rec, kv, err := store.GetJSON[apiRecord](ctx, c.st, apiKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, kv, c.apiNotFound(id)
	}
	if err != nil {
		return nil, kv, err
	}
	if rec.Resources == nil {
		rec.Resources = map[string]*Resource{}
	}
	return rec, kv, nil
}

// mutateAPI changes an API's record in one compare-and-swap: change gets a
// freshly read record (re-read when another writer won the race) and
// either edits it or returns an error, which leaves the store unchanged.
func (c *Control) mutateAPI(ctx context.Context, id string, change func(rec *apiRecord) error) error {
	return c.commit(ctx, func() (store.Txn, error) {
		rec, kv, err := c.getAPI(ctx, id)
		if err != nil {
			return store.Txn{}, err
		}
		if err := change(rec); err != nil {
			return store.Txn{}, err
		}
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(apiKey(id), store.JSON(rec))}}, nil
	})
}

func strOr(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}
