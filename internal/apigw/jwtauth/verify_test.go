package jwtauth

import (
	"context"
	"testing"
	"time"
)

func TestClaimRendering(t *testing.T) {
	c, err := parseClaims([]byte(`{"sub":"u","n":42,"f":1.5,"b":true,"list":["a","b"],"obj":{"k":"v"},"z":null}`))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"sub": "u", "n": "42", "f": "1.5", "b": "true", "list": "[a b]", "obj": `{"k":"v"}`, "z": ""} {
		if got, ok := c.Claim(name); !ok || got != want {
			t.Errorf("claim %s = %q, %v; want %q", name, got, ok, want)
		}
	}
	if _, ok := c.Claim("missing"); ok {
		t.Error("missing claim reported present")
	}
}

func TestTokenFromHeader(t *testing.T) {
	for in, want := range map[string]string{"Bearer abc": "abc", "bearer  abc": "abc", "abc": "abc", " Bearer": "Bearer", "": ""} {
		if got := TokenFromHeader(in); got != want {
			t.Errorf("TokenFromHeader(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestVerifiedTokenCacheExpires: a cached token stops passing when it
// expires, without being verified again.
func TestVerifiedTokenCacheExpires(t *testing.T) {
	a, good := testIssuer(t)
	if _, err := a.Verify(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	a.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, err := a.Verify(context.Background(), good); err == nil || err.(*Error).Reason != ReasonExpired {
		t.Fatalf("expired cached token: %v", err)
	}
}

func TestCheckIssuer(t *testing.T) {
	for iss, ok := range map[string]bool{
		"https://cognito-idp.us-east-1.amazonaws.com/pool": true, "http://localhost:8080/realms/x": true,
		"http://127.0.0.1:9000": true, "http://[::1]:9000": true, "http://dev.localhost": true,
		"http://idp.example.com": false, "https://": false, "idp": false, "https://u:p@idp.example.com": false,
	} {
		if err := CheckIssuer(iss); (err == nil) != ok {
			t.Errorf("CheckIssuer(%q) = %v", iss, err)
		}
	}
}

// BenchmarkVerify: a token seen before (the cache) and a first sight of a
// token (signature check and claims).
func BenchmarkVerify(b *testing.B) {
	a, good := testIssuer(b)
	ctx := context.Background()
	if _, err := a.Verify(ctx, good); err != nil {
		b.Fatal(err)
	}
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Verify(ctx, good); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			clear(a.cache)
			if _, err := a.Verify(ctx, good); err != nil {
				b.Fatal(err)
			}
		}
	})
}
