package logs

import (
	"testing"

	"github.com/portolan/portolan/internal/awsapi/awstest"
)

// TestRequiredMembers is generated from the SDK's own validators: for
// every operation, each required member left out (the others given) is
// refused with a validation error and changes nothing.
func TestRequiredMembers(t *testing.T) {
	env := newTestEnv(t, Config{})
	if n := awstest.CheckRequired(t, env.client, env.db.Revision, "InvalidParameterException", "ValidationException"); n < 20 {
		t.Fatalf("only %d cases: the SDK's validators were not read", n)
	}
}

// TestEnumAndRangeMembers is generated from botocore's model of CloudWatch
// Logs: for every operation, each top-level enum member given a value
// outside its set, each string member too short or too long and each
// number out of its range is refused with a validation error and changes
// nothing.
func TestEnumAndRangeMembers(t *testing.T) {
	env := newTestEnv(t, Config{})
	model := awstest.LoadModel(t, "logs")
	n := awstest.CheckConstraints(t, env.client, model, env.db.Revision, nil, "InvalidParameterException", "ValidationException")
	t.Logf("%d cases", n)
	if n < 150 {
		t.Fatalf("only %d cases: the model's constraints were not read", n)
	}
}
