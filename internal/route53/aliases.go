package route53

import (
	"strings"

	"github.com/portolan/portolan/internal/elbv2"
)

// LoadBalancerAliases vouches for alias targets that are load balancers'
// DNS names (Config.Aliases): an amazonaws.com name with an "elb" label
// is theirs (NLBs are <name>-<id>.elb.<region>.amazonaws.com, ALBs
// <name>-<id>.<region>.elb.amazonaws.com), and exists while a load
// balancer has it.
type LoadBalancerAliases struct{ View *elbv2.View }

func (l LoadBalancerAliases) AliasTarget(name string) (known, exists bool) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if !strings.HasSuffix(name, ".amazonaws.com") || !strings.Contains(name, ".elb.") {
		return false, false
	}
	snap := l.View.Snapshot()
	if snap == nil {
		return true, false
	}
	for _, lb := range snap.LoadBalancers {
		if strings.EqualFold(strings.TrimSuffix(lb.DNSName, "."), name) {
			return true, true
		}
	}
	return true, false
}
