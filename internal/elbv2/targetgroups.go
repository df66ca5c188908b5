package elbv2

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// HealthCheckSettings are the health check members CreateTargetGroup and
// ModifyTargetGroup share; both inputs embed them.
type HealthCheckSettings struct {
	HealthCheckProtocol        *string
	HealthCheckPort            *string
	HealthCheckEnabled         *bool
	HealthCheckPath            *string
	HealthCheckIntervalSeconds *int32
	HealthCheckTimeoutSeconds  *int32
	HealthyThresholdCount      *int32
	UnhealthyThresholdCount    *int32
	Matcher                    *Matcher
}

type CreateTargetGroupInput struct {
	Name            string
	Protocol        *string
	ProtocolVersion *string
	Port            *int32
	VpcId           *string
	TargetType      *string
	Tags            []Tag
	IpAddressType   *string
	HealthCheckSettings
}

type TargetGroupsOutput struct {
	TargetGroups []TargetGroup
}

type DescribeTargetGroupsInput struct {
	LoadBalancerArn *string
	TargetGroupArns []string
	Names           []string
	Marker          *string
	PageSize        *int32
}

type DescribeTargetGroupsOutput struct {
	TargetGroups []TargetGroup
	NextMarker   *string
}

type ModifyTargetGroupInput struct {
	TargetGroupArn string
	HealthCheckSettings
}

type DeleteTargetGroupInput struct {
	TargetGroupArn string
}

type DeleteTargetGroupOutput struct{}

type DescribeTargetGroupAttributesInput struct {
	TargetGroupArn string
}

type ModifyTargetGroupAttributesInput struct {
	TargetGroupArn string
	Attributes     []Attribute
}

type TargetGroupAttributesOutput struct {
	Attributes []Attribute
}

// CreateTargetGroup creates a target group, or returns the one of that
// name when its settings are the same.
func (c *Control) CreateTargetGroup(ctx context.Context, in *CreateTargetGroupInput) (*TargetGroupsOutput, error) {
	want, err := c.newTargetGroup(in)
	if err != nil {
		return nil, err
	}
	got := want
	err = c.commit(ctx, func() (store.Txn, error) {
		records, _, err := c.targetGroups(ctx)
		if err != nil {
			return store.Txn{}, err
		}
		for _, r := range records {
			if r.TargetGroupName != want.TargetGroupName {
				continue
			}
			if !sameTargetGroupSettings(r, want) {
				return store.Txn{}, ErrDuplicateTargetGroupName.Newf("A target group with the same name '%s' exists, but with different settings", r.TargetGroupName)
			}
			got = r
			return store.Txn{}, nil
		}
		if len(records) >= maxTargetGroups {
			return store.Txn{}, ErrTooManyTargetGroups.Newf("You have reached the maximum number of target groups (%d)", maxTargetGroups)
		}
		id := newID()
		got = want
		got.TargetGroupArn = c.arn("targetgroup/" + want.TargetGroupName + "/" + id)
		return store.Txn{
			If: []store.Cmp{store.Absent(targetGroupNameKey(got.TargetGroupName))},
			Then: []store.Op{
				store.Put(targetGroupKey(id), store.JSON(got)),
				store.Put(targetGroupNameKey(got.TargetGroupName), []byte(id)),
			},
		}, nil
	})
	if err != nil {
		return nil, err
	}
	lbs, _, err := c.loadBalancers(ctx)
	if err != nil {
		return nil, err
	}
	return &TargetGroupsOutput{TargetGroups: []TargetGroup{describeTargetGroup(got, lbs)}}, nil
}

// maxTargetGroups is AWS's default quota of target groups per region.
const maxTargetGroups = 3000

