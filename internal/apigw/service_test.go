package apigw_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/portolan/portolan/internal/awsapi/awstest"
)

// wantCode asserts that err is the AWS error code (and, if given, that its
// message contains want).
func wantCode(t *testing.T, err error, code, want string) {
	t.Helper()
	api := awstest.WantCode(t, err, code)
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
