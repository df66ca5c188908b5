package gateway_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	agw "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/portolan/portolan/internal/apigw/apigwtest"
	"github.com/portolan/portolan/internal/apigw/gateway"
)

// load sends requests to path for d, one after another, and counts the
// answers by status.
func (f *fixture) load(path string, d time.Duration) (map[int]int, time.Duration) {
	f.sync()
	counts := map[int]int{}
	start := time.Now()
	for time.Since(start) < d {
		r := f.doHost("GET", f.env.URL(f.apiID, ""), path, nil)
		counts[r.status]++
		if r.status == 429 && string(r.body) != `{"message":"Too Many Requests"}` {
			f.t.Fatalf("429 body %q", r.body)
		}
	}
	return counts, time.Since(start)
}

// TestThrottling: routeSettings and defaultRouteSettings are token buckets.
// A loop far faster than the limit gets the burst, then the rate, and 429s
// for the rest; a route without limits is unaffected; limits of 0 block.
func TestThrottling(t *testing.T) {
	// The loop outruns even the account's 10,000/s: that bucket is off here.
	f := fixtureFor(t, apigwtest.Start(t, func(c *gateway.Config) { c.AccountThrottle = gateway.Throttle{Rate: -1} }))
	b := newBackend(t, "app")
	integ := f.urlIntegration("http://127.0.0.1:"+strconv.Itoa(b.port), nil, 0)
	f.route("GET /limited", integ)
	f.route("GET /free", integ)
	f.route("GET /blocked", integ)
	ctx := context.Background()
	_, err := f.api.CreateStage(ctx, &agw.CreateStageInput{ApiId: &f.apiID, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true),
		RouteSettings: map[string]types.RouteSettings{
			"GET /limited": {ThrottlingRateLimit: aws.Float64(20), ThrottlingBurstLimit: aws.Int32(10)},
			"GET /blocked": {ThrottlingRateLimit: aws.Float64(0), ThrottlingBurstLimit: aws.Int32(0)},
		}})
	if err != nil {
		t.Fatal(err)
	}

	counts, took := f.load("/limited", 1500*time.Millisecond)
	// A token bucket of 10 refilled at 20/s allows at most 10 + 20 per
	// second of the loop; the loop sends hundreds.
	most := 10 + int(20*took.Seconds()) + 1
	t.Logf("GET /limited for %v: %v (at most %d allowed)", took.Round(time.Millisecond), counts, most)
	if counts[200] < 10 || counts[200] > most || counts[429] == 0 || len(counts) != 2 {
		t.Errorf("limited route: %v over %v, want 10..%d successes and 429s", counts, took, most)
	}
	counts, _ = f.load("/free", 300*time.Millisecond)
	if counts[429] != 0 || counts[200] == 0 {
		t.Errorf("unlimited route: %v", counts)
	}
	counts, _ = f.load("/blocked", 100*time.Millisecond)
	if counts[200] != 0 {
		t.Errorf("route with limits 0: %v", counts)
	}

	// Stage defaults apply to every route; a route's own settings win.
	if _, err := f.api.UpdateStage(ctx, &agw.UpdateStageInput{ApiId: &f.apiID, StageName: aws.String("$default"),
		DefaultRouteSettings: &types.RouteSettings{ThrottlingRateLimit: aws.Float64(0), ThrottlingBurstLimit: aws.Int32(0)},
		RouteSettings:        map[string]types.RouteSettings{"GET /limited": {ThrottlingRateLimit: aws.Float64(1e6), ThrottlingBurstLimit: aws.Int32(1e6)}},
	}); err != nil {
		t.Fatal(err)
	}
	if counts, _ := f.load("/free", 100*time.Millisecond); counts[200] != 0 {
		t.Errorf("stage default 0 on /free: %v", counts)
	}
	if counts, _ := f.load("/limited", 100*time.Millisecond); counts[429] != 0 {
		t.Errorf("route override on /limited: %v", counts)
	}

	// Negative limits are refused and change nothing.
	_, err = f.api.UpdateStage(ctx, &agw.UpdateStageInput{ApiId: &f.apiID, StageName: aws.String("$default"),
		DefaultRouteSettings: &types.RouteSettings{ThrottlingBurstLimit: aws.Int32(-1)}})
	var bad *types.BadRequestException
	if !errors.As(err, &bad) {
		t.Errorf("negative burst: %v", err)
	}
}

// TestAccountThrottle: every request counts against the account's bucket
// (AWS: 10,000/s, burst 5,000; lowered here to be reachable).
func TestAccountThrottle(t *testing.T) {
	f := fixtureFor(t, apigwtest.Start(t, func(c *gateway.Config) { c.AccountThrottle = gateway.Throttle{Rate: 5, Burst: 5} }))
	b := newBackend(t, "app")
	integ := f.urlIntegration("http://127.0.0.1:"+strconv.Itoa(b.port), nil, 0)
	f.route("GET /a", integ)
	f.stage("$default", true, nil, nil)
	counts, took := f.load("/a", 500*time.Millisecond)
	if most := 5 + int(5*took.Seconds()) + 1; counts[200] < 5 || counts[200] > most || counts[429] == 0 {
		t.Errorf("account limit: %v over %v", counts, took)
	}
}
