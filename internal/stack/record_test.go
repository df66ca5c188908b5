package stack_test

import (
	"context"
	"testing"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/stack"
	"github.com/portolan/portolan/internal/store"
)

// thing is a handler whose resource is made but whose attributes cannot
// be recorded (a struct is no template value).
type thing struct{ deleted *[]string }

func (h thing) Create(_ context.Context, r *stack.Resource) (string, map[string]any, error) {
	return "thing-1", map[string]any{"Bad": struct{ X int }{1}}, nil
}

func (h thing) Update(context.Context, *stack.Resource, map[string]any) (map[string]any, error) {
	return nil, nil
}

func (h thing) Delete(_ context.Context, r *stack.Resource) error {
	*h.deleted = append(*h.deleted, r.PhysicalID)
	return nil
}

// TestUnrecordableAttributesRollBack: a resource that was made but whose
// attributes cannot be recorded fails its create, and the rollback still
// deletes it by its id, rather than losing it (or failing on it).
func TestUnrecordableAttributesRollBack(t *testing.T) {
	st := awstest.OpenStore(t, "", store.BoltOptions{})
	var deleted []string
	d := stack.New(stack.Config{Region: awstest.Region, AccountID: "000000000000", Store: st,
		Extra: map[string]stack.Handler{"Test::Thing": thing{&deleted}}})
	_, err := d.Deploy(context.Background(), stack.DeployInput{StackName: "s", Template: []byte("Resources:\n  T: {Type: Test::Thing}\n")}, func(stack.Event) {})
	if err == nil {
		t.Fatal("deploy succeeded")
	}
	if len(deleted) != 1 || deleted[0] != "thing-1" {
		t.Fatalf("rollback deleted %q, want [thing-1]", deleted)
	}
}