func (c *Control) newTargetGroup(in *CreateTargetGroupInput) (*targetGroupRecord, error) {
	if !validResourceName(in.Name) {
		return nil, validation("The target group name '%s' is not valid: up to 32 alphanumeric characters or hyphens, not beginning or ending with a hyphen", in.Name)
	}
	tg := TargetGroup{TargetGroupName: in.Name, TargetType: derefOr(in.TargetType, TargetTypeInstance)}
	switch tg.TargetType {
	case TargetTypeInstance, TargetTypeIP, TargetTypeALB:
		protocol := derefOr(in.Protocol, "")
		if protocol == "" {
			return nil, validation("A protocol must be specified")
		}
		if !slices.Contains([]string{ProtocolHTTP, ProtocolHTTPS, ProtocolTCP, ProtocolTLS, ProtocolUDP, ProtocolTCPUDP}, protocol) {
			return nil, validation("Protocol '%s' is not valid: HTTP, HTTPS, TCP, TLS, UDP or TCP_UDP", protocol)
		}
		if tg.TargetType == TargetTypeALB && protocol != ProtocolTCP {
			return nil, validation("Target groups of target type 'alb' support only the TCP protocol")
		}
		if in.Port == nil {
			return nil, validation("A port must be specified")
		}
		if *in.Port < 1 || *in.Port > 65535 {
			return nil, validation("Port %d is not valid: 1 to 65535", *in.Port)
		}
		tg.Protocol, tg.Port = &protocol, in.Port
		vpc := derefOr(in.VpcId, c.defaultVPC())
		tg.VpcId = &vpc
		if isHTTP(protocol) {
			tg.ProtocolVersion = ptr(derefOr(in.ProtocolVersion, "HTTP1"))
		}
		tg.IpAddressType = ptr(derefOr(in.IpAddressType, "ipv4"))
	case TargetTypeLambda:
		if in.Protocol != nil || in.Port != nil || in.VpcId != nil {
			return nil, validation("Protocol, port and VPC ID cannot be specified for target groups of target type 'lambda'")
		}
	default:
		return nil, validation("Target type '%s' is not valid: instance, ip, lambda or alb", tg.TargetType)
	}
	if err := checkTagList(in.Tags); err != nil {
		return nil, err
	}
	defaultHealthCheck(&tg)
	if err := applyHealthCheck(&tg, &in.HealthCheckSettings); err != nil {
		return nil, err
	}
	return &targetGroupRecord{TargetGroup: tg, Attributes: map[string]string{}, Tags: slices.Clone(in.Tags)}, nil
}

func isHTTP(protocol string) bool { return protocol == ProtocolHTTP || protocol == ProtocolHTTPS }

func ptr[T any](v T) *T { return &v }

// defaultHealthCheck sets AWS's health check defaults for the group's
// protocol (CreateTargetGroup reference): HTTP(S) groups check HTTP(S) on
// "/" expecting 200, every 30s with a 5s timeout; TCP-family groups check
// TCP every 30s with a 10s timeout; both 5 healthy / 2 unhealthy. Lambda
// groups are not checked unless asked (35s interval, 30s timeout).
func defaultHealthCheck(tg *TargetGroup) {
	tg.HealthCheckEnabled = true
	tg.HealthCheckIntervalSeconds, tg.HealthyThresholdCount, tg.UnhealthyThresholdCount = ptr[int32](30), ptr[int32](5), ptr[int32](2)
	switch {
	case tg.TargetType == TargetTypeLambda:
		tg.HealthCheckEnabled = false
		tg.HealthCheckIntervalSeconds, tg.HealthCheckTimeoutSeconds = ptr[int32](35), ptr[int32](30)
		tg.HealthCheckPath, tg.Matcher = ptr("/"), &Matcher{HttpCode: ptr("200")}
	case isHTTP(*tg.Protocol):
		tg.HealthCheckProtocol, tg.HealthCheckPort = ptr(*tg.Protocol), ptr("traffic-port")
		tg.HealthCheckTimeoutSeconds = ptr[int32](5)
		tg.HealthCheckPath, tg.Matcher = ptr("/"), &Matcher{HttpCode: ptr("200")}
	default:
		tg.HealthCheckProtocol, tg.HealthCheckPort = ptr(ProtocolTCP), ptr("traffic-port")
		tg.HealthCheckTimeoutSeconds = ptr[int32](10)
	}
}

