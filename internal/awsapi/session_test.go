package awsapi

import (
	"context"
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

// sessionTable is a SessionKeys over a fixed table, as STS's would be.
type sessionTable map[string]struct {
	secret, token string
	expired       bool
}

func (s sessionTable) SessionSecret(_ context.Context, key string) (string, string, error) {
	e, ok := s[key]
	switch {
	case !ok:
		return "", "", ErrSessionUnknown
	case e.expired:
		return "", "", ErrSessionExpired
	}
	return e.secret, e.token, nil
}

// TestVerifySessions: a request signed with temporary credentials passes
// with their token, and is refused with the code its protocol uses (JSON
// or query) when the token is wrong or missing, the key unknown, or the
// session expired.
func TestVerifySessions(t *testing.T) {
	sessions := sessionTable{
		"ASIALIVE": {secret: "live-secret", token: "live-token"},
		"ASIAOLD":  {secret: "old-secret", token: "old-token", expired: true},
	}
	v := NewVerifier([]Credentials{sigTestCreds}, sigFixedNow).WithSessions(sessions)
	query := sigTestRequest{service: "sts", method: "POST", url: "http://localhost:4566/",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body: "Action=GetCallerIdentity&Version=2011-06-15"}
	for _, tc := range []struct {
		name, key, secret, token string
		json, query              string // the code expected, "" for success
	}{
		{"live", "ASIALIVE", "live-secret", "live-token", "", ""},
		{"wrong token", "ASIALIVE", "live-secret", "other", "UnrecognizedClientException", "InvalidClientTokenId"},
		{"no token", "ASIALIVE", "live-secret", "", "UnrecognizedClientException", "InvalidClientTokenId"},
		{"unknown key", "ASIANOBODY", "x", "y", "UnrecognizedClientException", "InvalidClientTokenId"},
		{"expired", "ASIAOLD", "old-secret", "old-token", "ExpiredTokenException", "ExpiredToken"},
	} {
		for _, p := range []struct {
			tr   sigTestRequest
			want string
		}{{sigTestRequests["ecs"], tc.json}, {query, tc.query}} {
			r, body := sigNewRequest(t, p.tr)
			if tc.token != "" {
				r.Header.Set("X-Amz-Security-Token", tc.token)
			}
			sigSDKSign(t, r, body, Credentials{tc.key, tc.secret}, p.tr.service, sigTestTime)
			_, err := v.Verify(r, body)
			switch {
			case p.want == "" && err != nil:
				t.Errorf("%s %s: %v", tc.name, p.tr.service, err)
			case p.want != "" && (err == nil || AsError(err).Code != p.want):
				t.Errorf("%s %s: want %s, got %v", tc.name, p.tr.service, p.want, err)
			}
		}
	}
}
