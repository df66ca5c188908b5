package ecs

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/cloudmap"
	"github.com/portolan/portolan/internal/store"
)

// CloudMap is what the ECS API reads of Cloud Map: the services that
// serviceRegistries name, and the namespaces ListServicesByNamespace takes.
// *cloudmap.Registry implements it.
type CloudMap interface {
	GetService(ctx context.Context, in *cloudmap.IdInput) (*cloudmap.ServiceOutput, error)
	View() *cloudmap.View
}

// validateRegistries checks serviceRegistries as CreateService and
// UpdateService do (spec §C.9): one registry, an existing Cloud Map
// service, and a port wherever an SRV record needs one.
func (c *Control) validateRegistries(ctx context.Context, td *TaskDefinition, regs []ServiceRegistry) error {
	if len(regs) == 0 {
		return nil
	}
	if len(regs) > 1 {
		return invalidParameter("serviceRegistries can contain at most one registry.")
	}
	if c.cfg.CloudMap == nil {
		return invalidParameter("serviceRegistries cannot be used: Cloud Map is not running in this server.")
	}
	r := regs[0]
	if !awsapi.IsARN(r.RegistryArn) || !strings.Contains(r.RegistryArn, ":servicediscovery:") {
		return invalidParameter("registryArn must be the ARN of an AWS Cloud Map service, got %q.", r.RegistryArn)
	}
	out, err := c.cfg.CloudMap.GetService(ctx, &cloudmap.IdInput{Id: r.RegistryArn})
	if errors.Is(err, cloudmap.ErrServiceNotFound) || errors.Is(err, cloudmap.ErrInvalidInput) {
		return invalidParameter("The service registry %s does not exist.", r.RegistryArn)
	} else if err != nil {
		return err
	}
	srv := false
	if dc := out.Service.DnsConfig; dc != nil {
		for _, rec := range dc.DnsRecords {
			srv = srv || rec.Type == cloudmap.RecordSRV
		}
	}
	if r.Port != nil && (r.ContainerName != "" || r.ContainerPort != nil) {
		return invalidParameter("Specify either port or containerName and containerPort in serviceRegistries, not both.")
	}
	if (r.ContainerName == "") != (r.ContainerPort == nil) {
		return invalidParameter("containerName and containerPort must be specified together in serviceRegistries.")
	}
	if r.Port != nil && (*r.Port < 1 || *r.Port > 65535) {
		return invalidParameter("serviceRegistries port must be between 1 and 65535.")
	}
	if r.ContainerName != "" && !mapsPort(td, r.ContainerName, *r.ContainerPort) {
		return invalidParameter("The container %s does not have a port mapping for port %d.", r.ContainerName, *r.ContainerPort)
	}
	switch td.NetworkMode {
	case "awsvpc":
		if srv && r.Port == nil && r.ContainerName == "" {
			return invalidParameter("The service registry %s has an SRV record: specify either port, or containerName and containerPort, in serviceRegistries.", r.RegistryArn)
		}
	case "none":
		return invalidParameter("Service discovery is not supported for tasks using the none network mode.")
	default: // bridge and host reach the task through a host port, named by container
		if !srv {
			return invalidParameter("Service discovery with the %s network mode requires a Cloud Map service with an SRV record.", td.NetworkMode)
		}
		if r.ContainerName == "" {
			return invalidParameter("containerName and containerPort are required in serviceRegistries with the %s network mode.", td.NetworkMode)
		}
	}
	return nil
}

func mapsPort(td *TaskDefinition, container string, port int) bool {
	for _, cd := range td.ContainerDefinitions {
		if cd.Name != container {
			continue
		}
		for _, pm := range cd.PortMappings {
			if pm.ContainerPort != nil && *pm.ContainerPort == port {
				return true
			}
		}
	}
	return false
}

type ListServicesByNamespaceInput struct {
	Namespace  string `json:"namespace"`
	MaxResults *int32 `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

type ListServicesByNamespaceOutput struct {
	ServiceArns []string `json:"serviceArns"`
	NextToken   *string  `json:"nextToken,omitempty"`
}

// ListServicesByNamespace lists the ACTIVE services, in any cluster, whose
// serviceRegistries point into a Cloud Map namespace (named by name, id or
// ARN).
func (c *Control) ListServicesByNamespace(ctx context.Context, in *ListServicesByNamespaceInput) (*ListServicesByNamespaceOutput, error) {
	if in.Namespace == "" {
		return nil, invalidParameter("namespace is required.")
	}
	if c.cfg.CloudMap == nil {
		return nil, errNamespaceNotFound
	}
	snap := c.cfg.CloudMap.View().Snapshot()
	if snap == nil {
		return nil, errCloudMapStarting
	}
	var ns *cloudmap.NamespaceState
	for _, n := range snap.Namespaces() {
		if n.Arn == in.Namespace || n.Id == in.Namespace || strings.EqualFold(n.Name, strings.TrimSuffix(in.Namespace, ".")) {
			ns = n
			break
		}
	}
	if ns == nil {
		return nil, errNamespaceNotFound
	}
	kvs, _, err := c.st.List(ctx, ServicePrefix)
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, kv := range kvs {
		rec := store.DecodeJSON[serviceRecord](kv.Value)
		if rec == nil || rec.Status != ServiceActive {
			continue
		}
		if inNamespace(rec, snap, ns.Id) {
			arns = append(arns, rec.ServiceArn)
		}
	}
	sort.Strings(arns)
	page, next, err := paginate(servicePager, arns, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ListServicesByNamespaceOutput{ServiceArns: page, NextToken: next}, nil
}

func inNamespace(rec *serviceRecord, snap *cloudmap.Snapshot, nsID string) bool {
	for _, d := range rec.Deployments {
		for _, r := range d.ServiceRegistries {
			if svc := snap.Service(CloudMapServiceID(r.RegistryArn)); svc != nil && svc.NamespaceId == nsID {
				return true
			}
		}
	}
	return false
}

// CloudMapServiceID is the id at the end of a Cloud Map service ARN (a
// serviceRegistries registryArn), as Cloud Map's snapshot indexes it.
// Cloud Map accepts some ARNs awsapi.ResourceOf refuses (an empty
// partition), so this keeps its own rule: the text after the last "service/".
func CloudMapServiceID(arn string) string {
	if i := strings.LastIndex(arn, "service/"); i >= 0 {
		return arn[i+len("service/"):]
	}
	return arn
}
