package admin

import (
	"cmp"
	"context"
	"sort"

	"github.com/portolan/portolan/internal/restapi"
)

// The status view's REST APIs (API Gateway v1): each method of each
// resource and where its integration sends, a VPC link's Network Load
// Balancer included, read through the REST API's own API.

// RestAPI is the API Gateway v1 read API the status view lists.
type RestAPI interface {
	GetRestApis(ctx context.Context, in *restapi.PageInput) (*restapi.Page[*restapi.RestApi], error)
	GetResources(ctx context.Context, in *restapi.GetResourcesInput) (*restapi.Page[*restapi.Resource], error)
	GetStages(ctx context.Context, in *restapi.GetStagesInput) (*restapi.GetStagesOutput, error)
	GetVpcLinks(ctx context.Context, in *restapi.PageInput) (*restapi.Page[*restapi.VpcLink], error)
}

// StatusRestAPI is a REST API.
type StatusRestAPI struct {
	ID      string             `json:"id"`
	Name    string             `json:"name"`
	Stages  []string           `json:"stages"`
	Methods []StatusRestMethod `json:"methods"`
}

// StatusRestMethod is a method of a resource and where it goes.
type StatusRestMethod struct {
	Resource        string `json:"resource"` // the path template, "/pets/{id}"
	Method          string `json:"method"`   // GET, ANY...
	IntegrationType string `json:"integrationType,omitempty"`
	// Target is the integration's URI; for a VPC link, VpcLink is the
	// link's name (and VpcLinkStatus its status) and LoadBalancer the ARN
	// of the Network Load Balancer it reaches.
	Target        string `json:"target,omitempty"`
	VpcLink       string `json:"vpcLink,omitempty"`
	VpcLinkStatus string `json:"vpcLinkStatus,omitempty"`
	LoadBalancer  string `json:"loadBalancer,omitempty"`
}

func (a *Admin) restAPIStatus(ctx context.Context, out *Status) error {
	if a.restAPI == nil {
		return nil
	}
	links := map[string]*restapi.VpcLink{}
	for pos := ""; ; {
		page, err := a.restAPI.GetVpcLinks(ctx, &restapi.PageInput{Position: pos})
		if err != nil {
			return err
		}
		for _, l := range page.Item {
			links[l.Id] = l
		}
		if pos = page.Position; pos == "" {
			break
		}
	}
	for pos := ""; ; {
		page, err := a.restAPI.GetRestApis(ctx, &restapi.PageInput{Position: pos})
		if err != nil {
			return err
		}
		for _, api := range page.Item {
			sa, err := a.restAPIMethods(ctx, api, links)
			if err != nil {
				return err
			}
			out.RestAPIs = append(out.RestAPIs, sa)
		}
		if pos = page.Position; pos == "" {
			break
		}
	}
	sort.Slice(out.RestAPIs, func(i, j int) bool { return out.RestAPIs[i].Name < out.RestAPIs[j].Name })
	return nil
}

func (a *Admin) restAPIMethods(ctx context.Context, api *restapi.RestApi, links map[string]*restapi.VpcLink) (StatusRestAPI, error) {
	sa := StatusRestAPI{ID: api.Id, Name: api.Name, Stages: []string{}, Methods: []StatusRestMethod{}}
	stages, err := a.restAPI.GetStages(ctx, &restapi.GetStagesInput{RestApiId: api.Id})
	if err != nil {
		return sa, err
	}
	for _, st := range stages.Item {
		sa.Stages = append(sa.Stages, st.StageName)
	}
	sort.Strings(sa.Stages)
	for pos := ""; ; {
		page, err := a.restAPI.GetResources(ctx, &restapi.GetResourcesInput{RestApiId: api.Id, Embed: []string{"methods"}, PageInput: restapi.PageInput{Position: pos}})
		if err != nil {
			return sa, err
		}
		for _, r := range page.Item {
			for verb, m := range r.ResourceMethods {
				sm := StatusRestMethod{Resource: r.Path, Method: verb}
				if in := m.MethodIntegration; in != nil {
					sm.IntegrationType, sm.Target = in.Type, in.Uri
					if l := links[in.ConnectionId]; in.ConnectionType == "VPC_LINK" && l != nil {
						sm.VpcLink, sm.VpcLinkStatus = cmp.Or(l.Name, l.Id), l.Status
						if len(l.TargetArns) > 0 {
							sm.LoadBalancer = l.TargetArns[0]
						}
					}
				}
				sa.Methods = append(sa.Methods, sm)
			}
		}
		if pos = page.Position; pos == "" {
			break
		}
	}
	sort.Slice(sa.Methods, func(i, j int) bool {
		x, y := sa.Methods[i], sa.Methods[j]
		return x.Resource < y.Resource || x.Resource == y.Resource && x.Method < y.Method
	})
	return sa, nil
}