// applyHealthCheck applies the members set in s to tg and validates the
// result against AWS's ranges.
func applyHealthCheck(tg *TargetGroup, s *HealthCheckSettings) error {
	if s.HealthCheckEnabled != nil {
		tg.HealthCheckEnabled = *s.HealthCheckEnabled
	}
	if s.HealthCheckProtocol != nil {
		p := *s.HealthCheckProtocol
		switch {
		case p != ProtocolHTTP && p != ProtocolHTTPS && p != ProtocolTCP:
			return validation("Health check protocol '%s' is not valid: HTTP, HTTPS or TCP", p)
		case p == ProtocolTCP && tg.Protocol != nil && isHTTP(*tg.Protocol):
			return validation("Health check protocol 'TCP' is not supported for target groups with the '%s' protocol", *tg.Protocol)
		}
		changed := tg.HealthCheckProtocol == nil || *tg.HealthCheckProtocol != p
		tg.HealthCheckProtocol = &p
		if changed && tg.Protocol != nil && !isHTTP(*tg.Protocol) {
			// A TCP-family group checked over HTTP(S): AWS's defaults for it.
			if isHTTP(p) {
				tg.HealthCheckPath, tg.Matcher = ptr("/"), &Matcher{HttpCode: ptr("200-399")}
				if s.HealthCheckTimeoutSeconds == nil && p == ProtocolHTTP {
					tg.HealthCheckTimeoutSeconds = ptr[int32](6)
				}
			} else {
				tg.HealthCheckPath, tg.Matcher = nil, nil
				if s.HealthCheckTimeoutSeconds == nil {
					tg.HealthCheckTimeoutSeconds = ptr[int32](10)
				}
			}
		}
	}
	if s.HealthCheckPort != nil {
		if p := *s.HealthCheckPort; p != "traffic-port" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return validation("Health check port '%s' is not valid: 'traffic-port' or 1 to 65535", p)
			}
		}
		tg.HealthCheckPort = s.HealthCheckPort
	}
	checkingHTTP := tg.HealthCheckProtocol == nil || isHTTP(*tg.HealthCheckProtocol)
	if s.HealthCheckPath != nil {
		p := *s.HealthCheckPath
		if !checkingHTTP {
			return validation("A health check path can be specified only for HTTP or HTTPS health checks")
		}
		if !strings.HasPrefix(p, "/") || len(p) > 1024 {
			return validation("Health check path '%s' is not valid: it must begin with '/' and have at most 1024 characters", p)
		}
		tg.HealthCheckPath = &p
	}
	if s.Matcher != nil {
		if !checkingHTTP {
			return validation("A health check matcher can be specified only for HTTP or HTTPS health checks")
		}
		if err := checkMatcher(s.Matcher); err != nil {
			return err
		}
		tg.Matcher = s.Matcher
	}
	for _, f := range []struct {
		name   string
		in     *int32
		out    **int32
		lo, hi int32
	}{
		{"HealthCheckIntervalSeconds", s.HealthCheckIntervalSeconds, &tg.HealthCheckIntervalSeconds, 5, 300},
		{"HealthCheckTimeoutSeconds", s.HealthCheckTimeoutSeconds, &tg.HealthCheckTimeoutSeconds, 2, 120},
		{"HealthyThresholdCount", s.HealthyThresholdCount, &tg.HealthyThresholdCount, 2, 10},
		{"UnhealthyThresholdCount", s.UnhealthyThresholdCount, &tg.UnhealthyThresholdCount, 2, 10},
	} {
		if f.in == nil {
			continue
		}
		if *f.in < f.lo || *f.in > f.hi {
			return validation("%s must be from %d to %d", f.name, f.lo, f.hi)
		}
		*f.out = ptr(*f.in)
	}
	if *tg.HealthCheckTimeoutSeconds >= *tg.HealthCheckIntervalSeconds {
		return validation("Health check timeout must be smaller than the interval")
	}
	return nil
}

// checkMatcher accepts what AWS does for HTTP: codes 200-499 as a list
// ("200,202") or a range ("200-299").
func checkMatcher(m *Matcher) error {
	if m.HttpCode == nil {
		return nil
	}
	code := func(s string) bool { n, err := strconv.Atoi(s); return err == nil && n >= 200 && n <= 499 }
	for _, part := range strings.Split(*m.HttpCode, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !code(lo) || (isRange && !code(hi)) {
			return validation("Health check matcher HTTP code '%s' is not valid: codes from 200 to 499, as a list or a range", *m.HttpCode)
		}
	}
	return nil
}

func sameTargetGroupSettings(a, b *targetGroupRecord) bool {
	x, y := a.TargetGroup, b.TargetGroup
	x.TargetGroupArn, y.TargetGroupArn = "", ""
	return bytes.Equal(store.JSON(x), store.JSON(y))
}

