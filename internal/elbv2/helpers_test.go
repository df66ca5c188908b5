package elbv2_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"github.com/portolan/portolan/internal/elbv2/elbv2test"
	"github.com/portolan/portolan/internal/store"
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
// action forwards to tgArn, written straight into its record as
// CreateListener (listeners.go) stores it: these tests need a group in
// use without depending on the listener operations.
func forwardTo(t *testing.T, e *elbv2test.Env, lbArn, tgArn string, port int) {
	t.Helper()
	ctx := ctxT(t)
	key := "elbv2/lb/" + lbArn[strings.LastIndex(lbArn, "/")+1:]
	kv, err := e.Store.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(kv.Value, &rec); err != nil {
		t.Fatal(err)
	}
	listeners, _ := rec["Listeners"].([]any)
	rec["Listeners"] = append(listeners, map[string]any{
		"ListenerArn":     strings.Replace(lbArn, ":loadbalancer/", ":listener/", 1) + fmt.Sprintf("/%016x", port),
		"LoadBalancerArn": lbArn, "Port": port, "Protocol": "TCP",
		"DefaultActions": []any{map[string]any{"Type": "forward", "TargetGroupArn": tgArn}},
	})
	b, _ := json.Marshal(rec)
	rev, err := e.Store.Commit(ctx, store.Txn{If: []store.Cmp{store.Unchanged(kv)}, Then: []store.Op{store.Put(key, b)}})
	if err != nil {
		t.Fatal(err)
	}
	for e.Control.View().Snapshot().Revision < rev {
		time.Sleep(5 * time.Millisecond)
	}
}
