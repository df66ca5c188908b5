package stack

import (
	"context"
	"slices"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/elbv2"
)

// Elastic Load Balancing v2 resources. Each is created with the same input
// the wire takes; its Ref is its ARN, its attributes those the
// CloudFormation reference lists under "Return values". Properties
// CloudFormation sets through a second call (LoadBalancerAttributes,
// TargetGroupAttributes, Targets, ListenerAttributes) are applied after
// the create, once the resource is known to the stack, so that a failure
// there still rolls the resource back.

// elbSettings are the properties that are not members of the create
// inputs: CloudFormation applies them with a call of their own.
type elbSettings struct {
	LoadBalancerAttributes []elbv2.Attribute
	TargetGroupAttributes  []elbv2.Attribute
	ListenerAttributes     []elbv2.Attribute
	Targets                []elbv2.TargetDescription
}

// fullName is the part of an ELBv2 ARN after "loadbalancer/" (app|net/name/id)
// or the resource itself (targetgroup/name/id): what CloudWatch dimensions
// and the FullName attributes use.
func fullName(arn, prefix string) string {
	a, ok := awsapi.ParseARN(arn)
	if !ok {
		return ""
	}
	return strings.TrimPrefix(a.Resource, prefix)
}

func same[T comparable](a, b *T) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// retag brings a resource's tags to want: AddTags overwrites values, and
// keys no longer wanted are removed.
func retag(ctx context.Context, c *elbv2.Control, arn string, want, had []elbv2.Tag) error {
	if len(want) > 0 {
		if _, err := c.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{arn}, Tags: want}); err != nil {
			return err
		}
	}
	var gone []string
	for _, t := range had {
		if !slices.ContainsFunc(want, func(w elbv2.Tag) bool { return w.Key == t.Key }) {
			gone = append(gone, t.Key)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	_, err := c.RemoveTags(ctx, &elbv2.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: gone})
	return err
}

// decodeWithSettings fills in the create input and the settings
// CloudFormation applies with calls of their own from the same properties.
func decodeWithSettings(props map[string]any, in any) (elbSettings, error) {
	var more elbSettings
	if err := decodeProps(props, in); err != nil {
		return more, err
	}
	return more, decodeProps(props, &more)
}

// created records a new resource with the stack before its settings are
// applied, so that a failed setting rolls the resource back.
func created(r *Resource, arn string, attrs map[string]any, apply ...func() error) (string, map[string]any, error) {
	if err := r.Exists(arn, attrs); err != nil {
		return "", nil, err
	}
	for _, f := range apply {
		if err := f(); err != nil {
			return "", nil, err
		}
	}
	return arn, attrs, nil
}

// The setters below leave the resource alone when the template lists
// nothing: CloudFormation makes no call for a property left out.

func setLoadBalancerAttributes(ctx context.Context, c *elbv2.Control, arn string, a []elbv2.Attribute) error {
	if len(a) == 0 {
		return nil
	}
	_, err := c.ModifyLoadBalancerAttributes(ctx, &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: arn, Attributes: a})
	return err
}

func setTargetGroupAttributes(ctx context.Context, c *elbv2.Control, arn string, a []elbv2.Attribute) error {
	if len(a) == 0 {
		return nil
	}
	_, err := c.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: arn, Attributes: a})
	return err
}

func setListenerAttributes(ctx context.Context, c *elbv2.Control, arn string, a []elbv2.Attribute) error {
	if len(a) == 0 {
		return nil
	}
	_, err := c.ModifyListenerAttributes(ctx, &elbv2.ModifyListenerAttributesInput{ListenerArn: arn, Attributes: a})
	return err
}

func registerTargets(ctx context.Context, c *elbv2.Control, arn string, t []elbv2.TargetDescription) error {
	if len(t) == 0 {
		return nil
	}
	_, err := c.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: arn, Targets: t})
	return err
}

// ---- LoadBalancer ----

type elbLoadBalancer struct{ c *elbv2.Control }

func (h elbLoadBalancer) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in elbv2.CreateLoadBalancerInput
	more, err := decodeWithSettings(r.Props, &in)
	if err != nil {
		return "", nil, err
	}
	if in.Name == "" {
		in.Name = generatedName(r, 32)
	}
	out, err := h.c.CreateLoadBalancer(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	lb := out.LoadBalancers[0]
	return created(r, lb.LoadBalancerArn, loadBalancerAttrs(lb), func() error {
		return setLoadBalancerAttributes(ctx, h.c, lb.LoadBalancerArn, more.LoadBalancerAttributes)
	})
}