// targetGroups lists every target group with the store entries they came from.
func (c *Control) targetGroups(ctx context.Context) ([]*targetGroupRecord, []store.KV, error) {
	kvs, _, err := c.st.List(ctx, targetGroupPrefix)
	if err != nil {
		return nil, nil, err
	}
	records := make([]*targetGroupRecord, 0, len(kvs))
	kept := kvs[:0]
	for _, kv := range kvs {
		if r := store.DecodeJSON[targetGroupRecord](kv.Value); r != nil {
			records = append(records, r)
			kept = append(kept, kv)
		}
	}
	return records, kept, nil
}

// parseTargetGroupARN returns the id of targetgroup/<name>/<id>.
func parseTargetGroupARN(arn string) (string, bool) {
	rest, ok := awsapi.ResourceOf(arn, "elasticloadbalancing", "targetgroup")
	if !ok {
		return "", false
	}
	name, id, ok := strings.Cut(rest, "/")
	return id, ok && name != "" && id != "" && !strings.Contains(id, "/")
}

// targetGroupByARN reads a target group: ValidationError for what is not a
// target group ARN, TargetGroupNotFound for one that names nothing.
func (c *Control) targetGroupByARN(ctx context.Context, arn string) (*targetGroupRecord, store.KV, error) {
	id, ok := parseTargetGroupARN(arn)
	if !ok {
		return nil, store.KV{}, validation("'%s' is not a valid target group ARN", arn)
	}
	r, kv, err := store.GetJSON[targetGroupRecord](ctx, c.st, targetGroupKey(id))
	if errors.Is(err, store.ErrNotFound) || (err == nil && r.TargetGroupArn != arn) {
		return nil, kv, ErrTargetGroupNotFound.Newf("Target group '%s' not found", arn)
	}
	return r, kv, err
}

// forwardedTargetGroups is every target group ARN the load balancer's
// listeners and rules forward to.
func forwardedTargetGroups(lb *loadBalancerRecord) []string {
	var arns []string
	add := func(actions []Action) {
		for _, a := range actions {
			if a.TargetGroupArn != nil {
				arns = append(arns, *a.TargetGroupArn)
			}
			if a.ForwardConfig != nil {
				for _, t := range a.ForwardConfig.TargetGroups {
					arns = append(arns, t.TargetGroupArn)
				}
			}
		}
	}
	for _, l := range lb.Listeners {
		add(l.DefaultActions)
		for _, r := range l.Rules {
			add(r.Actions)
		}
	}
	slices.Sort(arns)
	return slices.Compact(arns)
}

// loadBalancersOf is the ARNs of the load balancers that forward to tgArn.
func loadBalancersOf(tgArn string, lbs []*loadBalancerRecord) []string {
	arns := []string{}
	for _, lb := range lbs {
		if slices.Contains(forwardedTargetGroups(lb), tgArn) {
			arns = append(arns, lb.LoadBalancerArn)
		}
	}
	return arns
}

func describeTargetGroup(r *targetGroupRecord, lbs []*loadBalancerRecord) TargetGroup {
	tg := r.TargetGroup
	tg.LoadBalancerArns = loadBalancersOf(tg.TargetGroupArn, lbs)
	return tg
}

var targetGroupPager = awsapi.Pager{
	Max: 400, Default: 400,
	BadSize:  validation("Page size must be between 1 and 400"),
	BadToken: validation("Invalid marker"),
}

