package server_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/portolan/portolan/internal/cloudwatch"
	"github.com/portolan/portolan/internal/elbv2/albmetrics"
	"github.com/portolan/portolan/internal/server"
	"github.com/portolan/portolan/internal/server/servertest"
)

// metricsLBAddresses is this file's range for load balancer addresses.
var metricsLBAddresses = netip.MustParsePrefix("127.0.90.0/28")

// TestALBRequestCountPerTarget: requests through an application load
// balancer are counted by its data plane and published as
// AWS/ApplicationELB RequestCountPerTarget of the target group (its
// ELB dimension value), with and without the load balancer's dimension;
// the console shows the load balancer and the rate of its listener.
func TestALBRequestCountPerTarget(t *testing.T) {
	env := servertest.Start(t, func(c *server.Config) { c.MetricPeriod = time.Second; c.LoadBalancerAddresses = metricsLBAddresses })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer backend.Close()
	host, portS, _ := net.SplitHostPort(backend.Listener.Addr().String())
	port, _ := strconv.Atoi(portS)

	lbc := elb.NewFromConfig(env.AWS)
	lb, err := lbc.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Type: elbtypes.LoadBalancerTypeEnumApplication,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, Subnets: []string{"subnet-1", "subnet-2"}})
	must(t, err)
	tg, err := lbc.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("web"), Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(int32(port)), TargetType: elbtypes.TargetTypeEnumIp, VpcId: aws.String("vpc-1")})
	must(t, err)
	tgARN := *tg.TargetGroups[0].TargetGroupArn
	_, err = lbc.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: &tgARN, Targets: []elbtypes.TargetDescription{{Id: aws.String(host), Port: aws.Int32(int32(port))}}})
	must(t, err)
	_, err = lbc.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: &tgARN}}})
	must(t, err)
	var lbAddr string
	for lbAddr == "" {
		if snap := env.Server.ELBv2.View().Snapshot(); snap != nil && snap.LoadBalancers[*lb.LoadBalancers[0].LoadBalancerArn] != nil {
			lbAddr = snap.LoadBalancers[*lb.LoadBalancers[0].LoadBalancerArn].Address
		}
	}
	client := &http.Client{Timeout: 5 * time.Second}
	sent := 0
	for sent < 30 {
		resp, err := client.Get("http://" + lbAddr + "/")
		if err == nil {
			ok := resp.StatusCode == http.StatusOK
			resp.Body.Close()
			if ok {
				sent++
				continue
			}
		}
		select { // the listener is served a moment after CreateListener
		case <-ctx.Done():
			t.Fatalf("the load balancer never answered: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	period := 60
	lbDim := albmetrics.Dimension(*lb.LoadBalancers[0].LoadBalancerArn)
	tgDim := albmetrics.Dimension(tgARN)
	if lbDim != "app/web/"+lbDim[len("app/web/"):] || tgDim[:len("targetgroup/web/")] != "targetgroup/web/" {
		t.Fatalf("dimensions %q %q", lbDim, tgDim)
	}
	for _, dims := range [][]cloudwatch.Dimension{{{Name: "TargetGroup", Value: tgDim}}, {{Name: "LoadBalancer", Value: lbDim}, {Name: "TargetGroup", Value: tgDim}}} {
		for {
			now := time.Now().UTC()
			out, err := env.Server.CloudWatch.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: "AWS/ApplicationELB",
				MetricName: "RequestCountPerTarget", Dimensions: dims, StartTime: now.Add(-2 * time.Minute).Format(time.RFC3339),
				EndTime: now.Add(time.Minute).Format(time.RFC3339), Period: &period, Statistics: []string{"Sum"}})
			must(t, err)
			total := 0.0
			for _, d := range out.Datapoints {
				total += *d.Sum
			}
			if total == float64(sent) {
				break
			}
			if total > float64(sent) {
				t.Fatalf("%v: %v requests per target counted, %d sent to the one target", dims, total, sent)
			}
			select {
			case <-ctx.Done():
				t.Fatalf("%v: %v requests per target counted, want %d", dims, total, sent)
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	consoleShowsALB(t, env, "web", tgARN, lbAddr)
}
