package awsapi

import (
	"regexp"
	"testing"
	"time"
)

// TestIDShapes: the ids the gateways put on every request have AWS's
// shapes, and differ from one call to the next.
func TestIDShapes(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if a, b := NewUUID(), NewUUID(); !uuid.MatchString(a) || a == b {
		t.Errorf("NewUUID: %q, %q", a, b)
	}
	at := time.Unix(0x5f1c2d0b, 0)
	trace := regexp.MustCompile(`^Root=1-5f1c2d0b-[0-9a-f]{24}$`)
	if a, b := NewTraceID(at), NewTraceID(at); !trace.MatchString(a) || a == b {
		t.Errorf("NewTraceID: %q, %q", a, b)
	}
}
