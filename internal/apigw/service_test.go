package apigw_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
)

// wantCode asserts that err is the AWS error code (and, if given, that its
// message contains want).
func wantCode(t *testing.T, err error, code, want string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if api.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, api.ErrorCode(), api.ErrorMessage())
	}
	if !strings.Contains(api.ErrorMessage(), want) {
		t.Fatalf("%s message %q does not contain %q", code, api.ErrorMessage(), want)
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

var idRE = regexp.MustCompile(`^[a-z0-9]{10}$`)
