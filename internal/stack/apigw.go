package stack

import (
	"context"

	"github.com/portolan/portolan/internal/apigw"
)

// API Gateway v2 resources. Their ids live in the path on the wire (json
// "-" in the inputs), so the deployer sets them from the properties.

type gwApi struct{ s *apigw.Control }

func (h gwApi) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in apigw.CreateApiInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	api, err := h.s.CreateApi(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return api.ApiId, map[string]any{"ApiId": api.ApiId, "ApiEndpoint": api.ApiEndpoint}, nil
}

func (h gwApi) Update(ctx context.Context, r *Resource, _ map[string]any) (map[string]any, error) {
	in := apigw.UpdateApiInput{ApiId: r.PhysicalID}
	if err := decodeProps(r.Props, &in); err != nil {
		return nil, err
	}
	in.ApiId = r.PhysicalID
	_, err := h.s.UpdateApi(ctx, &in)
	return r.Attrs, err
}

func (h gwApi) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.s.DeleteApi(ctx, &apigw.ApiRef{ApiId: r.PhysicalID}))
}

type gwRoute struct{ s *apigw.Control }

func (h gwRoute) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in apigw.CreateRouteInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	in.ApiId = str(r.Props, "ApiId")
	route, err := h.s.CreateRoute(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return route.RouteId, map[string]any{}, nil
}

func (h gwRoute) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if str(r.Props, "ApiId") != str(old, "ApiId") {
		return nil, ErrReplace
	}
	var in apigw.UpdateRouteInput
	if err := decodeProps(r.Props, &in.CreateRouteInput); err != nil {
		return nil, err
	}
	in.ApiId, in.RouteId = str(r.Props, "ApiId"), r.PhysicalID
	_, err := h.s.UpdateRoute(ctx, &in)
	return r.Attrs, err
}

func (h gwRoute) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.s.DeleteRoute(ctx, &apigw.RouteRef{ApiId: str(r.Props, "ApiId"), RouteId: r.PhysicalID}))
}

type gwIntegration struct{ s *apigw.Control }

func (h gwIntegration) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in apigw.CreateIntegrationInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	in.ApiId = str(r.Props, "ApiId")
	ig, err := h.s.CreateIntegration(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return ig.IntegrationId, map[string]any{}, nil
}

func (h gwIntegration) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if str(r.Props, "ApiId") != str(old, "ApiId") {
		return nil, ErrReplace
	}
	var in apigw.UpdateIntegrationInput
	if err := decodeProps(r.Props, &in.CreateIntegrationInput); err != nil {
		return nil, err
	}
	in.ApiId, in.IntegrationId = str(r.Props, "ApiId"), r.PhysicalID
	_, err := h.s.UpdateIntegration(ctx, &in)
	return r.Attrs, err
}

func (h gwIntegration) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.s.DeleteIntegration(ctx, &apigw.IntegrationRef{ApiId: str(r.Props, "ApiId"), IntegrationId: r.PhysicalID}))
}

type gwStage struct{ s *apigw.Control }

func (h gwStage) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in apigw.CreateStageInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	in.ApiId = str(r.Props, "ApiId")
	st, err := h.s.CreateStage(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return st.StageName, map[string]any{}, nil
}

func (h gwStage) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if str(r.Props, "ApiId") != str(old, "ApiId") || str(r.Props, "StageName") != str(old, "StageName") {
		return nil, ErrReplace
	}
	var in apigw.UpdateStageInput
	if err := decodeProps(r.Props, &in); err != nil {
		return nil, err
	}
	in.ApiId, in.StageName = str(r.Props, "ApiId"), r.PhysicalID
	_, err := h.s.UpdateStage(ctx, &in)
	return r.Attrs, err
}

func (h gwStage) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.s.DeleteStage(ctx, &apigw.StageRef{ApiId: str(r.Props, "ApiId"), StageName: r.PhysicalID}))
}

// gwDeployment: a deployment is a snapshot; any change makes a new one.
type gwDeployment struct{ s *apigw.Control }

func (h gwDeployment) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in apigw.CreateDeploymentInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	in.ApiId = str(r.Props, "ApiId")
	d, err := h.s.CreateDeployment(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return d.DeploymentId, map[string]any{"DeploymentId": d.DeploymentId}, nil
}

func (h gwDeployment) Update(context.Context, *Resource, map[string]any) (map[string]any, error) {
	return nil, ErrReplace
}

func (h gwDeployment) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.s.DeleteDeployment(ctx, &apigw.DeploymentRef{ApiId: str(r.Props, "ApiId"), DeploymentId: r.PhysicalID}))
}

type gwVpcLink struct{ s *apigw.Control }

func (h gwVpcLink) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in apigw.CreateVpcLinkInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	l, err := h.s.CreateVpcLink(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return l.VpcLinkId, map[string]any{"VpcLinkId": l.VpcLinkId}, nil
}

func (h gwVpcLink) Update(ctx context.Context, r *Resource, _ map[string]any) (map[string]any, error) {
	return r.Attrs, nil // only the name and tags change, and nothing routes by them
}

func (h gwVpcLink) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.s.DeleteVpcLink(ctx, &apigw.VpcLinkRef{VpcLinkId: r.PhysicalID}))
}

type gwAuthorizer struct{ s *apigw.Control }

func (h gwAuthorizer) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in apigw.CreateAuthorizerInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	in.ApiId = str(r.Props, "ApiId")
	a, err := h.s.CreateAuthorizer(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	return a.AuthorizerId, map[string]any{"AuthorizerId": a.AuthorizerId}, nil
}

func (h gwAuthorizer) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if str(r.Props, "ApiId") != str(old, "ApiId") {
		return nil, ErrReplace
	}
	var in apigw.UpdateAuthorizerInput
	if err := decodeProps(r.Props, &in.CreateAuthorizerInput); err != nil {
		return nil, err
	}
	in.ApiId, in.AuthorizerId = str(r.Props, "ApiId"), r.PhysicalID
	_, err := h.s.UpdateAuthorizer(ctx, &in)
	return r.Attrs, err
}

func (h gwAuthorizer) Delete(ctx context.Context, r *Resource) error {
	return ignoreNotFound(h.s.DeleteAuthorizer(ctx, &apigw.AuthorizerRef{ApiId: str(r.Props, "ApiId"), AuthorizerId: r.PhysicalID}))
}
