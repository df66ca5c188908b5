package albmetrics

import (
	"testing"

	"github.com/portolan/portolan/internal/elbv2"
)

// TestDimension: the values ELB gives its dimensions.
func TestDimension(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/50dc6c495c0c9188": "app/web/50dc6c495c0c9188",
		"arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/73e2d6bc24d8a067":      "targetgroup/web/73e2d6bc24d8a067",
		"arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/tcp/0123456789abcdef": "net/tcp/0123456789abcdef",
	} {
		if got := Dimension(arn); got != want {
			t.Errorf("Dimension(%s) = %s, want %s", arn, got, want)
		}
	}
}

// TestTargetsOf: healthy targets, else every registered one; draining
// ones never.
func TestTargetsOf(t *testing.T) {
	healthy := &elbv2.TargetView{HealthKnown: true, Health: elbv2.TargetHealth{State: "healthy"}}
	unhealthy := &elbv2.TargetView{HealthKnown: true, Health: elbv2.TargetHealth{State: "unhealthy"}}
	draining := &elbv2.TargetView{Draining: true, HealthKnown: true, Health: elbv2.TargetHealth{State: "healthy"}}
	for _, c := range []struct {
		targets []*elbv2.TargetView
		want    int
	}{
		{[]*elbv2.TargetView{healthy, unhealthy, draining}, 1},
		{[]*elbv2.TargetView{unhealthy, unhealthy}, 2},
		{[]*elbv2.TargetView{draining}, 0},
	} {
		if got := targetsOf(&elbv2.TargetGroupView{Targets: c.targets}); got != c.want {
			t.Errorf("targetsOf = %d, want %d", got, c.want)
		}
	}
}
