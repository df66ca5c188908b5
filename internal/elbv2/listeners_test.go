package elbv2

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

// fixture is a Control over a real bolt file, with load balancers and
// target groups seeded as records (their operations live elsewhere).
type fixture struct {
	t   *testing.T
	ctx context.Context
	st  *store.Bolt
	c   *Control
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "state.db"), store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &fixture{t: t, ctx: context.Background(), st: st, c: New(Config{Region: "us-east-1", AccountID: "000000000000", Store: st})}
}

func (f *fixture) put(key string, v any) {
	f.t.Helper()
	if _, err := f.st.Commit(f.ctx, store.Txn{Then: []store.Op{store.Put(key, store.JSON(v))}}); err != nil {
		f.t.Fatal(err)
	}
}

// loadBalancer seeds a load balancer of typ and returns its ARN.
func (f *fixture) loadBalancer(typ, name string) string {
	id, kind := newID(), "app"
	if typ == TypeNetwork {
		kind = "net"
	}
	arn := f.c.arn("loadbalancer/" + kind + "/" + name + "/" + id)
	f.put(loadBalancerKey(id), loadBalancerRecord{LoadBalancer: LoadBalancer{LoadBalancerArn: arn, LoadBalancerName: name, Type: typ}})
	return arn
}

// targetGroup seeds a target group and returns its ARN.
func (f *fixture) targetGroup(name, protocol, targetType string) string {
	id := newID()
	arn := f.c.arn("targetgroup/" + name + "/" + id)
	tg := targetGroupRecord{TargetGroup: TargetGroup{TargetGroupArn: arn, TargetGroupName: name, TargetType: targetType}}
	if protocol != "" {
		tg.Protocol = &protocol
	}
	f.put(targetGroupKey(id), tg)
	return arn
}

func (f *fixture) tgRecord(arn string) *targetGroupRecord {
	f.t.Helper()
	id, _ := parseTargetGroupARN(arn)
	tg, _, err := store.GetJSON[targetGroupRecord](f.ctx, f.st, targetGroupKey(id))
	if err != nil {
		f.t.Fatal(err)
	}
	return tg
}

func forward(tgArn string) []Action {
	return []Action{{Type: ActionForward, TargetGroupArn: &tgArn}}
}

func (f *fixture) listener(lbArn, protocol string, port int32, actions []Action) string {
	f.t.Helper()
	out, err := f.c.CreateListener(f.ctx, &CreateListenerInput{LoadBalancerArn: lbArn, Protocol: &protocol, Port: &port, DefaultActions: actions})
	if err != nil {
		f.t.Fatal(err)
	}
	return out.Listeners[0].ListenerArn
}

// wantCode fails unless err is an *awsapi.Error of code, status 400.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *awsapi.Error
	if !errors.As(err, &e) || e.Code != code || e.Status != 400 {
		t.Fatalf("error = %v, want %s (400)", err, code)
	}
}