// DescribeTargetGroups lists target groups: all of them, the ones named by
// ARN or name (all must exist), or those a load balancer forwards to.
func (c *Control) DescribeTargetGroups(ctx context.Context, in *DescribeTargetGroupsInput) (*DescribeTargetGroupsOutput, error) {
	filters := 0
	for _, set := range []bool{in.LoadBalancerArn != nil, len(in.TargetGroupArns) > 0, len(in.Names) > 0} {
		if set {
			filters++
		}
	}
	if filters > 1 {
		return nil, validation("Only one of LoadBalancerArn, TargetGroupArns or Names can be specified")
	}
	var forwarded []string
	if in.LoadBalancerArn != nil {
		lb, _, err := c.loadBalancerByARN(ctx, *in.LoadBalancerArn)
		if err != nil {
			return nil, err
		}
		forwarded = forwardedTargetGroups(lb)
	}
	records, _, err := c.targetGroups(ctx)
	if err != nil {
		return nil, err
	}
	lbs, _, err := c.loadBalancers(ctx)
	if err != nil {
		return nil, err
	}
	var found []TargetGroup
	for _, r := range records {
		match := filters == 0 || slices.Contains(in.TargetGroupArns, r.TargetGroupArn) ||
			slices.Contains(in.Names, r.TargetGroupName) || slices.Contains(forwarded, r.TargetGroupArn)
		if match {
			found = append(found, describeTargetGroup(r, lbs))
		}
	}
	if n := len(in.TargetGroupArns) + len(in.Names); n > 0 && len(found) < n {
		for _, arn := range in.TargetGroupArns {
			if _, ok := parseTargetGroupARN(arn); !ok {
				return nil, validation("'%s' is not a valid target group ARN", arn)
			}
		}
		return nil, ErrTargetGroupNotFound.Newf("One or more target groups not found")
	}
	slices.SortFunc(found, func(a, b TargetGroup) int { return strings.Compare(a.TargetGroupName, b.TargetGroupName) })
	page, next, err := awsapi.Paginate(targetGroupPager, found, func(t TargetGroup) string { return t.TargetGroupName }, derefOr(in.Marker, ""), pageSize(in.PageSize))
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []TargetGroup{}
	}
	return &DescribeTargetGroupsOutput{TargetGroups: page, NextMarker: awsapi.StringPtr(next)}, nil
}

// ModifyTargetGroup changes a target group's health check.
func (c *Control) ModifyTargetGroup(ctx context.Context, in *ModifyTargetGroupInput) (*TargetGroupsOutput, error) {
	var got *targetGroupRecord
	err := c.commit(ctx, func() (store.Txn, error) {
		r, kv, err := c.targetGroupByARN(ctx, in.TargetGroupArn)
		if err != nil {
			return store.Txn{}, err
		}
		if err := applyHealthCheck(&r.TargetGroup, &in.HealthCheckSettings); err != nil {
			return store.Txn{}, err
		}
		got = r
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(r))}}, nil
	})
	if err != nil {
		return nil, err
	}
	lbs, _, err := c.loadBalancers(ctx)
	if err != nil {
		return nil, err
	}
	return &TargetGroupsOutput{TargetGroups: []TargetGroup{describeTargetGroup(got, lbs)}}, nil
}

// DeleteTargetGroup deletes a target group no listener or rule forwards
// to, with its targets' health. Deleting one that does not exist succeeds.
func (c *Control) DeleteTargetGroup(ctx context.Context, in *DeleteTargetGroupInput) (*DeleteTargetGroupOutput, error) {
	err := c.commit(ctx, func() (store.Txn, error) {
		r, kv, err := c.targetGroupByARN(ctx, in.TargetGroupArn)
		if errors.Is(err, ErrTargetGroupNotFound) {
			return store.Txn{}, nil
		} else if err != nil {
			return store.Txn{}, err
		}
		lbs, lbKVs, err := c.loadBalancers(ctx)
		if err != nil {
			return store.Txn{}, err
		}
		if len(loadBalancersOf(r.TargetGroupArn, lbs)) > 0 {
			return store.Txn{}, ErrResourceInUse.Newf("Target group '%s' is currently in use by a listener or a rule", r.TargetGroupArn)
		}
		// Every load balancer unchanged: a listener created meanwhile that
		// forwards here makes this delete read again and refuse.
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}}
		for _, lkv := range lbKVs {
			txn.If = append(txn.If, store.Unchanged(lkv))
		}
		id, _ := parseTargetGroupARN(r.TargetGroupArn)
		health, _, err := c.st.List(ctx, targetHealthPrefix(id))
		if err != nil {
			return store.Txn{}, err
		}
		txn.Then = append(txn.Then, store.Delete(kv.Key), store.Delete(targetGroupNameKey(r.TargetGroupName)))
		for _, h := range health {
			txn.Then = append(txn.Then, store.Delete(h.Key))
		}
		return txn, nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteTargetGroupOutput{}, nil
}

