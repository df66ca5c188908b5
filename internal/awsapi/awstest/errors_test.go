package awstest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"
)

// fatalRecorder stops a helper at its first Fatalf, as testing.T does,
// and keeps the message.
type fatalRecorder struct {
	testing.TB
	msg string
}

type fatalStop struct{}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	panic(fatalStop{})
}

// wantCodeFails runs WantCode and returns its failure message, "" if none.
func wantCodeFails(t *testing.T, err error, code string) (msg string) {
	r := &fatalRecorder{TB: t}
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(fatalStop); !ok {
				panic(p)
			}
			msg = r.msg
		}
	}()
	WantCode(r, err, code)
	return ""
}

func TestWantCode(t *testing.T) {
	notFound := fmt.Errorf("operation error: %w", &smithy.GenericAPIError{Code: "NotFoundException", Message: "no such api"})
	if api := WantCode(t, notFound, "NotFoundException"); api.ErrorMessage() != "no such api" {
		t.Errorf("returned %v, want the wrapped API error", api)
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{notFound, "want ConflictException, got NotFoundException: no such api"},
		{errors.New("dial tcp: refused"), "want ConflictException, got dial tcp: refused"},
		{nil, "want ConflictException, got <nil>"},
	} {
		if got := wantCodeFails(t, tc.err, "ConflictException"); got != tc.want {
			t.Errorf("WantCode(%v) failed with %q, want %q", tc.err, got, tc.want)
		}
	}
}
