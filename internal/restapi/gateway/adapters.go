package gateway

import (
	"net/netip"
	"strings"

	"github.com/portolan/portolan/internal/ec2"
	"github.com/portolan/portolan/internal/elbv2"
)

// ELBLoadBalancers answers LoadBalancers from Elastic Load Balancing's
// view: a load balancer's address is the one its listeners bind (and its
// DNSName resolves to), so traffic sent there crosses the load balancer's
// own data plane.
type ELBLoadBalancers struct{ View *elbv2.View }

// Changed is the view's.
func (l ELBLoadBalancers) Changed() <-chan struct{} { return l.View.Changed() }

// Revision is the view's snapshot revision.
func (l ELBLoadBalancers) Revision() (int64, bool) {
	if s := l.View.Snapshot(); s != nil {
		return s.Revision, true
	}
	return 0, false
}

// LoadBalancerAddress is the address of the load balancer arn.
func (l ELBLoadBalancers) LoadBalancerAddress(arn string) (netip.Addr, bool) {
	s := l.View.Snapshot()
	if s == nil || s.LoadBalancers[arn] == nil {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s.LoadBalancers[arn].Address)
	return a, err == nil
}

// EC2Endpoints answers Endpoints from EC2's view: the available Interface
// endpoints of the region's execute-api service.
type EC2Endpoints struct {
	View   *ec2.View
	Region string
}

func (e EC2Endpoints) executeAPI(ep *ec2.VpcEndpoint) bool {
	const pre, suf = "com.amazonaws.", ".execute-api"
	s := ep.ServiceName
	return ep.State == ec2.StateAvailable && len(s) == len(pre)+len(e.Region)+len(suf) &&
		strings.HasPrefix(s, pre) && strings.HasSuffix(s, suf) && s[len(pre):len(s)-len(suf)] == e.Region
}

// Endpoint returns the endpoint's VPC.
func (e EC2Endpoints) Endpoint(id string) (string, bool) {
	ep, ok := e.View.Snapshot().Endpoint(id)
	if !ok || !e.executeAPI(&ep) {
		return "", false
	}
	return ep.VpcId, true
}

// PrivateDNSEndpoint returns the first (by id) execute-api endpoint with
// private DNS on. Several VPCs may each have one; the gateway cannot tell
// which a caller is in, so the first stands for all.
func (e EC2Endpoints) PrivateDNSEndpoint() (string, bool) {
	for _, ep := range e.View.Snapshot().Endpoints() {
		if ep.PrivateDnsEnabled && e.executeAPI(ep) {
			return ep.VpcEndpointId, true
		}
	}
	return "", false
}
