package elbv2_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/portolan/portolan/internal/elbv2/elbv2test"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// wantCode fails unless err is an API error with code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code {
		t.Fatalf("error %v, want %s", err, code)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func createNLB(t *testing.T, c *elb.Client, name string) types.LoadBalancer {
	t.Helper()
	out, err := c.CreateLoadBalancer(ctxT(t), &elb.CreateLoadBalancerInput{
		Name: aws.String(name), Type: types.LoadBalancerTypeEnumNetwork, Scheme: types.LoadBalancerSchemeEnumInternal,
		Subnets: []string{"subnet-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.LoadBalancers[0]
}

func createTCPGroup(t *testing.T, c *elb.Client, name string, targetType types.TargetTypeEnum) types.TargetGroup {
	t.Helper()
	out, err := c.CreateTargetGroup(ctxT(t), &elb.CreateTargetGroupInput{
		Name: aws.String(name), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(8080), TargetType: targetType,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.TargetGroups[0]
}

// forwardTo gives a load balancer a TCP listener on port whose default
// action forwards to tgArn, and returns the listener's ARN.
func forwardTo(t *testing.T, e *elbv2test.Env, lbArn, tgArn string, port int) string {
	t.Helper()
	out, err := e.Client().CreateListener(ctxT(t), &elb.CreateListenerInput{
		LoadBalancerArn: aws.String(lbArn), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(int32(port)),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(tgArn)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Listeners[0].ListenerArn)
}