// targetGroupDefaults are the attributes of a group and their defaults,
// per kind of group (TargetGroupAttribute reference).
func targetGroupDefaults(tg *TargetGroup) map[string]string {
	if tg.TargetType == TargetTypeLambda {
		return map[string]string{"lambda.multi_value_headers.enabled": "false"}
	}
	m := map[string]string{
		"deregistration_delay.timeout_seconds": "300",
		"stickiness.enabled":                   "false",
		"load_balancing.cross_zone.enabled":    "use_load_balancer_configuration",
	}
	if isHTTP(derefOr(tg.Protocol, "")) {
		m["stickiness.type"] = "lb_cookie"
		m["stickiness.lb_cookie.duration_seconds"] = "86400"
		m["stickiness.app_cookie.cookie_name"] = ""
		m["stickiness.app_cookie.duration_seconds"] = "86400"
		m["load_balancing.algorithm.type"] = "round_robin"
		m["load_balancing.algorithm.anomaly_mitigation"] = "off"
		m["slow_start.duration_seconds"] = "0"
		return m
	}
	m["stickiness.type"] = "source_ip"
	m["deregistration_delay.connection_termination.enabled"] = "false"
	m["proxy_protocol_v2.enabled"] = "false"
	m["target_health_state.unhealthy.connection_termination.enabled"] = "true"
	// Client IPs are preserved for instance targets and for UDP; not for
	// ip targets over TCP or TLS.
	preserve := tg.TargetType == TargetTypeInstance || derefOr(tg.Protocol, "") == ProtocolUDP || derefOr(tg.Protocol, "") == ProtocolTCPUDP
	m["preserve_client_ip.enabled"] = strconv.FormatBool(preserve)
	return m
}

func targetGroupAttributes(r *targetGroupRecord) map[string]string {
	m := targetGroupDefaults(&r.TargetGroup)
	for k, v := range r.Attributes {
		m[k] = v
	}
	return m
}

func (c *Control) DescribeTargetGroupAttributes(ctx context.Context, in *DescribeTargetGroupAttributesInput) (*TargetGroupAttributesOutput, error) {
	r, _, err := c.targetGroupByARN(ctx, in.TargetGroupArn)
	if err != nil {
		return nil, err
	}
	return &TargetGroupAttributesOutput{Attributes: attributeList(targetGroupAttributes(r))}, nil
}

func (c *Control) ModifyTargetGroupAttributes(ctx context.Context, in *ModifyTargetGroupAttributesInput) (*TargetGroupAttributesOutput, error) {
	if len(in.Attributes) == 0 {
		return nil, validation("At least one attribute must be specified")
	}
	var out map[string]string
	err := c.commit(ctx, func() (store.Txn, error) {
		r, kv, err := c.targetGroupByARN(ctx, in.TargetGroupArn)
		if err != nil {
			return store.Txn{}, err
		}
		defaults := targetGroupDefaults(&r.TargetGroup)
		for _, a := range in.Attributes {
			k, v := derefOr(a.Key, ""), derefOr(a.Value, "")
			if _, ok := defaults[k]; !ok {
				return store.Txn{}, validation("Target group attribute key '%s' is not recognized", k)
			}
			if err := checkTargetGroupAttribute(&r.TargetGroup, k, v); err != nil {
				return store.Txn{}, err
			}
			if r.Attributes == nil {
				r.Attributes = map[string]string{}
			}
			r.Attributes[k] = v
		}
		out = targetGroupAttributes(r)
		return store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(r))}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &TargetGroupAttributesOutput{Attributes: attributeList(out)}, nil
}

func checkTargetGroupAttribute(tg *TargetGroup, k, v string) error {
	switch k {
	case "deregistration_delay.timeout_seconds":
		return checkIntAttribute(k, v, 0, 3600)
	case "stickiness.lb_cookie.duration_seconds", "stickiness.app_cookie.duration_seconds":
		return checkIntAttribute(k, v, 1, 604800)
	case "slow_start.duration_seconds":
		if v != "0" {
			return checkIntAttribute(k, v, 30, 900)
		}
	case "stickiness.type":
		if isHTTP(derefOr(tg.Protocol, "")) {
			return checkOneOf(k, v, "lb_cookie", "app_cookie")
		}
		return checkOneOf(k, v, "source_ip")
	case "load_balancing.algorithm.type":
		return checkOneOf(k, v, "round_robin", "least_outstanding_requests", "weighted_random")
	case "load_balancing.algorithm.anomaly_mitigation":
		return checkOneOf(k, v, "on", "off")
	case "load_balancing.cross_zone.enabled":
		return checkOneOf(k, v, "true", "false", "use_load_balancer_configuration")
	case "stickiness.app_cookie.cookie_name":
	default:
		return checkOneOf(k, v, "true", "false")
	}
	return nil
}
