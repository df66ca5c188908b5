package server_test

import (
	"testing"

	"github.com/portolan/portolan/internal/admin"
	"github.com/portolan/portolan/internal/server/servertest"
)

// consoleShowsALB reads the console's event stream while requests go
// through the load balancer at lbAddr, until a view shows the load
// balancer's listener forwarding to the target group with its target, and
// a non-zero request rate on the listener → group edge.
func consoleShowsALB(t *testing.T, env *servertest.Env, lbName, tgARN, lbAddr string) {
	t.Helper()
	servertest.ConsoleShows(t, env, "http://"+lbAddr+"/", "", "the load balancer "+lbName+" with a rate to its group", func(v *admin.ConsoleView) bool {
		for _, lb := range v.Status.LoadBalancers {
			if lb.Name != lbName || len(lb.Listeners) != 1 {
				continue
			}
			l := lb.Listeners[0]
			if len(l.TargetGroups) == 1 && l.TargetGroups[0].ARN == tgARN && len(l.TargetGroups[0].Targets) == 1 &&
				v.Rates.Listeners[l.Address+" "+tgARN] > 0 {
				return true
			}
		}
		return false
	})
}
