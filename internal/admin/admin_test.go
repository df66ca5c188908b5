package admin

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAuthenticated: with an Authenticate rule, an endpoint refuses what
// the rule refuses with 403 and {"message"}, and its handler still reads
// the whole body of what the rule lets through.
func TestAuthenticated(t *testing.T) {
	a := New(Config{Authenticate: func(r *http.Request, body []byte) error {
		if r.Header.Get("Authorization") == "" {
			return errors.New("missing signature")
		}
		return nil
	}})
	h := a.authenticated(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})
	cases := []struct {
		name     string
		auth     string
		wantCode int
		wantBody string
	}{
		{"unsigned", "", http.StatusForbidden, `{"message":"missing signature"}`},
		{"signed", "AWS4-HMAC-SHA256 ...", http.StatusOK, "the body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPut, "/_portolan/status", strings.NewReader("the body"))
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			h(w, r)
			if w.Code != tc.wantCode || strings.TrimSpace(w.Body.String()) != tc.wantBody {
				t.Fatalf("%d %s, want %d %s", w.Code, w.Body, tc.wantCode, tc.wantBody)
			}
		})
	}
	// Without a rule the handler is served as it is.
	open := New(Config{}).authenticated(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	w := httptest.NewRecorder()
	open(w, httptest.NewRequest(http.MethodGet, "/_portolan/status", nil))
	if w.Code != http.StatusTeapot {
		t.Fatalf("open endpoint: %d", w.Code)
	}
}
