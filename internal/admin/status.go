package admin

import (
	"cmp"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/portolan/portolan/internal/apigw"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/ecs"
)

// GET /_portolan/status answers what runs, for `portolan status`: the
// HTTP APIs and their routes, the VPC links, the Cloud Map namespaces with
// their instances and health, and the ECS services with their tasks. It is
// read through the services' Go APIs, the same calls the AWS APIs answer.

// Status is the answer of GET /_portolan/status.
type Status struct {
	APIs       []StatusAPI       `json:"apis"`
	VpcLinks   []StatusVpcLink   `json:"vpcLinks"`
	Namespaces []StatusNamespace `json:"namespaces"`
	Clusters   []StatusCluster   `json:"clusters"`
	// LoadBalancers are Elastic Load Balancing's (lbstatus.go).
	LoadBalancers []StatusLoadBalancer `json:"loadBalancers"`
	// RestAPIs are API Gateway v1's (reststatus.go).
	RestAPIs []StatusRestAPI `json:"restApis"`
}

// StatusAPI is an HTTP API.
type StatusAPI struct {
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	Protocol string        `json:"protocol"`
	Endpoint string        `json:"endpoint"`
	Stages   []StatusStage `json:"stages"`
	Routes   []StatusRoute `json:"routes"`
}

// StatusStage is a stage of an API.
type StatusStage struct {
	Name         string `json:"name"`
	AutoDeploy   bool   `json:"autoDeploy"`
	DeploymentID string `json:"deploymentId,omitempty"`
}

// StatusRoute is a route and where it goes.
type StatusRoute struct {
	Key               string `json:"key"`
	AuthorizationType string `json:"authorizationType"`
	// Integration says where requests go, e.g. "VPC link web → hello.app.local".
	Integration string `json:"integration,omitempty"`
	// The same in parts, for the console's diagram: the integration's id,
	// its VPC link's name (if private) and its target (a Cloud Map
	// service as name.namespace, a listener ARN or a URL).
	IntegrationID string `json:"integrationId,omitempty"`
	VpcLink       string `json:"vpcLink,omitempty"`
	Target        string `json:"target,omitempty"`
}

// StatusVpcLink is a VPC link.
type StatusVpcLink struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// StatusNamespace is a Cloud Map namespace.
type StatusNamespace struct {
	ID       string                   `json:"id"`
	Name     string                   `json:"name"`
	Type     string                   `json:"type"`
	Services []StatusDiscoveryService `json:"services"`
}

// StatusDiscoveryService is a Cloud Map service.
type StatusDiscoveryService struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Instances []StatusInstance `json:"instances"`
}

// StatusInstance is a Cloud Map instance (for an ECS task, its id is the task's).
type StatusInstance struct {
	ID      string `json:"id"`
	Address string `json:"address,omitempty"` // ip:port
	Health  string `json:"health"`
}

// StatusCluster is an ECS cluster.
type StatusCluster struct {
	Name     string          `json:"name"`
	Services []StatusService `json:"services"`
	// Tasks are the cluster's tasks that belong to no service (RunTask).
	Tasks []StatusTask `json:"tasks"`
}

// StatusService is an ECS service.
type StatusService struct {
	Name           string `json:"name"`
	Status         string `json:"status"`
	TaskDefinition string `json:"taskDefinition"` // family:revision
	Desired        int    `json:"desired"`
	Running        int    `json:"running"`
	Pending        int    `json:"pending"`
	// Rollout is the primary deployment's rolloutState; Deployments counts
	// the deployments in flight (more than one during a rolling update).
	Rollout     string       `json:"rollout"`
	Deployments int          `json:"deployments"`
	Tasks       []StatusTask `json:"tasks"`
}

// StatusTask is an ECS task that is running or on its way up or down.
type StatusTask struct {
	ID             string     `json:"id"`
	TaskDefinition string     `json:"taskDefinition"` // family:revision
	LastStatus     string     `json:"lastStatus"`
	DesiredStatus  string     `json:"desiredStatus"`
	Health         string     `json:"health"`
	Address        string     `json:"address,omitempty"` // ip:port, or ip
	StartedAt      *time.Time `json:"startedAt,omitempty"`
}

