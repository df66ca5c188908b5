package elbv2_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/elbv2/elbv2test"
)

func runAWS(ctx context.Context, t *testing.T, endpoint string, args ...string) []byte {
	t.Helper()
	return awstest.CLI(ctx, t, endpoint, args...)
}

func TestAWSCLI(t *testing.T) {
	awstest.NeedCLI(t)
	e := elbv2test.Start(t)
	ctx := ctxT(t)
	var lbs struct {
		LoadBalancers []struct{ LoadBalancerArn, DNSName, Scheme, Type string }
	}
	json.Unmarshal(runAWS(ctx, t, e.Endpoint, "elbv2", "create-load-balancer", "--name", "cli-nlb", "--type", "network", "--scheme", "internal", "--subnets", "subnet-1"), &lbs)
	if len(lbs.LoadBalancers) != 1 || lbs.LoadBalancers[0].Scheme != "internal" || lbs.LoadBalancers[0].Type != "network" ||
		!strings.HasSuffix(lbs.LoadBalancers[0].DNSName, ".elb.us-east-1.amazonaws.com") {
		t.Fatalf("create-load-balancer: %+v", lbs)
	}
	var tgs struct {
		TargetGroups []struct {
			TargetGroupArn, HealthCheckPort string
			HealthCheckTimeoutSeconds       int
		}
	}
	json.Unmarshal(runAWS(ctx, t, e.Endpoint, "elbv2", "create-target-group", "--name", "cli-tg", "--protocol", "TCP", "--port", "8080", "--target-type", "ip"), &tgs)
	if len(tgs.TargetGroups) != 1 || tgs.TargetGroups[0].HealthCheckPort != "traffic-port" || tgs.TargetGroups[0].HealthCheckTimeoutSeconds != 10 {
		t.Fatalf("create-target-group: %+v", tgs)
	}
	tg := tgs.TargetGroups[0].TargetGroupArn
	runAWS(ctx, t, e.Endpoint, "elbv2", "register-targets", "--target-group-arn", tg, "--targets", "Id=127.0.0.1,Port=9000", "Id=127.0.0.2")
	var th struct {
		TargetHealthDescriptions []struct {
			Target struct {
				Id   string
				Port int
			}
			HealthCheckPort string
			TargetHealth    struct{ State, Reason string }
		}
	}
	json.Unmarshal(runAWS(ctx, t, e.Endpoint, "elbv2", "describe-target-health", "--target-group-arn", tg), &th)
	if len(th.TargetHealthDescriptions) != 2 {
		t.Fatalf("describe-target-health: %+v", th)
	}
	d := th.TargetHealthDescriptions[0]
	if d.Target.Id != "127.0.0.1" || d.Target.Port != 9000 || d.HealthCheckPort != "9000" || d.TargetHealth.State != "unused" || d.TargetHealth.Reason != "Target.NotInUse" {
		t.Errorf("first target: %+v", d)
	}
	if th.TargetHealthDescriptions[1].Target.Port != 8080 {
		t.Errorf("second target took port %d, want the group's 8080", th.TargetHealthDescriptions[1].Target.Port)
	}
}

// TestXMLShape pins the wire shape the SDK tests decode: the Result
// element named for the action, lists as <member>, the 2015-12-01 xmlns.
func TestXMLShape(t *testing.T) {
	e := elbv2test.Start(t)
	form := url.Values{"Action": {"CreateTargetGroup"}, "Version": {"2015-12-01"}, "Name": {"xml"}, "Protocol": {"TCP"}, "Port": {"80"}}
	resp, err := http.PostForm(e.Endpoint+"/", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`<CreateTargetGroupResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">`,
		`<CreateTargetGroupResult><TargetGroups><member><TargetGroupArn>arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/xml/`,
		`<HealthCheckPort>traffic-port</HealthCheckPort>`, `<LoadBalancerArns></LoadBalancerArns>`, `<TargetType>instance</TargetType>`,
		`<ResponseMetadata><RequestId>`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("answer lacks %s:\n%s", want, b)
		}
	}
}
