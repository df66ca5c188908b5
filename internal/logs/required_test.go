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
