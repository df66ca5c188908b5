package upstream

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadBody: a body up to the limit is read whole; one byte more is
// the payload quota's error, and so is a limit the reader itself enforced
// (http.MaxBytesReader); a body that breaks off is a BodyError.
func TestReadBody(t *testing.T) {
	r, err := ReadBody(strings.NewReader("12345"), 5)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(r); string(b) != "12345" {
		t.Fatalf("read %q", b)
	}
	var tooLarge *http.MaxBytesError
	if _, err := ReadBody(strings.NewReader("123456"), 5); !errors.As(err, &tooLarge) || tooLarge.Limit != 5 {
		t.Fatalf("a body over the limit: %v", err)
	}
	if _, err := ReadBody(http.MaxBytesReader(nil, io.NopCloser(strings.NewReader("123456")), 3), 5); !errors.As(err, &tooLarge) {
		t.Fatalf("a body its reader cut: %v", err)
	}
	var broken BodyError
	if _, err := ReadBody(iotest.ErrReader(io.ErrUnexpectedEOF), 5); !errors.As(err, &broken) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("a body that broke off: %v", err)
	}
}