func TestCreateListener(t *testing.T) {
	f := newFixture(t)
	nlb := f.loadBalancer(TypeNetwork, "net-a")
	tcp := f.targetGroup("tcp", ProtocolTCP, TargetTypeIP)
	arn := f.listener(nlb, ProtocolTCP, 80, forward(tcp))
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/net/net-a/[0-9a-f]{16}/[0-9a-f]{16}$`).MatchString(arn) {
		t.Errorf("ListenerArn = %s", arn)
	}
	if got := f.tgRecord(tcp).LoadBalancerArns; !slices.Equal(got, []string{nlb}) {
		t.Errorf("target group's LoadBalancerArns = %v, want [%s]", got, nlb)
	}
	// The same target group may serve a second listener of the same load balancer.
	f.listener(nlb, ProtocolTCP, 81, forward(tcp))

	out, err := f.c.DescribeListeners(f.ctx, &DescribeListenersInput{LoadBalancerArn: &nlb, PageSize: ptr[int32](1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Listeners) != 1 || *out.Listeners[0].Port != 80 || out.NextMarker == nil {
		t.Fatalf("first page = %+v", out)
	}
	out, err = f.c.DescribeListeners(f.ctx, &DescribeListenersInput{LoadBalancerArn: &nlb, Marker: out.NextMarker})
	if err != nil || len(out.Listeners) != 1 || *out.Listeners[0].Port != 81 || out.NextMarker != nil {
		t.Fatalf("second page = %+v, %v", out, err)
	}
	out, err = f.c.DescribeListeners(f.ctx, &DescribeListenersInput{ListenerArns: []string{arn}})
	if err != nil || len(out.Listeners) != 1 || out.Listeners[0].ListenerArn != arn || *out.Listeners[0].Protocol != ProtocolTCP {
		t.Fatalf("by ARN = %+v, %v", out, err)
	}
}

func TestCreateListenerErrors(t *testing.T) {
	f := newFixture(t)
	alb := f.loadBalancer(TypeApplication, "app-a")
	nlb := f.loadBalancer(TypeNetwork, "net-a")
	other := f.loadBalancer(TypeNetwork, "net-b")
	http := f.targetGroup("http", ProtocolHTTP, TargetTypeIP)
	tcp := f.targetGroup("tcp", ProtocolTCP, TargetTypeIP)
	udp := f.targetGroup("udp", ProtocolUDP, TargetTypeIP)
	taken := f.targetGroup("taken", ProtocolTCP, TargetTypeIP)
	f.listener(other, ProtocolTCP, 80, forward(taken))
	f.listener(nlb, ProtocolTCP, 80, forward(tcp))
	missing := f.c.arn("targetgroup/gone/0123456789abcdef")
	redirect := []Action{{Type: ActionRedirect, RedirectConfig: &RedirectActionConfig{Protocol: ptr("HTTPS"), StatusCode: "HTTP_301"}}}

	for _, tc := range []struct {
		name, lb, protocol string
		port               int32
		actions            []Action
		certs              []Certificate
		code               string
	}{
		{"unknown load balancer", f.c.arn("loadbalancer/net/x/0123456789abcdef"), ProtocolTCP, 80, forward(tcp), nil, "LoadBalancerNotFound"},
		{"TCP on an ALB", alb, ProtocolTCP, 80, forward(http), nil, "UnsupportedProtocol"},
		{"HTTP on an NLB", nlb, ProtocolHTTP, 81, forward(tcp), nil, "UnsupportedProtocol"},
		{"unknown protocol", nlb, "SCTP", 81, forward(tcp), nil, "ValidationError"},
		{"port 0", nlb, ProtocolTCP, 0, forward(tcp), nil, "ValidationError"},
		{"port 65536", nlb, ProtocolTCP, 65536, forward(tcp), nil, "ValidationError"},
		{"port in use", nlb, ProtocolTCP, 80, forward(tcp), nil, "DuplicateListener"},
		{"TCP listener to a UDP group", nlb, ProtocolTCP, 81, forward(udp), nil, "IncompatibleProtocols"},
		{"TCP listener to an HTTP group", nlb, ProtocolTCP, 81, forward(http), nil, "IncompatibleProtocols"},
		{"HTTP listener to a TCP group", alb, ProtocolHTTP, 80, forward(tcp), nil, "IncompatibleProtocols"},
		{"missing group", nlb, ProtocolTCP, 81, forward(missing), nil, "TargetGroupNotFound"},
		{"group of another load balancer", nlb, ProtocolTCP, 81, forward(taken), nil, "TargetGroupAssociationLimit"},
		{"redirect on an NLB", nlb, ProtocolTCP, 81, redirect, nil, "InvalidLoadBalancerAction"},
		{"no actions", nlb, ProtocolTCP, 81, nil, nil, "ValidationError"},
		{"HTTPS without certificate", alb, ProtocolHTTPS, 443, forward(http), nil, "ValidationError"},
		{"TLS without certificate", nlb, ProtocolTLS, 443, forward(tcp), nil, "ValidationError"},
		{"certificate on HTTP", alb, ProtocolHTTP, 80, forward(http), []Certificate{{CertificateArn: ptr("arn:aws:acm:us-east-1:000000000000:certificate/x")}}, "ValidationError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.c.CreateListener(f.ctx, &CreateListenerInput{LoadBalancerArn: tc.lb, Protocol: &tc.protocol, Port: &tc.port, DefaultActions: tc.actions, Certificates: tc.certs})
			wantCode(t, err, tc.code)
		})
	}
	if got := f.tgRecord(udp).LoadBalancerArns; len(got) != 0 {
		t.Errorf("a failed CreateListener associated the group: %v", got)
	}
}

func TestHTTPSListenerKeepsCertificate(t *testing.T) {
	f := newFixture(t)
	alb := f.loadBalancer(TypeApplication, "app")
	http := f.targetGroup("http", ProtocolHTTP, TargetTypeIP)
	cert := "arn:aws:acm:us-east-1:000000000000:certificate/abc"
	out, err := f.c.CreateListener(f.ctx, &CreateListenerInput{LoadBalancerArn: alb, Protocol: ptr(ProtocolHTTPS), Port: ptr[int32](443),
		Certificates: []Certificate{{CertificateArn: &cert}}, DefaultActions: forward(http)})
	if err != nil {
		t.Fatal(err)
	}
	l := out.Listeners[0]
	if len(l.Certificates) != 1 || *l.Certificates[0].CertificateArn != cert || deref(l.SslPolicy) != defaultSSLPolicy {
		t.Fatalf("listener = %+v", l)
	}
	// Back to HTTP drops the certificate and the policy.
	m, err := f.c.ModifyListener(f.ctx, &ModifyListenerInput{ListenerArn: l.ListenerArn, Protocol: ptr(ProtocolHTTP), Port: ptr[int32](80)})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Listeners[0]; got.Certificates != nil || got.SslPolicy != nil || *got.Port != 80 {
		t.Fatalf("modified = %+v", got)
	}
}

func TestModifyAndDeleteListener(t *testing.T) {
	f := newFixture(t)
	nlb := f.loadBalancer(TypeNetwork, "net")
	a := f.targetGroup("a", ProtocolTCP, TargetTypeIP)
	b := f.targetGroup("b", ProtocolTCP, TargetTypeIP)
	u := f.targetGroup("u", ProtocolUDP, TargetTypeIP)
	arn := f.listener(nlb, ProtocolTCP, 80, forward(a))
	f.listener(nlb, ProtocolTCP, 81, forward(a))

	_, err := f.c.ModifyListener(f.ctx, &ModifyListenerInput{ListenerArn: arn, Port: ptr[int32](81)})
	wantCode(t, err, "DuplicateListener")
	_, err = f.c.ModifyListener(f.ctx, &ModifyListenerInput{ListenerArn: arn, Protocol: ptr(ProtocolUDP)})
	wantCode(t, err, "IncompatibleProtocols")
	if _, err := f.c.ModifyListener(f.ctx, &ModifyListenerInput{ListenerArn: arn, Protocol: ptr(ProtocolUDP), DefaultActions: forward(u)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.ModifyListener(f.ctx, &ModifyListenerInput{ListenerArn: arn, Protocol: ptr(ProtocolTCP), DefaultActions: forward(b)}); err != nil {
		t.Fatal(err)
	}
	if got := f.tgRecord(u).LoadBalancerArns; len(got) != 0 {
		t.Errorf("group no longer forwarded to keeps %v", got)
	}
	if got := f.tgRecord(b).LoadBalancerArns; !slices.Equal(got, []string{nlb}) {
		t.Errorf("b's LoadBalancerArns = %v", got)
	}
	if _, err := f.c.DeleteListener(f.ctx, &DeleteListenerInput{ListenerArn: arn}); err != nil {
		t.Fatal(err)
	}
	if got := f.tgRecord(b).LoadBalancerArns; len(got) != 0 {
		t.Errorf("after DeleteListener, b's LoadBalancerArns = %v", got)
	}
	if got := f.tgRecord(a).LoadBalancerArns; !slices.Equal(got, []string{nlb}) {
		t.Errorf("a, still used on port 81, has %v", got)
	}
	_, err = f.c.DeleteListener(f.ctx, &DeleteListenerInput{ListenerArn: arn})
	wantCode(t, err, "ListenerNotFound")
	_, err = f.c.DescribeListeners(f.ctx, &DescribeListenersInput{ListenerArns: []string{arn}})
	wantCode(t, err, "ListenerNotFound")
	_, err = f.c.DescribeListeners(f.ctx, &DescribeListenersInput{})
	wantCode(t, err, "ValidationError")
}

func TestListenerAttributes(t *testing.T) {
	f := newFixture(t)
	nlb := f.loadBalancer(TypeNetwork, "net")
	tcp := f.targetGroup("tcp", ProtocolTCP, TargetTypeIP)
	arn := f.listener(nlb, ProtocolTCP, 80, forward(tcp))
	out, err := f.c.DescribeListenerAttributes(f.ctx, &DescribeListenerAttributesInput{ListenerArn: arn})
	if err != nil || len(out.Attributes) != 1 || *out.Attributes[0].Key != attrTCPIdleTimeout || *out.Attributes[0].Value != "350" {
		t.Fatalf("attributes = %+v, %v", out, err)
	}
	for _, tc := range []struct{ key, value, code string }{
		{attrTCPIdleTimeout, "59", "ValidationError"},
		{attrTCPIdleTimeout, "6001", "ValidationError"},
		{"no.such.key", "1", "ValidationError"},
		{"routing.http.response.server.enabled", "false", "InvalidConfigurationRequest"},
	} {
		_, err := f.c.ModifyListenerAttributes(f.ctx, &ModifyListenerAttributesInput{ListenerArn: arn, Attributes: []Attribute{{Key: &tc.key, Value: &tc.value}}})
		wantCode(t, err, tc.code)
	}
	m, err := f.c.ModifyListenerAttributes(f.ctx, &ModifyListenerAttributesInput{ListenerArn: arn, Attributes: []Attribute{{Key: ptr(attrTCPIdleTimeout), Value: ptr("600")}}})
	if err != nil || *m.Attributes[0].Value != "600" {
		t.Fatalf("modified = %+v, %v", m, err)
	}
	out, _ = f.c.DescribeListenerAttributes(f.ctx, &DescribeListenerAttributesInput{ListenerArn: arn})
	if *out.Attributes[0].Value != "600" {
		t.Errorf("after modify, %+v", out.Attributes)
	}
}
