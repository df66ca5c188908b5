package stack

import (
	"context"
	"errors"
	"reflect"
	"strconv"

	"github.com/portolan/portolan/internal/route53resolver"
)

// Route 53 Resolver resources: endpoints, forwarding rules and their VPC
// associations, made through the operations the wire serves. Each Ref is
// the resource's id. Creation carries a creator request id derived from
// the resource, so a deploy retried after a crash finds what it made
// instead of failing with ResourceExistsException.

type resolverEndpointProps struct {
	Name                 string
	Direction            string
	IpAddresses          []route53resolver.IpAddressRequest
	SecurityGroupIds     []string
	Tags                 []route53resolver.Tag
	ResolverEndpointType string
	Protocols            []string
}

type resolverEndpoint struct{ c *route53resolver.Control }

func (h resolverEndpoint) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p resolverEndpointProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	ref := creatorRequestID(r)
	out, err := h.c.CreateResolverEndpoint(ctx, &route53resolver.CreateResolverEndpointInput{
		CreatorRequestId: ref, Name: p.Name, Direction: p.Direction, IpAddresses: p.IpAddresses, SecurityGroupIds: p.SecurityGroupIds,
		Tags: p.Tags, ResolverEndpointType: p.ResolverEndpointType, Protocols: p.Protocols,
	})
	var e route53resolver.ResolverEndpoint
	switch {
	case err == nil:
		e = out.ResolverEndpoint
	case errors.Is(err, route53resolver.ErrResourceExists):
		list, lerr := h.c.ListResolverEndpoints(ctx, &route53resolver.ListInput{Filters: byCreator(ref)})
		if lerr != nil || len(list.ResolverEndpoints) != 1 {
			return "", nil, err
		}
		e = list.ResolverEndpoints[0]
	default:
		return "", nil, err
	}
	return e.Id, endpointAttrs(e), nil
}

func endpointAttrs(e route53resolver.ResolverEndpoint) map[string]any {
	return map[string]any{"Arn": e.Arn, "Direction": e.Direction, "HostVPCId": e.HostVPCId, "IpAddressCount": e.IpAddressCount,
		"Name": e.Name, "ResolverEndpointId": e.Id, "ResolverEndpointType": e.ResolverEndpointType}
}

func (h resolverEndpoint) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if changed(r.Props, old, "Direction", "IpAddresses", "SecurityGroupIds", "ResolverEndpointType", "Protocols") {
		return nil, ErrReplace
	}
	name := str(r.Props, "Name")
	out, err := h.c.UpdateResolverEndpoint(ctx, &route53resolver.UpdateResolverEndpointInput{ResolverEndpointId: r.PhysicalID, Name: &name})
	if err != nil {
		return nil, err
	}
	return endpointAttrs(out.ResolverEndpoint), nil
}

func (h resolverEndpoint) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteResolverEndpoint(ctx, &route53resolver.ResolverEndpointIdInput{ResolverEndpointId: r.PhysicalID})
	return ignoreNotFound(err)
}

type resolverRuleProps struct {
	Name               string
	RuleType           string
	DomainName         string
	ResolverEndpointId string
	TargetIps          []route53resolver.TargetAddress
	Tags               []route53resolver.Tag
}

type resolverRule struct{ c *route53resolver.Control }

func (h resolverRule) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var p resolverRuleProps
	if err := decodeProps(r.Props, &p); err != nil {
		return "", nil, err
	}
	ref := creatorRequestID(r)
	out, err := h.c.CreateResolverRule(ctx, &route53resolver.CreateResolverRuleInput{
		CreatorRequestId: ref, Name: p.Name, RuleType: p.RuleType, DomainName: p.DomainName,
		ResolverEndpointId: p.ResolverEndpointId, TargetIps: p.TargetIps, Tags: p.Tags,
	})
	var rule route53resolver.ResolverRule
	switch {
	case err == nil:
		rule = out.ResolverRule
	case errors.Is(err, route53resolver.ErrResourceExists):
		list, lerr := h.c.ListResolverRules(ctx, &route53resolver.ListInput{Filters: byCreator(ref)})
		if lerr != nil || len(list.ResolverRules) != 1 {
			return "", nil, err
		}
		rule = list.ResolverRules[0]
	default:
		return "", nil, err
	}
	return rule.Id, ruleAttrs(rule), nil
}

