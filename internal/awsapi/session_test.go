package awsapi

import (
	"net/http/httptest"
	"testing"
)

func TestAccessKeyOf(t *testing.T) {
	for _, tc := range []struct{ header, query, want string }{
		{"AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=ab", "", "ASIAEXAMPLE"},
		{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iam/aws4_request,SignedHeaders=host,Signature=ab", "", "AKID"},
		{"", "X-Amz-Credential=AKQ%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=x", "AKQ"},
		{"Bearer token", "", ""},
		{"", "", ""},
	} {
		r := httptest.NewRequest("GET", "/?"+tc.query, nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		if got := accessKeyOf(r); got != tc.want {
			t.Errorf("%q %q: got %q, want %q", tc.header, tc.query, got, tc.want)
		}
	}
}

// FuzzAccessKeyOf: any Authorization header or query reads as some key
// (possibly none) without a panic, and never as one with a slash.
func FuzzAccessKeyOf(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=ab", "")
	f.Add("", "X-Amz-Credential=AKQ%2F2026&X-Amz-Credential=x")
	f.Fuzz(func(t *testing.T, header, query string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.RawQuery = query
		r.Header["Authorization"] = []string{header}
		if header == "" {
			delete(r.Header, "Authorization")
		}
		for _, c := range accessKeyOf(r) {
			if c == '/' {
				t.Fatalf("key with a slash from %q %q", header, query)
			}
		}
	})
}
