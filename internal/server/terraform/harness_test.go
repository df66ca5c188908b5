// Package terraform_test replays, with aws-sdk-go-v2 against a whole
// Portolan server, what the Terraform AWS provider does for every resource
// of the two reference designs written in Terraform: ECS service discovery
// between two services, and the HTTP API with a Cognito JWT authorizer.
// Each resource is created with the provider's calls and the waiters it
// uses, refreshed as the provider reads it (twice: a second read must equal
// the first, or every plan would propose a change), updated where the
// design changes a value, and destroyed in reverse order, after which the
// account holds what it held before. The sequences follow the provider's
// internal/service/{ec2,iam,sts,servicediscovery,ecs,logs,cognitoidp,
// apigatewayv2} sources (v6): the calls, their order, the error codes it
// retries on.
package terraform_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/portolan/portolan/internal/server/servertest"
)

// state is one applied resource: how the provider refreshes it, what the
// first refresh read, and how it is destroyed.
type state struct {
	addr    string
	read    func() any
	seen    any
	destroy func()
}

// plan is a Terraform run against one server: the resources applied so
// far, in order.
type plan struct {
	t     *testing.T
	ctx   context.Context
	env   *servertest.Env
	state []*state
}

func newPlan(t *testing.T, timeout time.Duration) *plan {
	t.Helper()
	env := servertest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return &plan{t: t, ctx: ctx, env: env}
}

func (p *plan) cfg() aws.Config { return p.env.AWS }

// apply records a created resource: refresh reads it twice and fails if
// the reads differ; destroy runs at the end, last created first.
func (p *plan) apply(addr string, read func() any, destroy func()) {
	p.t.Helper()
	first := read()
	if second := read(); !reflect.DeepEqual(first, second) {
		p.t.Fatalf("%s: a second read differs (a plan would show a change):\n%+v\n%+v", addr, first, second)
	}
	p.state = append(p.state, &state{addr: addr, read: read, seen: first, destroy: destroy})
}

// update replaces what a resource's refresh is compared with after the
// design changed a value in place.
func (p *plan) update(addr string) {
	p.t.Helper()
	for _, s := range p.state {
		if s.addr == addr {
			s.seen = s.read()
			return
		}
	}
	p.t.Fatalf("no resource %s", addr)
}

// replace is a change the provider cannot make in place (ForceNew):
// the resource at addr is destroyed, create applies its successor, which
// takes its place in the destroy order.
func (p *plan) replace(addr string, create func()) {
	p.t.Helper()
	i := slices.IndexFunc(p.state, func(s *state) bool { return s.addr == addr })
	if i < 0 {
		p.t.Fatalf("no resource %s", addr)
	}
	p.state[i].destroy()
	p.state = slices.Delete(p.state, i, i+1)
	create()
	last := p.state[len(p.state)-1]
	p.state = slices.Insert(p.state[:len(p.state)-1], i, last)
}

// refresh is `terraform plan` after apply: every resource reads back as
// it was written.
func (p *plan) refresh() {
	p.t.Helper()
	for _, s := range p.state {
		if got := s.read(); !reflect.DeepEqual(got, s.seen) {
			p.t.Fatalf("%s: plan shows a change:\nwas %+v\nnow %+v", s.addr, s.seen, got)
		}
	}
}

// destroy is `terraform destroy`: in reverse order of creation.
func (p *plan) destroy() {
	p.t.Helper()
	for i := len(p.state) - 1; i >= 0; i-- {
		p.state[i].destroy()
	}
	p.state = nil
}

// must fails the test on an error.
func must[T any](p *plan, what string) func(T, error) T {
	return func(v T, err error) T {
		p.t.Helper()
		if err != nil {
			p.t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func code(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// retryOn repeats call while it fails with one of codes, as the
// provider's RetryWhenAWSErrCodeEquals does.
func (p *plan) retryOn(what string, call func() error, codes ...string) {
	p.t.Helper()
	for {
		err := call()
		if err == nil {
			return
		}
		if !slices.Contains(codes, code(err)) || p.ctx.Err() != nil {
			p.t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// until polls cond as the provider's StateChangeConf waiters do.
func (p *plan) until(what string, cond func() (bool, error)) {
	p.t.Helper()
	for {
		ok, err := cond()
		if err != nil {
			p.t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if p.ctx.Err() != nil {
			p.t.Fatalf("%s: timed out", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// gone waits until read fails with the code the provider takes for "not
// found" (RetryUntilNotFound after a delete).
func (p *plan) gone(what, notFound string, read func() error) {
	p.t.Helper()
	p.until(what+" deleted", func() (bool, error) {
		err := read()
		if err == nil {
			return false, nil
		}
		if code(err) == notFound {
			return true, nil
		}
		return false, err
	})
}