func ruleAttrs(rule route53resolver.ResolverRule) map[string]any {
	targets := []any{}
	for _, t := range rule.TargetIps {
		target := map[string]any{"Ip": t.Ip}
		if t.Port != nil {
			target["Port"] = strconv.Itoa(int(*t.Port)) // a string in CloudFormation's schema
		}
		if t.Protocol != "" {
			target["Protocol"] = t.Protocol
		}
		targets = append(targets, target)
	}
	return map[string]any{"Arn": rule.Arn, "DomainName": rule.DomainName, "Name": rule.Name,
		"ResolverEndpointId": rule.ResolverEndpointId, "ResolverRuleId": rule.Id, "TargetIps": targets}
}

func (h resolverRule) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	if changed(r.Props, old, "RuleType", "DomainName") {
		return nil, ErrReplace
	}
	var p resolverRuleProps
	if err := decodeProps(r.Props, &p); err != nil {
		return nil, err
	}
	in := &route53resolver.UpdateResolverRuleInput{ResolverRuleId: r.PhysicalID}
	in.Config.Name, in.Config.TargetIps = &p.Name, p.TargetIps
	if p.ResolverEndpointId != "" {
		in.Config.ResolverEndpointId = &p.ResolverEndpointId
	}
	out, err := h.c.UpdateResolverRule(ctx, in)
	if err != nil {
		return nil, err
	}
	return ruleAttrs(out.ResolverRule), nil
}

func (h resolverRule) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteResolverRule(ctx, &route53resolver.ResolverRuleIdInput{ResolverRuleId: r.PhysicalID})
	return ignoreNotFound(err)
}

// resolverRuleAssociation: every property names what is associated, so
// any change replaces it.
type resolverRuleAssociation struct{ c *route53resolver.Control }

func (h resolverRuleAssociation) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	in := &route53resolver.AssociateResolverRuleInput{ResolverRuleId: str(r.Props, "ResolverRuleId"), VPCId: str(r.Props, "VPCId"), Name: str(r.Props, "Name")}
	// A deploy retried after a crash finds the association it made (a
	// second one of the rule with the VPC would be refused).
	list, err := h.c.ListResolverRuleAssociations(ctx, &route53resolver.ListInput{Filters: []route53resolver.Filter{
		{Name: "ResolverRuleId", Values: []string{in.ResolverRuleId}}, {Name: "VPCId", Values: []string{in.VPCId}}}})
	if err != nil {
		return "", nil, err
	}
	var a route53resolver.ResolverRuleAssociation
	if len(list.ResolverRuleAssociations) == 1 {
		a = list.ResolverRuleAssociations[0]
	} else {
		out, err := h.c.AssociateResolverRule(ctx, in)
		if err != nil {
			return "", nil, err
		}
		a = out.ResolverRuleAssociation
	}
	return a.Id, map[string]any{"Name": a.Name, "ResolverRuleAssociationId": a.Id, "ResolverRuleId": a.ResolverRuleId, "VPCId": a.VPCId}, nil
}

func (h resolverRuleAssociation) Update(_ context.Context, _ *Resource, _ map[string]any) (map[string]any, error) {
	return nil, ErrReplace
}

func (h resolverRuleAssociation) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DisassociateResolverRule(ctx, &route53resolver.DisassociateResolverRuleInput{ResolverRuleId: str(r.Props, "ResolverRuleId"), VPCId: str(r.Props, "VPCId")})
	return ignoreNotFound(err)
}

func byCreator(ref string) []route53resolver.Filter {
	return []route53resolver.Filter{{Name: "CreatorRequestId", Values: []string{ref}}}
}

// changed says whether any of the properties differs from the old ones.
func changed(props, old map[string]any, keys ...string) bool {
	for _, k := range keys {
		if !reflect.DeepEqual(props[k], old[k]) {
			return true
		}
	}
	return false
}