func (a *Admin) serveStatus(w http.ResponseWriter, r *http.Request) {
	st, err := a.Status(r.Context())
	if err != nil {
		a.log.Error("status", "err", err)
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}

// Status collects what runs.
func (a *Admin) Status(ctx context.Context) (*Status, error) {
	out := &Status{APIs: []StatusAPI{}, VpcLinks: []StatusVpcLink{}, Namespaces: []StatusNamespace{}, Clusters: []StatusCluster{}, LoadBalancers: []StatusLoadBalancer{}, RestAPIs: []StatusRestAPI{}}
	// Cloud Map first: routes name the discovery services they reach.
	discoveryName, err := a.cloudMapStatus(ctx, out)
	if err != nil {
		return nil, err
	}
	if err := a.apiStatus(ctx, out, discoveryName); err != nil {
		return nil, err
	}
	if err := a.ecsStatus(ctx, out); err != nil {
		return nil, err
	}
	if err := a.loadBalancerStatus(ctx, out); err != nil {
		return nil, err
	}
	if err := a.restAPIStatus(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// cloudMapStatus fills the namespaces and returns the services' DNS-style
// names (service.namespace) by ARN.
func (a *Admin) cloudMapStatus(ctx context.Context, out *Status) (map[string]string, error) {
	var namespaces []cloudmap.Namespace
	for token := ""; ; {
		page, err := a.cloudMap.ListNamespaces(ctx, &cloudmap.ListInput{NextToken: token})
		if err != nil {
			return nil, err
		}
		namespaces = append(namespaces, page.Namespaces...)
		if page.NextToken == nil {
			break
		}
		token = *page.NextToken
	}
	var services []cloudmap.Service
	for token := ""; ; {
		page, err := a.cloudMap.ListServices(ctx, &cloudmap.ListInput{NextToken: token})
		if err != nil {
			return nil, err
		}
		services = append(services, page.Services...)
		if page.NextToken == nil {
			break
		}
		token = *page.NextToken
	}
	sort.Slice(namespaces, func(i, j int) bool { return namespaces[i].Name < namespaces[j].Name })
	sort.Slice(services, func(i, j int) bool { return services[i].Name < services[j].Name })
	names := map[string]string{}
	for _, ns := range namespaces {
		sn := StatusNamespace{ID: ns.Id, Name: ns.Name, Type: ns.Type, Services: []StatusDiscoveryService{}}
		for _, svc := range services {
			if svc.NamespaceId != ns.Id {
				continue
			}
			names[svc.Arn] = svc.Name + "." + ns.Name
			ds, err := a.discoveryService(ctx, svc)
			if err != nil {
				return nil, err
			}
			sn.Services = append(sn.Services, ds)
		}
		out.Namespaces = append(out.Namespaces, sn)
	}
	return names, nil
}

func (a *Admin) discoveryService(ctx context.Context, svc cloudmap.Service) (StatusDiscoveryService, error) {
	ds := StatusDiscoveryService{ID: svc.Id, Name: svc.Name, Instances: []StatusInstance{}}
	health := map[string]string{}
	for token := ""; ; {
		page, err := a.cloudMap.GetInstancesHealthStatus(ctx, &cloudmap.GetInstancesHealthStatusInput{ServiceId: svc.Id, NextToken: token})
		if err != nil {
			return ds, err
		}
		for id, h := range page.Status {
			health[id] = h
		}
		if page.NextToken == nil {
			break
		}
		token = *page.NextToken
	}
	for token := ""; ; {
		page, err := a.cloudMap.ListInstances(ctx, &cloudmap.ListInstancesInput{ServiceId: svc.Id, NextToken: token})
		if err != nil {
			return ds, err
		}
		for _, inst := range page.Instances {
			si := StatusInstance{ID: inst.Id, Health: health[inst.Id]}
			if ip := inst.Attributes["AWS_INSTANCE_IPV4"]; ip != "" {
				si.Address = ip
				if port := inst.Attributes["AWS_INSTANCE_PORT"]; port != "" {
					si.Address = net.JoinHostPort(ip, port)
				}
			}
			if si.Health == "" {
				si.Health = cloudmap.Unknown
			}
			ds.Instances = append(ds.Instances, si)
		}
		if page.NextToken == nil {
			break
		}
		token = *page.NextToken
	}
	return ds, nil
}

func (a *Admin) apiStatus(ctx context.Context, out *Status, discoveryName map[string]string) error {
	links, err := a.apigw.GetVpcLinks(ctx, &apigw.PageInput{})
	if err != nil {
		return err
	}
	linkName := map[string]string{}
	for _, l := range links.Items {
		linkName[l.VpcLinkId] = l.Name
		out.VpcLinks = append(out.VpcLinks, StatusVpcLink{ID: l.VpcLinkId, Name: l.Name, Status: l.VpcLinkStatus})
	}
	apis, err := a.apigw.GetApis(ctx, &apigw.PageInput{})
	if err != nil {
		return err
	}
	for _, api := range apis.Items {
		sa := StatusAPI{ID: api.ApiId, Name: api.Name, Protocol: api.ProtocolType, Endpoint: api.ApiEndpoint, Stages: []StatusStage{}, Routes: []StatusRoute{}}
		stages, err := a.apigw.GetStages(ctx, &apigw.GetStagesInput{ApiId: api.ApiId})
		if err != nil {
			return err
		}
		for _, st := range stages.Items {
			sa.Stages = append(sa.Stages, StatusStage{Name: st.StageName, AutoDeploy: st.AutoDeploy, DeploymentID: st.DeploymentId})
		}
		integrations, err := a.apigw.GetIntegrations(ctx, &apigw.GetIntegrationsInput{ApiId: api.ApiId})
		if err != nil {
			return err
		}
		byID := map[string]*apigw.Integration{}
		for _, in := range integrations.Items {
			byID[in.IntegrationId] = in
		}
		routes, err := a.apigw.GetRoutes(ctx, &apigw.GetRoutesInput{ApiId: api.ApiId})
		if err != nil {
			return err
		}
		for _, rt := range routes.Items {
			sr := StatusRoute{Key: rt.RouteKey, AuthorizationType: rt.AuthorizationType}
			if id, ok := strings.CutPrefix(rt.Target, "integrations/"); ok && byID[id] != nil {
				in := byID[id]
				sr.Integration = describeIntegration(in, linkName, discoveryName)
				sr.IntegrationID, sr.Target = id, cmp.Or(discoveryName[in.IntegrationUri], in.IntegrationUri)
				if in.ConnectionType == "VPC_LINK" {
					sr.VpcLink = cmp.Or(linkName[in.ConnectionId], in.ConnectionId)
				}
			} else {
				sr.Integration = rt.Target
			}
			sa.Routes = append(sa.Routes, sr)
		}
		sort.Slice(sa.Routes, func(i, j int) bool { return sa.Routes[i].Key < sa.Routes[j].Key })
		out.APIs = append(out.APIs, sa)
	}
	sort.Slice(out.APIs, func(i, j int) bool { return out.APIs[i].Name < out.APIs[j].Name })
	sort.Slice(out.VpcLinks, func(i, j int) bool { return out.VpcLinks[i].Name < out.VpcLinks[j].Name })
	return nil
}

// describeIntegration says where an integration sends requests, by name
// where there is one.
func describeIntegration(in *apigw.Integration, linkName, discoveryName map[string]string) string {
	target := in.IntegrationUri
	if name := discoveryName[target]; name != "" {
		target = name
	}
	if in.ConnectionType == "VPC_LINK" {
		link := linkName[in.ConnectionId]
		if link == "" {
			link = in.ConnectionId
		}
		return "VPC link " + link + " → " + target
	}
	return target
}

func (a *Admin) ecsStatus(ctx context.Context, out *Status) error {
	clusters, err := a.clusterNames(ctx)
	if err != nil {
		return err
	}
	for _, cluster := range clusters {
		sc := StatusCluster{Name: cluster, Services: []StatusService{}, Tasks: []StatusTask{}}
		tasks, err := a.liveTasks(ctx, cluster)
		if err != nil {
			return err
		}
		byService := map[string][]StatusTask{}
		for _, t := range tasks {
			st := statusTask(t)
			if name, ok := strings.CutPrefix(t.Group, "service:"); ok {
				byService[name] = append(byService[name], st)
			} else {
				sc.Tasks = append(sc.Tasks, st)
			}
		}
		services, err := a.ecsServices(ctx, cluster)
		if err != nil {
			return err
		}
		for _, svc := range services {
			ss := StatusService{Name: svc.ServiceName, Status: svc.Status, TaskDefinition: shortTaskDefinition(svc.TaskDefinition),
				Desired: svc.DesiredCount, Running: svc.RunningCount, Pending: svc.PendingCount,
				Deployments: len(svc.Deployments), Tasks: byService[svc.ServiceName]}
			for _, d := range svc.Deployments {
				if d.Status == "PRIMARY" {
					ss.Rollout = d.RolloutState
				}
			}
			if ss.Tasks == nil {
				ss.Tasks = []StatusTask{}
			}
			sc.Services = append(sc.Services, ss)
		}
		out.Clusters = append(out.Clusters, sc)
	}
	return nil
}

// clusterNames lists the ACTIVE clusters by name.
func (a *Admin) clusterNames(ctx context.Context) ([]string, error) {
	var names []string
	for token := ""; ; {
		page, err := a.ecs.ListClusters(ctx, &ecs.ListInput{NextToken: token})
		if err != nil {
			return nil, err
		}
		for _, arn := range page.ClusterArns {
			names = append(names, arn[strings.LastIndex(arn, "/")+1:])
		}
		if page.NextToken == nil {
			return names, nil
		}
		token = *page.NextToken
	}
}

// ecsServices describes a cluster's ACTIVE services, in name order.
func (a *Admin) ecsServices(ctx context.Context, cluster string) ([]*ecs.Service, error) {
	var arns []string
	for token := ""; ; {
		page, err := a.ecs.ListServices(ctx, &ecs.ListServicesInput{Cluster: cluster, NextToken: token})
		if err != nil {
			return nil, err
		}
		arns = append(arns, page.ServiceArns...)
		if page.NextToken == nil {
			break
		}
		token = *page.NextToken
	}
	var out []*ecs.Service
	for len(arns) > 0 {
		n := min(len(arns), 10) // DescribeServices takes 10 at a time
		d, err := a.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: cluster, Services: arns[:n]})
		if err != nil {
			return nil, err
		}
		out = append(out, d.Services...)
		arns = arns[n:]
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ServiceName < out[j].ServiceName })
	return out, nil
}

