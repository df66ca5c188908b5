package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

type fuzzInput struct {
	Name       string
	Count      *int32
	Attributes map[string]string
	Records    []struct {
		Type string
		TTL  *int64
	}
	When   Timestamp
	Nested *struct{ Deep *struct{ Value []string } }
}

// FuzzAWSJSON sends arbitrary targets and bodies through the awsJson1_1
// dispatch and decoder: every request gets a well-formed JSON answer with
// a 200 or an AWS error, never a panic or a Go error text.
func FuzzAWSJSON(f *testing.F) {
	svc := NewJSONService("Fuzz_20240101", "Message")
	svc.Handle("Echo", Op(func(_ context.Context, in *fuzzInput) (*fuzzInput, error) { return in, nil }))
	svc.Handle("Fail", Op(func(_ context.Context, in *fuzzInput) (*struct{}, error) {
		return nil, Errorf("InvalidInput", "bad %s", in.Name)
	}))
	mux := NewMux(nil)
	mux.AddJSON(svc)
	for _, seed := range []struct{ target, body string }{
		{"Fuzz_20240101.Echo", `{"Name":"a","Count":3,"Attributes":{"k":"v"},"Records":[{"Type":"A","TTL":10}],"When":1587081768.334}`},
		{"Fuzz_20240101.Echo", ``},
		{"Fuzz_20240101.Echo", `{"When":"2020-01-01T00:00:00Z","Nested":{"Deep":{"Value":["x"]}}}`},
		{"Fuzz_20240101.Fail", `{"Name":"x"}`},
		{"Fuzz_20240101.Nope", `{}`},
		{"Other.Echo", `{}`},
		{"Fuzz_20240101.Echo", `{"Count":"three"}`},
		{"Fuzz_20240101.Echo", `[1,2,3]`},
		{"Fuzz_20240101.Echo", `{"Name":`},
	} {
		f.Add(seed.target, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, target string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", target)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %q %q", rec.Code, target, body)
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("answer is not a JSON object: %q", rec.Body.String())
		}
		if rec.Code != http.StatusOK {
			if _, ok := out["__type"]; !ok && rec.Header().Get("x-amzn-ErrorType") == "" {
				t.Fatalf("error without a type: %q", rec.Body.String())
			}
		}
		if rec.Header().Get("x-amzn-RequestId") == "" {
			t.Fatal("no request id")
		}
	})
}
