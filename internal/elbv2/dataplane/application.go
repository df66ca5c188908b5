package dataplane

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/portolan/portolan/internal/elbv2"
	"github.com/portolan/portolan/internal/elbv2/alb"
)

// ApplicationListeners is the ALB data plane's configuration for snap:
// every HTTP listener of every Application Load Balancer, its rules in
// priority order and its default actions last.
func ApplicationListeners(snap *elbv2.Snapshot) *alb.Snapshot {
	out := &alb.Snapshot{}
	for _, lb := range snap.LoadBalancers {
		addr, err := netip.ParseAddr(lb.Address)
		if lb.Type != elbv2.TypeApplication || err != nil {
			continue
		}
		idle := 60 * time.Second
		if n, err := strconv.Atoi(lb.Attributes["idle_timeout.timeout_seconds"]); err == nil && n > 0 {
			idle = time.Duration(n) * time.Second
		}
		for _, l := range lb.Listeners {
			al := alb.Listener{Address: netip.AddrPortFrom(addr, uint16(l.Port)), IdleTimeout: idle}
			switch {
			case l.Protocol == elbv2.ProtocolHTTPS && l.Certificate != nil:
				al.TLS = &alb.KeyPair{CertificatePEM: l.Certificate.CertificatePEM, PrivateKeyPEM: l.Certificate.PrivateKeyPEM}
			case l.Protocol != elbv2.ProtocolHTTP:
				continue
			}
			for _, r := range l.Rules {
				al.Rules = append(al.Rules, alb.Rule{Conditions: conditions(r.Conditions), Action: action(snap, r.Actions)})
			}
			al.Rules = append(al.Rules, alb.Rule{Action: action(snap, l.DefaultActions)})
			out.Listeners = append(out.Listeners, al)
		}
	}
	return out
}

func conditions(in []elbv2.RuleCondition) []alb.Condition {
	out := make([]alb.Condition, 0, len(in))
	for _, c := range in {
		field := derefString(c.Field)
		ac := alb.Condition{Field: field}
		switch {
		case c.PathPatternConfig != nil:
			ac.Values = c.PathPatternConfig.Values
		case c.HostHeaderConfig != nil:
			ac.Values = c.HostHeaderConfig.Values
		case c.HttpRequestMethodConfig != nil:
			ac.Values = c.HttpRequestMethodConfig.Values
		case c.SourceIpConfig != nil:
			ac.Values = c.SourceIpConfig.Values
		case c.HttpHeaderConfig != nil:
			ac.HeaderName, ac.Values = derefString(c.HttpHeaderConfig.HttpHeaderName), c.HttpHeaderConfig.Values
		case c.QueryStringConfig != nil:
			for _, kv := range c.QueryStringConfig.Values {
				ac.Query = append(ac.Query, alb.QueryPair{Key: derefString(kv.Key), Value: derefString(kv.Value)})
			}
		default:
			ac.Values = c.Values // the legacy Field/Values form
		}
		out = append(out, ac)
	}
	return out
}

// action is the terminal action of a rule (the last one once sorted by
// Order, which the control plane did).
func action(snap *elbv2.Snapshot, actions []elbv2.Action) alb.Action {
	if len(actions) == 0 {
		return alb.Action{Type: alb.ActionFixedResponse, FixedResponse: &alb.FixedResponse{StatusCode: 503}}
	}
	a := actions[len(actions)-1]
	switch a.Type {
	case elbv2.ActionFixedResponse:
		fr := a.FixedResponseConfig
		code, _ := strconv.Atoi(fr.StatusCode)
		return alb.Action{Type: alb.ActionFixedResponse, FixedResponse: &alb.FixedResponse{
			StatusCode: code, ContentType: derefString(fr.ContentType), Body: derefString(fr.MessageBody)}}
	case elbv2.ActionRedirect:
		rc := a.RedirectConfig
		code := 301
		if rc.StatusCode == "HTTP_302" {
			code = 302
		}
		return alb.Action{Type: alb.ActionRedirect, Redirect: &alb.Redirect{
			Protocol: derefString(rc.Protocol), Host: derefString(rc.Host), Port: derefString(rc.Port),
			Path: derefString(rc.Path), Query: derefString(rc.Query), StatusCode: code}}
	}
	out := alb.Action{Type: alb.ActionForward}
	if fc := a.ForwardConfig; fc != nil && fc.TargetGroupStickinessConfig != nil {
		sc := fc.TargetGroupStickinessConfig
		if sc.Enabled != nil && *sc.Enabled && sc.DurationSeconds != nil {
			out.GroupStickiness = time.Duration(*sc.DurationSeconds) * time.Second
		}
	}
	for _, fw := range forwards(actions[len(actions)-1:]) {
		tg := snap.TargetGroups[fw.TargetGroupArn]
		if tg == nil {
			continue
		}
		wg := alb.WeightedGroup{Group: applicationGroup(tg)}
		if fw.Weight != nil {
			wg.Weight = int(*fw.Weight)
		}
		out.Forward = append(out.Forward, wg)
	}
	return out
}

func applicationGroup(tg *elbv2.TargetGroupView) alb.TargetGroup {
	out := alb.TargetGroup{ID: tg.ARN}
	attrs := tg.Attributes
	if attrs["stickiness.enabled"] == "true" && attrs["stickiness.type"] == "lb_cookie" {
		if n, err := strconv.Atoi(attrs["stickiness.lb_cookie.duration_seconds"]); err == nil && n > 0 {
			out.Stickiness = time.Duration(n) * time.Second
		}
	}
	for _, t := range tg.Targets {
		addr, ok := targetAddress(tg, t, t.Port)
		if !ok {
			continue
		}
		out.Targets = append(out.Targets, alb.Target{Key: targetKey(t), Address: addr, State: alb.TargetState(targetState(t))})
	}
	return out
}

func derefString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
