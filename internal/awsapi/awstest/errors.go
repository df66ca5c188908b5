package awstest

import (
	"errors"
	"testing"

	"github.com/aws/smithy-go"
)

// WantCode fails the test unless err is the AWS error code, as the SDK
// decoded it from the wire, and returns it for a closer look.
func WantCode(t testing.TB, err error, code string) smithy.APIError {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if api.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, api.ErrorCode(), api.ErrorMessage())
	}
	return api
}