func loadBalancerAttrs(lb elbv2.LoadBalancer) map[string]any {
	groups := lb.SecurityGroups
	if groups == nil {
		groups = []string{}
	}
	return map[string]any{
		"LoadBalancerArn":       lb.LoadBalancerArn,
		"LoadBalancerName":      lb.LoadBalancerName,
		"LoadBalancerFullName":  fullName(lb.LoadBalancerArn, "loadbalancer/"),
		"DNSName":               lb.DNSName,
		"CanonicalHostedZoneID": lb.CanonicalHostedZoneId,
		"SecurityGroups":        groups,
	}
}

// Update: Name, Scheme and Type replace the load balancer, as in
// CloudFormation. Subnets, SubnetMappings, SecurityGroups and
// IpAddressType update in place on AWS (SetSubnets, SetSecurityGroups,
// SetIpAddressType), which elbv2 does not have yet: a change to them
// replaces it here.
func (h elbLoadBalancer) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var in, was elbv2.CreateLoadBalancerInput
	more, err := decodeWithSettings(r.Props, &in)
	if err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if in.Name != was.Name || !same(in.Scheme, was.Scheme) || !same(in.Type, was.Type) ||
		!same(in.IpAddressType, was.IpAddressType) || !slices.Equal(in.Subnets, was.Subnets) ||
		!slices.Equal(in.SecurityGroups, was.SecurityGroups) || !slices.EqualFunc(in.SubnetMappings, was.SubnetMappings, sameSubnetMapping) {
		return nil, ErrReplace
	}
	if err := setLoadBalancerAttributes(ctx, h.c, r.PhysicalID, more.LoadBalancerAttributes); err != nil {
		return nil, err
	}
	return r.Attrs, retag(ctx, h.c, r.PhysicalID, in.Tags, was.Tags)
}

func sameSubnetMapping(a, b elbv2.SubnetMapping) bool {
	return same(a.SubnetId, b.SubnetId) && same(a.AllocationId, b.AllocationId) &&
		same(a.PrivateIPv4Address, b.PrivateIPv4Address) && same(a.IPv6Address, b.IPv6Address)
}

func (h elbLoadBalancer) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: r.PhysicalID})
	return ignoreNotFound(err)
}

// ---- TargetGroup ----

type elbTargetGroup struct{ c *elbv2.Control }

func (h elbTargetGroup) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in elbv2.CreateTargetGroupInput
	more, err := decodeWithSettings(r.Props, &in)
	if err != nil {
		return "", nil, err
	}
	if in.Name == "" {
		in.Name = generatedName(r, 32)
	}
	out, err := h.c.CreateTargetGroup(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	arn := out.TargetGroups[0].TargetGroupArn
	return created(r, arn, targetGroupAttrs(out.TargetGroups[0]),
		func() error { return setTargetGroupAttributes(ctx, h.c, arn, more.TargetGroupAttributes) },
		func() error { return registerTargets(ctx, h.c, arn, more.Targets) })
}

func targetGroupAttrs(tg elbv2.TargetGroup) map[string]any {
	lbs := tg.LoadBalancerArns
	if lbs == nil {
		lbs = []string{}
	}
	return map[string]any{
		"TargetGroupArn":      tg.TargetGroupArn,
		"TargetGroupName":     tg.TargetGroupName,
		"TargetGroupFullName": fullName(tg.TargetGroupArn, ""),
		"LoadBalancerArns":    lbs,
	}
}

// Update: Name, Port, Protocol, ProtocolVersion, VpcId, TargetType and
// IpAddressType replace the group, as in CloudFormation; the health
// check, attributes, targets and tags change in place.
func (h elbTargetGroup) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var in, was elbv2.CreateTargetGroupInput
	var had elbSettings
	more, err := decodeWithSettings(r.Props, &in)
	if err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	decodeProps(old, &had)
	if in.Name != was.Name || !same(in.Port, was.Port) || !same(in.Protocol, was.Protocol) || !same(in.ProtocolVersion, was.ProtocolVersion) ||
		!same(in.VpcId, was.VpcId) || !same(in.TargetType, was.TargetType) || !same(in.IpAddressType, was.IpAddressType) {
		return nil, ErrReplace
	}
	arn := r.PhysicalID
	if _, err := h.c.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{TargetGroupArn: arn, HealthCheckSettings: in.HealthCheckSettings}); err != nil {
		return nil, err
	}
	if err := setTargetGroupAttributes(ctx, h.c, arn, more.TargetGroupAttributes); err != nil {
		return nil, err
	}
	if err := h.retarget(ctx, arn, more.Targets, had.Targets); err != nil {
		return nil, err
	}
	if err := retag(ctx, h.c, arn, in.Tags, was.Tags); err != nil {
		return nil, err
	}
	got, err := h.c.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	if err != nil {
		return nil, err
	}
	return targetGroupAttrs(got.TargetGroups[0]), nil
}