// liveTasks returns a cluster's tasks that are not STOPPED yet: those
// desired RUNNING and those still on their way down.
func (a *Admin) liveTasks(ctx context.Context, cluster string) ([]*ecs.Task, error) {
	var arns []string
	for _, desired := range []string{ecs.StatusRunning, ecs.StatusStopped} {
		for token := ""; ; {
			page, err := a.ecs.ListTasks(ctx, &ecs.ListTasksInput{Cluster: cluster, DesiredStatus: desired, NextToken: token})
			if err != nil {
				return nil, err
			}
			arns = append(arns, page.TaskArns...)
			if page.NextToken == nil {
				break
			}
			token = *page.NextToken
		}
	}
	var out []*ecs.Task
	for _, arn := range arns {
		t, err := a.ecs.Task(ctx, cluster, arn[strings.LastIndex(arn, "/")+1:])
		if err != nil {
			continue // gone since the listing
		}
		if t.LastStatus != ecs.StatusStopped {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TaskArn < out[j].TaskArn })
	return out, nil
}

func statusTask(t *ecs.Task) StatusTask {
	st := StatusTask{ID: t.TaskArn[strings.LastIndex(t.TaskArn, "/")+1:], TaskDefinition: shortTaskDefinition(t.TaskDefinitionArn),
		LastStatus: t.LastStatus, DesiredStatus: t.DesiredStatus, Health: t.HealthStatus}
	if t.StartedAt != nil {
		at := time.Time(*t.StartedAt)
		st.StartedAt = &at
	}
	for _, c := range t.Containers {
		if len(c.NetworkBindings) > 0 {
			b := c.NetworkBindings[0]
			st.Address = net.JoinHostPort(b.BindIP, strconv.Itoa(b.HostPort))
			break
		}
	}
	if st.Address == "" {
		for _, a := range t.Attachments {
			for _, d := range a.Details {
				if d.Name == "privateIPv4Address" {
					st.Address = d.Value
				}
			}
		}
	}
	return st
}

// shortTaskDefinition turns a task definition ARN into family:revision.
func shortTaskDefinition(arn string) string {
	if i := strings.LastIndex(arn, "task-definition/"); i >= 0 {
		return arn[i+len("task-definition/"):]
	}
	return arn
}
