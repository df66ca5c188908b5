package elbv2

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// A change to a load balancer's listeners or rules is one compare-and-swap
// of its record and of every target group its actions forward to before or
// after the change: a target group's LoadBalancerArns is kept in the same
// transaction, so that two load balancers racing for one target group
// cannot both win (TargetGroupAssociationLimit).

// lbChange is the state one attempt of such a transaction reads.
type lbChange struct {
	ctx context.Context
	st  store.Store
	lb  *loadBalancerRecord
	tgs map[string]*targetGroupRead // by ARN; nil rec: absent
}

type targetGroupRead struct {
	rec *targetGroupRecord
	kv  store.KV
}

// targetGroup reads a target group by ARN, once per attempt; nil when it
// does not exist.
func (ch *lbChange) targetGroup(arn string) (*targetGroupRecord, error) {
	if r, ok := ch.tgs[arn]; ok {
		return r.rec, nil
	}
	id, ok := parseTargetGroupARN(arn)
	if !ok {
		return nil, validation("'%s' is not a valid target group ARN", arn)
	}
	rec, kv, err := store.GetJSON[targetGroupRecord](ch.ctx, ch.st, targetGroupKey(id))
	if errors.Is(err, store.ErrNotFound) || (err == nil && rec.TargetGroupArn != arn) {
		rec, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	ch.tgs[arn] = &targetGroupRead{rec: rec, kv: kv}
	return rec, nil
}

// changeLoadBalancer applies change to the load balancer lbArn names and
// commits it together with the target groups' associations.
func (c *Control) changeLoadBalancer(ctx context.Context, lbArn string, change func(ch *lbChange) error) error {
	id, ok := parseLoadBalancerARN(lbArn)
	if !ok {
		return validation("'%s' is not a valid load balancer ARN", lbArn)
	}
	return c.commit(ctx, func() (store.Txn, error) {
		lb, kv, err := store.GetJSON[loadBalancerRecord](ctx, c.st, loadBalancerKey(id))
		if errors.Is(err, store.ErrNotFound) || (err == nil && lb.LoadBalancerArn != lbArn) {
			return store.Txn{}, ErrLoadBalancerNotFound.Newf("One or more load balancers not found")
		}
		if err != nil {
			return store.Txn{}, err
		}
		ch := &lbChange{ctx: ctx, st: c.st, lb: lb, tgs: map[string]*targetGroupRead{}}
		before := lb.forwardedTargetGroups()
		if err := change(ch); err != nil {
			return store.Txn{}, err
		}
		if err := lb.issueLocalCertificates(); err != nil {
			return store.Txn{}, err
		}
		after := lb.forwardedTargetGroups()
		txn := store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(kv.Key, store.JSON(lb))}}
		for _, arn := range sortedUnion(before, after) {
			tg, err := ch.targetGroup(arn)
			if err != nil {
				return store.Txn{}, err
			}
			if tg == nil {
				continue // deleted meanwhile; after's were checked by change
			}
			r := ch.tgs[arn]
			txn.If = append(txn.If, store.Unchanged(r.kv))
			if setAssociation(tg, lbArn, after[arn]) {
				txn.Then = append(txn.Then, store.Put(r.kv.Key, store.JSON(tg)))
			}
		}
		return txn, nil
	})
}

// forwardedTargetGroups is the set of target groups the load balancer's
// listeners and rules forward to.
func (lb *loadBalancerRecord) forwardedTargetGroups() map[string]bool {
	set := map[string]bool{}
	add := func(actions []Action) {
		for _, a := range actions {
			for _, arn := range forwardTargetGroups(a) {
				set[arn] = true
			}
		}
	}
	for _, l := range lb.Listeners {
		add(l.DefaultActions)
		for _, r := range l.Rules {
			add(r.Actions)
		}
	}
	return set
}