// retarget registers the targets newly listed and deregisters those no
// longer listed (they drain for the group's deregistration delay).
func (h elbTargetGroup) retarget(ctx context.Context, arn string, want, had []elbv2.TargetDescription) error {
	key := func(t elbv2.TargetDescription) string {
		if t.Port == nil {
			return t.Id
		}
		return t.Id + ":" + jsonScalar(*t.Port)
	}
	missing := func(from, in []elbv2.TargetDescription) []elbv2.TargetDescription {
		var out []elbv2.TargetDescription
		for _, t := range from {
			if !slices.ContainsFunc(in, func(u elbv2.TargetDescription) bool { return key(u) == key(t) }) {
				out = append(out, t)
			}
		}
		return out
	}
	if gone := missing(had, want); len(gone) > 0 {
		if _, err := h.c.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{TargetGroupArn: arn, Targets: gone}); err != nil {
			return err
		}
	}
	return registerTargets(ctx, h.c, arn, missing(want, had))
}

func (h elbTargetGroup) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: r.PhysicalID})
	return ignoreNotFound(err)
}

// ---- Listener ----

type elbListener struct{ c *elbv2.Control }

func (h elbListener) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in elbv2.CreateListenerInput
	more, err := decodeWithSettings(r.Props, &in)
	if err != nil {
		return "", nil, err
	}
	out, err := h.c.CreateListener(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	arn := out.Listeners[0].ListenerArn
	return created(r, arn, map[string]any{"ListenerArn": arn}, func() error {
		return setListenerAttributes(ctx, h.c, arn, more.ListenerAttributes)
	})
}

// Update: a new LoadBalancerArn is a new listener; everything else
// changes in place (ModifyListener), as in CloudFormation.
func (h elbListener) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var in elbv2.CreateListenerInput
	more, err := decodeWithSettings(r.Props, &in)
	if err != nil {
		return nil, err
	}
	if in.LoadBalancerArn != str(old, "LoadBalancerArn") {
		return nil, ErrReplace
	}
	certs := in.Certificates
	if certs == nil {
		certs = []elbv2.Certificate{}
	}
	if _, err := h.c.ModifyListener(ctx, &elbv2.ModifyListenerInput{
		ListenerArn:    r.PhysicalID,
		Port:           in.Port,
		Protocol:       in.Protocol,
		SslPolicy:      in.SslPolicy,
		Certificates:   certs,
		DefaultActions: in.DefaultActions,
		AlpnPolicy:     in.AlpnPolicy,
	}); err != nil {
		return nil, err
	}
	if err := setListenerAttributes(ctx, h.c, r.PhysicalID, more.ListenerAttributes); err != nil {
		return nil, err
	}
	return r.Attrs, nil
}

// Delete: a listener whose load balancer was deleted went with it.
func (h elbListener) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: r.PhysicalID})
	return ignoreNotFound(err)
}

// ---- ListenerRule ----

type elbListenerRule struct{ c *elbv2.Control }

func (h elbListenerRule) Create(ctx context.Context, r *Resource) (string, map[string]any, error) {
	var in elbv2.CreateRuleInput
	if err := decodeProps(r.Props, &in); err != nil {
		return "", nil, err
	}
	out, err := h.c.CreateRule(ctx, &in)
	if err != nil {
		return "", nil, err
	}
	rule := out.Rules[0]
	return rule.RuleArn, map[string]any{"RuleArn": rule.RuleArn, "IsDefault": rule.IsDefault}, nil
}

// Update: a new ListenerArn is a new rule; conditions, actions and the
// priority change in place (ModifyRule, SetRulePriorities).
func (h elbListenerRule) Update(ctx context.Context, r *Resource, old map[string]any) (map[string]any, error) {
	var in, was elbv2.CreateRuleInput
	if err := decodeProps(r.Props, &in); err != nil {
		return nil, err
	}
	decodeProps(old, &was)
	if in.ListenerArn != was.ListenerArn {
		return nil, ErrReplace
	}
	if _, err := h.c.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: r.PhysicalID, Conditions: in.Conditions, Actions: in.Actions}); err != nil {
		return nil, err
	}
	if !same(in.Priority, was.Priority) {
		arn := r.PhysicalID
		if _, err := h.c.SetRulePriorities(ctx, &elbv2.SetRulePrioritiesInput{RulePriorities: []elbv2.RulePriorityPair{{RuleArn: &arn, Priority: in.Priority}}}); err != nil {
			return nil, err
		}
	}
	return r.Attrs, nil
}

func (h elbListenerRule) Delete(ctx context.Context, r *Resource) error {
	_, err := h.c.DeleteRule(ctx, &elbv2.DeleteRuleInput{RuleArn: r.PhysicalID})
	return ignoreNotFound(err)
}
