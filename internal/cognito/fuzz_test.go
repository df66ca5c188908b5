package cognito

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// FuzzTokenRequest feeds the token endpoint's parser arbitrary content
// types, Authorization headers and bodies: it never panics, and what it
// accepts names a grant and a client, with credentials from one place.
func FuzzTokenRequest(f *testing.F) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("abc:s%3Acret"))
	f.Add("application/x-www-form-urlencoded", basic, []byte("grant_type=client_credentials&scope=orders%2Fread+orders%2Fwrite"))
	f.Add("application/x-www-form-urlencoded; charset=utf-8", "", []byte("grant_type=refresh_token&client_id=abc&refresh_token=x.y"))
	f.Add("application/x-www-form-urlencoded", basic, []byte("grant_type=client_credentials&client_secret=other"))
	f.Add("application/json", "", []byte(`{"grant_type":"client_credentials"}`))
	f.Add("application/x-www-form-urlencoded", "Basic !!!", []byte("grant_type=a&grant_type=b"))
	f.Add("application/x-www-form-urlencoded", "Bearer x", []byte("%zz"))
	f.Fuzz(func(t *testing.T, contentType, authorization string, body []byte) {
		req, err := parseTokenRequest(contentType, authorization, body)
		if err != nil {
			if _, ok := err.(*oauthError); !ok {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if req.GrantType == "" || req.ClientID == "" {
			t.Fatalf("accepted %+v", req)
		}
		form, _ := url.ParseQuery(string(body))
		if authorization != "" && form.Get("client_secret") != "" {
			t.Fatalf("credentials from two places accepted: %q %q", authorization, body)
		}
		if slices.ContainsFunc(req.Scopes, func(s string) bool { return s == "" || strings.ContainsAny(s, " \t\n") }) {
			t.Fatalf("scopes %q", req.Scopes)
		}
	})
}