func sortedUnion(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if !a[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// setAssociation adds or removes lbArn from tg's LoadBalancerArns and
// reports whether that changed anything.
func setAssociation(tg *targetGroupRecord, lbArn string, used bool) bool {
	has := slices.Contains(tg.LoadBalancerArns, lbArn)
	switch {
	case used && !has:
		tg.LoadBalancerArns = append(tg.LoadBalancerArns, lbArn)
	case !used && has:
		tg.LoadBalancerArns = slices.DeleteFunc(tg.LoadBalancerArns, func(s string) bool { return s == lbArn })
	default:
		return false
	}
	return true
}

// checkForwardTargets checks that every target group the actions forward
// to exists, suits the listener's protocol, and serves no other load
// balancer (a target group belongs to one load balancer).
func (ch *lbChange) checkForwardTargets(protocol string, actions []Action) error {
	for _, a := range actions {
		for _, arn := range forwardTargetGroups(a) {
			tg, err := ch.targetGroup(arn)
			if err != nil {
				return err
			}
			if tg == nil {
				return ErrTargetGroupNotFound.Newf("One or more target groups not found")
			}
			if !targetGroupSuits(ch.lb.Type, protocol, tg) {
				return ErrIncompatibleProtocols.Newf("The target group '%s' (protocol %s, target type %s) is not compatible with a %s listener of a load balancer of type '%s'",
					arn, deref(tg.Protocol), tg.TargetType, protocol, ch.lb.Type)
			}
			for _, other := range tg.LoadBalancerArns {
				if other != ch.lb.LoadBalancerArn {
					return ErrTargetGroupAssociationLimit.Newf("The following target groups cannot be associated with more than one load balancer: %s", arn)
				}
			}
		}
	}
	return nil
}

// targetGroupSuits: an ALB's HTTP/HTTPS listeners forward to HTTP/HTTPS
// groups or Lambda groups (which have no protocol); an NLB's TCP listener
// to TCP, TCP_UDP or alb-type groups, TLS to TCP or TLS, UDP to UDP or
// TCP_UDP, TCP_UDP to TCP_UDP.
func targetGroupSuits(lbType, listenerProtocol string, tg *targetGroupRecord) bool {
	p := deref(tg.Protocol)
	if lbType == TypeApplication {
		return tg.TargetType == TargetTypeLambda || p == ProtocolHTTP || p == ProtocolHTTPS
	}
	if tg.TargetType == TargetTypeLambda {
		return false
	}
	if tg.TargetType == TargetTypeALB {
		return listenerProtocol == ProtocolTCP && p == ProtocolTCP
	}
	allowed := map[string][]string{
		ProtocolTCP:    {ProtocolTCP, ProtocolTCPUDP},
		ProtocolTLS:    {ProtocolTCP, ProtocolTLS},
		ProtocolUDP:    {ProtocolUDP, ProtocolTCPUDP},
		ProtocolTCPUDP: {ProtocolTCPUDP},
	}[listenerProtocol]
	return slices.Contains(allowed, p)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// ARN resources: loadbalancer/app|net/<name>/<id>, targetgroup/<name>/<id>,
// listener/app|net/<lbname>/<lbid>/<id>,
// listener-rule/app|net/<lbname>/<lbid>/<listenerid>/<id>.

// arnParts splits an elasticloadbalancing ARN's resource of type typ into
// the n parts after the type.
func arnParts(arn, typ string, n int) ([]string, bool) {
	rest, ok := awsapi.ResourceOf(arn, "elasticloadbalancing", typ)
	if !ok {
		return nil, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != n || slices.Contains(parts, "") {
		return nil, false
	}
	return parts, true
}

// loadBalancerARNOfListener takes a listener ARN apart into its load balancer's ARN.
func loadBalancerARNOfListener(arn string) (string, bool) {
	p, ok := arnParts(arn, "listener", 4)
	if !ok {
		return "", false
	}
	a, _ := awsapi.ParseARN(arn)
	a.Resource = "loadbalancer/" + strings.Join(p[:3], "/")
	return a.String(), true
}

// listenerARNOfRule takes a rule ARN apart into its listener's ARN.
func listenerARNOfRule(arn string) (string, bool) {
	p, ok := arnParts(arn, "listener-rule", 5)
	if !ok {
		return "", false
	}
	a, _ := awsapi.ParseARN(arn)
	a.Resource = "listener/" + strings.Join(p[:4], "/")
	return a.String(), true
}

// Listener operations.
//
// HTTPS and TLS listeners take their certificates as ARNs and keep them.
// An HTTPS listener serves a local certificate instead (certificates.go);
// TLS listeners (NLB) are stored and described, not served yet.

// AWS's listener limits and defaults.
const (
	maxListenersPerLoadBalancer = 50
	defaultSSLPolicy            = "ELBSecurityPolicy-2016-08"
	attrTCPIdleTimeout          = "tcp.idle_timeout.seconds"
	defaultTCPIdleTimeout       = "350"
	minTCPIdleTimeout           = 60
	maxTCPIdleTimeout           = 6000
)

var alpnPolicies = []string{"HTTP1Only", "HTTP2Only", "HTTP2Optional", "HTTP2Preferred", "None"}

// listenerRulePager pages DescribeListeners and DescribeRules
// (PageSize 1..400, everything when absent).
var listenerRulePager = awsapi.Pager{
	Max:      400,
	BadSize:  validation("Page size must be between 1 and 400"),
	BadToken: validation("The marker is not valid"),
}

type CreateListenerInput struct {
	LoadBalancerArn string
	Protocol        *string
	Port            *int32
	SslPolicy       *string
	Certificates    []Certificate
	DefaultActions  []Action
	AlpnPolicy      []string
	Tags            []Tag
}

type CreateListenerOutput struct {
	Listeners []Listener
}

// CreateListener adds a listener to a load balancer.
func (c *Control) CreateListener(ctx context.Context, in *CreateListenerInput) (*CreateListenerOutput, error) {
	if in.LoadBalancerArn == "" {
		return nil, validation("A load balancer ARN must be specified")
	}
	if err := checkListenerTags(in.Tags); err != nil {
		return nil, err
	}
	id := newID()
	var created Listener
	err := c.changeLoadBalancer(ctx, in.LoadBalancerArn, func(ch *lbChange) error {
		lb := ch.lb
		if len(lb.Listeners) >= maxListenersPerLoadBalancer {
			return ErrTooManyListeners.Newf("You've reached the limit on the number of listeners per load balancer (%d)", maxListenersPerLoadBalancer)
		}
		l := Listener{
			ListenerArn:     c.arn("listener/" + strings.TrimPrefix(mustResource(lb.LoadBalancerArn), "loadbalancer/") + "/" + id),
			LoadBalancerArn: lb.LoadBalancerArn,
			Port:            in.Port,
			Protocol:        in.Protocol,
			SslPolicy:       in.SslPolicy,
			Certificates:    in.Certificates,
			DefaultActions:  in.DefaultActions,
			AlpnPolicy:      in.AlpnPolicy,
		}
		if err := ch.checkListener(&l, nil); err != nil {
			return err
		}
		lb.Listeners = append(lb.Listeners, &listenerRecord{Listener: l, Tags: in.Tags})
		created = l
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateListenerOutput{Listeners: []Listener{created}}, nil
}

// checkListener validates l as a listener of ch's load balancer (self is
// the listener l replaces, nil for a new one) and fills its defaults.
func (ch *lbChange) checkListener(l *Listener, self *listenerRecord) error {
	lb := ch.lb
	if l.Port == nil {
		return validation("A listener port must be specified")
	}
	if *l.Port < 1 || *l.Port > 65535 {
		return validation("Listener port must be between 1 and 65535")
	}
	for _, other := range lb.Listeners {
		if other != self && deref(other.Port) == *l.Port {
			return ErrDuplicateListener.Newf("A listener already exists on this port for this load balancer '%s'", lb.LoadBalancerArn)
		}
	}
	protocol := deref(l.Protocol)
	if err := checkListenerProtocol(lb.Type, protocol); err != nil {
		return err
	}
	secure := protocol == ProtocolHTTPS || protocol == ProtocolTLS
	switch {
	case secure && len(l.Certificates) == 0:
		return validation("A certificate must be specified for %s listeners", protocol)
	case !secure && len(l.Certificates) > 0:
		return validation("Certificates can be specified only for HTTPS and TLS listeners")
	case !secure && l.SslPolicy != nil:
		return validation("An SSL policy can be specified only for HTTPS and TLS listeners")
	case secure && l.SslPolicy == nil:
		l.SslPolicy = awsapi.StringPtr(defaultSSLPolicy)
	}
	for _, cert := range l.Certificates {
		if cert.CertificateArn == nil || !awsapi.IsARN(*cert.CertificateArn) {
			return validation("Each certificate must be given by its ARN")
		}
	}
	if len(l.AlpnPolicy) > 0 {
		if protocol != ProtocolTLS {
			return validation("An ALPN policy can be specified only for TLS listeners")
		}
		if len(l.AlpnPolicy) > 1 || !slices.Contains(alpnPolicies, l.AlpnPolicy[0]) {
			return validation("ALPN policy must be one of [%s]", strings.Join(alpnPolicies, ", "))
		}
	}
	actions, err := validateActions(l.DefaultActions, lb.Type, protocol)
	if err != nil {
		return err
	}
	l.DefaultActions = actions
	return ch.checkForwardTargets(protocol, actions)
}

// checkListenerProtocol: an NLB listens on TCP, UDP, TCP_UDP or TLS, an
// ALB on HTTP or HTTPS.
func checkListenerProtocol(lbType, protocol string) error {
	network := []string{ProtocolTCP, ProtocolUDP, ProtocolTCPUDP, ProtocolTLS}
	application := []string{ProtocolHTTP, ProtocolHTTPS}
	switch {
	case protocol == "":
		return validation("A listener protocol must be specified")
	case !slices.Contains(network, protocol) && !slices.Contains(application, protocol):
		return validation("Listener protocol '%s' must be one of [HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP]", protocol)
	case lbType == TypeNetwork && !slices.Contains(network, protocol),
		lbType == TypeApplication && !slices.Contains(application, protocol):
		return ErrUnsupportedProtocol.Newf("Protocol '%s' is not supported by load balancers of type '%s'", protocol, lbType)
	}
	return nil
}

func checkListenerTags(tags []Tag) error {
	fault, key := awsapi.CheckTags(len(tags), awsapi.TagList(tags, func(t Tag) (string, string) { return t.Key, deref(t.Value) }))
	switch fault {
	case awsapi.TooManyTags:
		return ErrTooManyTags.Newf("You've reached the limit on the number of tags for this resource")
	case awsapi.BadTagKey, awsapi.BadTagValue:
		return validation("Tag '%s' is not valid", key)
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if seen[t.Key] {
			return ErrDuplicateTagKeys.Newf("Tag key '%s' is specified more than once", t.Key)
		}
		seen[t.Key] = true
	}
	return nil
}

// mustResource is the resource part of an ARN this package made.
func mustResource(arn string) string {
	a, _ := awsapi.ParseARN(arn)
	return a.Resource
}

type DescribeListenersInput struct {
	LoadBalancerArn *string
	ListenerArns    []string
	Marker          *string
	PageSize        *int32
}

type DescribeListenersOutput struct {
	Listeners  []Listener
	NextMarker *string
}

// DescribeListeners lists a load balancer's listeners by port, or the
// listeners named.
func (c *Control) DescribeListeners(ctx context.Context, in *DescribeListenersInput) (*DescribeListenersOutput, error) {
	var listeners []Listener
	switch {
	case in.LoadBalancerArn != nil && len(in.ListenerArns) > 0:
		return nil, validation("Listener ARNs and a load balancer ARN cannot be specified at the same time")
	case in.LoadBalancerArn != nil:
		lb, err := c.loadBalancer(ctx, *in.LoadBalancerArn)
		if err != nil {
			return nil, err
		}
		for _, l := range lb.Listeners {
			listeners = append(listeners, l.Listener)
		}
		slices.SortFunc(listeners, func(a, b Listener) int { return cmp.Compare(deref(a.Port), deref(b.Port)) })
	case len(in.ListenerArns) > 0:
		for _, arn := range in.ListenerArns {
			_, l, err := c.listener(ctx, arn)
			if err != nil {
				return nil, err
			}
			listeners = append(listeners, l.Listener)
		}
	default:
		return nil, validation("Listener ARNs or a load balancer ARN must be specified")
	}
	page, next, err := awsapi.PaginateByPosition(listenerRulePager, listeners, deref(in.Marker), pageSize(in.PageSize))
	if err != nil {
		return nil, err
	}
	return &DescribeListenersOutput{Listeners: append([]Listener{}, page...), NextMarker: awsapi.StringPtr(next)}, nil
}

func pageSize(p *int32) *int {
	if p == nil {
		return nil
	}
	n := int(*p)
	return &n
}

// loadBalancer reads the load balancer arn names.
func (c *Control) loadBalancer(ctx context.Context, arn string) (*loadBalancerRecord, error) {
	id, ok := parseLoadBalancerARN(arn)
	if !ok {
		return nil, validation("'%s' is not a valid load balancer ARN", arn)
	}
	lb, _, err := store.GetJSON[loadBalancerRecord](ctx, c.st, loadBalancerKey(id))
	if errors.Is(err, store.ErrNotFound) || (err == nil && lb.LoadBalancerArn != arn) {
		return nil, ErrLoadBalancerNotFound.Newf("One or more load balancers not found")
	}
	return lb, err
}

// listener reads the listener arn names and its load balancer.
func (c *Control) listener(ctx context.Context, arn string) (*loadBalancerRecord, *listenerRecord, error) {
	lbArn, ok := loadBalancerARNOfListener(arn)
	if !ok {
		return nil, nil, validation("'%s' is not a valid listener ARN", arn)
	}
	lb, err := c.loadBalancer(ctx, lbArn)
	if errors.Is(err, ErrLoadBalancerNotFound) {
		return nil, nil, listenerNotFound()
	}
	if err != nil {
		return nil, nil, err
	}
	l := lb.listener(arn)
	if l == nil {
		return nil, nil, listenerNotFound()
	}
	return lb, l, nil
}

func listenerNotFound() error { return ErrListenerNotFound.Newf("One or more listeners not found") }

func (lb *loadBalancerRecord) listener(arn string) *listenerRecord {
	for _, l := range lb.Listeners {
		if l.ListenerArn == arn {
			return l
		}
	}
	return nil
}

// changeListener applies change to the listener arn names, in one
// transaction with its load balancer.
func (c *Control) changeListener(ctx context.Context, arn string, change func(ch *lbChange, l *listenerRecord) error) error {
	lbArn, ok := loadBalancerARNOfListener(arn)
	if !ok {
		return validation("'%s' is not a valid listener ARN", arn)
	}
	err := c.changeLoadBalancer(ctx, lbArn, func(ch *lbChange) error {
		l := ch.lb.listener(arn)
		if l == nil {
			return listenerNotFound()
		}
		return change(ch, l)
	})
	if errors.Is(err, ErrLoadBalancerNotFound) {
		return listenerNotFound()
	}
	return err
}

type ModifyListenerInput struct {
	ListenerArn    string
	Port           *int32
	Protocol       *string
	SslPolicy      *string
	Certificates   []Certificate
	DefaultActions []Action
	AlpnPolicy     []string
}

type ModifyListenerOutput struct {
	Listeners []Listener
}

// ModifyListener changes what is given of a listener's port, protocol,
// certificates and default actions, with CreateListener's checks.
func (c *Control) ModifyListener(ctx context.Context, in *ModifyListenerInput) (*ModifyListenerOutput, error) {
	var modified Listener
	err := c.changeListener(ctx, in.ListenerArn, func(ch *lbChange, rec *listenerRecord) error {
		l := rec.Listener
		if in.Port != nil {
			l.Port = in.Port
		}
		if in.Protocol != nil && *in.Protocol != deref(l.Protocol) {
			l.Protocol = in.Protocol
			// Leaving HTTPS/TLS drops what only they use.
			if p := *in.Protocol; p != ProtocolHTTPS && p != ProtocolTLS {
				l.Certificates, l.SslPolicy, l.AlpnPolicy = nil, nil, nil
			}
		}
		if in.SslPolicy != nil {
			l.SslPolicy = in.SslPolicy
		}
		if in.Certificates != nil {
			l.Certificates = in.Certificates
		}
		if in.DefaultActions != nil {
			l.DefaultActions = in.DefaultActions
		}
		if in.AlpnPolicy != nil {
			l.AlpnPolicy = in.AlpnPolicy
		}
		if err := ch.checkListener(&l, rec); err != nil {
			return err
		}
		// A new protocol must still suit the rules' target groups.
		for _, r := range rec.Rules {
			if err := ch.checkForwardTargets(deref(l.Protocol), r.Actions); err != nil {
				return err
			}
		}
		rec.Listener = l
		modified = l
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ModifyListenerOutput{Listeners: []Listener{modified}}, nil
}

type DeleteListenerInput struct {
	ListenerArn string
}

type DeleteListenerOutput struct{}

// DeleteListener removes a listener and its rules.
func (c *Control) DeleteListener(ctx context.Context, in *DeleteListenerInput) (*DeleteListenerOutput, error) {
	err := c.changeListener(ctx, in.ListenerArn, func(ch *lbChange, l *listenerRecord) error {
		ch.lb.Listeners = slices.DeleteFunc(ch.lb.Listeners, func(x *listenerRecord) bool { return x == l })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteListenerOutput{}, nil
}

type DescribeListenerAttributesInput struct {
	ListenerArn string
}

type DescribeListenerAttributesOutput struct {
	Attributes []Attribute
}

// DescribeListenerAttributes: an NLB's TCP listener has
// tcp.idle_timeout.seconds (default 350); an ALB's listeners the
// routing.http.* header names set on them.
func (c *Control) DescribeListenerAttributes(ctx context.Context, in *DescribeListenerAttributesInput) (*DescribeListenerAttributesOutput, error) {
	lb, l, err := c.listener(ctx, in.ListenerArn)
	if err != nil {
		return nil, err
	}
	return &DescribeListenerAttributesOutput{Attributes: listenerAttributes(lb, l)}, nil
}

func listenerAttributes(lb *loadBalancerRecord, l *listenerRecord) []Attribute {
	attrs := map[string]string{}
	if lb.Type == TypeNetwork && deref(l.Protocol) == ProtocolTCP {
		attrs[attrTCPIdleTimeout] = defaultTCPIdleTimeout
	}
	maps.Copy(attrs, l.Attributes)
	out := []Attribute{}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		out = append(out, Attribute{Key: awsapi.StringPtr(k), Value: awsapi.StringPtr(attrs[k])})
	}
	return out
}

type ModifyListenerAttributesInput struct {
	ListenerArn string
	Attributes  []Attribute
}

type ModifyListenerAttributesOutput struct {
	Attributes []Attribute
}

// ModifyListenerAttributes sets listener attributes.
func (c *Control) ModifyListenerAttributes(ctx context.Context, in *ModifyListenerAttributesInput) (*ModifyListenerAttributesOutput, error) {
	if len(in.Attributes) == 0 {
		return nil, validation("At least one attribute must be specified")
	}
	var out []Attribute
	err := c.changeListener(ctx, in.ListenerArn, func(ch *lbChange, l *listenerRecord) error {
		attrs := maps.Clone(l.Attributes)
		if attrs == nil {
			attrs = map[string]string{}
		}
		for _, a := range in.Attributes {
			k, v := deref(a.Key), deref(a.Value)
			if err := checkListenerAttribute(ch.lb.Type, deref(l.Protocol), k, v); err != nil {
				return err
			}
			attrs[k] = v
		}
		l.Attributes = attrs
		out = listenerAttributes(ch.lb, l)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ModifyListenerAttributesOutput{Attributes: out}, nil
}

func checkListenerAttribute(lbType, protocol, key, value string) error {
	switch {
	case key == attrTCPIdleTimeout:
		if lbType != TypeNetwork || protocol != ProtocolTCP {
			return invalidConfiguration("Attribute '%s' applies only to TCP listeners of Network Load Balancers", key)
		}
		n, err := strconv.Atoi(value)
		if err != nil || n < minTCPIdleTimeout || n > maxTCPIdleTimeout {
			return validation("Attribute '%s' must be between %d and %d", key, minTCPIdleTimeout, maxTCPIdleTimeout)
		}
		return nil
	case strings.HasPrefix(key, "routing.http."):
		// The ALB's mTLS and response header settings: stored, not yet
		// applied by the data plane.
		if lbType != TypeApplication {
			return invalidConfiguration("Attribute '%s' applies only to listeners of Application Load Balancers", key)
		}
		return nil
	}
	return validation("Listener attribute key '%s' is not recognized", key)
}
